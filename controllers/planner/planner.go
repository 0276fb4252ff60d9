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
	// ActionPrepareLaunchTemplate: create the goal's launch template version and point every group at it.
	ActionPrepareLaunchTemplate Action = "PrepareLaunchTemplate"
	// ActionHandOff: move the Redis primary role off the step's node.
	ActionHandOff Action = "HandOffPrimary"
	// ActionTerminate: terminate the step's node without decrementing capacity.
	ActionTerminate Action = "TerminateNode"
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
	Goal       v1.ImageAndType
	Cluster    *observation.Cluster
	// Step is the in-flight step from status, nil when none.
	Step *v1.StepStatus
	// FailedTarget is status.failedTarget.
	FailedTarget *v1.FailedTarget
	// HeldSince says since when a gate that holds now has held (key: GateKey); absent means just now.
	HeldSince map[string]time.Time
	Paused    bool
	PausedBy  string
	Now       time.Time
	Timings   Timings
}

// GateKey identifies a gate result across reconciles.
func GateKey(gate, instanceID string) string { return gate + "/" + instanceID }

// Decision is what to do now.
type Decision struct {
	Action Action
	// Step is the in-flight step after this decision (nil when none). When it differs from the input's, the
	// engine records it before acting, so a restarted controller resumes it.
	Step *v1.StepStatus
	// Completed is the step this decision finished, if any.
	Completed *v1.StepStatus
	Phase     v1.Phase
	// Reason and Message explain the phase (a condition reason and a sentence).
	Reason  string
	Message string
	// Failed: the rollout failed now (record the failed target, emit an event).
	Failed       bool
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
	if f := in.FailedTarget; f != nil && f.Goal == in.Goal && f.Generation == in.Generation {
		return Decision{Phase: v1.PhaseFailed, Reason: v1.ReasonTargetPreviouslyFailed, RequeueAfter: in.Timings.Idle,
			Message: fmt.Sprintf("%s failed (%s); change the spec or set the %s annotation to try again", in.Goal, f.Reason, v1.AnnotationRetry)}
	}
	if in.Paused {
		return Decision{Phase: v1.PhasePaused, Reason: in.PausedBy, Message: "paused: no new step starts", RequeueAfter: in.Timings.Idle}
	}
	return planNext(in)
}

// planNext starts the next step when no step is in flight.
func planNext(in Input) Decision {
	c := in.Cluster
	if groups := c.GroupsNotLaunching(in.Goal); len(groups) > 0 {
		step := newStep(in, v1.StepPrepareLaunchTemplate, observation.Node{})
		step.Message = "pointing " + groupNames(groups) + " at a launch template version with " + in.Goal.String()
		return Decision{Action: ActionPrepareLaunchTemplate, Step: step, Phase: v1.PhaseProgressing, Reason: v1.ReasonRollingOut,
			Message: step.Message, RequeueAfter: in.Timings.Transition}
	}
	outdated := c.Outdated(in.Goal)
	if blocked, ok := preflight(in); !ok {
		if len(outdated) == 0 && blocked.Reason == "HoldingForStableFor" {
			return Decision{Phase: v1.PhaseProgressing, Reason: v1.ReasonRollingOut, Message: blocked.Message, RequeueAfter: in.Timings.Transition}
		}
		phase, reason := v1.PhaseBlocked, v1.ReasonGateBlocked
		if blocked.Reason == "HoldingForStableFor" {
			phase, reason = v1.PhaseProgressing, v1.ReasonRollingOut
		}
		return Decision{Phase: phase, Reason: reason, Message: blocked.Message, RequeueAfter: in.Timings.Blocked}
	}
	if len(outdated) == 0 {
		return Decision{Phase: v1.PhaseSucceeded, Reason: v1.ReasonUpToDate, RequeueAfter: in.Timings.Idle,
			Message: fmt.Sprintf("all %d nodes run %s and are healthy", len(c.Nodes), in.Goal)}
	}
	next := NextNode(in.Spec, c, outdated)
	if next.Role() == v1.RolePrimary {
		if _, ok := handOffTarget(c, next.InstanceID); !ok {
			return Decision{Phase: v1.PhaseBlocked, Reason: v1.ReasonGateBlocked, RequeueAfter: in.Timings.Blocked,
				Message: fmt.Sprintf("primary %s is outdated but no healthy replica can take over its role", next.InstanceID)}
		}
		step := newStep(in, v1.StepHandOffPrimary, next)
		step.Message = "handing the primary role off " + next.InstanceID
		return Decision{Action: ActionHandOff, Step: step, Phase: v1.PhaseProgressing, Reason: v1.ReasonRollingOut, Message: step.Message, RequeueAfter: in.Timings.Transition}
	}
	step := newStep(in, v1.StepReplaceNode, next)
	step.Message = fmt.Sprintf("replacing %s (%s, %s)", next.InstanceID, next.Zone, next.Role())
	return Decision{Action: ActionTerminate, Step: step, Phase: v1.PhaseProgressing, Reason: v1.ReasonRollingOut, Message: step.Message, RequeueAfter: in.Timings.Transition}
}

func newStep(in Input, t v1.StepType, n observation.Node) *v1.StepStatus {
	step := &v1.StepStatus{Type: t, Purpose: v1.PurposeRollout, Goal: in.Goal, InstanceID: n.InstanceID, Group: n.Group, Zone: n.Zone,
		StartedAt: metav1Time(in.Now)}
	for _, m := range in.Cluster.Nodes {
		if n.Group != "" && m.Group == n.Group {
			step.GroupInstances = append(step.GroupInstances, m.InstanceID)
		}
	}
	return step
}

// preflight holds when the cluster's capacity is complete and every gate of every serving node has held
// for stableFor. It returns the first gate that does not.
func preflight(in Input) (health.Result, bool) {
	stableFor := in.Spec.Health.StableForOrDefault()
	gates := in.Cluster.AllGates()
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

// NextNode picks the next outdated node: the canary zone first, then group by group in spec order; within
// that, replicas before the primary (the primary goes last of all), then the oldest.
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
