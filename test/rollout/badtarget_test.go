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

package rollout_test

import (
	"fmt"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
)

var _ = Describe("A policy whose target cannot be remediated", func() {
	DescribeTable("is Blocked with its reason in status and an event, and makes no mutating AWS call",
		func(tagged bool, mutate func(c *simCluster, p *v1.RemediationPolicy), reason, message string) {
			// A name of its own: the policies of earlier entries stay in the API server, and one that targets
			// groups of the same name would rightly be a conflict.
			c := newCluster(fmt.Sprintf("bad%d", nsSeq+1), clusterOptions{tagged: tagged})
			policy := c.policyFor(goalNew, v1.HealthSpec{})
			mutate(c, policy)
			ctl := startControllerFor(c, policy)
			defer ctl.stop()
			Eventually(func() string {
				cond := meta.FindStatusCondition(get(policy).Status.Conditions, v1.ConditionReady)
				if cond == nil {
					return ""
				}
				return cond.Reason
			}).WithTimeout(20 * time.Second).Should(Equal(reason))
			got := get(policy)
			Expect(got.Status.Phase).To(Equal(v1.PhaseBlocked))
			Expect(got.Status.BlockedBy).To(Equal(reason), "the kubectl column holds the reason")
			Expect(meta.FindStatusCondition(got.Status.Conditions, v1.ConditionReady).Message).To(ContainSubstring(message))
			Expect(meta.IsStatusConditionTrue(got.Status.Conditions, v1.ConditionDegraded)).To(BeTrue())
			Expect(meta.IsStatusConditionTrue(got.Status.Conditions, v1.ConditionStalled)).To(BeTrue())
			Eventually(func() []string {
				var reasons []string
				for _, e := range events(got) {
					reasons = append(reasons, e.Reason)
				}
				return reasons
			}).WithTimeout(5 * time.Second).Should(ContainElement(reason))
			Consistently(c.mutatingCalls).WithTimeout(quiet).Should(BeEmpty())
		},
		Entry("a group that does not exist", true, func(c *simCluster, p *v1.RemediationPolicy) {
			p.Spec.Target.AutoScalingGroups.Names = append(p.Spec.Target.AutoScalingGroups.Names, "nope")
		}, v1.ReasonGroupNotFound, "auto scaling group nope does not exist"),
		Entry("groups without the opt-in tag", false, func(*simCluster, *v1.RemediationPolicy) {}, v1.ReasonNotOptedIn, "does not carry the tag cache-remediator.io/policy="),
		Entry("an AMI that does not exist", true, func(_ *simCluster, p *v1.RemediationPolicy) {
			p.Spec.Desired.ImageID = "ami-0123456789abcdef0"
		}, v1.ReasonImageNotFound, "AMI ami-0123456789abcdef0 does not exist"),
		Entry("an AMI that is not available", true, func(_ *simCluster, p *v1.RemediationPolicy) {
			p.Spec.Desired.ImageID = amiGone
		}, v1.ReasonImageNotAvailable, "is deregistered, not available"),
		Entry("an AMI whose architecture the type cannot run", true, func(_ *simCluster, p *v1.RemediationPolicy) {
			p.Spec.Desired.ImageID = amiX86
		}, v1.ReasonArchitectureMismatch, "is x86_64 but instance type r6g.xlarge runs [arm64]"),
		Entry("an instance type that does not exist", true, func(_ *simCluster, p *v1.RemediationPolicy) {
			p.Spec.Desired.InstanceType = "r6g.gigantic"
		}, v1.ReasonInstanceTypeNotFound, "instance type r6g.gigantic does not exist"),
		Entry("a group another policy already targets", true, func(c *simCluster, p *v1.RemediationPolicy) {
			first := c.policyFor(goalNew, v1.HealthSpec{})
			first.Name = "aaa-first"
			first.Spec.Paused = true
			first.Spec.Target.AutoScalingGroups.Names = c.groups[1:2]
			Expect(env.Client.Create(ctx, first)).To(Succeed())
			// The second policy is created later, so it is the one blocked.
			time.Sleep(1100 * time.Millisecond)
		}, v1.ReasonConflict, "is already targeted by RemediationPolicy"),
		Entry("credentials that may not describe the groups", true, func(c *simCluster, _ *v1.RemediationPolicy) {
			c.srv.Inject(awssim.Fault{Service: "autoscaling", Action: "DescribeAutoScalingGroups", Fraction: 1, Status: http.StatusForbidden, Code: "AccessDenied"})
		}, v1.ReasonAWSError, "observing the cluster was refused: Auto Scaling DescribeAutoScalingGroups AccessDenied: injected fault"),
		Entry("a password Secret that does not exist", true, func(_ *simCluster, p *v1.RemediationPolicy) {
			p.Spec.Health.Redis = &v1.RedisHealth{PasswordSecretRef: &v1.SecretKeyReference{Name: "missing", Key: "password"}}
		}, v1.ReasonInvalidSpec, "Secret"),
	)

	It("recovers by itself once the group is tagged, without a spec change", func() {
		c := newCluster("late-tag", clusterOptions{})
		policy := c.policyFor(goalNew, v1.HealthSpec{StableFor: &metav1.Duration{Duration: time.Second}})
		ctl := startControllerFor(c, policy)
		defer ctl.stop()
		Eventually(phaseOf(policy)).WithTimeout(20 * time.Second).Should(Equal(v1.PhaseBlocked))
		c.optIn()
		Eventually(phaseOf(policy)).WithTimeout(60 * time.Second).Should(Equal(v1.PhaseSucceeded))
	})
})
