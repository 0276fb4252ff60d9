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

package v1alpha1_test

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
)

const targetRole = "arn:aws:iam::210987654321:role/cache-remediator"

// withAWS sets the policy's spec.aws.
func withAWS(a v1.AWSSpec) func(*v1.RemediationPolicy) {
	return func(p *v1.RemediationPolicy) { p.Spec.AWS = &a }
}

var _ = Describe("Admission validation of spec.aws", func() {
	DescribeTable("rejects a region or role the controller could not use, with a message a human understands", expectRejected,
		Entry("an empty aws section", validASGPolicy, withAWS(v1.AWSSpec{}),
			"aws must set region or roleArn; leave aws out to use the controller's own region and credentials"),
		Entry("a region that is a zone", validASGPolicy, withAWS(v1.AWSSpec{Region: "us-east-1a"}),
			"aws.region must be an AWS region name such as us-east-1 or eu-west-2"),
		Entry("a region in capitals", validASGPolicy, withAWS(v1.AWSSpec{Region: "US-EAST-1"}),
			"aws.region must be an AWS region name such as us-east-1 or eu-west-2"),
		Entry("a user ARN for a role", validASGPolicy, withAWS(v1.AWSSpec{RoleARN: "arn:aws:iam::210987654321:user/ops"}),
			"aws.roleArn must be an IAM role ARN such as arn:aws:iam::123456789012:role/cache-remediator"),
		Entry("a role name without its ARN", validElastiCachePolicy, withAWS(v1.AWSSpec{RoleARN: "cache-remediator"}),
			"aws.roleArn must be an IAM role ARN such as arn:aws:iam::123456789012:role/cache-remediator"),
		Entry("a role ARN with a short account id", validASGPolicy, withAWS(v1.AWSSpec{RoleARN: "arn:aws:iam::2109876543:role/x"}),
			"aws.roleArn must be an IAM role ARN such as arn:aws:iam::123456789012:role/cache-remediator"),
		Entry("an external id without a role", validASGPolicy, withAWS(v1.AWSSpec{Region: "eu-west-1", ExternalID: "sessions-prod"}),
			"aws.externalId is sent only when assuming aws.roleArn: set roleArn too, or remove externalId"),
		Entry("an external id of one character", validASGPolicy, withAWS(v1.AWSSpec{RoleARN: targetRole, ExternalID: "x"}),
			"spec.aws.externalId in body should be at least 2 chars long"),
		Entry("an external id longer than STS takes", validASGPolicy, withAWS(v1.AWSSpec{RoleARN: targetRole, ExternalID: strings.Repeat("x", 1225)}),
			"Too long: may not be more than 1224"),
		Entry("an external id with a space", validASGPolicy, withAWS(v1.AWSSpec{RoleARN: targetRole, ExternalID: "sessions prod"}),
			"aws.externalId may contain only letters, digits and _+=,.@:/- (the characters STS accepts)"),
	)

	It("accepts a region alone, a role alone, and a role with an external id in any partition", func() {
		for _, a := range []v1.AWSSpec{
			{Region: "eu-west-1"}, {Region: "us-gov-west-1"},
			{RoleARN: targetRole},
			{Region: "cn-north-1", RoleARN: "arn:aws-cn:iam::210987654321:role/ops/cache-remediator", ExternalID: "tenant:sessions/prod=1"},
		} {
			p := validASGPolicy()
			withAWS(a)(p)
			Expect(env.Client.Create(ctx, p)).To(Succeed(), "%+v", a)
		}
	})

	It("keeps the region and the role's account, and lets the role of the same account change", func() {
		p := validASGPolicy()
		withAWS(v1.AWSSpec{Region: "eu-west-1", RoleARN: targetRole, ExternalID: "sessions-prod"})(p)
		Expect(env.Client.Create(ctx, p)).To(Succeed())

		p.Spec.AWS.RoleARN = "arn:aws:iam::210987654321:role/cache-remediator-v2"
		Expect(env.Client.Update(ctx, p)).To(Succeed(), "a rotated role of the same account is the same target")

		moved := p.DeepCopy()
		moved.Spec.AWS.Region = "eu-west-2"
		err := env.Client.Update(ctx, moved)
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring("aws.region is immutable"))

		other := p.DeepCopy()
		other.Spec.AWS.RoleARN = "arn:aws:iam::111122223333:role/cache-remediator"
		err = env.Client.Update(ctx, other)
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring("the account of aws.roleArn is immutable"))

		gone := p.DeepCopy()
		gone.Spec.AWS = nil
		err = env.Client.Update(ctx, gone)
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring("aws.region is immutable"))
	})
})
