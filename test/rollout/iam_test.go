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
	"encoding/json"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/utils/ptr"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
)

// iamPolicy is the part of an IAM policy document the check reads.
type iamPolicy struct {
	Statement []struct {
		Sid       string
		Effect    string
		Action    []string
		Condition map[string]map[string]any
	}
}

// authorizationOnlySid names the statement of permissions AWS checks when a group is pointed at a launch
// template (ec2:RunInstances, iam:PassRole): the controller never calls them, AWS requires them.
const authorizationOnlySid = "LaunchTemplateUseChecks"

// iamAction is the IAM name of an API call in the simulator's log.
func iamAction(service, action string) string {
	prefix := map[string]string{"autoscaling": "autoscaling", "ec2": "ec2", "elasticache": "elasticache", awssim.CloudWatchService: "cloudwatch", "sts": "sts"}[service]
	return prefix + ":" + action
}

// untaggable are the statements whose resources cannot carry the opt-in tag when the call is made.
var untaggable = map[string]bool{
	"LaunchConfigurations": true, // launch configurations have no tags
	authorizationOnlySid:   true, // checked by AWS on the launch template's use, never called
	"SnapshotsOfThem":      true, // the snapshot CreateSnapshot makes does not exist yet
}

var _ = Describe("The IAM policy in config/iam", func() {
	It("allows exactly the actions full rollouts call: on launch templates both ways with cleanup, on launch configurations with surge, and on ElastiCache with every option", func() {
		called := map[string]bool{}
		record := func(c *simCluster) {
			for _, call := range c.srv.Calls() {
				called[iamAction(call.Service, call.Action)] = true
			}
		}

		By("rolling a launch template cluster up and down, keeping one version, so that cleanup deletes one")
		lt := newCluster("iam-lt", clusterOptions{redis: true, tagged: true})
		policy := lt.policyFor(goalNew, redisHealth())
		policy.Spec.Strategy.KeepLaunchTemplateVersions = 1
		Expect(env.Client.Create(ctx, policy)).To(Succeed())
		ctl := startController(lt, false)
		Eventually(phaseOf(policy)).WithTimeout(90 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		update(policy, func(p *v1.RemediationPolicy) { p.Spec.Desired = v1.DesiredSpec{ImageID: amiOld, InstanceType: typeOld} })
		Eventually(func() bool {
			got := get(policy)
			return got.Status.ObservedGeneration == got.Generation && got.Status.Phase == v1.PhaseSucceeded
		}).WithTimeout(90 * time.Second).WithPolling(200 * time.Millisecond).Should(BeTrue())
		ctl.stop()
		record(lt)

		By("surging a launch configuration cluster in another account, through the role it gives the controller")
		lc := newCluster("iam-lc", clusterOptions{tagged: true, launchConfiguration: true, maxSize: 1})
		lc.srv.AddRole(awssim.Role{ARN: targetRole, TrustedPrincipals: []string{awssim.DefaultPrincipal}, ExternalID: targetExternal})
		policy = lc.policyFor(goalNew, v1.HealthSpec{})
		policy.Spec.AWS = &v1.AWSSpec{RoleARN: targetRole, ExternalID: targetExternal}
		policy.Spec.Strategy.Replacement = v1.SurgeFirst
		policy.Spec.Strategy.Canary.Nodes = ptr.To[int32](0)
		Expect(env.Client.Create(ctx, policy)).To(Succeed())
		ctl = startController(lc, false)
		Eventually(phaseOf(policy)).WithTimeout(60 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		ctl.stop()
		record(lc)

		By("changing an ElastiCache group's node type with every option: failover turned on, a snapshot, a test failover, a service update, CloudWatch gates")
		g := threeZones("iam-ec", cacheLarge)
		g.MultiAZ, g.AutomaticFailover = false, false
		ec := newECAccount("iam-ec", ecOptions{groups: []awssim.ScenarioReplicationGroup{g},
			updates: []awssim.ScenarioServiceUpdate{{Name: "elc-20261101-001", ReplicationGroup: "iam-ec", Severity: "critical"}}})
		policy = ec.ecPolicy("iam-ec", cacheXLarge)
		policy.Spec.Target.ElastiCache.EnableAutomaticFailover = true
		policy.Spec.Target.ElastiCache.SnapshotBeforeModify = true
		policy.Spec.Target.ElastiCache.TestFailover = true
		policy.Spec.Desired.ServiceUpdates = &v1.ServiceUpdateSelector{Severities: []v1.ServiceUpdateSeverity{"critical"}}
		Expect(ec.srv.SetAlarm("iam-ec-latency", awssim.AlarmStateOK, "fine")).To(Succeed())
		policy.Spec.Health.CloudWatch = &v1.CloudWatchHealth{Alarms: []string{"iam-ec-latency"},
			Metrics: []v1.CloudWatchMetricGate{{Name: "EngineCPU", MetricName: "EngineCPUUtilization", Below: "90"}}}
		Expect(env.Client.Create(ctx, policy)).To(Succeed())
		ctl = startController(ec, false)
		Eventually(phaseOf(policy)).WithTimeout(120 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		ctl.stop()
		record(ec)

		data, err := os.ReadFile("../../config/iam/policy.json")
		Expect(err).NotTo(HaveOccurred())
		var doc iamPolicy
		Expect(json.Unmarshal(data, &doc)).To(Succeed())
		// The controller's own role also has the permission to assume the target accounts' roles.
		data, err = os.ReadFile("../../config/iam/assume-target-roles.json")
		Expect(err).NotTo(HaveOccurred())
		var assume iamPolicy
		Expect(json.Unmarshal(data, &assume)).To(Succeed())
		allowed := map[string]bool{}
		for _, st := range append(doc.Statement, assume.Statement...) {
			Expect(st.Effect).To(Equal("Allow"))
			if st.Sid == authorizationOnlySid {
				continue
			}
			for _, a := range st.Action {
				allowed[a] = true
			}
		}
		var calledList, allowedList []string
		for a := range called {
			calledList = append(calledList, a)
		}
		for a := range allowed {
			allowedList = append(allowedList, a)
		}
		sort.Strings(calledList)
		sort.Strings(allowedList)
		GinkgoWriter.Printf("actions called: %v\n", calledList)
		Expect(calledList).To(Equal(allowedList), "every action called is allowed, and every action allowed was called")

		By("restricting every mutating action to resources that carry the opt-in tag, where AWS can condition on it")
		for _, st := range doc.Statement {
			mutating := slices.ContainsFunc(st.Action, func(a string) bool { return !isReadOnly(a) })
			if !mutating || untaggable[st.Sid] {
				continue
			}
			Expect(st.Condition).To(HaveKey("Null"), "statement %s", st.Sid)
			Expect(st.Condition["Null"]).To(HaveLen(1), "statement %s", st.Sid)
			for key, v := range st.Condition["Null"] {
				Expect(key).To(HaveSuffix("ResourceTag/" + v1.OptInTagKey))
				Expect(v).To(Equal("false"))
			}
		}
	})
})

func isReadOnly(action string) bool {
	_, name, _ := strings.Cut(action, ":")
	return strings.HasPrefix(name, "Describe") || strings.HasPrefix(name, "List") || strings.HasPrefix(name, "Get")
}
