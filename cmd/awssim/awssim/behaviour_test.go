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
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	. "github.com/onsi/gomega"

	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
)

func TestATerminateWithoutDecrementLaunchesAReplacementFromTheCurrentTemplateVersion(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	_, err := f.ec2.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: str(f.ltID), SourceVersion: str("1"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: str(amiNew), InstanceType: typeNew}})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = f.asg.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: str("cache-a"),
		LaunchTemplate: &astypes.LaunchTemplateSpecification{LaunchTemplateId: str(f.ltID), Version: str("2")}})
	g.Expect(err).NotTo(HaveOccurred())

	f.replaceFirstInstance(g, "cache-a")
	insts := f.srv.GroupInstances("cache-a")
	g.Expect(insts).To(HaveLen(2))
	g.Expect(insts[0].LifecycleState).To(Equal(awssim.StateTerminating))
	replacement := insts[1]
	g.Expect(replacement.LifecycleState).To(Equal(awssim.StatePending))
	g.Expect(replacement.ImageID).To(Equal(amiNew))
	g.Expect(replacement.InstanceType).To(Equal(typeNew))
	g.Expect(replacement.LaunchTemplateVersion).To(Equal(int64(2)))
	g.Expect(replacement.Zone).To(Equal("us-east-1a"))

	f.step(2 * time.Minute)
	insts = f.srv.GroupInstances("cache-a")
	g.Expect(insts).To(HaveLen(1), "the old instance is gone after the termination delay")
	g.Expect(insts[0].ID).To(Equal(replacement.ID))
	g.Expect(insts[0].LifecycleState).To(Equal(awssim.StateInService), "the replacement is InService after the launch delay")
}

func TestATerminateWithDecrementShrinksTheGroup(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	old := f.srv.GroupInstances("legacy")[0]
	_, err := f.asg.TerminateInstanceInAutoScalingGroup(ctx, &autoscaling.TerminateInstanceInAutoScalingGroupInput{InstanceId: str(old.ID), ShouldDecrementDesiredCapacity: aws.Bool(true)})
	g.Expect(err).NotTo(HaveOccurred())
	grp, _ := f.srv.GroupState("legacy")
	g.Expect(grp.Desired).To(Equal(int64(1)))
	f.step(time.Minute)
	g.Expect(f.srv.GroupInstances("legacy")).To(HaveLen(1), "no replacement was launched")
}

func TestDefaultAndLatestResolveWhenAnInstanceLaunches(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	_, err := f.ec2.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: str(f.ltID), SourceVersion: str("1"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: str(amiNew)}})
	g.Expect(err).NotTo(HaveOccurred())

	// cache-b follows $Default (still 1); cache-c is pointed at $Latest (2).
	_, err = f.asg.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: str("cache-c"),
		LaunchTemplate: &astypes.LaunchTemplateSpecification{LaunchTemplateId: str(f.ltID), Version: str("$Latest")}})
	g.Expect(err).NotTo(HaveOccurred())
	for _, grp := range []string{"cache-b", "cache-c"} {
		_, err = f.asg.SetDesiredCapacity(ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: str(grp), DesiredCapacity: aws.Int32(2)})
		g.Expect(err).NotTo(HaveOccurred())
	}
	g.Expect(f.srv.GroupInstances("cache-b")[1].ImageID).To(Equal(amiOld))
	g.Expect(f.srv.GroupInstances("cache-c")[1].ImageID).To(Equal(amiNew))

	// Moving the default moves what $Default launches next.
	_, err = f.ec2.ModifyLaunchTemplate(ctx, &ec2.ModifyLaunchTemplateInput{LaunchTemplateId: str(f.ltID), DefaultVersion: str("2")})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = f.asg.SetDesiredCapacity(ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: str("cache-b"), DesiredCapacity: aws.Int32(1)})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = f.asg.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: str("cache-b"), MaxSize: aws.Int32(3), DesiredCapacity: aws.Int32(2)})
	g.Expect(err).NotTo(HaveOccurred())
	insts := f.srv.GroupInstances("cache-b")
	g.Expect(insts[len(insts)-1].ImageID).To(Equal(amiNew))
	g.Expect(insts[len(insts)-1].LaunchTemplateVersion).To(Equal(int64(2)))
}

// launchOnImage creates version 2 of the launch template, version 1 with image, and asks cache-a for a
// second instance from it.
func (f *fixture) launchOnImage(g Gomega, image string) {
	_, err := f.ec2.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: str(f.ltID), SourceVersion: str("1"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: str(image)}})
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
	_, err = f.asg.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: str("cache-a"), DesiredCapacity: aws.Int32(2),
		LaunchTemplate: &astypes.LaunchTemplateSpecification{LaunchTemplateId: str(f.ltID), Version: str("2")}})
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred(), "a failed launch is a scaling activity, not an error of the call")
}

func TestALaunchFromAnUnavailableImageFailsAsAScalingActivity(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	f.launchOnImage(g, amiGone)
	g.Expect(f.srv.GroupInstances("cache-a")).To(HaveLen(1), "nothing was launched")
	acts, err := f.asg.DescribeScalingActivities(ctx, &autoscaling.DescribeScalingActivitiesInput{AutoScalingGroupName: str("cache-a"), MaxRecords: aws.Int32(1)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(acts.Activities[0].StatusCode).To(Equal(astypes.ScalingActivityStatusCodeFailed))
	g.Expect(aws.ToString(acts.Activities[0].Description)).To(ContainSubstring("is not available"))
}

func TestAnArchitectureMismatchFailsTheLaunch(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	f.launchOnImage(g, amiArm)
	g.Expect(f.srv.GroupInstances("cache-a")).To(HaveLen(1))
}

func TestThrottlingSurfacesAsAThrottlingErrorAndTheSDKRetriesIt(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	f.srv.FailNext("autoscaling", "DescribeAutoScalingGroups", http.StatusBadRequest, "Throttling")
	_, err := f.asg.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{})
	g.Expect(awsclient.Classify(err)).To(Equal(awsclient.KindThrottled), "with one attempt the throttle reaches the caller: %v", err)

	cfg := f.srv.SDKConfig()
	awsclient.Instrument(&cfg, awsclient.Options{MaxBackoff: 10 * time.Millisecond, RequestsPerSecond: 1000})
	retrying := autoscaling.NewFromConfig(cfg)
	f.srv.ResetCalls()
	f.srv.Inject(awssim.Fault{Service: "autoscaling", Action: "DescribeAutoScalingGroups", Count: 2, Code: "Throttling"})
	out, err := retrying.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"cache-a"}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.AutoScalingGroups).To(HaveLen(1))
	var codes []string
	for _, c := range f.srv.Calls() {
		codes = append(codes, c.Error)
	}
	g.Expect(codes).To(Equal([]string{"Throttling", "Throttling", ""}), "two throttled attempts, then success")

	// A 500 is retried too.
	f.srv.Inject(awssim.Fault{Service: "ec2", Action: "DescribeImages", Count: 1, Status: http.StatusInternalServerError, Code: "InternalError"})
	_, err = ec2.NewFromConfig(cfg).DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{amiOld}})
	g.Expect(err).NotTo(HaveOccurred())
}

func TestAFaultNamesItsCallsByActionPrefixOrAsTheMutations(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	f.srv.Inject(awssim.Fault{Action: "Describe*", Fraction: 1, Code: "Throttling"})
	_, err := f.asg.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{})
	g.Expect(awsclient.Classify(err)).To(Equal(awsclient.KindThrottled), "every describe is throttled")
	f.replaceFirstInstance(g, "cache-a")

	f.srv.ClearFaults()
	f.srv.Inject(awssim.Fault{Mutations: true, Fraction: 1, Status: http.StatusInternalServerError, Code: "InternalFailure"})
	_, err = f.asg.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{})
	g.Expect(err).NotTo(HaveOccurred(), "a describe changes nothing")
	_, err = f.asg.SetDesiredCapacity(ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: str("cache-b"), DesiredCapacity: aws.Int32(1)})
	g.Expect(awsclient.Code(err)).To(Equal("InternalFailure"), "every mutation fails")
}

func TestSeededFaultsDrawTheSameCallsAgain(t *testing.T) {
	g := NewWithT(t)
	draw := func(seed int64) []string {
		f := newFixture(t)
		f.srv.SeedFaults(seed)
		f.srv.Inject(awssim.Fault{Action: "DescribeAutoScalingGroups", Fraction: 0.5, Code: "Throttling"})
		for range 20 {
			_, _ = f.asg.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{})
		}
		var codes []string
		for _, c := range f.srv.Calls() {
			codes = append(codes, c.Error)
		}
		return codes
	}
	g.Expect(draw(7)).To(Equal(draw(7)))
	g.Expect(draw(7)).NotTo(Equal(draw(8)))
}

func TestTheCallLogRecordsEveryCallWithItsParameters(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	f.srv.ResetCalls()
	id, _ := f.replaceFirstInstance(g, "cache-b")
	calls := f.srv.Calls()
	g.Expect(calls).To(HaveLen(1))
	g.Expect(calls[0].Service).To(Equal("autoscaling"))
	g.Expect(calls[0].Action).To(Equal("TerminateInstanceInAutoScalingGroup"))
	g.Expect(calls[0].Params.Get("InstanceId")).To(Equal(id))
	g.Expect(calls[0].Params.Get("ShouldDecrementDesiredCapacity")).To(Equal("false"))
	g.Expect(calls[0].Mutating()).To(BeTrue())
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

func TestAnswersAreDatedBySimulatedTimeAsAWSDatesThemByItsOwnClock(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	f.step(90*time.Minute + 7*time.Second)
	want := awssim.SimEpoch.Add(90*time.Minute + 7*time.Second)

	groups, err := f.asg.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{})
	g.Expect(err).NotTo(HaveOccurred())
	served, ok := awsmiddleware.GetServerTime(groups.ResultMetadata)
	g.Expect(ok).To(BeTrue(), "the SDK read the answer's Date")
	g.Expect(served).To(BeTemporally("==", want))

	alarms, err := f.cw().DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{})
	g.Expect(err).NotTo(HaveOccurred())
	served, _ = awsmiddleware.GetServerTime(alarms.ResultMetadata)
	g.Expect(served).To(BeTemporally("==", want), "CloudWatch's rpc-v2-cbor answers too")
}
