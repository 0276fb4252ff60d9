// Copyright 2026 The cache-remediator Authors.
//
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//     http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

package awsclient

import (
	"context"
	"maps"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Instance is an EC2 instance as the controller sees it.
type Instance struct {
	ID           string
	ImageID      string
	InstanceType string
	Zone         string
	PrivateIP    string
	State        string // pending, running, shutting-down, terminated, ...
	LaunchTime   time.Time
}

// maxInstanceIDsPerCall keeps DescribeInstances requests well under the API's limits.
const maxInstanceIDsPerCall = 200

// DescribeInstances describes the instances: one call for any number of instances up to
// maxInstanceIDsPerCall. What it returns of an instance never changes but its state.
func DescribeInstances(ctx context.Context, api EC2API, ids []string) (map[string]Instance, error) {
	out := map[string]Instance{}
	for start := 0; start < len(ids); start += maxInstanceIDsPerCall {
		batch := ids[start:min(start+maxInstanceIDsPerCall, len(ids))]
		p := ec2.NewDescribeInstancesPaginator(api, &ec2.DescribeInstancesInput{InstanceIds: batch})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			for _, r := range page.Reservations {
				for _, i := range r.Instances {
					out[aws.ToString(i.InstanceId)] = instanceFromSDK(i)
				}
			}
		}
	}
	return out, nil
}

// InstanceStatuses reads the instances' status checks, the worse of the system and instance checks: ok,
// impaired, initializing, insufficient-data or not-applicable; an instance EC2 does not report is left out.
// One call for any number of instances up to maxInstanceIDsPerCall.
func InstanceStatuses(ctx context.Context, api EC2API, ids []string) (map[string]string, error) {
	out := map[string]string{}
	for start := 0; start < len(ids); start += maxInstanceIDsPerCall {
		batch := ids[start:min(start+maxInstanceIDsPerCall, len(ids))]
		p := ec2.NewDescribeInstanceStatusPaginator(api, &ec2.DescribeInstanceStatusInput{InstanceIds: batch, IncludeAllInstances: aws.Bool(true)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			for _, st := range page.InstanceStatuses {
				out[aws.ToString(st.InstanceId)] = worseStatus(st.SystemStatus, st.InstanceStatus)
			}
		}
	}
	return out, nil
}

func instanceFromSDK(i ec2types.Instance) Instance {
	out := Instance{
		ID: aws.ToString(i.InstanceId), ImageID: aws.ToString(i.ImageId), InstanceType: string(i.InstanceType),
		PrivateIP: aws.ToString(i.PrivateIpAddress), LaunchTime: aws.ToTime(i.LaunchTime),
	}
	if i.Placement != nil {
		out.Zone = aws.ToString(i.Placement.AvailabilityZone)
	}
	if i.State != nil {
		out.State = string(i.State.Name)
	}
	return out
}

func worseStatus(checks ...*ec2types.InstanceStatusSummary) string {
	rank := map[string]int{"ok": 0, "not-applicable": 1, "initializing": 2, "insufficient-data": 3, "impaired": 4}
	worst := ""
	for _, c := range checks {
		if c == nil {
			continue
		}
		if s := string(c.Status); worst == "" || rank[s] > rank[worst] {
			worst = s
		}
	}
	return worst
}

// Image is an AMI.
type Image struct {
	ID           string
	Name         string
	State        string
	Architecture string
}

// DescribeImage describes one AMI; a missing AMI is a NotFound error.
func DescribeImage(ctx context.Context, api EC2API, id string) (Image, error) {
	out, err := api.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}})
	if err != nil {
		return Image{}, err
	}
	if len(out.Images) == 0 {
		return Image{}, notFound("InvalidAMIID.NotFound", "the image id '["+id+"]' does not exist")
	}
	img := out.Images[0]
	return Image{ID: aws.ToString(img.ImageId), Name: aws.ToString(img.Name), State: string(img.State), Architecture: string(img.Architecture)}, nil
}

// InstanceTypeInfo is an EC2 instance type.
type InstanceTypeInfo struct {
	Name          string
	Architectures []string
	MemoryMiB     int64
}

// DescribeInstanceType describes one instance type; an unknown type is a NotFound error.
func DescribeInstanceType(ctx context.Context, api EC2API, name string) (InstanceTypeInfo, error) {
	out, err := api.DescribeInstanceTypes(ctx, &ec2.DescribeInstanceTypesInput{InstanceTypes: []ec2types.InstanceType{ec2types.InstanceType(name)}})
	if err != nil {
		return InstanceTypeInfo{}, err
	}
	if len(out.InstanceTypes) == 0 {
		return InstanceTypeInfo{}, notFound("InvalidInstanceType", "the instance type "+name+" does not exist")
	}
	it := out.InstanceTypes[0]
	info := InstanceTypeInfo{Name: string(it.InstanceType)}
	if it.ProcessorInfo != nil {
		for _, a := range it.ProcessorInfo.SupportedArchitectures {
			info.Architectures = append(info.Architectures, string(a))
		}
	}
	if it.MemoryInfo != nil {
		info.MemoryMiB = aws.ToInt64(it.MemoryInfo.SizeInMiB)
	}
	return info, nil
}

// LaunchTemplate is a launch template's identity and version pointers.
type LaunchTemplate struct {
	ID             string
	Name           string
	DefaultVersion int64
	LatestVersion  int64
	Tags           map[string]string
}

// TemplateVersion is one launch template version's AMI and type.
type TemplateVersion struct {
	TemplateID   string
	Number       int64
	ImageID      string
	InstanceType string
	Description  string
	IsDefault    bool
}

// DescribeLaunchTemplates describes launch templates by id, with their tags, in one call; templates that do
// not exist are absent from the result.
func DescribeLaunchTemplates(ctx context.Context, api EC2API, ids []string) (map[string]LaunchTemplate, error) {
	out := map[string]LaunchTemplate{}
	resp, err := api.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateIds: ids})
	if IsNotFound(err) && len(ids) > 1 {
		// EC2 fails the whole call when one id does not exist: ask for each, to tell which.
		for _, id := range ids {
			one, err := DescribeLaunchTemplates(ctx, api, []string{id})
			if err != nil {
				return nil, err
			}
			maps.Copy(out, one)
		}
		return out, nil
	}
	if IsNotFound(err) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	for _, lt := range resp.LaunchTemplates {
		t := templateFromSDK(lt)
		out[t.ID] = t
	}
	return out, nil
}

// DescribeTaggedLaunchTemplates describes every launch template that carries the tag key, in pages of 200.
func DescribeTaggedLaunchTemplates(ctx context.Context, api EC2API, key string) (map[string]LaunchTemplate, error) {
	out := map[string]LaunchTemplate{}
	p := ec2.NewDescribeLaunchTemplatesPaginator(api, &ec2.DescribeLaunchTemplatesInput{MaxResults: aws.Int32(200),
		Filters: []ec2types.Filter{{Name: aws.String("tag-key"), Values: []string{key}}}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, lt := range page.LaunchTemplates {
			t := templateFromSDK(lt)
			out[t.ID] = t
		}
	}
	return out, nil
}

func templateFromSDK(lt ec2types.LaunchTemplate) LaunchTemplate {
	t := LaunchTemplate{ID: aws.ToString(lt.LaunchTemplateId), Name: aws.ToString(lt.LaunchTemplateName),
		DefaultVersion: aws.ToInt64(lt.DefaultVersionNumber), LatestVersion: aws.ToInt64(lt.LatestVersionNumber), Tags: map[string]string{}}
	for _, tag := range lt.Tags {
		t.Tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	return t
}

// DescribeTemplateVersions describes the given versions ($Default, $Latest or numbers) of a template, or
// every version when none is given.
func DescribeTemplateVersions(ctx context.Context, api EC2API, templateID string, versions ...string) ([]TemplateVersion, error) {
	var out []TemplateVersion
	p := ec2.NewDescribeLaunchTemplateVersionsPaginator(api, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(templateID), Versions: versions})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, v := range page.LaunchTemplateVersions {
			out = append(out, templateVersionFromSDK(v))
		}
	}
	return out, nil
}

func templateVersionFromSDK(v ec2types.LaunchTemplateVersion) TemplateVersion {
	tv := TemplateVersion{TemplateID: aws.ToString(v.LaunchTemplateId), Number: aws.ToInt64(v.VersionNumber),
		Description: aws.ToString(v.VersionDescription), IsDefault: aws.ToBool(v.DefaultVersion)}
	if d := v.LaunchTemplateData; d != nil {
		tv.ImageID, tv.InstanceType = aws.ToString(d.ImageId), string(d.InstanceType)
	}
	return tv
}

// CreateTemplateVersion creates a version from source with the given AMI and type. The client token makes
// a retried call (after a crash or a timeout) return the version the first call created.
func CreateTemplateVersion(ctx context.Context, api EC2API, templateID string, source int64, imageID, instanceType, description, clientToken string) (TemplateVersion, error) {
	out, err := api.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{
		LaunchTemplateId: aws.String(templateID), SourceVersion: aws.String(strconv.FormatInt(source, 10)),
		VersionDescription: aws.String(description), ClientToken: aws.String(clientToken),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String(imageID), InstanceType: ec2types.InstanceType(instanceType)},
	})
	if err != nil {
		return TemplateVersion{}, err
	}
	return templateVersionFromSDK(*out.LaunchTemplateVersion), nil
}

// SetDefaultTemplateVersion makes a version the template's default.
func SetDefaultTemplateVersion(ctx context.Context, api EC2API, templateID string, version int64) error {
	_, err := api.ModifyLaunchTemplate(ctx, &ec2.ModifyLaunchTemplateInput{LaunchTemplateId: aws.String(templateID), DefaultVersion: aws.String(strconv.FormatInt(version, 10))})
	return err
}

// DeleteTemplateVersions deletes versions of a template and returns the ones deleted.
func DeleteTemplateVersions(ctx context.Context, api EC2API, templateID string, versions []int64) ([]int64, error) {
	var vs []string
	for _, v := range versions {
		vs = append(vs, strconv.FormatInt(v, 10))
	}
	out, err := api.DeleteLaunchTemplateVersions(ctx, &ec2.DeleteLaunchTemplateVersionsInput{LaunchTemplateId: aws.String(templateID), Versions: vs})
	if err != nil {
		return nil, err
	}
	var deleted []int64
	for _, d := range out.SuccessfullyDeletedLaunchTemplateVersions {
		deleted = append(deleted, aws.ToInt64(d.VersionNumber))
	}
	return deleted, nil
}
