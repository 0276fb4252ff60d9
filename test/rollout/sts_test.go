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
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
	"github.com/cache-remediator/cache-remediator/test/envtestutil"
)

const (
	// targetRole is the role the cluster's account gives the controller; the simulator holds that account's
	// resources in its own region, us-east-1.
	targetRole     = "arn:aws:iam::210987654321:role/cache-remediator-target"
	targetSession  = "arn:aws:sts::210987654321:assumed-role/cache-remediator-target/" + awsclient.RoleSessionName
	targetExternal = "sessions-prod"
	// controllerRegion is the controller's own region in these tests: not the cluster's, so a call that
	// did not go to the policy's region would not find the cluster.
	controllerRegion = "eu-west-1"
)

// byWho counts the simulator's calls by principal and region, and says whether any AssumeRole was made.
func byWho(c *simCluster) map[string]int {
	out := map[string]int{}
	for _, call := range c.srv.Calls() {
		out[call.Service+" as "+call.Principal+" in "+call.Region]++
	}
	return out
}

// printKubectl prints what `kubectl get rp -o wide` and `kubectl describe rp` show of the policy, for the
// README.
func printKubectl(p *v1.RemediationPolicy) {
	kubeconfig := kubeconfigOf()
	wide, _ := envtestutil.Kubectl(kubeconfig, "get", "rp", "-n", p.Namespace, p.Name, "-o", "wide").CombinedOutput()
	describe, _ := envtestutil.Kubectl(kubeconfig, "describe", "rp", "-n", p.Namespace, p.Name).CombinedOutput()
	GinkgoWriter.Printf("kubectl get rp -o wide:\n%s\nkubectl describe rp:\n%s\n", wide, describe)
}

var _ = Describe("A policy in another account and region", func() {
	It("rolls its cluster with every AWS call made as the assumed role in the policy's region, STS asked with the controller's own credentials", func() {
		c := newCluster("sessions", clusterOptions{tagged: true})
		c.srv.AddRole(awssim.Role{ARN: targetRole, TrustedPrincipals: []string{awssim.DefaultPrincipal}, ExternalID: targetExternal})
		policy := c.policyFor(goalNew, v1.HealthSpec{})
		policy.Spec.AWS = &v1.AWSSpec{Region: "us-east-1", RoleARN: targetRole, ExternalID: targetExternal}
		Expect(env.Client.Create(ctx, policy)).To(Succeed())
		ctl := startManager(c, managerOptions{region: controllerRegion})
		defer ctl.stop()
		Eventually(phaseOf(policy)).WithTimeout(90 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		printKubectl(policy)

		Expect(c.terminations()).To(HaveLen(3))
		who := byWho(c)
		GinkgoWriter.Printf("calls by principal and region: %v\n", who)
		assumes := who["sts as "+awssim.DefaultPrincipal+" in "+controllerRegion]
		Expect(assumes).To(BeNumerically(">=", 1), "the role is assumed with the controller's own credentials, in its own region")
		Expect(assumes).To(BeNumerically("<=", 3), "and its credentials are cached, not assumed per call")
		for key, n := range who {
			if key == "sts as "+awssim.DefaultPrincipal+" in "+controllerRegion {
				continue
			}
			Expect(key).To(MatchRegexp(`^\S+ as `+targetSession+` in us-east-1$`), "%d calls", n)
		}
		for _, call := range c.srv.Calls() {
			if call.Mutating() && call.Service != "sts" {
				Expect(call.Principal).To(Equal(targetSession), "%s", call.Action)
			}
		}
	})

	It("changes an ElastiCache group's node type through the role too, while a policy without spec.aws in the same controller acts as the controller", func() {
		c := newECAccount("ec-sts", ecOptions{groups: []awssim.ScenarioReplicationGroup{threeZones("sessions", cacheLarge), threeZones("catalog", cacheLarge)}})
		c.srv.AddRole(awssim.Role{ARN: targetRole, TrustedPrincipals: []string{awssim.DefaultPrincipal}, ExternalID: targetExternal})
		viaRole := c.ecPolicy("sessions", cacheXLarge)
		viaRole.Spec.AWS = &v1.AWSSpec{RoleARN: targetRole, ExternalID: targetExternal}
		own := c.ecPolicy("catalog", cacheXLarge)
		Expect(env.Client.Create(ctx, viaRole)).To(Succeed())
		Expect(env.Client.Create(ctx, own)).To(Succeed())
		ctl := startController(c, false)
		defer ctl.stop()
		for _, p := range []*v1.RemediationPolicy{viaRole, own} {
			Eventually(phaseOf(p)).WithTimeout(90 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		}
		modified := map[string]string{}
		for _, call := range c.srv.Calls() {
			if call.Action == "ModifyReplicationGroup" && call.Error == "" {
				modified[call.Params.Get("ReplicationGroupId")] = call.Principal
			}
			if id := call.Params.Get("ReplicationGroupId"); id == "catalog" {
				Expect(call.Principal).To(Equal(awssim.DefaultPrincipal), "%s", call.Action)
			} else if id == "sessions" {
				Expect(call.Principal).To(Equal(targetSession), "%s", call.Action)
			}
		}
		Expect(modified).To(Equal(map[string]string{"sessions": targetSession, "catalog": awssim.DefaultPrincipal}))
	})

	It("is Blocked with AssumeRoleFailed, an event and no call to the cluster when the role wants another external ID", func() {
		c := newCluster("sessions", clusterOptions{tagged: true})
		c.srv.AddRole(awssim.Role{ARN: targetRole, TrustedPrincipals: []string{awssim.DefaultPrincipal}, ExternalID: targetExternal})
		policy := c.policyFor(goalNew, v1.HealthSpec{})
		policy.Spec.AWS = &v1.AWSSpec{Region: "us-east-1", RoleARN: targetRole, ExternalID: "sessions-dev"}
		Expect(env.Client.Create(ctx, policy)).To(Succeed())
		ctl := startManager(c, managerOptions{region: controllerRegion})
		defer ctl.stop()
		Eventually(func() string { return get(policy).Status.BlockedBy }).WithTimeout(20 * time.Second).Should(Equal(v1.ReasonAssumeRoleFailed))
		got := get(policy)
		Expect(got.Status.Phase).To(Equal(v1.PhaseBlocked))
		ready := meta.FindStatusCondition(got.Status.Conditions, v1.ConditionReady)
		Expect(ready.Reason).To(Equal(v1.ReasonAssumeRoleFailed))
		Expect(ready.Message).To(Equal("assuming role " + targetRole + " with the external ID of spec.aws.externalId was refused: STS AssumeRole AccessDenied: User: " +
			awssim.DefaultPrincipal + " is not authorized to perform: sts:AssumeRole on resource: " + targetRole))
		Eventually(func() []string {
			var reasons []string
			for _, e := range events(policy) {
				reasons = append(reasons, e.Reason)
			}
			return reasons
		}).WithTimeout(10 * time.Second).Should(ContainElement(v1.ReasonAssumeRoleFailed))
		printKubectl(policy)

		// Longer than the blocked requeue several times over: the controller tries again within it, touches
		// nothing, and asks STS about once per blocked interval, not in a loop.
		window := 6 * fastPoll.Blocked
		c.srv.ResetCalls()
		notSTS := func() []string {
			var out []string
			for _, call := range c.srv.Calls() {
				if call.Service != "sts" {
					out = append(out, call.Action)
				}
			}
			return out
		}
		Consistently(notSTS).WithTimeout(window).Should(BeEmpty())
		assumes := len(c.srv.Calls())
		GinkgoWriter.Printf("AssumeRole calls in %s: %d\n", window, assumes)
		Expect(assumes).To(BeNumerically(">=", 2), "it looks again")
		Expect(assumes).To(BeNumerically("<=", int(window/fastPoll.Blocked)+2), "about once per blocked interval")
		Expect(c.terminations()).To(BeEmpty())
	})

	It("without spec.aws uses the controller's own credentials and region, and with another region does not find a cluster that is not there", func() {
		c := newCluster("sessions", clusterOptions{tagged: true})
		c.srv.AddRole(awssim.Role{ARN: targetRole, TrustedPrincipals: []string{awssim.DefaultPrincipal}, ExternalID: targetExternal})
		policy := c.policyFor(goalNew, v1.HealthSpec{})
		Expect(env.Client.Create(ctx, policy)).To(Succeed())
		ctl := startController(c, false)
		defer ctl.stop()
		Eventually(phaseOf(policy)).WithTimeout(90 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		who := byWho(c)
		Expect(who).NotTo(BeEmpty())
		for key := range who {
			Expect(key).To(MatchRegexp(`^(autoscaling|ec2|monitoring) as ` + awssim.DefaultPrincipal + ` in us-east-1$`))
		}

		By("a second policy on the same groups' names in eu-west-1, where they do not exist")
		other := newCluster("elsewhere", clusterOptions{tagged: true})
		ctl2 := startManager(other, managerOptions{})
		defer ctl2.stop()
		elsewhere := other.policyFor(goalNew, v1.HealthSpec{})
		elsewhere.Spec.AWS = &v1.AWSSpec{Region: "eu-west-1"}
		Expect(env.Client.Create(ctx, elsewhere)).To(Succeed())
		Eventually(func() string { return get(elsewhere).Status.BlockedBy }).WithTimeout(20 * time.Second).Should(Equal(v1.ReasonGroupNotFound))
		for _, call := range other.srv.Calls() {
			Expect(call.Region).To(Equal("eu-west-1"))
			Expect(call.Principal).To(Equal(awssim.DefaultPrincipal))
		}
		Expect(other.mutatingCalls()).To(BeEmpty())
	})

	It("is refused at admission, with kubectl saying why, when its region, role or external id could not be used", func() {
		manifest := `apiVersion: remediation.cache-remediator.io/v1alpha1
kind: RemediationPolicy
metadata: {name: sessions, namespace: default}
spec:
  target: {autoScalingGroups: {names: [sessions-a, sessions-b, sessions-c]}}
  desired: {imageId: ami-0123456789abcdef0, instanceType: r6g.large}
  health: {redis: {}}
  aws: {region: us-east-1a, roleArn: "arn:aws:iam::210987654321:user/ops", externalId: "sessions prod"}
`
		cmd := envtestutil.Kubectl(kubeconfigOf(), "apply", "-f", "-")
		cmd.Stdin = strings.NewReader(manifest)
		out, err := cmd.CombinedOutput()
		Expect(err).To(HaveOccurred(), "kubectl apply succeeded: %s", out)
		GinkgoWriter.Printf("kubectl apply:\n%s\n", out)
		Expect(string(out)).To(ContainSubstring(`spec.aws.region: Invalid value: "us-east-1a": aws.region must be an AWS region name such as us-east-1 or eu-west-2`))
		Expect(string(out)).To(ContainSubstring(`aws.roleArn must be an IAM role ARN such as arn:aws:iam::123456789012:role/cache-remediator`))
		Expect(string(out)).To(ContainSubstring(`aws.externalId may contain only letters, digits and _+=,.@:/- (the characters STS accepts)`))
	})
})
