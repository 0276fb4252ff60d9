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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
)

// Group is an Auto Scaling group as the controller sees it.
type Group struct {
	Name                string
	Zones               []string
	Min, Max, Desired   int64
	Tags                map[string]string
	LaunchTemplate      *TemplateRef // nil when the group uses a launch configuration
	LaunchConfiguration string
	Instances           []GroupInstance
}

// TemplateRef is a launch template and version ($Default, $Latest or a number).
type TemplateRef struct {
	ID      string
	Name    string
	Version string
}

// GroupInstance is an instance as its group reports it.
type GroupInstance struct {
	ID                    string
	Zone                  string
	InstanceType          string
	LifecycleState        string
	Protected             bool
	LaunchTemplateVersion string
	LaunchConfiguration   string
}

// maxGroupNamesPerCall is DescribeAutoScalingGroups' limit on names per request.
const maxGroupNamesPerCall = 100

// DescribeGroups describes the named groups (all of a policy's groups in one call, paginated). Groups that
// do not exist are absent from the result.
func DescribeGroups(ctx context.Context, api AutoScalingAPI, names []string) (map[string]Group, error) {
	out := map[string]Group{}
	for start := 0; start < len(names); start += maxGroupNamesPerCall {
		end := min(start+maxGroupNamesPerCall, len(names))
		p := autoscaling.NewDescribeAutoScalingGroupsPaginator(api, &autoscaling.DescribeAutoScalingGroupsInput{
			AutoScalingGroupNames: names[start:end], MaxRecords: aws.Int32(100),
		})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			for _, g := range page.AutoScalingGroups {
				out[aws.ToString(g.AutoScalingGroupName)] = groupFromSDK(g)
			}
		}
	}
	return out, nil
}

// DescribeAllGroups describes every group of the account (paginated). It is costly on a big account and runs
// only before a change to a launch template that other groups may share.
func DescribeAllGroups(ctx context.Context, api AutoScalingAPI) ([]Group, error) {
	return describeGroupsWith(ctx, api, nil)
}

// DescribeTaggedGroups describes every group that carries the tag key, in pages of 100: one call per 100
// groups, whichever policies they belong to.
func DescribeTaggedGroups(ctx context.Context, api AutoScalingAPI, key string) ([]Group, error) {
	return describeGroupsWith(ctx, api, []astypes.Filter{{Name: aws.String("tag-key"), Values: []string{key}}})
}

func describeGroupsWith(ctx context.Context, api AutoScalingAPI, filters []astypes.Filter) ([]Group, error) {
	var out []Group
	p := autoscaling.NewDescribeAutoScalingGroupsPaginator(api, &autoscaling.DescribeAutoScalingGroupsInput{MaxRecords: aws.Int32(100), Filters: filters})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, g := range page.AutoScalingGroups {
			out = append(out, groupFromSDK(g))
		}
	}
	return out, nil
}

func groupFromSDK(g astypes.AutoScalingGroup) Group {
	out := Group{
		Name: aws.ToString(g.AutoScalingGroupName), Zones: g.AvailabilityZones,
		Min: int64(aws.ToInt32(g.MinSize)), Max: int64(aws.ToInt32(g.MaxSize)), Desired: int64(aws.ToInt32(g.DesiredCapacity)),
		Tags: map[string]string{}, LaunchConfiguration: aws.ToString(g.LaunchConfigurationName),
	}
	if lt := g.LaunchTemplate; lt != nil {
		out.LaunchTemplate = &TemplateRef{ID: aws.ToString(lt.LaunchTemplateId), Name: aws.ToString(lt.LaunchTemplateName), Version: aws.ToString(lt.Version)}
	}
	for _, t := range g.Tags {
		out.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	for _, i := range g.Instances {
		gi := GroupInstance{
			ID: aws.ToString(i.InstanceId), Zone: aws.ToString(i.AvailabilityZone), InstanceType: aws.ToString(i.InstanceType),
			LifecycleState: string(i.LifecycleState), Protected: aws.ToBool(i.ProtectedFromScaleIn),
			LaunchConfiguration: aws.ToString(i.LaunchConfigurationName),
		}
		if i.LaunchTemplate != nil {
			gi.LaunchTemplateVersion = aws.ToString(i.LaunchTemplate.Version)
		}
		out.Instances = append(out.Instances, gi)
	}
	return out
}

// PointGroupAtTemplate makes a group launch from a launch template version.
func PointGroupAtTemplate(ctx context.Context, api AutoScalingAPI, group, templateID, version string) error {
	_, err := api.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String(group),
		LaunchTemplate:       &astypes.LaunchTemplateSpecification{LaunchTemplateId: aws.String(templateID), Version: aws.String(version)},
	})
	return err
}

// PointGroupAtLaunchConfiguration makes a group launch from a launch configuration.
func PointGroupAtLaunchConfiguration(ctx context.Context, api AutoScalingAPI, group, name string) error {
	_, err := api.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String(group), LaunchConfigurationName: aws.String(name),
	})
	return err
}

// SetCapacity sets a group's desired capacity, raising its max size first when needed.
func SetCapacity(ctx context.Context, api AutoScalingAPI, group Group, desired int64) error {
	in := &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String(group.Name), DesiredCapacity: aws.Int32(int32(desired))}
	if desired > group.Max {
		in.MaxSize = aws.Int32(int32(desired))
	}
	_, err := api.UpdateAutoScalingGroup(ctx, in)
	return err
}

// TerminateInstance terminates a group's instance; with decrement false the group launches a replacement.
func TerminateInstance(ctx context.Context, api AutoScalingAPI, instanceID string, decrement bool) error {
	_, err := api.TerminateInstanceInAutoScalingGroup(ctx, &autoscaling.TerminateInstanceInAutoScalingGroupInput{
		InstanceId: aws.String(instanceID), ShouldDecrementDesiredCapacity: aws.Bool(decrement),
	})
	return err
}

// LaunchConfiguration is a legacy launch configuration.
type LaunchConfiguration struct {
	Name         string
	ImageID      string
	InstanceType string
}

// DescribeLaunchConfigurations returns the named launch configurations (absent ones are left out).
func DescribeLaunchConfigurations(ctx context.Context, api AutoScalingAPI, names []string) (map[string]LaunchConfiguration, error) {
	out := map[string]LaunchConfiguration{}
	p := autoscaling.NewDescribeLaunchConfigurationsPaginator(api, &autoscaling.DescribeLaunchConfigurationsInput{LaunchConfigurationNames: names})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, lc := range page.LaunchConfigurations {
			out[aws.ToString(lc.LaunchConfigurationName)] = LaunchConfiguration{
				Name: aws.ToString(lc.LaunchConfigurationName), ImageID: aws.ToString(lc.ImageId), InstanceType: aws.ToString(lc.InstanceType),
			}
		}
	}
	return out, nil
}

// CreateLaunchConfiguration creates a launch configuration.
func CreateLaunchConfiguration(ctx context.Context, api AutoScalingAPI, lc LaunchConfiguration) error {
	_, err := api.CreateLaunchConfiguration(ctx, &autoscaling.CreateLaunchConfigurationInput{
		LaunchConfigurationName: aws.String(lc.Name), ImageId: aws.String(lc.ImageID), InstanceType: aws.String(lc.InstanceType),
	})
	return err
}

// DeleteResult is what a delete did.
type DeleteResult int

const (
	// Deleted: the resource was deleted.
	Deleted DeleteResult = iota
	// Gone: it did not exist (any more).
	Gone
	// InUse: something still uses it (a group outside the policy launches from a launch configuration), so
	// it was not deleted. Not an error: it is not this controller's to delete.
	InUse
)

// DeleteLaunchConfiguration deletes a launch configuration.
func DeleteLaunchConfiguration(ctx context.Context, api AutoScalingAPI, name string) (DeleteResult, error) {
	_, err := api.DeleteLaunchConfiguration(ctx, &autoscaling.DeleteLaunchConfigurationInput{LaunchConfigurationName: aws.String(name)})
	switch {
	case err == nil:
		return Deleted, nil
	case IsNotFound(err):
		return Gone, nil
	case Code(err) == "ResourceInUse":
		return InUse, nil
	}
	return Deleted, err
}

// SetMaxSize sets a group's max size (to put it back after a surge).
func SetMaxSize(ctx context.Context, api AutoScalingAPI, group string, maxSize int64) error {
	_, err := api.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String(group), MaxSize: aws.Int32(int32(maxSize))})
	return err
}
