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
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
)

// These specs run the CloudWatch gates end to end: the real CloudWatch client (RPC v2 CBOR) against the
// simulator's CloudWatch, whose metrics it derives from its own instances, members and redis-servers, and
// whose alarms the specs set.

// setAlarm puts an alarm of the cluster's account in state, as CloudWatch would on its own.
func (c *simCluster) setAlarm(name, state string) {
	reason := map[string]string{awssim.AlarmStateOK: "Threshold Crossed: 1 datapoint [1.0] was not greater than the threshold (5.0).",
		awssim.AlarmStateAlarm: "Threshold Crossed: 1 datapoint [9.0] was greater than the threshold (5.0)."}[state]
	Expect(c.srv.SetAlarm(name, state, reason)).To(Succeed())
}

// currentStepMessage is what the in-flight step says it waits for ("" when none is in flight).
func currentStepMessage(p *v1.RemediationPolicy) func() string {
	return func() string {
		if s := get(p).Status.CurrentStep; s != nil {
			return s.Message
		}
		return ""
	}
}

func currentStepType(p *v1.RemediationPolicy) func() v1.StepType {
	return func() v1.StepType {
		if s := get(p).Status.CurrentStep; s != nil {
			return s.Type
		}
		return ""
	}
}

var _ = Describe("CloudWatch gates", func() {
	It("holds an ASG rollout on a metric without datapoints, then on an alarm in ALARM, with no mutation at all, and rolls once both clear", func() {
		c := newCluster("cw-alarm", clusterOptions{tagged: true})
		alarm := "cw-alarm-latency"
		c.setAlarm(alarm, awssim.AlarmStateOK)
		silent := c.instances()[1].ID
		cpu := map[string]string{"InstanceId": silent}
		c.srv.SetMetricMissing(awssim.NamespaceEC2, "CPUUtilization", cpu)
		policy := c.policyFor(goalNew, v1.HealthSpec{CloudWatch: &v1.CloudWatchHealth{Alarms: []string{alarm},
			Metrics: []v1.CloudWatchMetricGate{{Name: "CPU", MetricName: "CPUUtilization", Below: "90"}}}})
		Expect(env.Client.Create(ctx, policy)).To(Succeed())
		ctl := startController(c, false)
		defer ctl.stop()

		By("reporting the metric with no datapoints as missing, naming it and its dimensions")
		Eventually(readyReason(policy)).WithTimeout(30 * time.Second).Should(Equal(v1.ReasonMetricMissing))
		// A node launched less than a minute ago has no datapoint yet either (CloudWatch's first comes a
		// minute or so after launch), so the message settles on the silent node within a simulated minute.
		Eventually(func() string { return readyMessage(policy) }).WithTimeout(30 * time.Second).
			Should(Equal("CPU on " + silent + ": AWS/EC2 CPUUtilization {InstanceId=" + silent + "} (Maximum per 1m) has no datapoint in the last 5m"))
		got := get(policy)
		Expect(got.Status.Phase).To(Equal(v1.PhaseBlocked))
		Expect(got.Status.BlockedBy).To(Equal(v1.ReasonMetricMissing))

		By("blocking on the alarm once it fires, however the metrics are")
		c.srv.ClearMetric(awssim.NamespaceEC2, "CPUUtilization", cpu)
		c.setAlarm(alarm, awssim.AlarmStateAlarm)
		Eventually(readyReason(policy)).WithTimeout(10 * time.Second).Should(Equal(v1.ReasonAlarmFiring))
		Expect(readyMessage(policy)).To(ContainSubstring("alarm cw-alarm-latency is in ALARM since"))
		Expect(get(policy).Status.BlockedBy).To(Equal(v1.ReasonAlarmFiring))
		looked := c.callsOf("DescribeAlarms")
		// quiet spans many blocked requeues (fastPoll.Blocked): the controller looks again and again.
		Consistently(c.mutatingCalls).WithTimeout(quiet).Should(BeEmpty(), "not one mutation while the gates block")
		Expect(c.callsOf("DescribeAlarms")-looked).To(BeNumerically(">=", 5), "the controller kept looking")

		By("rolling the cluster once the alarm is OK again")
		c.setAlarm(alarm, awssim.AlarmStateOK)
		Eventually(phaseOf(policy)).WithTimeout(60 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		Expect(c.terminations()).To(HaveLen(3))
	})

	It("rolls the canary back when an alarm fires during its bake, though the alarm still fires", func() {
		c := newCluster("cw-bake", clusterOptions{tagged: true})
		alarm := "cw-bake-errors"
		c.setAlarm(alarm, awssim.AlarmStateOK)
		policy := c.policyFor(goalNew, v1.HealthSpec{CloudWatch: &v1.CloudWatchHealth{Alarms: []string{alarm}}})
		policy.Spec.Strategy = v1.StrategySpec{Canary: v1.CanarySpec{Nodes: ptr.To[int32](1), BakeTime: &metav1.Duration{Duration: time.Hour}}, RollbackOnFailure: true}
		Expect(env.Client.Create(ctx, policy)).To(Succeed())
		ctl := startController(c, false)
		defer ctl.stop()
		Eventually(currentStepType(policy)).WithTimeout(30 * time.Second).WithPolling(100 * time.Millisecond).Should(Equal(v1.StepBake))
		Expect(c.terminations()).To(HaveLen(1), "the canary was replaced, nothing else")

		c.setAlarm(alarm, awssim.AlarmStateAlarm)
		Eventually(func() string { return conditionReason(policy, v1.ConditionDegraded) }).WithTimeout(10 * time.Second).Should(Equal(v1.ReasonAlarmFired))
		Eventually(phaseOf(policy)).WithTimeout(60 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseRolledBack))
		got := get(policy)
		Expect(got.Status.FailedTarget.Reason).To(Equal(v1.ReasonAlarmFired))
		Expect(got.Status.FailedTarget.Message).To(ContainSubstring("a CloudWatch alarm went into ALARM during Bake of the cluster: alarm cw-bake-errors is in ALARM"))
		Expect(events(got)).To(ContainElement(HaveField("Reason", v1.ReasonAlarmFired)))
		Expect(c.terminations()).To(HaveLen(2), "the canary, then its rollback; nothing else")
		for _, inst := range c.instances() {
			Expect(v1.ImageAndType{ImageID: inst.ImageID, InstanceType: inst.InstanceType}).To(Equal(goalOld), "instance %s", inst.ID)
		}
	})

	It("holds a replacement while its ReplicationLag is above the threshold, touching nothing else, and lets it finish once the lag is down", func() {
		c := newCluster("cw-lag", clusterOptions{redis: true, tagged: true})
		health := redisHealth()
		health.NodeTimeout = &metav1.Duration{Duration: 2 * time.Minute}
		health.CloudWatch = &v1.CloudWatchHealth{Metrics: []v1.CloudWatchMetricGate{{Name: "ReplicationLag", Namespace: awssim.NamespaceRedis,
			MetricName: "ReplicationLag", SkipPrimaries: true, Below: "5", Window: &metav1.Duration{Duration: 2 * time.Minute}}}}
		policy := c.policyFor(goalNew, health)
		before := map[string]bool{}
		for _, inst := range c.instances() {
			before[inst.ID] = true
		}
		Expect(env.Client.Create(ctx, policy)).To(Succeed())
		ctl := startController(c, false)
		defer ctl.stop()

		By("making the first replacement report 30 s of lag from its launch")
		var replacement string
		Eventually(func() string {
			for _, inst := range c.instances() {
				if !before[inst.ID] {
					replacement = inst.ID
				}
			}
			return replacement
		}).WithTimeout(30 * time.Second).WithPolling(10 * time.Millisecond).ShouldNot(BeEmpty())
		lag := map[string]string{"InstanceId": replacement}
		c.srv.SetMetric(awssim.NamespaceRedis, "ReplicationLag", lag, 30)

		Eventually(currentStepMessage(policy)).WithTimeout(30 * time.Second).Should(ContainSubstring(
			"waiting for replacement " + replacement + " to be healthy: ReplicationLag on " + replacement + ": Redis ReplicationLag {InstanceId=" + replacement + "} (Maximum per 1m) was 30 at"))
		Consistently(c.terminations).WithTimeout(3*time.Second).Should(HaveLen(1), "nothing else is touched while the replacement is held")
		got := get(policy)
		Expect(got.Status.Phase).To(Equal(v1.PhaseProgressing))
		Expect(got.Status.CurrentStep.ReplacementInstanceID).To(Equal(replacement))
		held, _ := c.srv.Instance(replacement)
		Expect(held.LifecycleState).To(Equal(awssim.StateInService))
		Expect(role(held.PrivateIP)).To(Equal("slave"), "its Redis is a synced replica: the lag alone holds it")

		By("letting it finish once the lag has been below 5 s for the whole window")
		c.srv.ClearMetric(awssim.NamespaceRedis, "ReplicationLag", lag)
		Eventually(phaseOf(policy)).WithTimeout(90 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		expectClusterOn(c, goalNew)
	})

	It("sizes an ElastiCache scale-down from CloudWatch where Redis cannot be reached, and holds the change while an alarm fires", func() {
		c := newECAccount("ec-cw", ecOptions{groups: []awssim.ScenarioReplicationGroup{threeZones("cwgroup", cacheXLarge)}})
		_, members, _ := c.srv.ReplicationGroupState("cwgroup")
		full := members[1].ClusterID
		// cache.r6g.large keeps 13.07 GiB * 0.75 * 0.9 = 8.8 GiB for data.
		c.srv.SetCacheClusterUsedMemory(full, 9500)
		alarm := "cwgroup-evictions"
		c.setAlarm(alarm, awssim.AlarmStateOK)
		p := c.ecPolicy("cwgroup", cacheLarge)
		p.Spec.Health.CloudWatch = &v1.CloudWatchHealth{Alarms: []string{alarm},
			Metrics: []v1.CloudWatchMetricGate{{Name: "ReplicationLag", MetricName: "ReplicationLag", SkipPrimaries: true, Below: "5"}}}
		Expect(env.Client.Create(ctx, p)).To(Succeed())
		ctl := startController(c, false)
		defer ctl.stop()

		By("refusing the scale-down, with the data's size taken from BytesUsedForCache")
		Eventually(readyReason(p)).WithTimeout(30 * time.Second).Should(Equal(v1.ReasonDataDoesNotFit))
		Expect(readyMessage(p)).To(ContainSubstring("the fullest shard holds 9500.0 MiB (CloudWatch BytesUsedForCache, the fullest member's Maximum over the last 5m)"))

		By("blocking on the alarm once the data fits")
		c.setAlarm(alarm, awssim.AlarmStateAlarm)
		c.srv.SetCacheClusterUsedMemory(full, 100)
		Eventually(readyReason(p)).WithTimeout(30 * time.Second).Should(Equal(v1.ReasonAlarmFiring))
		Expect(readyMessage(p)).To(ContainSubstring("alarm cwgroup-evictions is in ALARM"))
		Consistently(c.mutatingCalls).WithTimeout(quiet).Should(BeEmpty(), "not one mutation while blocked")

		By("changing the node type once the alarm is OK")
		c.setAlarm(alarm, awssim.AlarmStateOK)
		Eventually(phaseOf(p)).WithTimeout(60 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		rg, _, _ := c.srv.ReplicationGroupState("cwgroup")
		Expect(rg.NodeType).To(Equal(cacheLarge))
		Expect(*get(p).Status.ElastiCache.UsedMemoryBytes).To(BeNumerically("==", 100<<20))
	})
})
