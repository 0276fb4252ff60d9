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

package asgplanner_test

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/asgobservation"
	planner "github.com/cache-remediator/cache-remediator/controllers/asgplanner"
	"github.com/cache-remediator/cache-remediator/controllers/health"
	"github.com/cache-remediator/cache-remediator/controllers/rollout/rollouttest"
)

// alarms puts the CloudWatch alarms gate's result, the alarm in state ("": missing), first among the
// cluster's gates, as the observation puts it.
func alarms(c *asgobservation.Cluster, state string) *asgobservation.Cluster {
	c.ClusterGates = append([]health.Result{rollouttest.AlarmGate(state)}, c.ClusterGates...)
	return c
}

// withMetric adds a metric gate's result on node id.
func withMetric(c *asgobservation.Cluster, id, reason, message string) *asgobservation.Cluster {
	for i := range c.Nodes {
		if c.Nodes[i].InstanceID == id {
			c.Nodes[i].Gates = append(c.Nodes[i].Gates, health.Result{Gate: "ReplicationLag", InstanceID: id, Reason: reason, Message: message})
		}
	}
	return c
}

// canaryBaking is a rollout baking its canary i-c2 for a minute of ten.
func canaryBaking(c *asgobservation.Cluster) planner.Input {
	in := input(c)
	in.Spec.Strategy = v1.StrategySpec{Canary: v1.CanarySpec{Nodes: ptr(int32(1)), BakeTime: &metav1.Duration{Duration: 10 * time.Minute}}, RollbackOnFailure: true}
	in.LastGood = &oldGoal
	in.Step = step(v1.StepBake, "", "", now.Add(-time.Minute))
	return in
}

func withCanary() *asgobservation.Cluster {
	return cluster(newGoal, node("i-a", "c-a", oldGoal, true), node("i-b", "c-b", oldGoal, false), node("i-c2", "c-c", newGoal, false))
}

// replacing is a replacement of i-b in flight whose new node i-b2 is up.
func replacing(c *asgobservation.Cluster) planner.Input {
	in := input(c)
	in.Spec.Strategy.RollbackOnFailure = true
	in.LastGood = &oldGoal
	in.Step = step(v1.StepReplaceNode, "i-b", "c-b", now.Add(-time.Minute))
	in.Step.ActionTaken = true
	return in
}

func TestPlanWithCloudWatchGates(t *testing.T) {
	runPlanCases(t, []planCase{
		{"when an alarm is in ALARM, the next replacement does not start and the reason names the alarm", func() planner.Input {
			return input(alarms(cluster(newGoal, allOld()...), health.AlarmStateAlarm))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Step).To(BeNil())
			g.Expect(d.Phase).To(Equal(v1.PhaseBlocked))
			g.Expect(d.Reason).To(Equal(v1.ReasonAlarmFiring))
			g.Expect(d.Message).To(ContainSubstring("sessions-latency"))
			g.Expect(d.Degraded).To(BeFalse(), "an alarm clears by itself")
		}},
		{"when an alarm is in ALARM, not even a launch template version is prepared", func() planner.Input {
			return input(alarms(cluster(oldGoal, allOld()...), health.AlarmStateAlarm))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Reason).To(Equal(v1.ReasonAlarmFiring))
		}},
		{"when an alarm is in INSUFFICIENT_DATA, it cannot vouch for the cluster and no step starts", func() planner.Input {
			return input(alarms(cluster(newGoal, allOld()...), health.AlarmStateInsufficientData))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Phase).To(Equal(v1.PhaseBlocked))
			g.Expect(d.Reason).To(Equal(v1.ReasonAlarmInsufficientData))
		}},
		{"when an alarm does not exist, it blocks as a mistake only the user can fix", func() planner.Input {
			return input(alarms(cluster(newGoal, allOld()...), ""))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Reason).To(Equal(v1.ReasonAlarmNotFound))
			g.Expect(d.Degraded).To(BeTrue())
		}},
		{"when a node's metric has no datapoints, it blocks with MetricMissing and the metric's name", func() planner.Input {
			return input(withMetric(cluster(newGoal, allOld()...), "i-c", health.ReasonMetricMissing, "Redis ReplicationLag {InstanceId=i-c} (Maximum per 1m) has no datapoint in the last 5m"))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Phase).To(Equal(v1.PhaseBlocked))
			g.Expect(d.Reason).To(Equal(v1.ReasonMetricMissing))
			g.Expect(d.Message).To(ContainSubstring("ReplicationLag on i-c: Redis ReplicationLag {InstanceId=i-c} (Maximum per 1m) has no datapoint"))
		}},
		{"when a node's metric crossed its threshold, it blocks like any gate", func() planner.Input {
			return input(withMetric(cluster(newGoal, allOld()...), "i-c", health.ReasonThresholdCrossed, "was 12"))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Reason).To(Equal(v1.ReasonGateBlocked))
		}},
		{"when an alarm has cleared but not held for stableFor, it waits for it without acting", func() planner.Input {
			c := alarms(cluster(newGoal, allOld()...), health.AlarmStateOK)
			in := input(c)
			in.Gates = held(c, time.Hour)
			in.Gates.ClusterSince[health.GateCloudWatchAlarms] = now.Add(-5 * time.Second)
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Phase).To(Equal(v1.PhaseProgressing))
			g.Expect(d.Message).To(ContainSubstring("CloudWatchAlarms on the cluster has held for 5s"))
		}},
		{"when every alarm is OK and every metric holds, the replacement starts", func() planner.Input {
			c := alarms(cluster(newGoal, allOld()...), health.AlarmStateOK)
			for i := range c.Nodes {
				c.Nodes[i].Gates = append(c.Nodes[i].Gates, health.Result{Gate: "ReplicationLag", InstanceID: c.Nodes[i].InstanceID, OK: true})
			}
			return input(c)
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionTerminate))
		}},
		{"when an alarm fires during a replacement, the rollout fails with AlarmFired and rolls back", func() planner.Input {
			return replacing(alarms(cluster(newGoal, node("i-a", "c-a", oldGoal, true), node("i-b2", "c-b", newGoal, false), node("i-c", "c-c", oldGoal, false)), health.AlarmStateAlarm))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.FailedTarget.Reason).To(Equal(v1.ReasonAlarmFired))
			g.Expect(d.FailedTarget.Message).To(ContainSubstring("a CloudWatch alarm went into ALARM during ReplaceNode of i-b: alarm sessions-latency"))
			g.Expect(d.Phase).To(Equal(v1.PhaseRollingBack))
			g.Expect(d.Step.Purpose).To(Equal(v1.PurposeRollback))
			g.Expect(d.Step.Goal).To(Equal(oldGoal))
			g.Expect(d.Action).To(Equal(planner.ActionPrepareLaunchTemplate), "the rollback starts though the alarm still fires")
		}},
		{"when an alarm fires during a replacement without rollbackOnFailure, it halts in Failed and touches nothing else", func() planner.Input {
			in := replacing(alarms(cluster(newGoal, node("i-a", "c-a", oldGoal, true), node("i-b2", "c-b", newGoal, false), node("i-c", "c-c", oldGoal, false)), health.AlarmStateAlarm))
			in.Spec.Strategy.RollbackOnFailure = false
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.FailedTarget.Reason).To(Equal(v1.ReasonAlarmFired))
			g.Expect(d.Phase).To(Equal(v1.PhaseFailed))
			g.Expect(d.Reason).To(Equal(v1.ReasonAlarmFired))
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Step).To(BeNil())
		}},
		{"when an alarm fires during the canary's bake, the rollout fails with AlarmFired, not a gate's failure, and rolls back", func() planner.Input {
			return canaryBaking(alarms(withCanary(), health.AlarmStateAlarm))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.FailedTarget.Reason).To(Equal(v1.ReasonAlarmFired))
			g.Expect(d.FailedTarget.Message).To(ContainSubstring("during Bake of the cluster"))
			g.Expect(d.Phase).To(Equal(v1.PhaseRollingBack))
			g.Expect(d.Step.Purpose).To(Equal(v1.PurposeRollback))
		}},
		{"when an alarm turns INSUFFICIENT_DATA during the bake, the bake goes on: it cannot vouch, but it did not fire", func() planner.Input {
			return canaryBaking(alarms(withCanary(), health.AlarmStateInsufficientData))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.FailedTarget).To(BeNil())
			g.Expect(d.Step.Type).To(Equal(v1.StepBake))
			g.Expect(d.Phase).To(Equal(v1.PhaseProgressing))
		}},
		{"when the canary's metric goes missing during the bake, the bake fails: no data is not good news", func() planner.Input {
			return canaryBaking(withMetric(withCanary(), "i-c2", health.ReasonMetricMissing, "has no datapoint"))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.FailedTarget.Reason).To(Equal(v1.ReasonGateFailedDuringBake))
			g.Expect(d.FailedTarget.Message).To(ContainSubstring("ReplicationLag on i-c2: has no datapoint"))
		}},
		{"when the replacement's lag is above its threshold, the replacement is held and nothing else starts", func() planner.Input {
			return replacing(withMetric(cluster(newGoal, node("i-a", "c-a", oldGoal, true), node("i-b2", "c-b", newGoal, false), node("i-c", "c-c", oldGoal, false)),
				"i-b2", health.ReasonThresholdCrossed, "Redis ReplicationLag {InstanceId=i-b2} (Maximum per 1m) was 30"))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Completed).To(BeNil())
			g.Expect(d.FailedTarget).To(BeNil())
			g.Expect(d.Step.InstanceID).To(Equal("i-b"))
			g.Expect(d.Step.HealthySince).To(BeNil())
			g.Expect(d.Message).To(ContainSubstring("waiting for replacement i-b2 to be healthy: ReplicationLag on i-b2: Redis ReplicationLag {InstanceId=i-b2} (Maximum per 1m) was 30"))
		}},
		{"when an alarm still fires during a rollback, the rollback goes on: it is what answers the alarm", func() planner.Input {
			broken := node("i-c2", "c-c", newGoal, false)
			in := input(alarms(cluster(oldGoal, node("i-a", "c-a", oldGoal, true), node("i-b", "c-b", oldGoal, false), broken), health.AlarmStateAlarm))
			in.Spec.Strategy.RollbackOnFailure = true
			in.LastGood = &oldGoal
			in.FailedTarget = &v1.FailedTarget{Goal: newGoal, Generation: 1, Reason: v1.ReasonAlarmFired}
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Phase).To(Equal(v1.PhaseRollingBack))
			g.Expect(d.Action).To(Equal(planner.ActionTerminate))
			g.Expect(d.Step.InstanceID).To(Equal("i-c2"))
		}},
		{"when an alarm fires during a rollback's replacement, the rollback is not failed for it", func() planner.Input {
			in := replacing(alarms(cluster(oldGoal, node("i-a", "c-a", oldGoal, true), node("i-b2", "c-b", oldGoal, false), node("i-c", "c-c", oldGoal, false)), health.AlarmStateAlarm))
			in.Step.Purpose, in.Step.Goal = v1.PurposeRollback, oldGoal
			in.FailedTarget = &v1.FailedTarget{Goal: newGoal, Generation: 1, Reason: v1.ReasonAlarmFired}
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.FailedTarget).To(BeNil())
			g.Expect(d.Phase).To(Equal(v1.PhaseRollingBack))
		}},
		{"when an alarm fires during a cleanup, every node is on the goal and the rollout is not failed for it", func() planner.Input {
			in := input(alarms(cluster(newGoal, node("i-a", "c-a", newGoal, true), node("i-b", "c-b", newGoal, false), node("i-c", "c-c", newGoal, false)), health.AlarmStateAlarm))
			in.CleanupDue = true
			in.Step = step(v1.StepCleanup, "", "", now.Add(-time.Second))
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.FailedTarget).To(BeNil())
			g.Expect(d.Action).To(Equal(planner.ActionCleanup))
		}},
		{"when an alarm fires during a surge, the surge is taken back before the failure is acted on", func() planner.Input {
			in := failingSurge()
			in.Step.StartedAt = metav1.NewTime(now.Add(-time.Minute))
			in.Cluster = alarms(in.Cluster, health.AlarmStateAlarm)
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.FailedTarget.Reason).To(Equal(v1.ReasonAlarmFired))
			g.Expect(d.Action).To(Equal(planner.ActionRemoveSurgedNode))
			g.Expect(d.Step.ASG.Unwinding).To(BeTrue())
		}},
	})
}
