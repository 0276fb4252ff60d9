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

package elasticacheplanner

import (
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	eo "github.com/cache-remediator/cache-remediator/controllers/elasticacheobservation"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
)

// planInFlight watches the in-flight step: it issues its call (once: a call that went through before a
// crash is recognised from the group's state), waits for ElastiCache to finish, and tells how it ended.
// A paused policy still watches a change in flight to its end; one not started yet is dropped.
func planInFlight(in Input) Decision {
	step := in.Step.DeepCopy()
	in.goal = step.Goal
	// The deadline is ElastiCache's: a step whose call has not gone out yet (waiting for a busy group, a
	// backoff or the TestFailover budget) has started nothing to time out.
	if deadline := in.deadline(step); step.ActionTaken && in.Now.After(deadline) {
		return fail(in, step, v1.ReasonChangeTimeout, fmt.Sprintf("%s did not finish by %s (health.nodeTimeout per member): %s; ElastiCache may still be at it, the controller only stopped waiting",
			step.Type, deadline.UTC().Format(time.RFC3339), step.Message))
	}
	alarm, fired := rollout.FiredAlarm(in.Cluster.ClusterGates)
	if !fired || in.failedDuring(step) {
		return in.failedWatch(step, watch(in, step))
	}
	message := fmt.Sprintf("a CloudWatch alarm went into ALARM during %s: %s", step.Type, alarm.Message)
	if !step.ActionTaken {
		return fail(in, step, v1.ReasonAlarmFired, message+"; the change was not started")
	}
	// ElastiCache cannot be stopped half-way and reverts nothing on an alarm: the rollout has failed, and the
	// change in flight is watched to its end; nothing new starts after it.
	in.FailedTarget = rollout.Failure(step, in.Generation, in.FailedTarget, v1.ReasonAlarmFired, message, in.Now)
	d := in.failedWatch(step, watch(in, step))
	d.FailedTarget = in.FailedTarget
	return d
}

// failedDuring says whether the rollout of the step's goal already failed while the step was in flight.
func (in Input) failedDuring(step *v1.StepStatus) bool {
	f := in.FailedTarget
	return f != nil && f.Goal == step.Goal && f.Generation == in.Generation && f.FailedAt != nil && !f.FailedAt.Before(&step.StartedAt)
}

// failedWatch is a decision about a step the rollout failed during: while the step is still in flight the
// phase is Failed, saying that nothing new starts after it.
func (in Input) failedWatch(step *v1.StepStatus, d Decision) Decision {
	if d.Step == nil || !in.failedDuring(step) {
		return d
	}
	d.Phase, d.Reason, d.Degraded = v1.PhaseFailed, in.FailedTarget.Reason, true
	d.Message = fmt.Sprintf("%s; %s is watched to its end, and nothing new starts after it", in.FailedTarget.Message, step.Type)
	return d
}

// watch is the decision of the in-flight step's kind.
func watch(in Input, step *v1.StepStatus) Decision {
	switch step.Type {
	case v1.StepEnableAutomaticFailover:
		return planEnableFailover(in, step)
	case v1.StepSnapshot:
		return planSnapshot(in, step)
	case v1.StepTestFailover:
		return planTestFailover(in, step)
	case v1.StepModifyReplicationGroup:
		return planModify(in, step)
	default:
		return planServiceUpdate(in, step)
	}
}

// deadline is when a step fails: nodeTimeout per member for a change ElastiCache makes node by node, or
// replaces every node for; nodeTimeout for the others.
func (in Input) deadline(step *v1.StepStatus) time.Time {
	timeout := in.Spec.Health.NodeTimeoutOrDefault()
	if step.Type == v1.StepModifyReplicationGroup || step.Type == v1.StepApplyServiceUpdate {
		timeout *= time.Duration(max(1, len(in.Cluster.Members)))
	}
	return step.StartedAt.Add(timeout)
}

// started keeps a step in flight and, with an action, acts on it.
func started(in Input, step *v1.StepStatus, action Action) Decision {
	return Decision{Action: action, Step: step, Phase: v1.PhaseProgressing, Reason: v1.ReasonRollingOut, Message: step.Message, RequeueAfter: in.Timings.Transition}
}

// issue issues a step's call when nothing stands in the way: not while the policy is paused, deleted or
// outside its maintenance windows (the step is dropped: it never started), not before a refusal's backoff ran out, not while the group or a
// member is busy (the call would be refused).
func issue(in Input, step *v1.StepStatus, action Action) Decision {
	switch {
	case in.Paused || in.Stopping || (in.Window != nil && !in.Window.Open):
		next := in
		next.Step = nil
		return Plan(next)
	case step.RetryAt != nil && in.Now.Before(step.RetryAt.Time):
		d := started(in, step, ActionNone)
		d.Phase, d.Reason, d.RequeueAfter = v1.PhaseBlocked, v1.ReasonAWSError, step.RetryAt.Sub(in.Now)
		return d
	}
	for _, r := range in.Cluster.ClusterGates {
		if (r.Gate == eo.GateGroupAvailable || r.Gate == eo.GateMembersAvailable) && !r.OK {
			d := started(in, step, ActionNone)
			d.Message = fmt.Sprintf("%s; waiting before %s", rollout.GateMessage(r), step.Type)
			return d
		}
	}
	return started(in, step, action)
}

// waiting keeps watching the step with a message saying what ElastiCache is doing.
func waiting(in Input, step *v1.StepStatus, format string, args ...any) Decision {
	step.Message = fmt.Sprintf(format, args...)
	return started(in, step, ActionNone)
}

// done finishes the step, with message saying what it did, and plans the next one on the same observation.
func done(in Input, step *v1.StepStatus, record *v1.RolloutRecord, format string, args ...any) Decision {
	step.Message = fmt.Sprintf(format, args...)
	next := in
	next.Step = nil
	if record != nil {
		next.Record = record
	}
	d := Plan(next)
	d.Completed, d.Record = step, record
	return d
}

// fail ends the step as a failure: the goal is recorded as failed and, as ElastiCache has nothing to roll
// back, the rollout halts.
func fail(in Input, step *v1.StepStatus, reason, message string) Decision {
	failed := rollout.Failure(step, in.Generation, in.FailedTarget, reason, message, in.Now)
	next := in
	next.Step, next.FailedTarget = nil, failed
	d := Plan(next)
	d.FailedTarget = failed
	return d
}

func (in Input) groupIdle() bool {
	c := in.Cluster
	if c.Group.Status != "available" {
		return false
	}
	for _, m := range c.Members {
		if !m.Available() || m.PendingNodeType != "" {
			return false
		}
	}
	return true
}

func planEnableFailover(in Input, step *v1.StepStatus) Decision {
	c := in.Cluster
	if c.FailoverEnabled() && in.groupIdle() {
		return done(in, step, nil, "automatic failover and Multi-AZ are enabled on %s", c.Group.ID)
	}
	if !step.ActionTaken {
		if c.Group.AutomaticFailover == "enabling" {
			step.ActionTaken = true // the call went through before the controller could record it
		} else {
			return issue(in, step, ActionEnableFailover)
		}
	}
	return waiting(in, step, "ElastiCache is turning on automatic failover (%s) and Multi-AZ (%s) for %s", c.Group.AutomaticFailover, c.Group.MultiAZ, c.Group.ID)
}

func planSnapshot(in Input, step *v1.StepStatus) Decision {
	c := in.Cluster
	name := step.ElastiCache.Snapshot
	if !step.ActionTaken {
		if c.SnapshotStatus == "" {
			return issue(in, step, ActionSnapshot)
		}
		step.ActionTaken = true // the snapshot exists: the call went through before the controller could record it
	}
	switch c.SnapshotStatus {
	case "available":
		record := in.record()
		record.ElastiCache.SnapshotAt = &metav1.Time{Time: in.Now}
		return done(in, step, record, "snapshot %s of %s is available", name, c.Group.ID)
	case "failed", "deleting", "":
		return fail(in, step, v1.ReasonSnapshotFailed, fmt.Sprintf("snapshot %s of %s ended %q before the change: the change was not made", name, c.Group.ID, c.SnapshotStatus))
	}
	return waiting(in, step, "waiting for snapshot %s of %s (%s)", name, c.Group.ID, c.SnapshotStatus)
}

func planTestFailover(in Input, step *v1.StepStatus) Decision {
	c := in.Cluster
	ng := step.ElastiCache.NodeGroup
	if !step.ActionTaken {
		if in.TestFailoverBudget < 1 {
			d := started(in, step, ActionNone)
			d.Phase, d.Reason, d.RequeueAfter = v1.PhaseBlocked, v1.ReasonTestFailoverBudgetExhausted, time.Hour
			d.Message = "the account's TestFailover budget is used up; shard " + ng + " is tested when it frees up"
			return d
		}
		return issue(in, step, ActionTestFailover)
	}
	// Recovered: the shard's primary moved (as the group's roles or the nodes' INFO say) or ElastiCache said
	// it finished recovering, and everything is available again.
	moved := false
	if p, ok := c.Primary(ng); ok && step.ElastiCache.Primary != "" {
		moved = p.ClusterID != step.ElastiCache.Primary
	}
	if (moved || recovered(c, ng)) && in.groupIdle() {
		record := in.record()
		record.ElastiCache.FailoverTested = append(record.ElastiCache.FailoverTested, ng)
		return done(in, step, record, "shard %s of %s failed over and recovered", ng, c.Group.ID)
	}
	return waiting(in, step, "waiting for shard %s of %s to fail over and recover", ng, c.Group.ID)
}

// recovered says whether ElastiCache reported the end of a test failover on a member of the shard.
func recovered(c *eo.Cluster, nodeGroup string) bool {
	for _, e := range c.Events {
		if m, ok := c.Member(e.SourceID); ok && m.NodeGroup == nodeGroup && strings.Contains(strings.ToLower(e.Message), "finished recovery") {
			return true
		}
	}
	return false
}

// planModify watches a node type change: one whole-group operation (the group modifying, the members
// carrying the pending type) that ends with every member and the group on the new type, or back on the old
// one when ElastiCache reverted it, which is a failure.
func planModify(in Input, step *v1.StepStatus) Decision {
	c := in.Cluster
	goal, from := step.Goal.InstanceType, step.ElastiCache.FromNodeType
	inProgress := c.Group.Status == "modifying"
	for _, m := range c.Members {
		inProgress = inProgress || m.PendingNodeType == goal
	}
	if !step.ActionTaken {
		switch {
		case inProgress:
			step.ActionTaken = true // the change is under way: the call went through before the controller could record it
		case c.Group.NodeType == goal && in.groupIdle():
			return done(in, step, nil, "replication group %s already runs %s", c.Group.ID, goal)
		default:
			return issue(in, step, ActionModify)
		}
	}
	switch {
	case inProgress || !in.groupIdle():
		return waiting(in, step, "ElastiCache is changing the node type of %s from %s to %s (all %d members together; %d on %s so far)",
			c.Group.ID, from, goal, len(c.Members), c.Done(goal, ""), goal)
	case c.Group.NodeType == goal:
		return done(in, step, nil, "replication group %s changed from %s to %s on all %d members", c.Group.ID, from, goal, len(c.Members))
	}
	return fail(in, step, v1.ReasonModificationReverted, fmt.Sprintf("ElastiCache reverted the change of %s to %s: the group is available on %s again%s",
		c.Group.ID, goal, c.Group.NodeType, explanation(c)))
}

// explanation is the newest event of the group or a member that says why a change failed, for the user;
// decisions are made from state, never from event wording.
func explanation(c *eo.Cluster) string {
	for _, e := range c.Events {
		text := strings.ToLower(e.Message)
		if strings.Contains(text, "fail") || strings.Contains(text, "insufficient") {
			return fmt.Sprintf(" (%s: %s)", e.SourceID, e.Message)
		}
	}
	return " (no event of the group or its members explains it)"
}

// planServiceUpdate watches a service update: ElastiCache updates the members one at a time per shard, and
// the step counts them as their node-level status completes.
func planServiceUpdate(in Input, step *v1.StepStatus) Decision {
	c := in.Cluster
	name := step.ElastiCache.ServiceUpdates[0]
	u, _ := c.Update(name)
	if !step.ActionTaken {
		switch u.Status {
		case "waiting-to-start", "in-progress", "complete":
			step.ActionTaken = true // applied before the controller could record it
		default:
			return issue(in, step, ActionApplyUpdate)
		}
	}
	switch {
	case u.Status == "complete" && in.groupIdle():
		return done(in, step, nil, "service update %s is applied to all %d members of %s", name, len(c.Members), c.Group.ID)
	case u.Status == "stopped" || u.Status == "stopping" || u.Status == "not-applicable":
		return fail(in, step, v1.ReasonServiceUpdateNotApplied, fmt.Sprintf("service update %s is %s on %s with %d of %d members updated (updated members stay updated)",
			name, u.Status, c.Group.ID, c.Done("", name), len(c.Members)))
	}
	return waiting(in, step, "ElastiCache is applying service update %s to %s node by node (%s): %d of %d members done",
		name, c.Group.ID, orDash(u.Status), c.Done("", name), len(c.Members))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
