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

package asgplanner

import (
	"fmt"
	"slices"
	"strings"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/asgobservation"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
)

// Remaining is the rest of the rollout after the step in flight, as Plan would take it from this
// observation if every gate keeps holding: the launch template prepared, the canary replaced and baked,
// the other nodes in NextNode's order with the primary's hand-off before its replacement, the cleanup.
// It is a forecast for people (the gates, a failure or a new goal change it), nil when nothing remains.
// A paused policy has one too: that is how a preview works.
func Remaining(in Input) *v1.PlanStatus {
	dir := rollout.Retarget(in.Spec, in.Generation, in.FailedTarget, in.LastGood)
	if dir.Halted != nil {
		return nil
	}
	goal, purpose := dir.Goal, dir.Purpose
	if in.Step != nil {
		goal, purpose = in.Step.Goal, in.Step.Purpose
	}
	c := in.Cluster
	var outdated []asgobservation.Node
	for _, n := range c.Outdated(goal) {
		if in.Step == nil || n.InstanceID != in.Step.InstanceID || in.Step.Type == v1.StepHandOffPrimary {
			outdated = append(outdated, n)
		}
	}
	var steps []v1.PlannedStep
	if groups := c.GroupsNotLaunching(goal); len(groups) > 0 && in.Step == nil {
		steps = append(steps, v1.PlannedStep{Type: v1.StepPrepareLaunchTemplate, Detail: "point " + groupNames(groups) + " at " + goal.String()})
	}
	// The canary bakes after its nodes are replaced, before the others: at position bakeAt of the order.
	bakeAt := -1
	if canary := int(in.Spec.Strategy.Canary.NodesOrDefault()); purpose == v1.PurposeRollout && canary > 0 && !rollout.CanaryDone(in.Record, goal) &&
		(in.Step == nil || in.Step.Type != v1.StepBake) {
		bakeAt = canary - c.Updated(goal)
		if in.Step != nil && (in.Step.Type == v1.StepReplaceNode || in.Step.Type == v1.StepSurgeNode) {
			bakeAt-- // the node in flight is one of the canary's
		}
		bakeAt = max(bakeAt, 0)
	}
	surge := in.Spec.Strategy.ReplacementOrDefault() == v1.SurgeFirst
	handOffs := int32(0)
	for i, n := range order(in.Spec, c, outdated) {
		if i == bakeAt {
			steps = append(steps, v1.PlannedStep{Type: v1.StepBake, Detail: fmt.Sprintf("bake the canary for %s", in.Spec.Strategy.Canary.BakeTimeOrDefault())})
		}
		if n.Role() == v1.RolePrimary && (in.Step == nil || in.Step.Type != v1.StepHandOffPrimary) {
			handOffs++
			steps = append(steps, v1.PlannedStep{Type: v1.StepHandOffPrimary, InstanceID: n.InstanceID, Group: n.Group, Zone: n.Zone, Role: v1.RolePrimary,
				Detail: handOffForecast(in, n, outdated)})
		}
		step := v1.PlannedStep{Type: v1.StepReplaceNode, InstanceID: n.InstanceID, Group: n.Group, Zone: n.Zone, Role: n.Role()}
		if surge {
			step.Type = v1.StepSurgeNode
		}
		switch {
		case n.Role() == v1.RolePrimary:
			step.Role, step.Detail = v1.RoleReplica, "the former primary, once it is a replica"
		case i < bakeAt:
			step.Detail = "canary"
		}
		steps = append(steps, step)
	}
	if in.CleanupDue || len(steps) > 0 && steps[0].Type == v1.StepPrepareLaunchTemplate {
		steps = append(steps, v1.PlannedStep{Type: v1.StepCleanup, Detail: "delete the launch template versions and launch configurations the rollout no longer needs, if any"})
	}
	return rollout.NewPlan(steps, handOffs)
}

// order is the outdated nodes in the order NextNode picks them, one after the other.
func order(spec v1.RemediationPolicySpec, c *asgobservation.Cluster, outdated []asgobservation.Node) []asgobservation.Node {
	rest := slices.Clone(outdated)
	var out []asgobservation.Node
	for len(rest) > 0 {
		next := NextNode(spec, c, rest)
		out = append(out, next)
		rest = slices.DeleteFunc(rest, func(n asgobservation.Node) bool { return n.InstanceID == next.InstanceID })
	}
	return out
}

// handOffForecast says where the primary role will go: the replica handOffTarget picks now (the one
// FAILOVER TO is given, or the one Sentinel ranks first) when no other replica is still to be replaced, else
// one of the replacements.
func handOffForecast(in Input, primary asgobservation.Node, outdated []asgobservation.Node) string {
	var zones []string
	for _, n := range outdated {
		if n.InstanceID != primary.InstanceID && !slices.Contains(zones, n.Zone) {
			zones = append(zones, n.Zone)
		}
	}
	sentinel := in.Spec.Health.RedisSentinel() != nil
	switch target, ok := handOffTarget(in, primary.InstanceID); {
	case len(zones) > 0 && sentinel:
		return "predicted: Sentinel promotes one of the replacements in " + strings.Join(zones, ", ")
	case len(zones) > 0:
		return "predicted: to the most caught-up of the replacements in " + strings.Join(zones, ", ")
	case ok && sentinel:
		return fmt.Sprintf("predicted: Sentinel promotes %s (%s), the replica it ranks first now", target.InstanceID, target.Zone)
	case ok:
		return fmt.Sprintf("predicted: to %s (%s), the most caught-up healthy replica now", target.InstanceID, target.Zone)
	}
	return noHandOffTarget(in, primary)
}
