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

// Package asgplanner decides the next step of a rollout of a self-managed cache cluster run by Auto Scaling
// groups. It is pure: given the spec, the observed cluster, the in-flight step, how long the gates have held
// and the time, it returns one decision, without I/O.
package asgplanner

import (
	"fmt"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/asgobservation"
	"github.com/cache-remediator/cache-remediator/controllers/health"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
	"github.com/cache-remediator/cache-remediator/controllers/schedule"
)

// Action is the one mutating thing the engine does for a decision.
type Action string

const (
	// ActionNone: nothing to do but wait.
	ActionNone Action = ""
	// ActionPrepareLaunchTemplate: create the goal's launch template version (or launch configuration) and
	// point every group that does not launch the goal at it.
	ActionPrepareLaunchTemplate Action = "PrepareLaunchTemplate"
	// ActionHandOff: move the Redis primary role off the step's node to step.handOffTo, or re-point the
	// replicas that still follow the old primary.
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
	// ActionRestoreDesired: put the group's desired capacity back to the original when a failed surge's
	// extra node never launched; the group has no node more than that, so nothing is terminated.
	ActionRestoreDesired Action = "RestoreDesiredCapacity"
	// ActionCleanup: delete launch template versions and launch configurations the rollout no longer needs.
	ActionCleanup Action = "Cleanup"
	// ActionSentinelFailover: hand the step's primary off through Sentinel: hold its writes, wait for its
	// replicas to have every write, and ask a Sentinel to fail the master over (SENTINEL FAILOVER).
	ActionSentinelFailover Action = "SentinelFailover"
	// ActionDemoteOldPrimary: make the step's node, a primary whose writes are held, a replica of the primary
	// Sentinel promoted, and release its writes.
	ActionDemoteOldPrimary Action = "DemoteOldPrimary"
)

// MaxHandOffAttempts bounds how often a hand-off Redis aborted is issued again before the step fails.
const MaxHandOffAttempts = 5

// Input is everything a decision depends on.
type Input struct {
	Spec       v1.RemediationPolicySpec
	Generation int64
	Cluster    *asgobservation.Cluster
	// Step is the in-flight step from status, nil when none.
	Step *v1.StepStatus
	// FailedTarget, LastGood and Record are status.failedTarget, status.lastGood and status.rollout.
	FailedTarget *v1.FailedTarget
	LastGood     *v1.ImageAndType
	Record       *v1.RolloutRecord
	// CleanupDue is status.asg.cleanupDue: this policy created launch template versions or launch
	// configurations that a finished rollout cleans up.
	CleanupDue bool
	// Gates is how long the gates have held.
	Gates    rollout.GateState
	Paused   bool
	PausedBy string
	// Window is the maintenance schedule's state (nil without a schedule): no new step starts while it is
	// closed.
	Window *schedule.Status
	// Stopping: the policy is being deleted. The in-flight replacement is watched to its end; nothing new
	// starts, and a step that can stop anywhere (prepare, bake, cleanup) is dropped.
	Stopping bool
	Now      time.Time
	Timings  rollout.Timings

	// goal and purpose are where the plan is going: spec.desired, or lastGood while rolling back.
	goal    v1.ImageAndType
	purpose v1.StepPurpose
}

// Decision is what to do now.
type Decision struct {
	Action Action
	// Step is the in-flight step after this decision (nil when none). When it differs from the input's, the
	// engine records it before acting, so a restarted controller resumes it.
	Step *v1.StepStatus
	// Completed is the step this decision finished successfully, its Message saying what it did.
	Completed *v1.StepStatus
	Phase     v1.Phase
	// Reason and Message explain the phase (a condition reason and a sentence).
	Reason  string
	Message string
	// Degraded: the spec asks for something the cluster cannot do; nothing moves until it changes.
	Degraded bool
	// FailedTarget is set when the rollout (or its rollback) failed now.
	FailedTarget *v1.FailedTarget
	// Record is the rollout record after this decision, when it changed (the canary baked).
	Record *v1.RolloutRecord
	// CleanedUp: the cleanup step finished; nothing is due any more.
	CleanedUp    bool
	RequeueAfter time.Duration
}

// Plan decides the next step.
func Plan(in Input) Decision {
	in.Timings = in.Timings.OrDefault()
	if in.Step != nil {
		return planInFlight(in)
	}
	dir := rollout.Retarget(in.Spec, in.Generation, in.FailedTarget, in.LastGood)
	if dir.Halted != nil {
		return Decision{Phase: dir.Halted.Phase, Reason: dir.Halted.Reason, Message: dir.Halted.Message, RequeueAfter: in.Timings.Idle}
	}
	in.goal, in.purpose = dir.Goal, dir.Purpose
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

// planNext starts the next step when no step is in flight, in this order: refuse an empty cluster or a
// canary the cluster cannot have; check every gate; once every node runs the goal, point the groups at it
// if they launch something else, clean up what the rollout created, and report; bake the canary; point the
// groups at the goal right before the first replacement; hand off an outdated primary; replace the next
// outdated node. Nothing is mutated before the gates hold and a replacement can start.
func planNext(in Input) Decision {
	c := in.Cluster
	serving := c.Serving()
	if len(serving) == 0 {
		return Decision{Phase: v1.PhaseBlocked, Reason: v1.ReasonNoNodes, RequeueAfter: in.Timings.Blocked,
			Message: fmt.Sprintf("the groups (%s) have no instances: there is nothing to remediate, and nothing to compare a new node with; scale the groups up first", groupNames(c.Groups))}
	}
	outdated := c.Outdated(in.goal)
	if problem := canaryProblem(in, len(serving), len(outdated)); problem != "" {
		return Decision{Phase: v1.PhaseBlocked, Reason: v1.ReasonInvalidSpec, Message: problem, Degraded: true, RequeueAfter: in.Timings.Blocked}
	}
	if d, ok := preflight(in, outdated); !ok {
		return d
	}
	if len(outdated) == 0 {
		if groups := c.GroupsNotLaunching(in.goal); len(groups) > 0 {
			return prepare(in, groups)
		}
		return planArrived(in, len(serving))
	}
	if canaryDue(in, len(outdated)) {
		step := newStep(in, v1.StepBake, asgobservation.Node{})
		step.Message = fmt.Sprintf("baking the canary (%d node(s) on %s) for %s; every gate must keep holding", c.Updated(in.goal), in.goal, in.Spec.Strategy.Canary.BakeTimeOrDefault())
		d := started(in, step, ActionNone)
		d.RequeueAfter = min(in.Timings.Transition, in.Spec.Strategy.Canary.BakeTimeOrDefault())
		return d
	}
	if groups := c.GroupsNotLaunching(in.goal); len(groups) > 0 {
		return prepare(in, groups)
	}
	next := NextNode(in.Spec, c, outdated)
	if next.Role() == v1.RolePrimary {
		return handOff(in, next)
	}
	return replace(in, next, fmt.Sprintf("%s, %s", next.Zone, next.Role()))
}

// canaryProblem says why the canary the spec asks for cannot be had on this cluster; a canary is never
// skipped silently. Only a rollout whose canary has not baked yet has one.
func canaryProblem(in Input, serving, outdated int) string {
	canary := in.Spec.Strategy.Canary.NodesOrDefault()
	if in.purpose != v1.PurposeRollout || canary == 0 || outdated == 0 || rollout.CanaryDone(in.Record, in.goal) {
		return ""
	}
	if int(canary) >= serving {
		return fmt.Sprintf("strategy.canary.nodes is %d but the cluster has %d nodes: a canary must leave at least one node on the old AMI and type; lower it, or set it to 0 to roll without a canary",
			canary, serving)
	}
	zones := in.Cluster.Zones()
	if z := in.Spec.Target.AutoScalingGroups.CanaryZone; z != "" && !contains(zones, z) {
		return fmt.Sprintf("target.autoScalingGroups.canaryZone %s is not a zone of the groups (%s)", z, strings.Join(zones, ", "))
	}
	return ""
}

// prepare starts pointing the groups that do not launch the goal at a launch template version (or launch
// configuration) that does.
func prepare(in Input, groups []asgobservation.Group) Decision {
	step := newStep(in, v1.StepPrepareLaunchTemplate, asgobservation.Node{})
	step.Message = "pointing " + groupNames(groups) + " at a launch template version with " + in.goal.String()
	return started(in, step, ActionPrepareLaunchTemplate)
}

// handOff starts moving the primary role from an outdated primary to the most caught-up healthy replica, or
// through Sentinel when Sentinel watches the nodes.
func handOff(in Input, primary asgobservation.Node) Decision {
	target, ok := handOffTarget(in, primary.InstanceID)
	if !ok {
		return Decision{Phase: v1.PhaseBlocked, Reason: v1.ReasonGateBlocked, RequeueAfter: in.Timings.Blocked,
			Message: noHandOffTarget(in, primary)}
	}
	step := newStep(in, v1.StepHandOffPrimary, primary)
	step.HandOffTo = target.InstanceID
	if sentinel := in.Spec.Health.RedisSentinel(); sentinel != nil {
		step.Message = fmt.Sprintf("asking Sentinel to move the Redis primary role of %s off %s; it should promote %s (lowest replica-priority, then most caught up)",
			sentinel.MasterName, primary.InstanceID, target.InstanceID)
		return started(in, step, ActionSentinelFailover)
	}
	step.Message = fmt.Sprintf("moving the Redis primary role from %s to %s, the most caught-up healthy replica", primary.InstanceID, target.InstanceID)
	return started(in, step, ActionHandOff)
}

// handOffTarget is the replica the primary role goes to: the one FAILOVER TO is given, or the one Sentinel
// is expected to promote.
func handOffTarget(in Input, primaryID string) (asgobservation.Node, bool) {
	if in.Spec.Health.RedisSentinel() != nil {
		return SentinelCandidate(in.Cluster, primaryID)
	}
	return HandOffTarget(in.Cluster, primaryID)
}

// noHandOffTarget says why no replica can take an outdated primary's role.
func noHandOffTarget(in Input, primary asgobservation.Node) string {
	message := fmt.Sprintf("primary %s is outdated but no healthy replica can take over its role", primary.InstanceID)
	if in.Spec.Health.RedisSentinel() != nil {
		message += " (Sentinel never promotes a replica whose replica-priority is 0)"
	}
	return message
}

// replace starts replacing a node the way strategy.replacement says: terminate first (the group launches
// the replacement), or surge (launch first, terminate after).
func replace(in Input, n asgobservation.Node, about string) Decision {
	if in.Spec.Strategy.ReplacementOrDefault() == v1.SurgeFirst {
		step := newStep(in, v1.StepSurgeNode, n)
		if g, ok := in.Cluster.Group(n.Group); ok {
			step.ASG.OriginalCapacity = &v1.GroupCapacity{Desired: int32(g.Desired), Max: int32(g.Max)}
		}
		step.Message = fmt.Sprintf("launching a node in %s before removing %s (%s)", n.Group, n.InstanceID, about)
		return started(in, step, ActionSurge)
	}
	step := newStep(in, v1.StepReplaceNode, n)
	step.Message = fmt.Sprintf("replacing %s (%s)", n.InstanceID, about)
	return started(in, step, ActionTerminate)
}

// planArrived is the decision once every node runs the goal, the groups launch it and every gate holds:
// clean up what the rollout created, if anything, then report success (or, after a rollback, that the
// cluster is back on lastGood). A goal the cluster already met makes no mutation.
func planArrived(in Input, serving int) Decision {
	if in.CleanupDue {
		step := newStep(in, v1.StepCleanup, asgobservation.Node{})
		step.Message = "deleting launch template versions and launch configurations the rollout no longer needs"
		return started(in, step, ActionCleanup)
	}
	phase, reason, message := arrival(in, serving)
	return Decision{Phase: phase, Reason: reason, Message: message, RequeueAfter: in.Timings.Idle}
}

// arrival is the phase, reason and message of a cluster that runs the plan's goal.
func arrival(in Input, serving int) (v1.Phase, string, string) {
	if in.purpose == v1.PurposeRollback && in.FailedTarget != nil {
		return v1.PhaseRolledBack, v1.ReasonRolledBack, fmt.Sprintf("every node is back on %s after %s failed (%s); change the spec or set the %s annotation to try again",
			in.goal, in.FailedTarget.Goal, in.FailedTarget.Reason, v1.AnnotationRetry)
	}
	return v1.PhaseSucceeded, v1.ReasonUpToDate, fmt.Sprintf("all %d nodes run %s and are healthy", serving, in.goal)
}

// canaryDue says whether the canary has been replaced and must bake before the rest of the cluster is
// touched: a rollout (not a rollback) with a canary, nodes still outdated, and as many nodes on the goal as
// the canary asks for.
func canaryDue(in Input, outdated int) bool {
	canary := int(in.Spec.Strategy.Canary.NodesOrDefault())
	if in.purpose != v1.PurposeRollout || canary == 0 || outdated == 0 || rollout.CanaryDone(in.Record, in.goal) {
		return false
	}
	return in.Cluster.Updated(in.goal) >= canary
}

func newStep(in Input, t v1.StepType, n asgobservation.Node) *v1.StepStatus {
	step := &v1.StepStatus{Type: t, Purpose: in.purpose, Goal: in.goal, InstanceID: n.InstanceID, Group: n.Group, Zone: n.Zone,
		StartedAt: metav1.NewTime(in.Now)}
	if n.Group != "" {
		step.ASG = &v1.ASGStepStatus{}
		if newest := in.Cluster.NewestLaunch(n.Group); !newest.IsZero() {
			step.ASG.LaunchedAfter = &metav1.Time{Time: newest}
		}
	}
	return step
}

// preflight holds when every gate of every serving node, and every cluster gate, has held for stableFor.
// Outdated nodes that a failed rollout left behind are exempt: they are what the next step replaces, and a
// broken canary must block neither its rollback nor a new goal the user sets to get out of a failed one.
// While rolling back every outdated node is such a node; otherwise only those running failedTarget's AMI
// and type. A rollback does not wait for the CloudWatch alarms either: it is what answers them. When it
// does not hold, the decision says why: a gate that fails blocks (with its own reason for the CloudWatch
// gates); a gate that holds but not for long enough is waited for, until the moment it can hold.
func preflight(in Input, outdated []asgobservation.Node) (Decision, bool) {
	exempt := map[string]bool{}
	for _, n := range outdated {
		if in.purpose == v1.PurposeRollback || (in.FailedTarget != nil && n.Runs(in.FailedTarget.Goal)) {
			exempt[n.InstanceID] = true
		}
	}
	stableFor := in.Spec.Health.StableForOrDefault()
	blocked, ok := in.Gates.Stable(in.Now, stableFor, func(r health.Result) bool {
		return r.InstanceID != "" && exempt[r.InstanceID] || rollout.IgnoresAlarms(in.purpose, r)
	})
	if ok {
		return Decision{}, true
	}
	if blocked.Reason == rollout.ReasonHoldingForStableFor {
		phase, reason := rollout.Moving(in.purpose)
		wait := in.Gates.StableAt(stableFor).Sub(in.Now)
		return Decision{Phase: phase, Reason: reason, Message: blocked.Message, RequeueAfter: max(min(in.Timings.Transition, wait), in.Timings.Transition/10)}, false
	}
	reason, degraded := rollout.BlockReason(blocked)
	return Decision{Phase: v1.PhaseBlocked, Reason: reason, Degraded: degraded, Message: blocked.Message, RequeueAfter: in.Timings.Blocked}, false
}

// NextNode picks the next outdated node: the primary goes last of all; before it, unhealthy nodes first
// (only a node on a failed goal gets here unhealthy: the broken canary), then the canary zone, then group by
// group in spec order, then the oldest.
func NextNode(spec v1.RemediationPolicySpec, c *asgobservation.Cluster, outdated []asgobservation.Node) asgobservation.Node {
	canaryZone := spec.Target.AutoScalingGroups.CanaryZone
	position := map[string]int{}
	for _, g := range c.Groups {
		position[g.Name] = g.Position
		if canaryZone == "" && g.Position == 0 && len(g.Zones) > 0 {
			canaryZone = g.Zones[0]
		}
	}
	nodes := append([]asgobservation.Node(nil), outdated...)
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

// HandOffTarget is the most caught-up healthy replica other than primaryID, which the primary role moves to.
func HandOffTarget(c *asgobservation.Cluster, primaryID string) (asgobservation.Node, bool) {
	var best asgobservation.Node
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

func groupNames(groups []asgobservation.Group) string {
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = g.Name
	}
	return strings.Join(names, ", ")
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
