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
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	. "github.com/onsi/gomega"

	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
)

const targetRole = "arn:aws:iam::210987654321:role/cache-remediator-target"

func apiCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

func TestAssumeRoleTrustAndExternalID(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	f.srv.AddRole(awssim.Role{ARN: targetRole, TrustedPrincipals: []string{awssim.DefaultPrincipal}, ExternalID: "sessions-prod"})
	f.srv.AddRole(awssim.Role{ARN: "arn:aws:iam::210987654321:role/trusts-nobody"})
	client := sts.NewFromConfig(oneAttempt(f.srv))

	out, err := client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: str(targetRole), RoleSessionName: str("cache-remediator"), ExternalId: str("sessions-prod")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(aws.ToString(out.Credentials.AccessKeyId)).To(HavePrefix("ASIA"))
	g.Expect(aws.ToString(out.Credentials.SessionToken)).NotTo(BeEmpty())
	g.Expect(*out.Credentials.Expiration).To(BeTemporally("==", f.srv.Now().Add(time.Hour).Truncate(time.Millisecond)), "one hour by default, in simulated time")
	g.Expect(aws.ToString(out.AssumedRoleUser.Arn)).To(Equal("arn:aws:sts::210987654321:assumed-role/cache-remediator-target/cache-remediator"))

	for name, in := range map[string]*sts.AssumeRoleInput{
		"wrong external id":   {RoleArn: str(targetRole), RoleSessionName: str("x1"), ExternalId: str("sessions-dev")},
		"no external id":      {RoleArn: str(targetRole), RoleSessionName: str("x1")},
		"untrusted principal": {RoleArn: str("arn:aws:iam::210987654321:role/trusts-nobody"), RoleSessionName: str("x1")},
		"unknown role":        {RoleArn: str("arn:aws:iam::210987654321:role/missing"), RoleSessionName: str("x1")},
	} {
		_, err := client.AssumeRole(ctx, in)
		g.Expect(apiCode(err)).To(Equal("AccessDenied"), name)
		g.Expect(err.Error()).To(ContainSubstring("User: "+awssim.DefaultPrincipal+" is not authorized to perform: sts:AssumeRole on resource: "+aws.ToString(in.RoleArn)), name)
	}
	_, err = client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: str(targetRole), RoleSessionName: str("x1"), ExternalId: str("sessions-prod"), DurationSeconds: aws.Int32(7200)})
	g.Expect(apiCode(err)).To(Equal("ValidationError"), "longer than the role's maximum session")
	_, err = client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: str(targetRole), RoleSessionName: str("a b"), ExternalId: str("sessions-prod")})
	g.Expect(apiCode(err)).To(Equal("ValidationError"), "a session name with a space")
}

func TestSessionCredentialsAreWhoCallsUntilTheyExpire(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	f.srv.AddRole(awssim.Role{ARN: targetRole, TrustedPrincipals: []string{awssim.DefaultPrincipal}})
	out, err := sts.NewFromConfig(oneAttempt(f.srv)).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: str(targetRole), RoleSessionName: str("cache-remediator"), DurationSeconds: aws.Int32(900)})
	g.Expect(err).NotTo(HaveOccurred())
	cfg := oneAttempt(f.srv)
	c := out.Credentials
	cfg.Credentials = credentials.NewStaticCredentialsProvider(*c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
	asg := autoscaling.NewFromConfig(cfg)

	f.srv.ResetCalls()
	_, err = asg.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = f.asg.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{})
	g.Expect(err).NotTo(HaveOccurred())
	calls := f.srv.Calls()
	g.Expect(calls).To(HaveLen(2))
	g.Expect(calls[0].Principal).To(Equal("arn:aws:sts::210987654321:assumed-role/cache-remediator-target/cache-remediator"))
	g.Expect(calls[0].AccessKeyID).To(Equal(*c.AccessKeyId))
	g.Expect(calls[1].Principal).To(Equal(awssim.DefaultPrincipal))
	g.Expect(calls[1].Region).To(Equal("us-east-1"))

	f.step(15 * time.Minute)
	_, err = asg.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{})
	g.Expect(apiCode(err)).To(Equal("ExpiredToken"), "the session ended in simulated time")

	forged := oneAttempt(f.srv)
	forged.Credentials = credentials.NewStaticCredentialsProvider("ASIAFORGED0000000000", "x", "y")
	_, err = autoscaling.NewFromConfig(forged).DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{})
	g.Expect(apiCode(err)).To(Equal("InvalidClientTokenId"), "session credentials the simulator never issued")
}

func TestAnotherRegionHasNoneOfTheResources(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	cfg := oneAttempt(f.srv)
	cfg.Region = "eu-west-1"
	out, err := autoscaling.NewFromConfig(cfg).DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"cache-a"}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.AutoScalingGroups).To(BeEmpty(), "cache-a lives in us-east-1")
	calls := f.srv.Calls()
	g.Expect(calls[len(calls)-1].Region).To(Equal("eu-west-1"))

	home, err := f.asg.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"cache-a"}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(home.AutoScalingGroups).To(HaveLen(1))
}
