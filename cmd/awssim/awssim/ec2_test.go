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

package awssim_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	. "github.com/onsi/gomega"
)

func TestDescribeInstancesDecodesPlacementAddressStateAndTags(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	id := f.srv.GroupInstances("cache-b")[0].ID
	out, err := f.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.Reservations).To(HaveLen(1))
	inst := out.Reservations[0].Instances[0]
	g.Expect(aws.ToString(inst.InstanceId)).To(Equal(id))
	g.Expect(aws.ToString(inst.ImageId)).To(Equal(amiOld))
	g.Expect(inst.InstanceType).To(Equal(ec2types.InstanceType(typeOld)))
	g.Expect(aws.ToString(inst.Placement.AvailabilityZone)).To(Equal("us-east-1b"))
	g.Expect(aws.ToString(inst.PrivateIpAddress)).To(MatchRegexp(`^127\.\d+\.\d+\.\d+$`))
	g.Expect(inst.State.Name).To(Equal(ec2types.InstanceStateNameRunning))
	g.Expect(aws.ToInt32(inst.State.Code)).To(Equal(int32(16)))
	g.Expect(inst.LaunchTime).NotTo(BeNil())
	g.Expect(inst.Tags).To(ContainElement(ec2types.Tag{Key: str("aws:autoscaling:groupName"), Value: str("cache-b")}))

	filtered, err := f.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{{Name: str("tag:aws:autoscaling:groupName"), Values: []string{"legacy"}}}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(filtered.Reservations).To(HaveLen(2))

	_, err = f.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{"i-0000000000000dead"}})
	expectCode(g, err, "InvalidInstanceID.NotFound")
}

func TestDescribeInstanceStatusReportsChecksAndImpairment(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	ids := []string{f.srv.GroupInstances("cache-a")[0].ID, f.srv.GroupInstances("cache-b")[0].ID}
	f.srv.SetImpaired(ids[1], true)
	out, err := f.ec2.DescribeInstanceStatus(ctx, &ec2.DescribeInstanceStatusInput{InstanceIds: ids, IncludeAllInstances: aws.Bool(true)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.InstanceStatuses).To(HaveLen(2))
	g.Expect(out.InstanceStatuses[0].InstanceStatus.Status).To(Equal(ec2types.SummaryStatusOk))
	g.Expect(out.InstanceStatuses[0].SystemStatus.Details[0].Status).To(Equal(ec2types.StatusTypePassed))
	g.Expect(out.InstanceStatuses[1].InstanceStatus.Status).To(Equal(ec2types.SummaryStatusImpaired))
	g.Expect(out.InstanceStatuses[1].InstanceState.Name).To(Equal(ec2types.InstanceStateNameRunning))
}

func TestDescribeImagesDecodesStateAndArchitectureAndRejectsUnknownIDs(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	out, err := f.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{amiArm, amiGone}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.Images).To(HaveLen(2))
	g.Expect(out.Images[0].Architecture).To(Equal(ec2types.ArchitectureValuesArm64))
	g.Expect(out.Images[0].State).To(Equal(ec2types.ImageStateAvailable))
	g.Expect(aws.ToString(out.Images[0].Name)).To(Equal("cache-arm"))
	g.Expect(out.Images[1].State).To(Equal(ec2types.ImageStateDeregistered))

	_, err = f.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{"ami-0123456789abcdef9"}})
	expectCode(g, err, "InvalidAMIID.NotFound")
	_, err = f.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{"ami-xyz"}})
	expectCode(g, err, "InvalidAMIID.Malformed")
}

func TestDescribeInstanceTypesDecodesArchitecturesAndMemory(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	out, err := f.ec2.DescribeInstanceTypes(ctx, &ec2.DescribeInstanceTypesInput{InstanceTypes: []ec2types.InstanceType{typeArm}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.InstanceTypes).To(HaveLen(1))
	g.Expect(out.InstanceTypes[0].ProcessorInfo.SupportedArchitectures).To(Equal([]ec2types.ArchitectureType{ec2types.ArchitectureTypeArm64}))
	g.Expect(aws.ToInt64(out.InstanceTypes[0].MemoryInfo.SizeInMiB)).To(Equal(int64(16384)))
	_, err = f.ec2.DescribeInstanceTypes(ctx, &ec2.DescribeInstanceTypesInput{InstanceTypes: []ec2types.InstanceType{"z9.huge"}})
	expectCode(g, err, "InvalidInstanceType")
}

func TestLaunchTemplateVersionsCanBeCreatedResolvedDefaultedAndDeleted(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	created, err := f.ec2.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: str(f.ltID), SourceVersion: str("1"),
		VersionDescription: str("new ami"), ClientToken: str("token-1"), LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: str(amiNew)}})
	g.Expect(err).NotTo(HaveOccurred())
	v := created.LaunchTemplateVersion
	g.Expect(aws.ToInt64(v.VersionNumber)).To(Equal(int64(2)))
	g.Expect(aws.ToString(v.LaunchTemplateData.ImageId)).To(Equal(amiNew))
	g.Expect(v.LaunchTemplateData.InstanceType).To(Equal(ec2types.InstanceType(typeOld)), "the type is merged from the source version")
	g.Expect(aws.ToBool(v.DefaultVersion)).To(BeFalse())

	again, err := f.ec2.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: str(f.ltID), SourceVersion: str("1"),
		ClientToken: str("token-1"), LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: str(amiNew)}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(aws.ToInt64(again.LaunchTemplateVersion.VersionNumber)).To(Equal(int64(2)), "the same client token returns the same version")

	lts, err := f.ec2.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateIds: []string{f.ltID}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(aws.ToInt64(lts.LaunchTemplates[0].LatestVersionNumber)).To(Equal(int64(2)))
	g.Expect(aws.ToInt64(lts.LaunchTemplates[0].DefaultVersionNumber)).To(Equal(int64(1)))
	g.Expect(aws.ToString(lts.LaunchTemplates[0].LaunchTemplateName)).To(Equal(ltName))

	resolved, err := f.ec2.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: str(f.ltID), Versions: []string{"$Default", "$Latest"}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(aws.ToInt64(resolved.LaunchTemplateVersions[0].VersionNumber)).To(Equal(int64(1)))
	g.Expect(aws.ToBool(resolved.LaunchTemplateVersions[0].DefaultVersion)).To(BeTrue())
	g.Expect(aws.ToInt64(resolved.LaunchTemplateVersions[1].VersionNumber)).To(Equal(int64(2)))

	modified, err := f.ec2.ModifyLaunchTemplate(ctx, &ec2.ModifyLaunchTemplateInput{LaunchTemplateId: str(f.ltID), DefaultVersion: str("2")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(aws.ToInt64(modified.LaunchTemplate.DefaultVersionNumber)).To(Equal(int64(2)))

	deleted, err := f.ec2.DeleteLaunchTemplateVersions(ctx, &ec2.DeleteLaunchTemplateVersionsInput{LaunchTemplateId: str(f.ltID), Versions: []string{"1", "2", "7"}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(deleted.SuccessfullyDeletedLaunchTemplateVersions).To(HaveLen(1))
	g.Expect(aws.ToInt64(deleted.SuccessfullyDeletedLaunchTemplateVersions[0].VersionNumber)).To(Equal(int64(1)))
	g.Expect(deleted.UnsuccessfullyDeletedLaunchTemplateVersions).To(HaveLen(2))
	g.Expect(deleted.UnsuccessfullyDeletedLaunchTemplateVersions[0].ResponseError.Code).To(Equal(ec2types.LaunchTemplateErrorCodeUnexpectedError))
	g.Expect(deleted.UnsuccessfullyDeletedLaunchTemplateVersions[1].ResponseError.Code).To(Equal(ec2types.LaunchTemplateErrorCodeLaunchTemplateVersionDoesNotExist))

	_, err = f.ec2.ModifyLaunchTemplate(ctx, &ec2.ModifyLaunchTemplateInput{LaunchTemplateId: str(f.ltID), DefaultVersion: str("9")})
	expectCode(g, err, "InvalidLaunchTemplateId.VersionNotFound")
	_, err = f.ec2.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateIds: []string{"lt-0000000000000dead"}})
	expectCode(g, err, "InvalidLaunchTemplateId.NotFound")
	_, err = f.ec2.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: str(f.ltID),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: str("ami-0123456789abcdef9")}})
	expectCode(g, err, "InvalidAMIID.NotFound")
}
