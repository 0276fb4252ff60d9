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

package awsclient_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	. "github.com/onsi/gomega"

	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
)

const (
	targetRole = "arn:aws:iam::210987654321:role/cache-remediator-target"
	assumedAs  = "arn:aws:sts::210987654321:assumed-role/cache-remediator-target/" + awsclient.RoleSessionName
)

// targetFixture is a simulator with a role the controller's own identity may assume with an external ID,
// and a client cache on it.
func targetFixture(t *testing.T) (*awssim.Server, *awssim.ManualClock, *awsclient.ClientCache) {
	clock := awssim.NewManualClock()
	// AWS's clock agrees with the controller's: the SDK trusts credentials until their expiry by its own.
	clock.Step(time.Since(awssim.SimEpoch))
	srv := awssim.Serve(awssim.New(awssim.Options{Clock: clock}))
	t.Cleanup(srv.Close)
	srv.AddRole(awssim.Role{ARN: targetRole, TrustedPrincipals: []string{awssim.DefaultPrincipal}, ExternalID: "sessions-prod"})
	cfg := srv.SDKConfig()
	awsclient.Instrument(&cfg, awsclient.Options{RequestsPerSecond: 1000, MaxAttempts: 3, MaxBackoff: time.Millisecond})
	return srv, clock, awsclient.NewClientCache(cfg)
}

func TestClientCacheKeepsOneSetOfClientsPerTarget(t *testing.T) {
	g := NewWithT(t)
	_, _, cache := targetFixture(t)
	role := awsclient.Target{RoleARN: targetRole, ExternalID: "sessions-prod"}
	g.Expect(cache.For(awsclient.Target{})).To(Equal(cache.Default()), "no spec.aws: the controller's own clients")
	g.Expect(cache.For(role).AutoScaling).To(BeIdenticalTo(cache.For(role).AutoScaling), "the same target, the same clients")
	g.Expect(cache.For(role).AutoScaling).NotTo(BeIdenticalTo(cache.Default().AutoScaling))
	g.Expect(cache.For(awsclient.Target{Region: "eu-west-1"}).AutoScaling).NotTo(BeIdenticalTo(cache.Default().AutoScaling))
	other := role
	other.ExternalID = "sessions-dev"
	g.Expect(cache.For(other).AutoScaling).NotTo(BeIdenticalTo(cache.For(role).AutoScaling), "another external id is another target")
}

func TestClientCacheAssumesTheRoleOncePerSessionAndAgainWhenItLapses(t *testing.T) {
	g := NewWithT(t)
	srv, clock, cache := targetFixture(t)
	role := awsclient.Target{RoleARN: targetRole, ExternalID: "sessions-prod"}
	g.Expect(cache.Ready(ctx, role)).To(Succeed())
	asg := cache.For(role).AutoScaling
	for range 3 {
		_, err := asg.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{})
		g.Expect(err).NotTo(HaveOccurred())
	}
	_, err := cache.Default().AutoScaling.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{})
	g.Expect(err).NotTo(HaveOccurred())
	assumes, byRole, byDefault := 0, 0, 0
	for _, c := range srv.Calls() {
		switch {
		case c.Action == "AssumeRole":
			assumes++
			g.Expect(c.Principal).To(Equal(awssim.DefaultPrincipal), "STS is called with the controller's own credentials")
			g.Expect(c.Params.Get("ExternalId")).To(Equal("sessions-prod"))
			g.Expect(c.Params.Get("RoleSessionName")).To(Equal(awsclient.RoleSessionName))
		case c.Principal == assumedAs:
			byRole++
		case c.Principal == awssim.DefaultPrincipal:
			byDefault++
		}
	}
	g.Expect([]int{assumes, byRole, byDefault}).To(Equal([]int{1, 3, 1}), "one AssumeRole serves every call of the session")

	// The simulated hour passes while the controller's own clock does not: the cache still trusts the
	// credentials, AWS says they expired, and the call is retried with the role assumed again.
	clock.Step(61 * time.Minute)
	srv.ResetCalls()
	_, err = asg.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{})
	g.Expect(err).NotTo(HaveOccurred())
	var seen []string
	for _, c := range srv.Calls() {
		seen = append(seen, c.Action+" "+c.Error)
	}
	g.Expect(seen).To(Equal([]string{"DescribeAutoScalingGroups ExpiredToken", "AssumeRole ", "DescribeAutoScalingGroups "}))
}

func TestAnAssumeRoleRefusedIsARefusalThatNamesTheRole(t *testing.T) {
	g := NewWithT(t)
	srv, _, cache := targetFixture(t)
	wrong := awsclient.Target{RoleARN: targetRole, ExternalID: "sessions-dev"}
	err := cache.Ready(ctx, wrong)
	g.Expect(err).To(HaveOccurred())
	g.Expect(awsclient.AssumeRoleFailure(err)).To(BeTrue())
	g.Expect(awsclient.IsRefusal(err)).To(BeTrue(), "AccessDenied is not retried in a loop")
	g.Expect(awsclient.ExplainAssumeRole(wrong, err)).To(Equal("assuming role " + targetRole + " with the external ID of spec.aws.externalId was refused: STS AssumeRole AccessDenied: User: " +
		awssim.DefaultPrincipal + " is not authorized to perform: sts:AssumeRole on resource: " + targetRole))

	// A call made with the role's clients fails with the same STS error, and nothing reaches Auto Scaling.
	srv.ResetCalls()
	_, err = cache.For(wrong).AutoScaling.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{})
	g.Expect(awsclient.AssumeRoleFailure(err)).To(BeTrue())
	for _, c := range srv.Calls() {
		g.Expect(c.Action).To(Equal("AssumeRole"))
	}
}
