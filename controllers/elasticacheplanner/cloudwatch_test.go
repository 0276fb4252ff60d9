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

package elasticacheplanner_test

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	eo "github.com/cache-remediator/cache-remediator/controllers/elasticacheobservation"
	planner "github.com/cache-remediator/cache-remediator/controllers/elasticacheplanner"
	"github.com/cache-remediator/cache-remediator/controllers/health"
	"github.com/cache-remediator/cache-remediator/controllers/rollout/rollouttest"
)

// alarmsRead makes the group's CloudWatch read find the alarm in state ("": missing).
func alarmsRead(c *eo.Cluster, state string) *eo.Cluster {
	c.CloudWatch.Cluster = []health.Result{rollouttest.AlarmGate(state)}
	return c
}

// modifying is a group ElastiCache is changing to xlarge, the change's call made a minute ago.
func modifying(c *eo.Cluster) planner.Input {
	c.Group.Status = "modifying"
	for i := range c.Members {
		c.Members[i].Status, c.Members[i].PendingNodeType = "modifying", xlarge
	}
	in := input(c)
	in.Step = inFlight(v1.StepModifyReplicationGroup, time.Minute)
	return in
}

// failedByAlarm records that the rollout to xlarge failed with an alarm 30 seconds ago, while in.Step ran.
func failedByAlarm(in planner.Input) planner.Input {
	in.FailedTarget = &v1.FailedTarget{Goal: v1.ImageAndType{InstanceType: xlarge}, Generation: 1, Reason: v1.ReasonAlarmFired,
		Message: "a CloudWatch alarm went into ALARM during ModifyReplicationGroup: alarm sessions-latency is in ALARM", FailedAt: &metav1.Time{Time: now.Add(-30 * time.Second)}}
	return in
}

func TestPlanWithCloudWatchGates(t *testing.T) {
	runPlanCases(t, []planCase{
		{"an alarm in ALARM keeps the change from starting and names the alarm", func() planner.Input {
			return input(alarmsRead(group(), health.AlarmStateAlarm))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Step).To(BeNil())
			g.Expect(d.Phase).To(Equal(v1.PhaseBlocked))
			g.Expect(d.Reason).To(Equal(v1.ReasonAlarmFiring))
			g.Expect(d.Message).To(ContainSubstring("alarm sessions-latency is in ALARM since 2026-11-21T11:55:00Z"))
		}},
		{"an alarm that does not exist blocks as a mistake only the user can fix", func() planner.Input {
			return input(alarmsRead(group(), ""))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Reason).To(Equal(v1.ReasonAlarmNotFound))
			g.Expect(d.Degraded).To(BeTrue())
		}},
		{"a member's metric without datapoints keeps the change from starting, with its own reason", func() planner.Input {
			c := group()
			c.CloudWatch.Nodes = map[string][]health.Result{"sessions-0001-002": {{Gate: "ReplicationLag", InstanceID: "sessions-0001-002", Reason: health.ReasonMetricMissing,
				Message: "AWS/ElastiCache ReplicationLag {CacheClusterId=sessions-0001-002} (Maximum per 1m) has no datapoint in the last 5m"}}}
			return input(c)
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Reason).To(Equal(v1.ReasonMetricMissing))
			g.Expect(d.Message).To(ContainSubstring("ReplicationLag on sessions-0001-002: AWS/ElastiCache ReplicationLag"))
		}},
		{"a scale-down sized from CloudWatch says where the figure came from", func() planner.Input {
			c := group()
			c.UsedMemory, c.UsedMemoryFrom = 3<<30, "CloudWatch BytesUsedForCache, the fullest member's Maximum over the last 5m"
			in := input(c)
			in.Spec.Desired.InstanceType = medium
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Reason).To(Equal(v1.ReasonDataDoesNotFit))
			g.Expect(d.Message).To(ContainSubstring("the fullest shard holds 3072.0 MiB (CloudWatch BytesUsedForCache, the fullest member's Maximum over the last 5m)"))
		}},
		{"an alarm that fires during a change fails the rollout, and the change, which cannot be stopped, is watched on", func() planner.Input {
			return modifying(alarmsRead(group(), health.AlarmStateAlarm))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.FailedTarget.Reason).To(Equal(v1.ReasonAlarmFired))
			g.Expect(d.FailedTarget.Message).To(ContainSubstring("a CloudWatch alarm went into ALARM during ModifyReplicationGroup: alarm sessions-latency"))
			g.Expect(d.Phase).To(Equal(v1.PhaseFailed))
			g.Expect(d.Reason).To(Equal(v1.ReasonAlarmFired))
			g.Expect(d.Message).To(ContainSubstring("ModifyReplicationGroup is watched to its end, and nothing new starts after it"))
			g.Expect(d.Step.Type).To(Equal(v1.StepModifyReplicationGroup))
			g.Expect(d.Action).To(Equal(planner.ActionNone))
		}},
		{"a change the rollout failed during is still watched, Failed, after the alarm cleared", func() planner.Input {
			return failedByAlarm(modifying(alarmsRead(group(), health.AlarmStateOK)))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.FailedTarget).To(BeNil(), "recorded once")
			g.Expect(d.Phase).To(Equal(v1.PhaseFailed))
			g.Expect(d.Reason).To(Equal(v1.ReasonAlarmFired))
			g.Expect(d.Step).NotTo(BeNil())
		}},
		{"once the watched change ends, the rollout halts and the selected service update does not start", func() planner.Input {
			c := alarmsRead(group(), health.AlarmStateOK)
			onGoal(c)
			pendingUpdate(c, "not-applied")
			in := failedByAlarm(input(c))
			selectCritical(&in)
			in.Step = inFlight(v1.StepModifyReplicationGroup, 10*time.Minute)
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Completed).NotTo(BeNil())
			g.Expect(d.Step).To(BeNil())
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Phase).To(Equal(v1.PhaseFailed))
			g.Expect(d.Reason).To(Equal(v1.ReasonAlarmFired))
		}},
		{"an alarm that fires before the change's call went out fails the rollout and the call is never made", func() planner.Input {
			in := input(alarmsRead(group(), health.AlarmStateAlarm))
			in.Step = inFlight(v1.StepModifyReplicationGroup, time.Minute)
			in.Step.ActionTaken = false
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.FailedTarget.Reason).To(Equal(v1.ReasonAlarmFired))
			g.Expect(d.FailedTarget.Message).To(ContainSubstring("the change was not started"))
			g.Expect(d.Step).To(BeNil())
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Phase).To(Equal(v1.PhaseFailed))
		}},
		{"an alarm in INSUFFICIENT_DATA during a change does not fail it", func() planner.Input {
			return modifying(alarmsRead(group(), health.AlarmStateInsufficientData))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.FailedTarget).To(BeNil())
			g.Expect(d.Phase).To(Equal(v1.PhaseProgressing))
			g.Expect(d.Step).NotTo(BeNil())
		}},
		{"a failure recorded before the step started is not taken for one during it", func() planner.Input {
			in := modifying(alarmsRead(group(), health.AlarmStateOK))
			in = failedByAlarm(in)
			in.FailedTarget.FailedAt = &metav1.Time{Time: now.Add(-time.Hour)}
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Phase).To(Equal(v1.PhaseProgressing))
		}},
	})
}
