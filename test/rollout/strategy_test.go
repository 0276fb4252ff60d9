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
	"context"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
)

var goalOld = v1.ImageAndType{ImageID: amiOld, InstanceType: typeOld}

// expectClusterOn checks that every serving node runs goal and is a synced member of one Redis cluster
// with exactly one primary.
func expectClusterOn(c *simCluster, goal v1.ImageAndType) {
	primaries := 0
	insts := c.instances()
	Expect(insts).To(HaveLen(len(c.groups)))
	for _, inst := range insts {
		Expect(inst.LifecycleState).To(Equal(awssim.StateInService))
		Expect(v1.ImageAndType{ImageID: inst.ImageID, InstanceType: inst.InstanceType}).To(Equal(goal), "instance %s", inst.ID)
		r := role(inst.PrivateIP)
		Expect(r).To(BeElementOf("master", "slave"), "instance %s is a synced member", inst.ID)
		if r == "master" {
			primaries++
		}
	}
	Expect(primaries).To(Equal(1))
}

// writeKeys writes n keys with the prefix to the primary.
func writeKeys(c *simCluster, prefix string, n int) {
	w := &writer{c: c}
	primary := w.primary()
	Expect(primary).NotTo(BeNil())
	defer primary.Close()
	for i := range n {
		Expect(primary.Set(context.Background(), fmt.Sprintf("%s:%d", prefix, i), i, 0).Err()).To(Succeed())
	}
}

// expectKeys checks that the primary holds the n keys with the prefix.
func expectKeys(c *simCluster, prefix string, n int) {
	w := &writer{c: c}
	primary := w.primary()
	Expect(primary).NotTo(BeNil())
	defer primary.Close()
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("%s:%d", prefix, i)
	}
	values, err := primary.MGet(context.Background(), keys...).Result()
	Expect(err).NotTo(HaveOccurred())
	Expect(values).NotTo(ContainElement(BeNil()), "every key written before the roll is still there")
}

func conditionReason(p *v1.RemediationPolicy, condType string) string {
	cond := meta.FindStatusCondition(get(p).Status.Conditions, condType)
	if cond == nil {
		return ""
	}
	return cond.Reason
}

func update(p *v1.RemediationPolicy, change func(*v1.RemediationPolicy)) {
	Eventually(func() error {
		latest := get(p)
		change(latest)
		return env.Client.Update(ctx, latest)
	}).WithTimeout(5 * time.Second).Should(Succeed())
}

var _ = Describe("A canary whose replacement never becomes healthy, with rollbackOnFailure", func() {
	It("rolls the replaced node back, ends RolledBack on the old AMI and type with every node healthy, and does not restart when the same spec is applied again", func() {
		c := newCluster("canary", clusterOptions{redis: true, tagged: true})
		writeKeys(c, "before", 200)
		original := c.instances()
		broken := v1.ImageAndType{ImageID: amiBroken, InstanceType: typeNew}
		health := redisHealth()
		health.NodeTimeout = &metav1.Duration{Duration: 6 * time.Second}
		policy := c.policyFor(broken, health)
		policy.Spec.Strategy = v1.StrategySpec{Canary: v1.CanarySpec{Nodes: ptr.To[int32](1), BakeTime: &metav1.Duration{Duration: 2 * time.Second}}, RollbackOnFailure: true}
		ctl := startControllerFor(c, policy)
		defer ctl.stop()

		Eventually(phaseOf(policy)).WithTimeout(30 * time.Second).WithPolling(100 * time.Millisecond).Should(Equal(v1.PhaseRollingBack))
		Eventually(phaseOf(policy)).WithTimeout(90 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseRolledBack))

		By("ending with every node on the old AMI and type, healthy, and the data intact")
		expectClusterOn(c, goalOld)
		expectKeys(c, "before", 200)

		By("having touched only the canary: its original node, then the broken replacement")
		terms := c.terminations()
		Expect(terms).To(HaveLen(2))
		Expect(terms[0]).To(Equal(original[1].ID), "the canary is a replica in the first zone's order")
		Expect(terms[1]).NotTo(BeElementOf(original[0].ID, original[1].ID, original[2].ID))

		By("reporting why, with conditions and events")
		got := get(policy)
		Expect(got.Status.FailedTarget.Goal).To(Equal(broken))
		Expect(got.Status.FailedTarget.Reason).To(Equal(v1.ReasonNodeTimeout))
		Expect(*got.Status.LastGood).To(Equal(goalOld))
		Expect(meta.IsStatusConditionTrue(got.Status.Conditions, v1.ConditionDegraded)).To(BeTrue())
		Expect(conditionReason(policy, v1.ConditionReady)).To(Equal(v1.ReasonRolledBack))
		Eventually(func() []string {
			var reasons []string
			for _, e := range events(got) {
				reasons = append(reasons, e.Reason)
			}
			return reasons
		}).WithTimeout(5 * time.Second).Should(ContainElements(v1.ReasonNodeTimeout, v1.ReasonRolledBack))

		By("not restarting the failed rollout when the same spec is applied again")
		// Applying the same spec again changes no generation, so it alone triggers no reconcile; a GitOps
		// tool's apply does change its last-applied annotation, which does. Either way the controller also
		// looks again on its own every idle interval, several times within quiet.
		reconciles := func() float64 {
			// Every reconcile that ended without an error, whether it asked to look again later or not.
			return max(metricValue("controller_runtime_reconcile_total", map[string]string{"controller": "remediationpolicy", "result": "success"}), 0) +
				max(metricValue("controller_runtime_reconcile_total", map[string]string{"controller": "remediationpolicy", "result": "requeue_after"}), 0)
		}
		before := reconciles()
		update(policy, func(p *v1.RemediationPolicy) {
			p.Annotations = map[string]string{"kubectl.kubernetes.io/last-applied-configuration": "{\"spec\":\"the same\"}"}
		})
		Consistently(c.terminations).WithTimeout(quiet).Should(HaveLen(2))
		Expect(reconciles()).To(BeNumerically(">=", before+3), "the controller did look again, more than once, and did nothing")
		Expect(get(policy).Status.Phase).To(Equal(v1.PhaseRolledBack))

		By("retrying the failed target when the user sets the retry annotation")
		update(policy, func(p *v1.RemediationPolicy) { p.Annotations = map[string]string{v1.AnnotationRetry: "1"} })
		Eventually(c.terminations).WithTimeout(20*time.Second).Should(HaveLen(3), "the canary is tried again")
		Expect(get(policy).Status.LastHandledRetry).To(Equal("1"))
	})

	It("rolls back when a gate stops holding while the canary bakes", func() {
		c := newCluster("bake", clusterOptions{redis: true, tagged: true})
		policy := c.policyFor(goalNew, redisHealth())
		policy.Spec.Strategy = v1.StrategySpec{Canary: v1.CanarySpec{Nodes: ptr.To[int32](1), BakeTime: &metav1.Duration{Duration: time.Hour}}, RollbackOnFailure: true}
		ctl := startControllerFor(c, policy)
		defer ctl.stop()
		Eventually(func() v1.StepType {
			if s := get(policy).Status.CurrentStep; s != nil {
				return s.Type
			}
			return ""
		}).WithTimeout(30 * time.Second).WithPolling(100 * time.Millisecond).Should(Equal(v1.StepBake))
		Expect(c.terminations()).To(HaveLen(1), "the canary was replaced, nothing else")

		By("failing the canary's EC2 status checks in the middle of the bake")
		var canary awssim.Instance
		for _, inst := range c.instances() {
			if inst.ImageID == amiNew {
				canary = inst
			}
		}
		Expect(canary.ID).NotTo(BeEmpty())
		c.srv.SetImpaired(canary.ID, true)
		Eventually(func() string { return conditionReason(policy, v1.ConditionDegraded) }).WithTimeout(10 * time.Second).Should(Equal(v1.ReasonGateFailedDuringBake))
		c.srv.SetImpaired(canary.ID, false)
		Eventually(phaseOf(policy)).WithTimeout(60 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseRolledBack))
		expectClusterOn(c, goalOld)
		Expect(c.terminations()).To(HaveLen(2), "the canary, then its rollback; nothing else")
	})
})

var _ = Describe("An upgrade, then a downgrade by spec", func() {
	It("rolls to B keeping data and health, then back to A by spec keeping them again, and cleans up launch template versions", func() {
		c := newCluster("updown", clusterOptions{redis: true, tagged: true})
		writeKeys(c, "before", 300)
		policy := c.policyFor(goalNew, redisHealth())
		policy.Spec.Strategy = v1.StrategySpec{Canary: v1.CanarySpec{Nodes: ptr.To[int32](1), BakeTime: &metav1.Duration{Duration: time.Second}}, KeepLaunchTemplateVersions: 1}
		ctl := startControllerFor(c, policy)
		defer ctl.stop()
		Eventually(phaseOf(policy)).WithTimeout(90 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		expectClusterOn(c, goalNew)
		expectKeys(c, "before", 300)
		writeKeys(c, "between", 300)
		Expect(events(get(policy))).To(ContainElement(HaveField("Reason", "CanaryBaked")))

		By("rolling back to A by changing the spec")
		update(policy, func(p *v1.RemediationPolicy) { p.Spec.Desired = v1.DesiredSpec{ImageID: amiOld, InstanceType: typeOld} })
		Eventually(observedPhaseOf(policy)).WithTimeout(90 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		expectClusterOn(c, goalOld)
		expectKeys(c, "before", 300)
		expectKeys(c, "between", 300)
		Expect(c.terminations()).To(HaveLen(6), "each node replaced once per direction")
		Expect(*get(policy).Status.LastGood).To(Equal(goalOld))

		By("keeping one launch template version of its own, the one the groups run, as the default")
		group, ok := c.srv.GroupState(c.groups[0])
		Expect(ok).To(BeTrue())
		lt, versions, ok := c.srv.LaunchTemplateState(group.LaunchTemplate.ID)
		Expect(ok).To(BeTrue())
		running := group.LaunchTemplate.Version
		Expect(versions).To(Equal([]int64{1, 3}), "the original and the downgrade; the upgrade's version was deleted")
		Expect(fmt.Sprint(lt.DefaultVersion)).To(Equal(running))
	})
})

var _ = Describe("Pausing and changing the spec in the middle of a rollout", func() {
	It("starts no step while paused, finishes the in-flight node, and on resume ends on the new target", func() {
		c := newCluster("pause", clusterOptions{tagged: true})
		policy := c.policyFor(goalNew, v1.HealthSpec{})
		ctl := startControllerFor(c, policy)
		defer ctl.stop()
		Eventually(c.terminations).WithTimeout(30 * time.Second).WithPolling(50 * time.Millisecond).Should(HaveLen(1))

		By("pausing with the annotation while the first replacement is in flight")
		update(policy, func(p *v1.RemediationPolicy) {
			p.Annotations = map[string]string{v1.AnnotationPaused: "true"}
		})
		Eventually(phaseOf(policy)).WithTimeout(30 * time.Second).Should(Equal(v1.PhasePaused))
		Expect(get(policy).Status.CurrentStep).To(BeNil(), "the in-flight replacement finished before the pause took hold")
		Expect(meta.IsStatusConditionTrue(get(policy).Status.Conditions, v1.ConditionPaused)).To(BeTrue())
		Expect(conditionReason(policy, v1.ConditionPaused)).To(Equal(v1.ReasonPausedByAnnotation))
		Consistently(c.terminations).WithTimeout(quiet).Should(HaveLen(1), "no new step starts while paused")
		onB := 0
		for _, inst := range c.instances() {
			if inst.ImageID == amiNew {
				onB++
			}
		}
		Expect(onB).To(Equal(1))

		By("resuming with a new target: the node already on B is rolled again")
		third := v1.ImageAndType{ImageID: amiThird, InstanceType: typeNew}
		update(policy, func(p *v1.RemediationPolicy) {
			delete(p.Annotations, v1.AnnotationPaused)
			p.Spec.Desired.ImageID = amiThird
		})
		Eventually(observedPhaseOf(policy)).WithTimeout(90 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		for _, inst := range c.instances() {
			Expect(v1.ImageAndType{ImageID: inst.ImageID, InstanceType: inst.InstanceType}).To(Equal(third))
		}
		Expect(c.terminations()).To(HaveLen(4), "three original nodes and the one that was on B")
		Expect(meta.IsStatusConditionTrue(get(policy).Status.Conditions, v1.ConditionPaused)).To(BeFalse())
	})
})

var _ = Describe("SurgeFirst", func() {
	It("never has fewer InService nodes than at the start, and puts every group's capacity back", func() {
		c := newCluster("surge", clusterOptions{redis: true, tagged: true, maxSize: 1})
		from := len(c.srv.Timeline())
		writes := startWriter(c)
		policy := c.policyFor(goalNew, redisHealth())
		policy.Spec.Strategy.Replacement = v1.SurgeFirst
		ctl := startControllerFor(c, policy)
		defer ctl.stop()
		largestTotal := int32(0)
		Eventually(func() v1.Phase {
			got := get(policy)
			largestTotal = max(largestTotal, got.Status.TotalNodes)
			return got.Status.Phase
		}).WithTimeout(90 * time.Second).WithPolling(100 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		Expect(largestTotal).To(Equal(int32(3)), "UPDATED counts the nodes the cluster is sized to, never the surged one")
		acked, lost, gap := writes.finish()
		fmt.Printf("surge roll under write load: %d writes acknowledged, %d lost, longest write gap %s\n", acked, lost, gap.Round(time.Millisecond))
		Expect(lost).To(Equal(0))
		expectClusterOn(c, goalNew)

		Expect(c.maxOutOfService(from)).To(Equal(0), "the cluster never had fewer InService nodes than its capacity")
		for _, call := range c.srv.Calls() {
			if call.Action == "TerminateInstanceInAutoScalingGroup" && call.Error == "" {
				Expect(call.Params.Get("ShouldDecrementDesiredCapacity")).To(Equal("true"))
			}
		}
		Expect(c.terminations()).To(HaveLen(3))
		for _, name := range c.groups {
			g, ok := c.srv.GroupState(name)
			Expect(ok).To(BeTrue())
			Expect(g.Desired).To(Equal(int64(1)), "group %s is back to its desired capacity", name)
			Expect(g.Max).To(Equal(int64(1)), "group %s is back to its max size", name)
		}
	})
})

var _ = Describe("A SurgeFirst replacement that never becomes healthy", func() {
	It("removes the surged node and puts the group's capacity back before halting in Failed, leaving the cluster as it was", func() {
		c := newCluster("surgefail", clusterOptions{redis: true, tagged: true, maxSize: 1})
		writeKeys(c, "before", 100)
		original := c.instances()
		health := redisHealth()
		health.NodeTimeout = &metav1.Duration{Duration: 6 * time.Second}
		policy := c.policyFor(v1.ImageAndType{ImageID: amiBroken, InstanceType: typeNew}, health)
		policy.Spec.Strategy.Replacement = v1.SurgeFirst
		ctl := startControllerFor(c, policy)
		defer ctl.stop()
		Eventually(func() *v1.StepStatus { return get(policy).Status.CurrentStep }).WithTimeout(30 * time.Second).WithPolling(100 * time.Millisecond).
			Should(HaveField("ASG.Unwinding", BeTrue()))
		Expect(get(policy).Status.FailedTarget).To(HaveField("Reason", v1.ReasonNodeTimeout), "the failure is on record while the surge is taken back")
		Eventually(func() *v1.StepStatus { return get(policy).Status.CurrentStep }).WithTimeout(60 * time.Second).WithPolling(200 * time.Millisecond).Should(BeNil())
		Expect(get(policy).Status.Phase).To(Equal(v1.PhaseFailed))

		By("leaving the original nodes, all of them healthy, with their data, and no extra node or raised size")
		expectClusterOn(c, goalOld)
		expectKeys(c, "before", 100)
		ids := []string{}
		for _, inst := range c.instances() {
			ids = append(ids, inst.ID)
		}
		Expect(ids).To(ConsistOf(original[0].ID, original[1].ID, original[2].ID))
		for _, name := range c.groups {
			g, ok := c.srv.GroupState(name)
			Expect(ok).To(BeTrue())
			Expect([]int64{g.Desired, g.Max}).To(Equal([]int64{1, 1}), "group %s is back to desired 1, max 1", name)
		}
		terms := c.terminations()
		Expect(terms).To(HaveLen(1), "only the surged node was terminated")
		Expect(terms[0]).NotTo(BeElementOf(original[0].ID, original[1].ID, original[2].ID))
		Consistently(c.mutatingCalls).WithTimeout(quiet).Should(HaveLen(len(c.mutatingCalls())), "a Failed rollout touches nothing more")
	})
})

var _ = Describe("Groups on legacy launch configurations", func() {
	It("roll through a copy per group with the desired AMI and type, and leave no old configuration behind", func() {
		c := newCluster("legacy", clusterOptions{tagged: true, launchConfiguration: true})
		Expect(c.srv.LaunchConfigurationNames()).To(Equal([]string{"legacy-legacy"}))
		policy := c.policyFor(goalNew, v1.HealthSpec{})
		ctl := startControllerFor(c, policy)
		defer ctl.stop()
		Eventually(phaseOf(policy)).WithTimeout(60 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		for _, inst := range c.instances() {
			Expect(v1.ImageAndType{ImageID: inst.ImageID, InstanceType: inst.InstanceType}).To(Equal(goalNew))
		}
		names := c.srv.LaunchConfigurationNames()
		Expect(names).To(HaveLen(3))
		for _, name := range names {
			Expect(strings.Contains(name, "-cr-")).To(BeTrue(), "only the controller's copies remain, got %v", names)
		}
		Expect(get(policy).Status.ASG.SupersededLaunchConfigurations).To(BeEmpty())
		Expect(get(policy).Status.ASG.CleanupDue).To(BeFalse())

		By("publishing the policy's phase and nodes, and the steps' durations, as metrics")
		labels := map[string]string{"namespace": c.ns, "name": c.policy}
		Expect(metricValue("cache_remediator_policy_phase", merge(labels, "phase", "Succeeded"))).To(Equal(1.0))
		Expect(metricValue("cache_remediator_policy_phase", merge(labels, "phase", "Progressing"))).To(Equal(0.0))
		Expect(metricValue("cache_remediator_policy_nodes", merge(labels, "state", "updated"))).To(Equal(3.0))
		Expect(metricValue("cache_remediator_policy_nodes", merge(labels, "state", "total"))).To(Equal(3.0))
		Expect(metricValue("cache_remediator_step_duration_seconds", map[string]string{"type": "ReplaceNode"})).To(BeNumerically(">=", 3))
		Expect(metricValue("cache_remediator_aws_api_calls_total", map[string]string{"service": "Auto Scaling", "operation": "TerminateInstanceInAutoScalingGroup", "outcome": "success"})).To(BeNumerically(">=", 3))
	})
})

var _ = Describe("Deleting a policy in the middle of a replacement", func() {
	It("finishes the in-flight replacement before the policy goes, and starts no other", func() {
		c := newCluster("delete", clusterOptions{tagged: true})
		policy := c.policyFor(goalNew, v1.HealthSpec{})
		ctl := startControllerFor(c, policy)
		defer ctl.stop()
		Eventually(c.terminations).WithTimeout(30 * time.Second).WithPolling(50 * time.Millisecond).Should(HaveLen(1))
		Expect(env.Client.Delete(ctx, policy)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(policy), &v1.RemediationPolicy{}))
		}).WithTimeout(30*time.Second).Should(BeTrue(), "the policy is gone")
		insts := c.instances()
		Expect(insts).To(HaveLen(3))
		for _, inst := range insts {
			Expect(inst.LifecycleState).To(Equal(awssim.StateInService), "no node was left out")
		}
		Consistently(c.terminations).WithTimeout(quiet).Should(HaveLen(1))
	})
})

func merge(labels map[string]string, key, value string) map[string]string {
	out := map[string]string{key: value}
	for k, v := range labels {
		out[k] = v
	}
	return out
}
