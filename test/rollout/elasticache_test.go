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
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
	"github.com/cache-remediator/cache-remediator/test/envtestutil"
)

const (
	cacheLarge  = "cache.r6g.large"
	cacheXLarge = "cache.r6g.xlarge"
	cacheTiny   = "cache.t4g.micro"
)

// ecOptions describe the replication groups of an account.
type ecOptions struct {
	redis   bool
	groups  []awssim.ScenarioReplicationGroup
	updates []awssim.ScenarioServiceUpdate
	// slowSideOps makes tag changes and snapshots last an hour of simulated time (a minute here).
	slowSideOps bool
}

// newECAccount is a simulated account with replication groups, tagged for policies named after them in a
// new namespace. Times run 60x faster, with ElastiCache's changes shortened to a few seconds.
func newECAccount(name string, o ecOptions) *simCluster {
	nsSeq++
	ns := fmt.Sprintf("rollout-%d", nsSeq)
	Expect(env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
	for i := range o.groups {
		if o.groups[i].Tags == nil {
			o.groups[i].Tags = map[string]string{v1.OptInTagKey: ns + "." + o.groups[i].ID}
		}
	}
	sc := &awssim.Scenario{
		ClockSpeed: speed, Redis: o.redis,
		Delays: &awssim.ScenarioDelays{ModifyGroup: "3m", Snapshot: "1m", ServiceNode: "1m", ServiceUpdateStart: "30s",
			FailoverSettings: "1m", Tagging: "30s", TestFailover: "30s", FailoverRecovery: "30s"},
		NodeTypes: []awssim.ScenarioNodeType{
			{Name: cacheLarge, MemoryMiB: 13384, ScaleUp: []string{cacheXLarge}, ScaleDown: []string{cacheTiny}},
			{Name: cacheXLarge, MemoryMiB: 26952, ScaleDown: []string{cacheLarge, cacheTiny}},
			// A node type far smaller than any real one, so that a few MiB of real data do not fit it.
			{Name: cacheTiny, MemoryMiB: 64, ScaleUp: []string{cacheLarge, cacheXLarge}},
		},
		ReplicationGroups: o.groups, ServiceUpdates: o.updates,
	}
	if o.slowSideOps {
		sc.Delays.Tagging, sc.Delays.Snapshot = "1h", "1h"
	}
	sim, procs, err := sc.Build(nil, GinkgoT().TempDir())
	Expect(err).NotTo(HaveOccurred())
	c := &simCluster{ns: ns, policy: name}
	c.srv, c.procs = awssim.Serve(sim), procs
	DeferCleanup(c.srv.Close)
	return c
}

// ecPolicy is a policy on a replication group of the account.
func (c *simCluster) ecPolicy(group, nodeType string) *v1.RemediationPolicy {
	return &v1.RemediationPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: group, Namespace: c.ns},
		Spec: v1.RemediationPolicySpec{
			Target:  v1.TargetSpec{ElastiCache: &v1.ElastiCacheTarget{ReplicationGroupID: group}},
			Desired: v1.DesiredSpec{InstanceType: nodeType},
			Health:  v1.HealthSpec{StableFor: &metav1.Duration{Duration: time.Second}, NodeTimeout: &metav1.Duration{Duration: 2 * time.Minute}},
		},
	}
}

func (c *simCluster) elastiCache() *elasticache.Client {
	cfg := c.srv.SDKConfig()
	return elasticache.NewFromConfig(cfg)
}

// callsOf counts the calls of an action that the simulator applied.
func (c *simCluster) callsOf(action string) int {
	n := 0
	for _, call := range c.srv.Calls() {
		if call.Action == action && call.Applied {
			n++
		}
	}
	return n
}

func threeZones(id, nodeType string) awssim.ScenarioReplicationGroup {
	return awssim.ScenarioReplicationGroup{ID: id, NodeType: nodeType, Zones: zones, MultiAZ: true, AutomaticFailover: true, UsedMemoryMiB: 100}
}

var _ = Describe("ElastiCache: changing the node type", func() {
	It("changes a cluster-mode-disabled group and a 2-shard cluster-mode-enabled Valkey group, each in one watched operation, and ends Succeeded", func() {
		cme := awssim.ScenarioReplicationGroup{ID: "catalog", NodeType: cacheLarge, Engine: "valkey", Zones: zones, Shards: 2, ReplicasPerShard: ptr.To(1),
			MultiAZ: true, AutomaticFailover: true}
		c := newECAccount("ec-types", ecOptions{redis: true, groups: []awssim.ScenarioReplicationGroup{threeZones("sessions", cacheLarge), cme}})
		written := recordStatuses(c.ns)
		var policies []*v1.RemediationPolicy
		for _, id := range []string{"sessions", "catalog"} {
			p := c.ecPolicy(id, cacheXLarge)
			p.Spec.Health.Redis = &v1.RedisHealth{}
			Expect(env.Client.Create(ctx, p)).To(Succeed())
			policies = append(policies, p)
		}
		kubectl := watchKubectl(policies[1])
		ctl := startController(c, false)
		defer ctl.stop()
		for _, p := range policies {
			Eventually(phaseOf(p)).WithTimeout(90 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
			got := get(p)
			Expect(meta.IsStatusConditionTrue(got.Status.Conditions, v1.ConditionReady)).To(BeTrue())
			Expect(got.Status.Target).To(Equal("elasticache/" + p.Name))
			rg, members, _ := c.srv.ReplicationGroupState(p.Name)
			Expect(rg.NodeType).To(Equal(cacheXLarge))
			for _, m := range members {
				Expect(m.NodeType).To(Equal(cacheXLarge))
			}
			Expect(got.Status.Updated).To(Equal(fmt.Sprintf("%d/%d", len(members), len(members))))
			Expect(got.Status.Nodes).To(HaveLen(len(members)))
			Expect(events(got)).To(ContainElement(And(HaveField("Reason", "ModifyReplicationGroupStarted"))))
			Expect(events(got)).To(ContainElement(And(HaveField("Reason", "ModifyReplicationGroupCompleted"), HaveField("Note", ContainSubstring("changed from "+cacheLarge+" to "+cacheXLarge)))))
		}
		describe, _ := envtestutil.Kubectl(kubeconfigOf(), "describe", "rp", "-n", policies[1].Namespace, policies[1].Name).CombinedOutput()
		GinkgoWriter.Printf("kubectl get rp -o wide -w:\n%s\nkubectl describe rp:\n%s\n", kubectl(), describe)
		Expect(c.callsOf("ModifyReplicationGroup")).To(Equal(2), "one change per group")

		By("having shown, while ElastiCache worked, every member Replacing on the old type with nothing counted done")
		sawModifying := false
		for _, st := range written() {
			if st.CurrentStep != nil && st.CurrentStep.Type == v1.StepModifyReplicationGroup && st.CurrentStep.ActionTaken && len(st.Nodes) > 0 && st.Nodes[0].State == v1.NodeReplacing {
				sawModifying = true
				Expect(st.UpdatedNodes).To(BeZero(), "a node type change flips every member at its end")
			}
		}
		Expect(sawModifying).To(BeTrue())
	})

	It("does not call ModifyReplicationGroup again when the controller restarts mid-change", func() {
		c := newECAccount("ec-restart", ecOptions{groups: []awssim.ScenarioReplicationGroup{threeZones("sessions", cacheLarge)}})
		p := c.ecPolicy("sessions", cacheXLarge)
		Expect(env.Client.Create(ctx, p)).To(Succeed())
		ctl := startController(c, false)
		Eventually(func() string {
			rg, _, _ := c.srv.ReplicationGroupState("sessions")
			return rg.Status
		}).WithTimeout(30 * time.Second).WithPolling(50 * time.Millisecond).Should(Equal("modifying"))
		ctl.stop()
		By("a fresh controller picking the change up")
		ctl = startController(c, false)
		defer ctl.stop()
		Eventually(phaseOf(p)).WithTimeout(60 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		Expect(c.callsOf("ModifyReplicationGroup")).To(Equal(1))
	})

	It("ends Failed with ElastiCache's explanation when ElastiCache reverts a scale-down, and does not try again", func() {
		// The group's parameter group reserves 60% of memory for itself; the policy was told the default 25%:
		// the controller's fit check passes, ElastiCache's does not, as on AWS when they disagree.
		g := threeZones("sessions", cacheLarge)
		g.ReservedMemoryPercent = 60
		c := newECAccount("ec-revert", ecOptions{redis: true, groups: []awssim.ScenarioReplicationGroup{g}})
		Expect(c.srv.PopulateReplicationGroup("sessions", 300, 100_000)).To(Succeed())
		p := c.ecPolicy("sessions", cacheTiny)
		p.Spec.Health.Redis = &v1.RedisHealth{}
		p.Spec.Target.ElastiCache.TargetNodeMemoryMiB = ptr.To[int64](64)
		Expect(env.Client.Create(ctx, p)).To(Succeed())
		ctl := startController(c, false)
		defer ctl.stop()
		Eventually(phaseOf(p)).WithTimeout(90 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseFailed))
		got := get(p)
		Expect(conditionReason(p, v1.ConditionReady)).To(Equal(v1.ReasonModificationReverted))
		Expect(got.Status.FailedTarget.Reason).To(Equal(v1.ReasonModificationReverted))
		Expect(got.Status.FailedTarget.Message).To(ContainSubstring("insufficient memory"), "the event's explanation")
		rg, _, _ := c.srv.ReplicationGroupState("sessions")
		Expect(rg.NodeType).To(Equal(cacheLarge))
		Consistently(func() int { return c.callsOf("ModifyReplicationGroup") }).WithTimeout(quiet).Should(Equal(1), "a failed goal is not retried")
	})
})

var _ = Describe("ElastiCache: preflight gates", func() {
	DescribeTable("block with their reason and make no mutating call",
		func(group func() awssim.ScenarioReplicationGroup, prepare func(c *simCluster), mutate func(*v1.RemediationPolicy), reason, message string) {
			g := group()
			c := newECAccount(fmt.Sprintf("ec-gate%d", nsSeq+1), ecOptions{redis: true, groups: []awssim.ScenarioReplicationGroup{g}, slowSideOps: true})
			prepare(c)
			c.srv.ResetCalls() // what the test itself did to the group is not the controller's
			p := c.ecPolicy(g.ID, cacheXLarge)
			p.Spec.Health.Redis = &v1.RedisHealth{}
			mutate(p)
			Expect(env.Client.Create(ctx, p)).To(Succeed())
			ctl := startController(c, false)
			defer ctl.stop()
			Eventually(readyReason(p)).WithTimeout(30 * time.Second).Should(Equal(reason))
			Expect(get(p).Status.Phase).To(Equal(v1.PhaseBlocked))
			Expect(readyMessage(p)).To(ContainSubstring(message))
			Consistently(c.mutatingCalls).WithTimeout(quiet).Should(BeEmpty())
		},
		Entry("Multi-AZ off", func() awssim.ScenarioReplicationGroup {
			g := threeZones("nomaz", cacheLarge)
			g.MultiAZ = false
			return g
		}, func(*simCluster) {}, func(*v1.RemediationPolicy) {}, v1.ReasonAutomaticFailoverDisabled, "Multi-AZ disabled"),
		Entry("a shard without a replica", func() awssim.ScenarioReplicationGroup {
			return awssim.ScenarioReplicationGroup{ID: "single", NodeType: cacheLarge, Zones: zones[:1]}
		}, func(*simCluster) {}, func(*v1.RemediationPolicy) {}, v1.ReasonNoReplica, "shard 0001 has no replica"),
		Entry("the group not available (a tag change under way)", func() awssim.ScenarioReplicationGroup { return threeZones("tagging", cacheLarge) },
			func(c *simCluster) {
				_, err := c.elastiCache().AddTagsToResource(ctx, &elasticache.AddTagsToResourceInput{ResourceName: aws.String(groupARN(c, "tagging")),
					Tags: []ectypes.Tag{{Key: aws.String("team"), Value: aws.String("cache")}}})
				Expect(err).NotTo(HaveOccurred())
			}, func(*v1.RemediationPolicy) {}, v1.ReasonGateBlocked, "replication group tagging is modifying"),
		Entry("a member modifying while the group says available", func() awssim.ScenarioReplicationGroup { return threeZones("member", cacheLarge) },
			func(c *simCluster) {
				Expect(c.srv.SetMemberStatus("member", "member-002", "modifying", time.Hour)).To(Succeed())
			},
			func(*v1.RemediationPolicy) {}, v1.ReasonGateBlocked, "member member-002 is modifying"),
		Entry("a snapshot running", func() awssim.ScenarioReplicationGroup { return threeZones("backup", cacheLarge) },
			func(c *simCluster) {
				_, err := c.elastiCache().CreateSnapshot(ctx, &elasticache.CreateSnapshotInput{ReplicationGroupId: aws.String("backup"), SnapshotName: aws.String("by-hand")})
				Expect(err).NotTo(HaveOccurred())
			}, func(p *v1.RemediationPolicy) {}, v1.ReasonGateBlocked, "snapshotting"),
		Entry("a node type ElastiCache does not allow", func() awssim.ScenarioReplicationGroup { return threeZones("notallowed", cacheXLarge) },
			func(*simCluster) {}, func(p *v1.RemediationPolicy) { p.Spec.Desired.InstanceType = "cache.m7g.24xlarge" },
			v1.ReasonNodeTypeNotAllowed, "does not allow changing cache.r6g.xlarge to cache.m7g.24xlarge"),
		Entry("data that would not fit the smaller node type", func() awssim.ScenarioReplicationGroup { return threeZones("toobig", cacheLarge) },
			func(c *simCluster) { Expect(c.srv.PopulateReplicationGroup("toobig", 100, 100_000)).To(Succeed()) },
			func(p *v1.RemediationPolicy) {
				p.Spec.Desired.InstanceType = cacheTiny
				p.Spec.Target.ElastiCache.TargetNodeMemoryMiB = ptr.To[int64](8)
			}, v1.ReasonDataDoesNotFit, "keeps only 5.4 MiB for data with 25% reserved and 10% headroom"),
		Entry("a Global Datastore member", func() awssim.ScenarioReplicationGroup {
			g := threeZones("global", cacheLarge)
			g.GlobalReplicationGroupID = "ldgnf-sessions"
			return g
		}, func(*simCluster) {}, func(*v1.RemediationPolicy) {}, v1.ReasonGlobalDatastoreMember, "Global Datastore ldgnf-sessions"),
	)

	It("turns automatic failover and Multi-AZ on first when the spec allows it, waits for them, then changes the node type", func() {
		g := threeZones("turnon", cacheLarge)
		g.MultiAZ, g.AutomaticFailover = false, false
		c := newECAccount("ec-turnon", ecOptions{groups: []awssim.ScenarioReplicationGroup{g}})
		p := c.ecPolicy("turnon", cacheXLarge)
		p.Spec.Target.ElastiCache.EnableAutomaticFailover = true
		Expect(env.Client.Create(ctx, p)).To(Succeed())
		ctl := startController(c, false)
		defer ctl.stop()
		Eventually(phaseOf(p)).WithTimeout(90 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		var order []string
		for _, call := range c.srv.Calls() {
			if call.Action == "ModifyReplicationGroup" && call.Applied {
				if call.Params.Get("AutomaticFailoverEnabled") == "true" {
					order = append(order, "failover")
				} else {
					order = append(order, "nodetype")
				}
			}
		}
		Expect(order).To(Equal([]string{"failover", "nodetype"}))
		rg, _, _ := c.srv.ReplicationGroupState("turnon")
		Expect(rg.MultiAZ && rg.AutomaticFailover).To(BeTrue())
		Expect(rg.NodeType).To(Equal(cacheXLarge))
	})

	It("fails every shard over once before the change when asked, and shows the account's TestFailover budget left", func() {
		cme := awssim.ScenarioReplicationGroup{ID: "tested", NodeType: cacheLarge, Engine: "valkey", Zones: zones, Shards: 2, ReplicasPerShard: ptr.To(1),
			MultiAZ: true, AutomaticFailover: true, UsedMemoryMiB: 100}
		c := newECAccount("ec-testfailover", ecOptions{groups: []awssim.ScenarioReplicationGroup{cme}})
		p := c.ecPolicy("tested", cacheXLarge)
		p.Spec.Target.ElastiCache.TestFailover = true
		Expect(env.Client.Create(ctx, p)).To(Succeed())
		ctl := startController(c, false)
		defer ctl.stop()
		Eventually(phaseOf(p)).WithTimeout(120 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		var order []string
		for _, call := range c.srv.Calls() {
			if call.Applied && (call.Action == "TestFailover" || call.Action == "ModifyReplicationGroup") {
				order = append(order, call.Action+" "+call.Params.Get("NodeGroupId"))
			}
		}
		Expect(order).To(Equal([]string{"TestFailover 0001", "TestFailover 0002", "ModifyReplicationGroup "}), "each shard once, one at a time, before the change")
		got := get(p)
		Expect(got.Status.ElastiCache.TestFailovers).To(HaveLen(2))
		Expect(got.Status.ElastiCache.TestFailoverBudget).To(HaveValue(BeNumerically("==", 13)))
		Expect(got.Status.Rollout.ElastiCache.FailoverTested).To(ConsistOf("0001", "0002"))
		ecStatus, _ := envtestutil.Kubectl(kubeconfigOf(), "get", "rp", "-n", p.Namespace, p.Name, "-o", "jsonpath={.status.elastiCache}").CombinedOutput()
		GinkgoWriter.Printf("kubectl get rp -o jsonpath={.status.elastiCache}:\n%s\n", ecStatus)
		labels := map[string]string{"namespace": p.Namespace, "name": p.Name}
		Expect(metricValue("cache_remediator_elasticache_test_failover_budget", labels)).To(Equal(13.0))
		Expect(metricValue("cache_remediator_policy_phase", merge(labels, "phase", "Succeeded"))).To(Equal(1.0))
		Expect(metricValue("cache_remediator_step_duration_seconds", map[string]string{"type": string(v1.StepTestFailover)})).To(BeNumerically(">", 0))
	})

	It("refuses to act on a group whose opt-in tag names another policy", func() {
		g := threeZones("othertag", cacheLarge)
		g.Tags = map[string]string{v1.OptInTagKey: "someone.else"}
		c := newECAccount("ec-tag", ecOptions{groups: []awssim.ScenarioReplicationGroup{g}})
		p := c.ecPolicy("othertag", cacheXLarge)
		Expect(env.Client.Create(ctx, p)).To(Succeed())
		ctl := startController(c, false)
		defer ctl.stop()
		Eventually(readyReason(p)).WithTimeout(30 * time.Second).Should(Equal(v1.ReasonNotOptedIn))
		Consistently(c.mutatingCalls).WithTimeout(quiet).Should(BeEmpty())
	})
})

func groupARN(c *simCluster, id string) string {
	out, err := c.elastiCache().DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String(id)})
	Expect(err).NotTo(HaveOccurred())
	return aws.ToString(out.ReplicationGroups[0].ARN)
}

var _ = Describe("ElastiCache: service updates", func() {
	It("applies a pending security update and follows it node by node to the end", func() {
		c := newECAccount("ec-update", ecOptions{redis: true, groups: []awssim.ScenarioReplicationGroup{threeZones("patched", cacheLarge)},
			updates: []awssim.ScenarioServiceUpdate{{Name: "elc-20261101-001", ReplicationGroup: "patched", Severity: "critical"},
				{Name: "elc-20261101-002", ReplicationGroup: "patched", Severity: "low"}}})
		written := recordStatuses(c.ns)
		p := c.ecPolicy("patched", cacheLarge)
		p.Spec.Health.Redis = &v1.RedisHealth{}
		p.Spec.Desired.ServiceUpdates = &v1.ServiceUpdateSelector{Severities: []v1.ServiceUpdateSeverity{"critical", "important"}}
		Expect(env.Client.Create(ctx, p)).To(Succeed())
		ctl := startController(c, false)
		defer ctl.stop()
		Eventually(phaseOf(p)).WithTimeout(120 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		Expect(readyMessage(p)).To(ContainSubstring("with service updates elc-20261101-001 applied"))
		Expect(c.callsOf("BatchApplyUpdateAction")).To(Equal(1), "the low-severity update is not selected")
		seen := map[string]bool{}
		for _, st := range written() {
			if st.CurrentStep != nil && st.CurrentStep.Type == v1.StepApplyServiceUpdate {
				seen[st.Updated] = true
			}
		}
		Expect(seen).To(HaveKey("1/3"), "UPDATED moved one member at a time")
		Expect(seen).To(HaveKey("2/3"))
		Expect(events(get(p))).To(ContainElement(HaveField("Note", ContainSubstring("service update elc-20261101-001 is applied to all 3 members"))))
	})
})

var _ = strings.Contains
