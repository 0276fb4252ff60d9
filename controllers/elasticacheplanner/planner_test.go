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
	"k8s.io/utils/ptr"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
	eo "github.com/cache-remediator/cache-remediator/controllers/elasticacheobservation"
	planner "github.com/cache-remediator/cache-remediator/controllers/elasticacheplanner"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
	"github.com/cache-remediator/cache-remediator/controllers/schedule"
)

const (
	large  = "cache.r6g.large"
	xlarge = "cache.r6g.xlarge"
	medium = "cache.t4g.medium"
	update = "elc-20261101-001"
)

var now = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// group is an available replication group on large, with automatic failover and Multi-AZ on, and shards
// 0001 (and 0002 ...) of a primary and two replicas each, described member by member, 1 GiB of data.
func group(shards ...string) *eo.Cluster {
	if len(shards) == 0 {
		shards = []string{"0001"}
	}
	c := &eo.Cluster{Now: now, Detailed: true, UsedMemory: 1 << 30, Group: awsclient.ReplicationGroup{
		ID: "sessions", Status: "available", Engine: "redis", NodeType: large, AutomaticFailover: "enabled", MultiAZ: "enabled",
	}}
	c.Allowed = &awsclient.AllowedNodeTypes{ScaleUp: []string{xlarge}, ScaleDown: []string{medium}}
	for _, shard := range shards {
		ng := awsclient.NodeGroup{ID: shard, Status: "available"}
		for i, role := range []string{"primary", "replica", "replica"} {
			id := "sessions-" + shard + "-00" + string(rune('1'+i))
			ng.Members = append(ng.Members, awsclient.NodeGroupMember{ClusterID: id, Role: role})
			c.Group.MemberClusters = append(c.Group.MemberClusters, id)
			c.Members = append(c.Members, eo.Member{ClusterID: id, NodeGroup: shard, Role: role, Status: "available", NodeType: large})
		}
		c.Group.NodeGroups = append(c.Group.NodeGroups, ng)
	}
	return c
}

// spec asks for xlarge on the group.
func spec() v1.RemediationPolicySpec {
	return v1.RemediationPolicySpec{
		Target:  v1.TargetSpec{ElastiCache: &v1.ElastiCacheTarget{ReplicationGroupID: "sessions"}},
		Desired: v1.DesiredSpec{InstanceType: xlarge},
		Health:  v1.HealthSpec{StableFor: &metav1.Duration{Duration: time.Minute}, NodeTimeout: &metav1.Duration{Duration: 30 * time.Minute}},
	}
}

// closedWindow is a schedule with one window, 02:00-04:00 UTC: closed at now.
func closedWindow() *schedule.Status {
	s, err := schedule.New(nil, []schedule.Window{{Cron: "0 2 * * *", Duration: 2 * time.Hour}})
	if err != nil {
		panic(err)
	}
	st := s.Evaluate(now)
	return &st
}

func input(c *eo.Cluster) planner.Input {
	return planner.Input{Spec: spec(), Generation: 1, Cluster: c, Now: now, TestFailoverBudget: 15}
}

// held is the gate memory of a group whose every gate has held since d ago (gates evaluated first).
func held(in planner.Input, d time.Duration) rollout.GateState {
	eo.EvaluateGates(in.Cluster, in.Spec)
	since := metav1.NewTime(now.Add(-d))
	var st v1.RemediationPolicyStatus
	for _, m := range in.Cluster.Members {
		st.Nodes = append(st.Nodes, v1.NodeStatus{InstanceID: m.ClusterID, HealthySince: &since})
	}
	for _, r := range in.Cluster.ClusterGates {
		st.Gates = append(st.Gates, v1.GateResult{Name: r.Gate, Status: metav1.ConditionTrue, Since: &since})
	}
	return rollout.RememberGates(st).Update(in.Cluster.AllGates(), now)
}

// inFlight is a step of type t toward xlarge, started started ago, its call made.
func inFlight(t v1.StepType, started time.Duration) *v1.StepStatus {
	return &v1.StepStatus{Type: t, Purpose: v1.PurposeRollout, Goal: v1.ImageAndType{InstanceType: xlarge}, StartedAt: metav1.NewTime(now.Add(-started)),
		ActionTaken: true, ElastiCache: &v1.ElastiCacheStepStatus{FromNodeType: large}}
}

// pendingUpdate is a critical security update not yet applied to the group.
func pendingUpdate(c *eo.Cluster, status string) {
	nodes := map[string]string{}
	for _, m := range c.Members {
		nodes[m.ClusterID] = map[string]string{"complete": "complete"}[status]
	}
	c.Updates = []awsclient.UpdateAction{{ServiceUpdateName: update, Severity: "critical", Type: "security-update", Status: status, Nodes: nodes}}
}

func selectCritical(in *planner.Input) {
	in.Spec.Desired.ServiceUpdates = &v1.ServiceUpdateSelector{Severities: []v1.ServiceUpdateSeverity{"critical"}}
}

func onGoal(c *eo.Cluster) {
	c.Group.NodeType = xlarge
	for i := range c.Members {
		c.Members[i].NodeType = xlarge
	}
}

// planCase is a planner case: a sentence saying what it shows, the input, and what the decision must be.
type planCase struct {
	name   string
	input  func() planner.Input
	expect func(g Gomega, d planner.Decision)
}

// runPlanCases plans each case's input, its gates held for an hour unless the case says otherwise.
func runPlanCases(t *testing.T, cases []planCase) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := c.input()
			if in.Gates.NodeSince == nil {
				in.Gates = held(in, time.Hour)
			}
			c.expect(NewWithT(t), planner.Plan(in))
		})
	}
}

func TestPlan(t *testing.T) {
	cases := []planCase{
		{"a group on the goal with no selected update pending succeeds and starts nothing", func() planner.Input {
			c := group()
			onGoal(c)
			return input(c)
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Step).To(BeNil())
			g.Expect(d.Phase).To(Equal(v1.PhaseSucceeded))
			g.Expect(d.Message).To(ContainSubstring("runs cache.r6g.xlarge on all 3 members"))
		}},
		{"a group on another node type starts one ModifyReplicationGroup step for the whole group", func() planner.Input {
			return input(group())
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionModify))
			g.Expect(d.Step.Type).To(Equal(v1.StepModifyReplicationGroup))
			g.Expect(d.Step.ElastiCache.FromNodeType).To(Equal(large))
			g.Expect(d.Phase).To(Equal(v1.PhaseProgressing))
		}},
		{"a group with automatic failover off is blocked for the user to fix when the spec does not let the controller turn it on", func() planner.Input {
			c := group()
			c.Group.AutomaticFailover = "disabled"
			return input(c)
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Phase).To(Equal(v1.PhaseBlocked))
			g.Expect(d.Reason).To(Equal(v1.ReasonAutomaticFailoverDisabled))
			g.Expect(d.Degraded).To(BeTrue())
		}},
		{"a group with Multi-AZ off gets it turned on first when the spec allows it", func() planner.Input {
			c := group()
			c.Group.MultiAZ = "disabled"
			in := input(c)
			in.Spec.Target.ElastiCache.EnableAutomaticFailover = true
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionEnableFailover))
			g.Expect(d.Step.Type).To(Equal(v1.StepEnableAutomaticFailover))
		}},
		{"a shard without a replica is blocked as NoReplica, even when failover is off too", func() planner.Input {
			c := group()
			c.Group.AutomaticFailover = "disabled"
			c.Group.NodeGroups[0].Members = c.Group.NodeGroups[0].Members[:1]
			c.Group.MemberClusters = c.Group.MemberClusters[:1]
			c.Members = c.Members[:1]
			return input(c)
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Reason).To(Equal(v1.ReasonNoReplica))
			g.Expect(d.Message).To(ContainSubstring("shard 0001 has no replica"))
			g.Expect(d.Action).To(Equal(planner.ActionNone))
		}},
		{"a member of a Global Datastore is blocked: its node type is changed through the global group", func() planner.Input {
			c := group()
			c.Group.GlobalDatastore = "ldgnf-sessions"
			return input(c)
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Reason).To(Equal(v1.ReasonGlobalDatastoreMember))
			g.Expect(d.Action).To(Equal(planner.ActionNone))
		}},
		{"a node type ElastiCache does not list as allowed is blocked with the allowed ones named", func() planner.Input {
			c := group()
			c.Allowed = &awsclient.AllowedNodeTypes{ScaleUp: []string{"cache.r6g.2xlarge"}}
			return input(c)
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Reason).To(Equal(v1.ReasonNodeTypeNotAllowed))
			g.Expect(d.Message).To(ContainSubstring("cache.r6g.2xlarge"))
			g.Expect(d.Action).To(Equal(planner.ActionNone))
		}},
		{"a scale-down whose data does not fit the smaller type with reserved memory and headroom is blocked", func() planner.Input {
			c := group()
			c.UsedMemory = 2 << 30 // medium keeps 3.09 GiB * 0.75 * 0.9 = 2.09 GiB; 2 GiB fits
			in := input(c)
			in.Spec.Desired.InstanceType = medium
			in.Spec.Target.ElastiCache.MemoryHeadroomPercent = ptr.To[int32](20) // 1.85 GiB: it no longer fits
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Reason).To(Equal(v1.ReasonDataDoesNotFit))
			g.Expect(d.Message).To(ContainSubstring("2048.0 MiB"))
			g.Expect(d.Action).To(Equal(planner.ActionNone))
		}},
		{"the same scale-down with the default headroom fits and starts", func() planner.Input {
			c := group()
			c.UsedMemory = 2 << 30
			in := input(c)
			in.Spec.Desired.InstanceType = medium
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionModify))
		}},
		{"a scale-down whose data size no primary reported is blocked as MemoryUnknown, not guessed", func() planner.Input {
			c := group()
			c.UsedMemory = -1
			in := input(c)
			in.Spec.Desired.InstanceType = medium
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Reason).To(Equal(v1.ReasonMemoryUnknown))
			g.Expect(d.Action).To(Equal(planner.ActionNone))
		}},
		{"a move to a type the controller does not know is allowed when ElastiCache lists it as a scale-up", func() planner.Input {
			c := group()
			c.UsedMemory = -1
			c.Allowed = &awsclient.AllowedNodeTypes{ScaleUp: []string{"cache.r8g.xlarge"}}
			in := input(c)
			in.Spec.Desired.InstanceType = "cache.r8g.xlarge"
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionModify))
		}},
		{"a member that is not available blocks the change without a step", func() planner.Input {
			c := group()
			c.Members[1].Status = "snapshotting"
			return input(c)
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Step).To(BeNil())
			g.Expect(d.Reason).To(Equal(v1.ReasonGateBlocked))
			g.Expect(d.Message).To(ContainSubstring("sessions-0001-002 is snapshotting"))
		}},
		{"gates that have held for less than stableFor are waited for, as progress, until they have", func() planner.Input {
			in := input(group())
			in.Gates = held(in, 20*time.Second)
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Phase).To(Equal(v1.PhaseProgressing))
			g.Expect(d.RequeueAfter).To(BeNumerically("<=", 40*time.Second))
		}},
		{"the snapshot asked for comes before the change, named after the group and the time", func() planner.Input {
			in := input(group())
			in.Spec.Target.ElastiCache.SnapshotBeforeModify = true
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionSnapshot))
			g.Expect(d.Step.ElastiCache.Snapshot).To(Equal("sessions-before-20261121-120000"))
		}},
		{"once the snapshot is recorded, every shard is failed over, one at a time, before the change", func() planner.Input {
			in := input(group("0001", "0002"))
			in.Spec.Target.ElastiCache.SnapshotBeforeModify = true
			in.Spec.Target.ElastiCache.TestFailover = true
			in.Record = &v1.RolloutRecord{Goal: v1.ImageAndType{InstanceType: xlarge},
				ElastiCache: &v1.ElastiCacheRolloutRecord{SnapshotAt: &metav1.Time{Time: now}, FailoverTested: []string{"0001"}}}
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionTestFailover))
			g.Expect(d.Step.ElastiCache.NodeGroup).To(Equal("0002"))
			g.Expect(d.Step.ElastiCache.Primary).To(Equal("sessions-0002-001"))
		}},
		{"a TestFailover budget smaller than the shards to test blocks before any shard is failed over", func() planner.Input {
			in := input(group("0001", "0002"))
			in.Spec.Target.ElastiCache.TestFailover = true
			in.TestFailoverBudget = 1
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Reason).To(Equal(v1.ReasonTestFailoverBudgetExhausted))
			g.Expect(d.Message).To(ContainSubstring("2 shard(s) (0001, 0002) needs 2"))
			g.Expect(d.Message).To(ContainSubstring("1 is left"))
		}},
		{"a test under way goes on shard by shard while the budget has one left", func() planner.Input {
			in := input(group("0001", "0002", "0003"))
			in.Spec.Target.ElastiCache.TestFailover = true
			in.TestFailoverBudget = 1
			in.Record = &v1.RolloutRecord{Goal: v1.ImageAndType{InstanceType: xlarge}, ElastiCache: &v1.ElastiCacheRolloutRecord{FailoverTested: []string{"0001"}}}
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionTestFailover))
			g.Expect(d.Step.ElastiCache.NodeGroup).To(Equal("0002"))
		}},
		{"on the goal type, the first pending selected service update is applied", func() planner.Input {
			c := group()
			onGoal(c)
			pendingUpdate(c, "not-applied")
			c.Updates = append(c.Updates, awsclient.UpdateAction{ServiceUpdateName: "elc-low", Severity: "low", Status: "not-applied"})
			in := input(c)
			selectCritical(&in)
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionApplyUpdate))
			g.Expect(d.Step.ElastiCache.ServiceUpdates).To(Equal([]string{update}))
		}},
		{"an update the selector does not select is left alone and the group succeeds", func() planner.Input {
			c := group()
			onGoal(c)
			pendingUpdate(c, "not-applied")
			in := input(c)
			in.Spec.Desired.ServiceUpdates = &v1.ServiceUpdateSelector{Severities: []v1.ServiceUpdateSeverity{"important"}}
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Phase).To(Equal(v1.PhaseSucceeded))
		}},
		{"outside its maintenance windows the change waits, paused, and says when a window opens", func() planner.Input {
			in := input(group())
			in.Window = closedWindow()
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Step).To(BeNil())
			g.Expect(d.Phase).To(Equal(v1.PhasePaused))
			g.Expect(d.Reason).To(Equal(v1.ReasonOutsideMaintenanceWindow))
			g.Expect(d.Message).To(ContainSubstring("then: changing the node type of sessions"))
		}},
		{"a change recorded but not issued when the window closed is dropped, not issued", func() planner.Input {
			in := input(group())
			in.Step = inFlight(v1.StepModifyReplicationGroup, time.Second)
			in.Step.ActionTaken = false
			in.Window = closedWindow()
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Step).To(BeNil())
			g.Expect(d.Reason).To(Equal(v1.ReasonOutsideMaintenanceWindow))
		}},
		{"a change ElastiCache is making when the window closes is watched to its end", func() planner.Input {
			c := group()
			c.Group.Status = "modifying"
			in := input(c)
			in.Step = inFlight(v1.StepModifyReplicationGroup, time.Minute)
			in.Window = closedWindow()
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Step).NotTo(BeNil())
			g.Expect(d.Phase).To(Equal(v1.PhaseProgressing))
		}},
		{"a paused policy starts nothing", func() planner.Input {
			in := input(group())
			in.Paused, in.PausedBy = true, v1.ReasonPausedBySpec
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Phase).To(Equal(v1.PhasePaused))
		}},
		{"a goal that failed halts, without a rollback even when rollbackOnFailure asks for one", func() planner.Input {
			in := input(group())
			in.Spec.Strategy.RollbackOnFailure = true
			in.LastGood = &v1.ImageAndType{InstanceType: large}
			in.FailedTarget = &v1.FailedTarget{Goal: v1.ImageAndType{InstanceType: xlarge}, Generation: 1, Reason: v1.ReasonModificationReverted, Message: "reverted"}
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Step).To(BeNil())
			g.Expect(d.Phase).To(Equal(v1.PhaseFailed))
		}},

		// In flight.
		{"a change whose call is not recorded yet is issued", func() planner.Input {
			in := input(group())
			in.Step = inFlight(v1.StepModifyReplicationGroup, time.Second)
			in.Step.ActionTaken = false
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionModify))
		}},
		{"a change that went through before a crash is recognised by the members' pending type and not issued again", func() planner.Input {
			c := group()
			c.Group.Status = "modifying"
			for i := range c.Members {
				c.Members[i].Status, c.Members[i].PendingNodeType = "modifying", xlarge
			}
			in := input(c)
			in.Step = inFlight(v1.StepModifyReplicationGroup, time.Minute)
			in.Step.ActionTaken = false
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Step.ActionTaken).To(BeTrue())
			g.Expect(d.Message).To(ContainSubstring("ElastiCache is changing the node type"))
		}},
		{"a change that ended on the goal on every member completes and the group succeeds", func() planner.Input {
			c := group()
			onGoal(c)
			in := input(c)
			in.Step = inFlight(v1.StepModifyReplicationGroup, 10*time.Minute)
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Completed).NotTo(BeNil())
			g.Expect(d.Completed.Message).To(ContainSubstring("changed from cache.r6g.large to cache.r6g.xlarge on all 3 members"))
			g.Expect(d.Phase).To(Equal(v1.PhaseSucceeded))
		}},
		{"a change ElastiCache reverted fails with its event quoted, and nothing else starts", func() planner.Input {
			c := group()
			c.Events = []awsclient.Event{{SourceID: "sessions", Message: "Failed to modify the node type to cache.t4g.medium: insufficient memory"}}
			in := input(c)
			in.Step = inFlight(v1.StepModifyReplicationGroup, 10*time.Minute)
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.FailedTarget).NotTo(BeNil())
			g.Expect(d.FailedTarget.Reason).To(Equal(v1.ReasonModificationReverted))
			g.Expect(d.FailedTarget.Message).To(ContainSubstring("insufficient memory"))
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Phase).To(Equal(v1.PhaseFailed))
		}},
		{"a change still under way past nodeTimeout per member fails ChangeTimeout, saying ElastiCache may go on", func() planner.Input {
			c := group()
			c.Group.Status = "modifying"
			in := input(c)
			in.Step = inFlight(v1.StepModifyReplicationGroup, 91*time.Minute) // 3 members x 30m
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.FailedTarget.Reason).To(Equal(v1.ReasonChangeTimeout))
			g.Expect(d.FailedTarget.Message).To(ContainSubstring("ElastiCache may still be at it"))
		}},
		{"the same change 89 minutes in is still watched", func() planner.Input {
			c := group()
			c.Group.Status = "modifying"
			in := input(c)
			in.Step = inFlight(v1.StepModifyReplicationGroup, 89*time.Minute)
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.FailedTarget).To(BeNil())
			g.Expect(d.Step).NotTo(BeNil())
		}},
		{"a snapshot that failed fails the goal before any change", func() planner.Input {
			c := group()
			c.SnapshotStatus = "failed"
			in := input(c)
			in.Step = inFlight(v1.StepSnapshot, time.Minute)
			in.Step.ElastiCache.Snapshot = "sessions-before-x"
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.FailedTarget.Reason).To(Equal(v1.ReasonSnapshotFailed))
			g.Expect(d.Action).To(Equal(planner.ActionNone))
		}},
		{"a snapshot that exists though its call was not recorded is not taken again", func() planner.Input {
			c := group()
			c.SnapshotStatus = "creating"
			in := input(c)
			in.Step = inFlight(v1.StepSnapshot, time.Minute)
			in.Step.ActionTaken = false
			in.Step.ElastiCache.Snapshot = "sessions-before-x"
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Step.ActionTaken).To(BeTrue())
		}},
		{"an available snapshot is recorded and the change starts on the same observation", func() planner.Input {
			c := group()
			c.SnapshotStatus = "available"
			in := input(c)
			in.Spec.Target.ElastiCache.SnapshotBeforeModify = true
			in.Step = inFlight(v1.StepSnapshot, time.Minute)
			in.Step.ElastiCache.Snapshot = "sessions-before-x"
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Record.ElastiCache.SnapshotAt).NotTo(BeNil())
			g.Expect(d.Action).To(Equal(planner.ActionModify))
		}},
		{"a test failover is done when the shard's primary moved and the group is idle again", func() planner.Input {
			c := group()
			c.Members[0].Role, c.Members[1].Role = "replica", "primary"
			in := input(c)
			in.Step = inFlight(v1.StepTestFailover, 2*time.Minute)
			in.Step.ElastiCache.NodeGroup, in.Step.ElastiCache.Primary = "0001", "sessions-0001-001"
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Completed.Message).To(ContainSubstring("shard 0001 of sessions failed over and recovered"))
			g.Expect(d.Record.ElastiCache.FailoverTested).To(Equal([]string{"0001"}))
		}},
		{"a service update that ElastiCache stopped fails with the members it updated counted", func() planner.Input {
			c := group()
			onGoal(c)
			pendingUpdate(c, "stopped")
			c.Updates[0].Nodes["sessions-0001-001"] = "complete"
			in := input(c)
			selectCritical(&in)
			in.Step = inFlight(v1.StepApplyServiceUpdate, 5*time.Minute)
			in.Step.ElastiCache.ServiceUpdates = []string{update}
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.FailedTarget.Reason).To(Equal(v1.ReasonServiceUpdateNotApplied))
			g.Expect(d.FailedTarget.Message).To(ContainSubstring("1 of 3 members updated"))
		}},
		{"a service update in progress is followed node by node", func() planner.Input {
			c := group()
			onGoal(c)
			pendingUpdate(c, "in-progress")
			c.Updates[0].Nodes["sessions-0001-002"] = "complete"
			in := input(c)
			selectCritical(&in)
			in.Step = inFlight(v1.StepApplyServiceUpdate, 5*time.Minute)
			in.Step.ElastiCache.ServiceUpdates = []string{update}
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Message).To(ContainSubstring("1 of 3 members done"))
		}},
		{"a step not started yet is dropped when the policy is paused", func() planner.Input {
			in := input(group())
			in.Step = inFlight(v1.StepModifyReplicationGroup, time.Second)
			in.Step.ActionTaken = false
			in.Paused, in.PausedBy = true, v1.ReasonPausedByAnnotation
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Step).To(BeNil())
			g.Expect(d.Phase).To(Equal(v1.PhasePaused))
		}},
		{"a change in flight is still watched to its end when the policy is paused", func() planner.Input {
			c := group()
			c.Group.Status = "modifying"
			in := input(c)
			in.Step = inFlight(v1.StepModifyReplicationGroup, time.Minute)
			in.Paused, in.PausedBy = true, v1.ReasonPausedByAnnotation
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Step).NotTo(BeNil())
			g.Expect(d.Phase).To(Equal(v1.PhaseProgressing))
		}},
		{"a call refused with backoff is not issued again before its retry time", func() planner.Input {
			in := input(group())
			in.Step = inFlight(v1.StepModifyReplicationGroup, time.Minute)
			in.Step.ActionTaken = false
			in.Step.RetryAt = &metav1.Time{Time: now.Add(30 * time.Second)}
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Reason).To(Equal(v1.ReasonAWSError))
			g.Expect(d.RequeueAfter).To(Equal(30 * time.Second))
		}},
	}
	runPlanCases(t, cases)
}
