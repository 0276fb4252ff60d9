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

package elasticacheengine_test

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
)

const latency = "sessions-latency"

func firing(f *fixture, g Gomega) {
	g.Expect(f.Sim.SetAlarm(latency, awssim.AlarmStateAlarm, "Threshold Crossed: 1 datapoint [9.0] was greater than the threshold (5.0).")).To(Succeed())
}

func cleared(f *fixture, g Gomega) {
	g.Expect(f.Sim.SetAlarm(latency, awssim.AlarmStateOK, "Threshold Crossed: 1 datapoint [1.0] was not greater than the threshold (5.0).")).To(Succeed())
}

// watchCloudWatch gives the policy the alarm and a ReplicationLag gate on every replica.
func watchCloudWatch(f *fixture) {
	f.Policy.Spec.Health.CloudWatch = &v1.CloudWatchHealth{Alarms: []string{latency},
		Metrics: []v1.CloudWatchMetricGate{{Name: "ReplicationLag", MetricName: "ReplicationLag", Below: "5", SkipPrimaries: true}}}
	f.Step(time.Minute) // the members' first datapoints
}

func TestAnAlarmInALARMKeepsTheChangeFromStartingWithOneCloudWatchReadPerReconcile(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{})
	watchCloudWatch(f)
	firing(f, g)
	o := f.Run(10, v1.PhaseBlocked)
	g.Expect(o.Reason).To(Equal(v1.ReasonAlarmFiring))
	for range 10 {
		f.Step(o.RequeueAfter)
		var calls map[string]int
		o, calls = f.ReconcileCounting()
		g.Expect(o.Reason).To(Equal(v1.ReasonAlarmFiring))
		g.Expect(calls).To(HaveKeyWithValue("GetMetricData", 1))
		g.Expect(calls).To(HaveKeyWithValue("DescribeAlarms", 1))
	}
	g.Expect(f.Mutations()).To(BeEmpty())

	cleared(f, g)
	f.Run(300, v1.PhaseSucceeded)
	g.Expect(count(f.Mutations(), "ModifyReplicationGroup")).To(Equal(1))
}

func TestAnAlarmThatFiresDuringTheChangeFailsTheRolloutAndTheChangeIsWatchedToItsEnd(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{})
	watchCloudWatch(f)
	cleared(f, g)
	for s := f.Policy.Status.CurrentStep; s == nil || s.Type != v1.StepModifyReplicationGroup || !s.ActionTaken; s = f.Policy.Status.CurrentStep {
		o := f.Reconcile()
		g.Expect(o.Phase).To(Equal(v1.PhaseProgressing), o.Message)
		f.Step(max(o.RequeueAfter, time.Second))
	}
	firing(f, g)
	o := f.Reconcile()
	g.Expect(o.Phase).To(Equal(v1.PhaseFailed))
	g.Expect(o.Reason).To(Equal(v1.ReasonAlarmFired))
	g.Expect(o.Step).NotTo(BeNil(), "ElastiCache's change cannot be stopped: it is watched")
	g.Expect(o.Message).To(ContainSubstring("ModifyReplicationGroup is watched to its end, and nothing new starts after it"))

	cleared(f, g)
	for f.Policy.Status.CurrentStep != nil {
		f.Step(o.RequeueAfter)
		o = f.Reconcile()
		g.Expect(o.Phase).To(Equal(v1.PhaseFailed), o.Message)
	}
	rg, _, _ := f.Sim.ReplicationGroupState("sessions")
	g.Expect(rg.NodeType).To(Equal(xlarge), "the change ElastiCache was making ended")
	for range 5 {
		f.Step(time.Hour)
		o = f.Reconcile()
		g.Expect(o.Phase).To(Equal(v1.PhaseFailed))
		g.Expect(o.Reason).To(Equal(v1.ReasonAlarmFired))
	}
	g.Expect(f.Mutations()).To(Equal([]string{"ModifyReplicationGroup"}), "nothing after the change in flight")
}

func TestAScaleDownIsSizedFromCloudWatchWhenRedisDoesNotAnswer(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{nodeType: xlarge})
	f.Policy.Spec.Desired.InstanceType = large
	_, members, _ := f.Sim.ReplicationGroupState("sessions")
	// cache.r6g.large keeps 13.07 GiB * 0.75 * 0.9 = 8.8 GiB for data.
	f.Sim.SetCacheClusterUsedMemory(members[1].ClusterID, 9500)
	f.Step(time.Minute)

	o := f.Run(10, v1.PhaseBlocked)
	g.Expect(o.Reason).To(Equal(v1.ReasonDataDoesNotFit))
	g.Expect(o.Message).To(ContainSubstring("the fullest shard holds 9500.0 MiB (CloudWatch BytesUsedForCache, the fullest member's Maximum over the last 5m)"))
	g.Expect(*f.Policy.Status.ElastiCache.UsedMemoryBytes).To(BeNumerically("==", 9500<<20))
	_, calls := f.ReconcileCounting()
	g.Expect(calls).To(HaveKeyWithValue("GetMetricData", 1), "every member's BytesUsedForCache in one call")
	g.Expect(f.Mutations()).To(BeEmpty())

	f.Sim.SetCacheClusterUsedMemory(members[1].ClusterID, 100)
	f.Run(300, v1.PhaseSucceeded)
	rg, _, _ := f.Sim.ReplicationGroupState("sessions")
	g.Expect(rg.NodeType).To(Equal(large))
}

func TestAGateSkippingPrimariesKnowsThemFromIsMasterWhereElastiCacheAndRedisDoNotSay(t *testing.T) {
	g := NewWithT(t)
	// Cluster mode enabled: DescribeReplicationGroups names no roles, and these tests reach no Redis.
	f := newFixture(t, fixtureOptions{shards: 2})
	watchCloudWatch(f)
	cleared(f, g)
	o := f.Run(300, v1.PhaseSucceeded, v1.PhaseBlocked)
	g.Expect(o.Phase).To(Equal(v1.PhaseSucceeded), "%s: %s", o.Reason, o.Message)
	roles := map[v1.NodeRole]int{}
	for _, n := range f.Policy.Status.Nodes {
		roles[n.Role]++
	}
	g.Expect(roles).To(Equal(map[v1.NodeRole]int{v1.RolePrimary: 2, v1.RoleReplica: 4}), "the ledger's roles come from IsMaster too")
}
