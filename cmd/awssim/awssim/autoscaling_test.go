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
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/smithy-go"
	. "github.com/onsi/gomega"
)

var ctx = context.Background()

func TestDescribeAutoScalingGroupsDecodesGroupsInstancesTemplatesAndTags(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	out, err := f.asg.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"cache-b", "legacy", "missing"}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.AutoScalingGroups).To(HaveLen(2), "an unknown name is left out, not an error")
	b := out.AutoScalingGroups[0]
	g.Expect(aws.ToString(b.AutoScalingGroupName)).To(Equal("cache-b"))
	g.Expect(b.AvailabilityZones).To(Equal([]string{"us-east-1b"}))
	g.Expect(aws.ToInt32(b.DesiredCapacity)).To(Equal(int32(1)))
	g.Expect(aws.ToInt32(b.MaxSize)).To(Equal(int32(2)))
	g.Expect(aws.ToString(b.LaunchTemplate.LaunchTemplateId)).To(Equal(f.ltID))
	g.Expect(aws.ToString(b.LaunchTemplate.LaunchTemplateName)).To(Equal(ltName))
	g.Expect(aws.ToString(b.LaunchTemplate.Version)).To(Equal("$Default"))
	g.Expect(b.Instances).To(HaveLen(1))
	inst := b.Instances[0]
	g.Expect(inst.LifecycleState).To(Equal(astypes.LifecycleStateInService))
	g.Expect(aws.ToString(inst.InstanceType)).To(Equal(typeOld))
	g.Expect(aws.ToString(inst.AvailabilityZone)).To(Equal("us-east-1b"))
	g.Expect(aws.ToString(inst.LaunchTemplate.Version)).To(Equal("1"))
	g.Expect(b.Tags).To(HaveLen(1))
	g.Expect(aws.ToString(b.Tags[0].Key)).To(Equal("cache-remediator.io/policy"))
	g.Expect(aws.ToString(b.Tags[0].Value)).To(Equal("default.cache"))
	legacy := out.AutoScalingGroups[1]
	g.Expect(aws.ToString(legacy.LaunchConfigurationName)).To(Equal("legacy-v1"))
	g.Expect(aws.ToString(legacy.Instances[0].LaunchConfigurationName)).To(Equal("legacy-v1"))
}

func TestUpdateAutoScalingGroupChangesCapacityAndTemplateAndValidates(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	_, err := f.asg.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: str("cache-a"), MaxSize: aws.Int32(3), DesiredCapacity: aws.Int32(2),
		LaunchTemplate: &astypes.LaunchTemplateSpecification{LaunchTemplateId: str(f.ltID), Version: str("$Latest")}})
	g.Expect(err).NotTo(HaveOccurred())
	grp, _ := f.srv.GroupState("cache-a")
	g.Expect(grp.Desired).To(Equal(int64(2)))
	g.Expect(grp.Max).To(Equal(int64(3)))
	g.Expect(grp.LaunchTemplate.Version).To(Equal("$Latest"))
	g.Expect(f.srv.GroupInstances("cache-a")).To(HaveLen(2), "the group launched an instance for the new desired capacity")

	_, err = f.asg.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: str("cache-a"), MinSize: aws.Int32(5), MaxSize: aws.Int32(4)})
	expectCode(g, err, "ValidationError")
	_, err = f.asg.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: str("nope"), DesiredCapacity: aws.Int32(1)})
	expectCode(g, err, "ValidationError")
}

func TestSetDesiredCapacityLaunchesAndRejectsOutOfBounds(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	_, err := f.asg.SetDesiredCapacity(ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: str("cache-c"), DesiredCapacity: aws.Int32(2)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(f.srv.GroupInstances("cache-c")).To(HaveLen(2))
	_, err = f.asg.SetDesiredCapacity(ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: str("cache-c"), DesiredCapacity: aws.Int32(9)})
	expectCode(g, err, "ValidationError")
}

func TestTerminateInstanceInAutoScalingGroupReturnsTheActivity(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	id, out := f.replaceFirstInstance(g, "cache-a")
	g.Expect(aws.ToString(out.Activity.AutoScalingGroupName)).To(Equal("cache-a"))
	g.Expect(aws.ToString(out.Activity.Description)).To(ContainSubstring(id))
	g.Expect(out.Activity.StatusCode).To(Equal(astypes.ScalingActivityStatusCodeInProgress))

	_, err := f.asg.TerminateInstanceInAutoScalingGroup(ctx, &autoscaling.TerminateInstanceInAutoScalingGroupInput{InstanceId: str("i-0000000000000dead"), ShouldDecrementDesiredCapacity: aws.Bool(false)})
	expectCode(g, err, "ValidationError")
}

func TestSetInstanceProtectionMarksInstances(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	id := f.srv.GroupInstances("legacy")[0].ID
	_, err := f.asg.SetInstanceProtection(ctx, &autoscaling.SetInstanceProtectionInput{AutoScalingGroupName: str("legacy"), InstanceIds: []string{id}, ProtectedFromScaleIn: aws.Bool(true)})
	g.Expect(err).NotTo(HaveOccurred())
	inst, _ := f.srv.Instance(id)
	g.Expect(inst.Protected).To(BeTrue())
	_, err = f.asg.SetInstanceProtection(ctx, &autoscaling.SetInstanceProtectionInput{AutoScalingGroupName: str("cache-a"), InstanceIds: []string{id}, ProtectedFromScaleIn: aws.Bool(true)})
	expectCode(g, err, "ValidationError")
}

func TestDescribeScalingActivitiesListsNewestFirst(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	id, _ := f.replaceFirstInstance(g, "cache-a")
	out, err := f.asg.DescribeScalingActivities(ctx, &autoscaling.DescribeScalingActivitiesInput{AutoScalingGroupName: str("cache-a")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(len(out.Activities)).To(BeNumerically(">=", 3))
	g.Expect(aws.ToString(out.Activities[0].Description)).To(HavePrefix("Launching a new EC2 instance"), "the replacement launch is the newest activity")
	g.Expect(aws.ToString(out.Activities[1].Description)).To(Equal("Terminating EC2 instance: " + id))
	g.Expect(out.Activities[1].StartTime).NotTo(BeNil())
}

func TestLaunchConfigurationsCanBeCreatedDescribedAndDeleted(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	_, err := f.asg.CreateLaunchConfiguration(ctx, &autoscaling.CreateLaunchConfigurationInput{LaunchConfigurationName: str("legacy-v2"), ImageId: str(amiNew), InstanceType: str(typeNew)})
	g.Expect(err).NotTo(HaveOccurred())
	out, err := f.asg.DescribeLaunchConfigurations(ctx, &autoscaling.DescribeLaunchConfigurationsInput{LaunchConfigurationNames: []string{"legacy-v2"}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.LaunchConfigurations).To(HaveLen(1))
	g.Expect(aws.ToString(out.LaunchConfigurations[0].ImageId)).To(Equal(amiNew))
	g.Expect(aws.ToString(out.LaunchConfigurations[0].InstanceType)).To(Equal(typeNew))
	g.Expect(out.LaunchConfigurations[0].CreatedTime).NotTo(BeNil())

	_, err = f.asg.CreateLaunchConfiguration(ctx, &autoscaling.CreateLaunchConfigurationInput{LaunchConfigurationName: str("legacy-v2"), ImageId: str(amiNew), InstanceType: str(typeNew)})
	var exists *astypes.AlreadyExistsFault
	g.Expect(errors.As(err, &exists)).To(BeTrue(), "%v", err)

	_, err = f.asg.DeleteLaunchConfiguration(ctx, &autoscaling.DeleteLaunchConfigurationInput{LaunchConfigurationName: str("legacy-v1")})
	var inUse *astypes.ResourceInUseFault
	g.Expect(errors.As(err, &inUse)).To(BeTrue(), "a configuration a group uses cannot be deleted: %v", err)
	_, err = f.asg.DeleteLaunchConfiguration(ctx, &autoscaling.DeleteLaunchConfigurationInput{LaunchConfigurationName: str("legacy-v2")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(f.srv.LaunchConfigurationNames()).To(Equal([]string{"legacy-v1"}))
}

func TestDescribeTagsFiltersByKeyAndValue(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	out, err := f.asg.DescribeTags(ctx, &autoscaling.DescribeTagsInput{Filters: []astypes.Filter{
		{Name: str("key"), Values: []string{"cache-remediator.io/policy"}}, {Name: str("value"), Values: []string{"default.cache"}}}})
	g.Expect(err).NotTo(HaveOccurred())
	var groups []string
	for _, tag := range out.Tags {
		groups = append(groups, aws.ToString(tag.ResourceId))
		g.Expect(aws.ToString(tag.ResourceType)).To(Equal("auto-scaling-group"))
	}
	g.Expect(groups).To(Equal([]string{"cache-a", "cache-b", "cache-c"}))
}

func TestAutoScalingContentionErrorsDecodeToTheirTypes(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	f.srv.FailNext("autoscaling", "SetDesiredCapacity", http.StatusBadRequest, "ScalingActivityInProgress")
	_, err := f.asg.SetDesiredCapacity(ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: str("cache-a"), DesiredCapacity: aws.Int32(1)})
	var inProgress *astypes.ScalingActivityInProgressFault
	g.Expect(errors.As(err, &inProgress)).To(BeTrue(), "%v", err)

	f.srv.FailNext("autoscaling", "UpdateAutoScalingGroup", http.StatusBadRequest, "ResourceContention")
	_, err = f.asg.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: str("cache-a")})
	var contention *astypes.ResourceContentionFault
	g.Expect(errors.As(err, &contention)).To(BeTrue(), "%v", err)

	_, err = f.asg.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{NextToken: str("bogus")})
	var badToken *astypes.InvalidNextToken
	g.Expect(errors.As(err, &badToken)).To(BeTrue(), "%v", err)
}

// expectCode asserts err is an AWS API error with the code.
func expectCode(g Gomega, err error, code string) {
	g.ExpectWithOffset(1, err).To(HaveOccurred())
	var apiErr smithy.APIError
	g.ExpectWithOffset(1, errors.As(err, &apiErr)).To(BeTrue(), "%v", err)
	g.ExpectWithOffset(1, apiErr.ErrorCode()).To(Equal(code))
}
