/*
Copyright 2026 The cache-remediator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// Package planner decides the next step of a self-managed cluster's rollout. It is pure: given the spec,
// the observed cluster, the in-flight step and the time, it returns one decision, without I/O.
package planner

import (
	"fmt"
	"sort"
	"strings"
	"time"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/health"
	"github.com/cache-remediator/cache-remediator/controllers/observation"
)

// Action is the one mutating thing the engine does for a decision.
type Action string

const (
	// ActionNone: nothing to do but wait.
	ActionNone Action = ""
	// ActionPrepareLaunchTemplate: create the goal's launch template version (or launch configuration) and
	// point every group at it.
	ActionPrepareLaunchTemplate Action = "PrepareLaunchTemplate"
	// ActionHandOff: move the Redis primary role off the step's node.
	ActionHandOff Action = "HandOffPrimary"
	// ActionTerminate: terminate the step's node without decrementing capacity.
	ActionTerminate Action = "TerminateNode"
	// ActionSurge: raise the step's group to its original desired capacity plus one (and max if needed).
	ActionSurge Action = "SurgeCapacity"
	// ActionTerminateWithDecrement: terminate the step's node and shrink the group back by one.
	ActionTerminateWithDecrement Action = "TerminateNodeWithDecrement"
	// ActionRestoreCapacity: put the group's max size back to what it was before the surge.
	ActionRestoreCapacity Action = "RestoreCapacity"
	// ActionRemoveSurgedNode: terminate a failed surge's extra node (step.replacementInstanceId) and shrink
	// the group back by one.
	ActionRemoveSurgedNode Action = "RemoveSurgedNode"
	// ActionRestoreDesired: put the group's desired capacity back to step.originalCapacity when a failed
	// surge's extra node never launched; the group has no node more than that, so nothing is terminated.
	ActionRestoreDesired Action = "RestoreDesiredCapacity"
	// ActionCleanup: delete launch template versions and launch configurations the rollout no longer needs
	// and make the version in use the template's default.
	ActionCleanup Action = "Cleanup"
)

// Timings are how long the controller waits before looking again.
type Timings struct {
	// Transition: while a node boots, syncs or hands off.
	Transition time.Duration
	// Blocked: while a gate does not hold.
	Blocked time.Duration
	// Idle: when there is nothing to do.
	Idle time.Duration
}

// DefaultTimings suit real AWS: launches take minutes.
var DefaultTimings = Timings{Transition: 10 * time.Second, Blocked: 30 * time.Second, Idle: 20 * time.Minute}

// Input is everything a decision depends on.
type Input struct {
	Spec       v1.RemediationPolicySpec
	Generation int64
	// Goal is spec.desired. The planner moves toward it, or back to LastGood when it failed and the spec
	// asks for rollback.
	Goal    v1.ImageAndType
	Cluster *observation.Cluster
	// Step is the in-flight step from status, nil when none.
	Step *v1.StepStatus
	// FailedTarget is status.failedTarget.
	FailedTarget *v1.FailedTarget
	// LastGood is status.lastGood: the AMI and type a rollback returns to.
	LastGood *v1.ImageAndType
	// Record is status.rollout: the milestones (canary baked, cleaned up) of the rollout toward a goal.
	Record *v1.RolloutRecord
	// HeldSince says since when a gate that holds now has held (key: GateKey); absent means just now.
	HeldSince map[string]time.Time
	Paused    bool
	PausedBy  string
	Now       time.Time
	Timings   Timings

	// purpose is where planNext is going: toward Goal (Rollout) or back to LastGood (Rollback).
	purpose v1.StepPurpose
}

// GateKey identifies a gate result across reconciles.
func GateKey(gate, instanceID string) string { return gate + "/" + instanceID }

// Decision is what to do now.
type Decision struct {
	Action Action
	// Step is the in-flight step after this decision (nil when none). When it differs from the input's, the
	// engine records it before acting, so a restarted controller resumes it.
	Step *v1.StepStatus
	// Completed is the step this decision finished successfully, if any.
	Completed *v1.StepStatus
	Phase     v1.Phase
	// Reason and Message explain the phase (a condition reason and a sentence).
	Reason  string
	Message string
	// FailedTarget is set when the rollout (or its rollback) failed now: the engine records it, so that the
	// failed goal is not retried until the spec changes or the retry annotation is set.
	FailedTarget *v1.FailedTarget
	// Record is the rollout record after this decision, when it changed (canary baked, cleaned up).
	Record       *v1.RolloutRecord
	RequeueAfter time.Duration
}

// Plan decides the next step.
func Plan(in Input) Decision {
	if in.Timings == (Timings{}) {
		in.Timings = DefaultTimings
	}
	if in.Step != nil {
		return planInFlight(in)
	}
	if halted := retarget(&in); halted != nil {
		return *halted
	}
	if in.Paused {
		return Decision{Phase: v1.PhasePaused, Reason: in.PausedBy, Message: "paused: no new step starts", RequeueAfter: in.Timings.Idle}
	}
	return planNext(in)
}

// retarget points the plan at spec.desired, or at lastGood when spec.desired failed at this generation and
// the spec asks for rollback. A failed goal without rollback (or whose rollback failed too) halts: it is
// not retried until the spec changes or the retry annotation is set.
func retarget(in *Input) *Decision {
	in.purpose = v1.PurposeRollout
	f := in.FailedTarget
	if f == nil || f.Goal != in.Goal || f.Generation != in.Generation {
		return nil
	}
	if !f.RollbackFailed && in.Spec.Strategy.RollbackOnFailure && in.LastGood != nil && *in.LastGood != in.Goal {
		in.Goal, in.purpose = *in.LastGood, v1.PurposeRollback
		return nil
	}
	what := "failed"
	if f.RollbackFailed {
		what = "failed and so did the rollback to the last good AMI and type"
	}
	return &Decision{Phase: v1.PhaseFailed, Reason: f.Reason, RequeueAfter: in.Timings.Idle,
		Message: fmt.Sprintf("%s %s: %s; change the spec or set the %s annotation to try again", in.Goal, what, f.Message, v1.AnnotationRetry)}
}

// moving is the phase and reason of a step toward the purpose's goal.
func moving(purpose v1.StepPurpose) (v1.Phase, string) {
	if purpose == v1.PurposeRollback {
		return v1.PhaseRollingBack, v1.ReasonRollingBack
	}
	return v1.PhaseProgressing, v1.ReasonRollingOut
}

// started is the decision that starts (or keeps acting on) a step.
func started(in Input, step *v1.StepStatus, action Action) Decision {
	phase, reason := moving(step.Purpose)
	d := Decision{Action: action, Step: step, Phase: phase, Reason: reason, Message: step.Message, RequeueAfter: in.Timings.Transition}
	if action.completesAtOnce() {
		d.RequeueAfter = in.Timings.Transition / 10
	}
	return d
}

// completesAtOnce says whether the action's effect is there as soon as AWS answers (a launch template
// version, a group's settings, deleted versions): the step is looked at again right away instead of after
// a polling interval, which a node's launch needs but these do not. Looking early costs no extra call.
func (a Action) completesAtOnce() bool {
	return a == ActionPrepareLaunchTemplate || a == ActionCleanup || a == ActionRestoreCapacity
}

// planNext starts the next step when no step is in flight, in this order: point the groups at the goal,
// check every gate, clean up once every node runs the goal, bake the canary, hand off an outdated
// primary, replace the next outdated node.
func planNext(in Input) Decision {
	c := in.Cluster
	if groups := c.GroupsNotLaunching(in.Goal); len(groups) > 0 {
		step := newStep(in, v1.StepPrepareLaunchTemplate, observation.Node{})
		step.Message = "pointing " + groupNames(groups) + " at a launch template version with " + in.Goal.String()
		return started(in, step, ActionPrepareLaunchTemplate)
	}
	outdated := c.Outdated(in.Goal)
	if blocked, ok := preflight(in, outdated); !ok {
		phase, reason := moving(in.purpose)
		if blocked.Reason == "HoldingForStableFor" {
			return Decision{Phase: phase, Reason: reason, Message: blocked.Message, RequeueAfter: in.Timings.Transition}
		}
		return Decision{Phase: v1.PhaseBlocked, Reason: v1.ReasonGateBlocked, Message: blocked.Message, RequeueAfter: in.Timings.Blocked}
	}
	if len(outdated) == 0 {
		return planArrived(in)
	}
	if canaryDue(in, len(outdated)) {
		step := newStep(in, v1.StepBake, observation.Node{})
		step.Message = fmt.Sprintf("baking the canary (%d node(s) on %s) for %s; every gate must keep holding", c.Updated(in.Goal), in.Goal, in.Spec.Strategy.Canary.BakeTimeOrDefault())
		d := started(in, step, ActionNone)
		d.RequeueAfter = min(in.Timings.Transition, in.Spec.Strategy.Canary.BakeTimeOrDefault())
		return d
	}
	next := NextNode(in.Spec, c, outdated)
	if next.Role() == v1.RolePrimary {
		target, ok := handOffTarget(c, next.InstanceID)
		if !ok {
			return Decision{Phase: v1.PhaseBlocked, Reason: v1.ReasonGateBlocked, RequeueAfter: in.Timings.Blocked,
				Message: fmt.Sprintf("primary %s is outdated but no healthy replica can take over its role", next.InstanceID)}
		}
		step := newStep(in, v1.StepHandOffPrimary, next)
		step.Message = fmt.Sprintf("moving the Redis primary role from %s to %s, the most caught-up healthy replica", next.InstanceID, target.InstanceID)
		return started(in, step, ActionHandOff)
	}
	return replace(in, next, fmt.Sprintf("%s, %s", next.Zone, next.Role()))
}

// replace starts replacing a node the way strategy.replacement says: terminate first (the group launches
// the replacement), or surge (launch first, terminate after).
func replace(in Input, n observation.Node, about string) Decision {
	if in.Spec.Strategy.ReplacementOrDefault() == v1.SurgeFirst {
		step := newStep(in, v1.StepSurgeNode, n)
		if g, ok := in.Cluster.Group(n.Group); ok {
			step.OriginalCapacity = &v1.GroupCapacity{Desired: int32(g.Desired), Max: int32(g.Max)}
		}
		step.Message = fmt.Sprintf("launching a node in %s before removing %s (%s)", n.Group, n.InstanceID, about)
		return started(in, step, ActionSurge)
	}
	step := newStep(in, v1.StepReplaceNode, n)
	step.Message = fmt.Sprintf("replacing %s (%s)", n.InstanceID, about)
	return started(in, step, ActionTerminate)
}

// planArrived is the decision once every node runs the goal and every gate holds: clean up once, then
// report success (or, after a rollback, that the cluster is back on lastGood).
func planArrived(in Input) Decision {
	if r := in.Record; r == nil || r.Goal != in.Goal || r.CleanedUpAt == nil {
		step := newStep(in, v1.StepCleanup, observation.Node{})
		step.Message = "deleting launch template versions and launch configurations the rollout no longer needs"
		return started(in, step, ActionCleanup)
	}
	if in.purpose == v1.PurposeRollback {
		return Decision{Phase: v1.PhaseRolledBack, Reason: v1.ReasonRolledBack, RequeueAfter: in.Timings.Idle,
			Message: fmt.Sprintf("every node is back on %s after %s failed (%s); change the spec or set the %s annotation to try again",
				in.Goal, in.FailedTarget.Goal, in.FailedTarget.Reason, v1.AnnotationRetry)}
	}
	return Decision{Phase: v1.PhaseSucceeded, Reason: v1.ReasonUpToDate, RequeueAfter: in.Timings.Idle,
		Message: fmt.Sprintf("all %d nodes run %s and are healthy", len(in.Cluster.Nodes), in.Goal)}
}

// canaryDue says whether the canary has been replaced and must bake before the rest of the cluster is
// touched: a rollout (not a rollback) with a canary, nodes still outdated, and as many nodes on the goal as
// the canary asks for.
func canaryDue(in Input, outdated int) bool {
	canary := int(in.Spec.Strategy.Canary.NodesOrDefault())
	if in.purpose != v1.PurposeRollout || canary == 0 || outdated == 0 {
		return false
	}
	if r := in.Record; r != nil && r.Goal == in.Goal && r.CanaryBakedAt != nil {
		return false
	}
	return in.Cluster.Updated(in.Goal) >= canary
}

func newStep(in Input, t v1.StepType, n observation.Node) *v1.StepStatus {
	step := &v1.StepStatus{Type: t, Purpose: in.purpose, Goal: in.Goal, InstanceID: n.InstanceID, Group: n.Group, Zone: n.Zone,
		StartedAt: metav1Time(in.Now)}
	if step.Purpose == "" {
		step.Purpose = v1.PurposeRollout
	}
	for _, m := range in.Cluster.Nodes {
		if n.Group != "" && m.Group == n.Group {
			step.GroupInstances = append(step.GroupInstances, m.InstanceID)
		}
	}
	return step
}

// preflight holds when the cluster's capacity is complete and every gate of every serving node has held
// for stableFor. It returns the first gate that does not. Outdated nodes that a failed rollout left behind
// are exempt: they are what the next step replaces, and a broken canary must block neither its rollback
// nor a new goal the user sets to get out of a failed one. While rolling back every outdated node is such
// a node; otherwise only those running status.failedTarget's AMI and type.
func preflight(in Input, outdated []observation.Node) (health.Result, bool) {
	stableFor := in.Spec.Health.StableForOrDefault()
	exempt := map[string]bool{}
	for _, n := range outdated {
		if in.purpose == v1.PurposeRollback || (in.FailedTarget != nil && n.Runs(in.FailedTarget.Goal)) {
			exempt[n.InstanceID] = true
		}
	}
	var gates []health.Result
	for _, r := range in.Cluster.AllGates() {
		if !exempt[r.InstanceID] {
			gates = append(gates, r)
		}
	}
	if r, failed := health.FirstFailure(gates); failed {
		return health.Result{Gate: r.Gate, InstanceID: r.InstanceID, Reason: r.Reason, Message: gateMessage(r)}, false
	}
	for _, r := range gates {
		since, ok := in.HeldSince[GateKey(r.Gate, r.InstanceID)]
		if !ok {
			since = in.Now
		}
		if held := in.Now.Sub(since); held < stableFor {
			return health.Result{Gate: r.Gate, InstanceID: r.InstanceID, Reason: "HoldingForStableFor",
				Message: fmt.Sprintf("waiting for every gate to hold for %s (%s on %s has held for %s)", stableFor, r.Gate, orCluster(r.InstanceID), held.Round(time.Second))}, false
		}
	}
	return health.Result{}, true
}

func gateMessage(r health.Result) string {
	return fmt.Sprintf("%s on %s: %s", r.Gate, orCluster(r.InstanceID), r.Message)
}

func orCluster(id string) string {
	if id == "" {
		return "the cluster"
	}
	return id
}

// NextNode picks the next outdated node: the primary goes last of all; before it, unhealthy nodes first
// (only a node on a failed goal gets here unhealthy: the broken canary), then the canary zone, then group by group in
// spec order, then the oldest.
func NextNode(spec v1.RemediationPolicySpec, c *observation.Cluster, outdated []observation.Node) observation.Node {
	canaryZone := spec.Target.AutoScalingGroups.CanaryZone
	position := map[string]int{}
	for _, g := range c.Groups {
		position[g.Name] = g.Position
		if canaryZone == "" && g.Position == 0 && len(g.Zones) > 0 {
			canaryZone = g.Zones[0]
		}
	}
	nodes := append([]observation.Node(nil), outdated...)
	sort.SliceStable(nodes, func(i, j int) bool {
		a, b := nodes[i], nodes[j]
		if pa, pb := a.Role() == v1.RolePrimary, b.Role() == v1.RolePrimary; pa != pb {
			return pb
		}
		if ha, hb := a.Healthy(), b.Healthy(); ha != hb {
			return hb
		}
		if ca, cb := a.Zone == canaryZone, b.Zone == canaryZone; ca != cb {
			return ca
		}
		if position[a.Group] != position[b.Group] {
			return position[a.Group] < position[b.Group]
		}
		if !a.LaunchedAt.Equal(b.LaunchedAt) {
			return a.LaunchedAt.Before(b.LaunchedAt)
		}
		return a.InstanceID < b.InstanceID
	})
	return nodes[0]
}

// handOffTarget is the most caught-up healthy replica, which the primary role moves to.
func handOffTarget(c *observation.Cluster, primaryID string) (observation.Node, bool) {
	var best observation.Node
	found := false
	for _, n := range c.Nodes {
		if n.InstanceID == primaryID || n.Role() != v1.RoleReplica || !n.Healthy() {
			continue
		}
		if !found || n.Redis.ReplOffset > best.Redis.ReplOffset {
			best, found = n, true
		}
	}
	return best, found
}

// HandOffTarget is exported for the engine, which performs the hand-off the planner decided.
func HandOffTarget(c *observation.Cluster, primaryID string) (observation.Node, bool) {
	return handOffTarget(c, primaryID)
}

func groupNames(groups []observation.Group) string {
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = g.Name
	}
	return strings.Join(names, ", ")
}
