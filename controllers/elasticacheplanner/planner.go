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

// Package elasticacheplanner decides the next step of an ElastiCache replication group's rollout. ElastiCache
// replaces the nodes itself; the planner decides when it is safe to start, and reads, member by member,
// how the change goes and how it ended. It is pure: given the spec, the observed group, the in-flight step,
// how long the gates have held and the time, it returns one decision, without I/O.
package elasticacheplanner

import (
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	eo "github.com/cache-remediator/cache-remediator/controllers/elasticacheobservation"
	"github.com/cache-remediator/cache-remediator/controllers/health"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
	"github.com/cache-remediator/cache-remediator/controllers/schedule"
)

// Action is the one mutating thing the engine does for a decision.
type Action string

const (
	// ActionNone: nothing to do but wait.
	ActionNone Action = ""
	// ActionEnableFailover: turn on automatic failover and Multi-AZ.
	ActionEnableFailover Action = "EnableAutomaticFailover"
	// ActionSnapshot: start the step's snapshot.
	ActionSnapshot Action = "CreateSnapshot"
	// ActionTestFailover: fail the step's shard over.
	ActionTestFailover Action = "TestFailover"
	// ActionModify: change the group's node type to the step's goal, now.
	ActionModify Action = "ModifyNodeType"
	// ActionApplyUpdate: apply the step's service update.
	ActionApplyUpdate Action = "ApplyServiceUpdate"
)

// Input is everything a decision depends on.
type Input struct {
	Spec         v1.RemediationPolicySpec
	Generation   int64
	Cluster      *eo.Cluster
	Step         *v1.StepStatus
	FailedTarget *v1.FailedTarget
	LastGood     *v1.ImageAndType
	Record       *v1.RolloutRecord
	Gates        rollout.GateState
	// TestFailoverBudget is how many node groups the account may still fail over in the rolling 24 hours.
	TestFailoverBudget int
	Paused             bool
	PausedBy           string
	// Window is the maintenance schedule's state (nil without a schedule): no new step starts while it is
	// closed.
	Window   *schedule.Status
	Stopping bool
	Now      time.Time
	Timings  rollout.Timings

	goal v1.ImageAndType
}

// Decision is what to do now.
type Decision struct {
	Action    Action
	Step      *v1.StepStatus
	Completed *v1.StepStatus
	Phase     v1.Phase
	Reason    string
	Message   string
	// Degraded: the cluster or the spec needs a change from the user; nothing moves until then.
	Degraded     bool
	FailedTarget *v1.FailedTarget
	Record       *v1.RolloutRecord
	RequeueAfter time.Duration
}

// Plan decides the next step.
func Plan(in Input) Decision {
	in.Timings = in.Timings.OrDefault()
	if in.Step != nil {
		return planInFlight(in)
	}
	// ElastiCache takes a failed node type change back itself, and a service update cannot be undone:
	// rollbackOnFailure has nothing to roll back here, and a failed goal halts.
	spec := in.Spec
	spec.Strategy.RollbackOnFailure = false
	dir := rollout.Retarget(spec, in.Generation, in.FailedTarget, in.LastGood)
	if dir.Halted != nil {
		return Decision{Phase: dir.Halted.Phase, Reason: dir.Halted.Reason, Message: dir.Halted.Message, RequeueAfter: in.Timings.Idle}
	}
	in.goal = dir.Goal
	if in.Paused || in.Stopping {
		return Decision{Phase: v1.PhasePaused, Reason: in.PausedBy, Message: "paused: no new step starts", RequeueAfter: in.Timings.Idle}
	}
	return holdOutsideWindow(in, planNext(in))
}

// holdOutsideWindow keeps a new step from starting while the maintenance schedule has no window open. A
// step in flight is never held: it finishes, so no node is left out of service at a window's end.
func holdOutsideWindow(in Input, d Decision) Decision {
	if d.Step == nil || in.Window == nil || in.Window.Open {
		return d
	}
	phase, reason, message, requeue := rollout.Held(in.Window, in.Now, d.Step.Message, in.Timings.Idle)
	return Decision{Phase: phase, Reason: reason, Message: message, RequeueAfter: requeue}
}

// configReasons are the gates that need the user (the spec or the group's settings), with the reason each
// is reported under; every other gate is waited for.
var configReasons = map[string]string{
	eo.GateGlobalDatastore:   v1.ReasonGlobalDatastoreMember,
	eo.GateReplicaPerShard:   v1.ReasonNoReplica,
	eo.GateAutomaticFailover: v1.ReasonAutomaticFailoverDisabled,
	eo.GateNodeTypeAllowed:   v1.ReasonNodeTypeNotAllowed,
}

// planNext starts the next step when none is in flight, in this order: report a goal already met; refuse
// what the user must fix (a Global Datastore member, a shard without replica, failover off unless the spec
// lets the controller turn it on, a node type ElastiCache does not allow, data that would not fit); wait for
// every gate to hold for stableFor; turn failover on if allowed; take the snapshot asked for; test each
// shard's failover if asked; change the node type; apply the selected service updates one by one.
func planNext(in Input) Decision {
	c := in.Cluster
	ec := in.Spec.Target.ElastiCache
	typeChange := c.Group.NodeType != in.goal.InstanceType
	pending := eo.Pending(eo.Selected(c.Updates, in.Spec.Desired.ServiceUpdates))
	if !typeChange && len(pending) == 0 {
		return planArrived(in)
	}
	for _, r := range c.ClusterGates {
		reason, isConfig := configReasons[r.Gate]
		if r.Gate == eo.GateDataFits {
			reason, isConfig = map[string]string{eo.ReasonDataDoesNotFit: v1.ReasonDataDoesNotFit, eo.ReasonMemoryUnknown: v1.ReasonMemoryUnknown}[r.Reason], true
		}
		if r.OK || !isConfig || (r.Gate == eo.GateAutomaticFailover && ec.EnableAutomaticFailover) {
			continue
		}
		return Decision{Phase: v1.PhaseBlocked, Reason: reason, Message: rollout.GateMessage(r), Degraded: true, RequeueAfter: in.Timings.Blocked}
	}
	// Failover off is what the next step fixes when the spec allows it.
	fixedNext := func(r health.Result) bool { return r.Gate == eo.GateAutomaticFailover && ec.EnableAutomaticFailover }
	if blocked, ok := in.Gates.Stable(in.Now, in.Spec.Health.StableForOrDefault(), fixedNext); !ok {
		if blocked.Reason == rollout.ReasonHoldingForStableFor {
			wait := in.Gates.StableAt(in.Spec.Health.StableForOrDefault()).Sub(in.Now)
			return Decision{Phase: v1.PhaseProgressing, Reason: v1.ReasonRollingOut, Message: blocked.Message, RequeueAfter: max(min(in.Timings.Transition, wait), in.Timings.Transition/10)}
		}
		return blockedBy(in, blocked)
	}
	if !c.FailoverEnabled() {
		step := newStep(in, v1.StepEnableAutomaticFailover)
		step.Message = fmt.Sprintf("turning on automatic failover and Multi-AZ for %s before the change", c.Group.ID)
		return started(in, step, ActionEnableFailover)
	}
	record := in.record()
	if ec.SnapshotBeforeModify && record.ElastiCache.SnapshotAt == nil {
		step := newStep(in, v1.StepSnapshot)
		step.ElastiCache.Snapshot = snapshotName(c.Group.ID, in.Now)
		step.Message = fmt.Sprintf("taking snapshot %s of %s before the change", step.ElastiCache.Snapshot, c.Group.ID)
		return started(in, step, ActionSnapshot)
	}
	if ec.TestFailover {
		var untested []string
		for _, ng := range c.Group.NodeGroups {
			if !contains(record.ElastiCache.FailoverTested, ng.ID) {
				untested = append(untested, ng.ID)
			}
		}
		// The shards are tested all or none: a budget that runs out half-way would leave a test half done
		// and the budget spent. A test already under way (some shards tested) goes on shard by shard.
		if need := len(untested); need > 0 && in.TestFailoverBudget < need && (need == len(c.Group.NodeGroups) || in.TestFailoverBudget < 1) {
			return Decision{Phase: v1.PhaseBlocked, Reason: v1.ReasonTestFailoverBudgetExhausted, RequeueAfter: time.Hour,
				Message: fmt.Sprintf("testing the failover of %d shard(s) (%s) needs %d of the account's TestFailover budget (node groups in a rolling 24 hours), and %d is left; the test starts when enough frees up",
					need, strings.Join(untested, ", "), need, max(in.TestFailoverBudget, 0))}
		}
		for _, ng := range c.Group.NodeGroups {
			if contains(record.ElastiCache.FailoverTested, ng.ID) {
				continue
			}
			step := newStep(in, v1.StepTestFailover)
			step.ElastiCache.NodeGroup = ng.ID
			if p, ok := c.Primary(ng.ID); ok {
				step.ElastiCache.Primary = p.ClusterID
			}
			step.Message = fmt.Sprintf("failing shard %s over once (TestFailover) to check failover works before the change", ng.ID)
			return started(in, step, ActionTestFailover)
		}
	}
	if typeChange {
		step := newStep(in, v1.StepModifyReplicationGroup)
		step.Message = fmt.Sprintf("changing the node type of %s from %s to %s", c.Group.ID, c.Group.NodeType, in.goal.InstanceType)
		return started(in, step, ActionModify)
	}
	step := newStep(in, v1.StepApplyServiceUpdate)
	step.ElastiCache.ServiceUpdates = []string{pending[0].ServiceUpdateName}
	step.Message = fmt.Sprintf("applying service update %s (%s, %s) to %s", pending[0].ServiceUpdateName, pending[0].Type, pending[0].Severity, c.Group.ID)
	return started(in, step, ActionApplyUpdate)
}

// planArrived is the decision once the group runs the goal with every selected update applied: Succeeded
// once every member is healthy (for stableFor).
func planArrived(in Input) Decision {
	c := in.Cluster
	stableFor := in.Spec.Health.StableForOrDefault()
	if blocked, ok := in.Gates.StableNodes(in.Now, stableFor); !ok {
		if blocked.Reason == rollout.ReasonHoldingForStableFor {
			return Decision{Phase: v1.PhaseProgressing, Reason: v1.ReasonRollingOut, Message: blocked.Message, RequeueAfter: in.Timings.Transition}
		}
		return blockedBy(in, blocked)
	}
	message := fmt.Sprintf("replication group %s runs %s on all %d members", c.Group.ID, in.goal.InstanceType, len(c.Members))
	if applied := eo.Selected(c.Updates, in.Spec.Desired.ServiceUpdates); len(applied) > 0 {
		var names []string
		for _, u := range applied {
			names = append(names, u.ServiceUpdateName)
		}
		message += ", with service updates " + strings.Join(names, ", ") + " applied"
	}
	return Decision{Phase: v1.PhaseSucceeded, Reason: v1.ReasonUpToDate, Message: message, RequeueAfter: in.Timings.Idle}
}

// blockedBy is the decision of a gate that does not hold: Blocked, with the reason the gate has (its own
// for the CloudWatch gates).
func blockedBy(in Input, r health.Result) Decision {
	reason, degraded := rollout.BlockReason(r)
	return Decision{Phase: v1.PhaseBlocked, Reason: reason, Degraded: degraded, Message: r.Message, RequeueAfter: in.Timings.Blocked}
}

// record is the rollout record toward the goal, with room for the ElastiCache milestones.
func (in Input) record() *v1.RolloutRecord {
	r := &v1.RolloutRecord{Goal: in.goal}
	if in.Record != nil && in.Record.Goal == in.goal {
		r = in.Record.DeepCopy()
	}
	if r.ElastiCache == nil {
		r.ElastiCache = &v1.ElastiCacheRolloutRecord{}
	}
	return r
}

func newStep(in Input, t v1.StepType) *v1.StepStatus {
	return &v1.StepStatus{Type: t, Purpose: v1.PurposeRollout, Goal: in.goal, StartedAt: metav1.NewTime(in.Now),
		ElastiCache: &v1.ElastiCacheStepStatus{FromNodeType: in.Cluster.Group.NodeType}}
}

// snapshotName names the snapshot taken before a change: the group and the time, lower-case as
// ElastiCache stores snapshot names.
func snapshotName(group string, now time.Time) string {
	return strings.ToLower(fmt.Sprintf("%s-before-%s", group, now.UTC().Format("20060102-150405")))
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
