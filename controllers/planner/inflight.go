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

package planner

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/observation"
)

func metav1Time(t time.Time) metav1.Time { return metav1.NewTime(t) }

// planInFlight watches the in-flight step: it finishes it, acts again (every action is idempotent), fails
// it past its deadline, or waits. A paused policy still watches its in-flight step to completion.
func planInFlight(in Input) Decision {
	step := in.Step.DeepCopy()
	if in.Now.Sub(step.StartedAt.Time) > in.Spec.Health.NodeTimeoutOrDefault() {
		return Decision{Failed: true, Completed: step, Phase: v1.PhaseFailed, Reason: v1.ReasonNodeTimeout, RequeueAfter: in.Timings.Idle,
			Message: fmt.Sprintf("%s of %s did not finish within nodeTimeout %s: %s", step.Type, orCluster(step.InstanceID), in.Spec.Health.NodeTimeoutOrDefault(), step.Message)}
	}
	switch step.Type {
	case v1.StepPrepareLaunchTemplate:
		return planPrepare(in, step)
	case v1.StepHandOffPrimary:
		return planHandOff(in, step)
	default:
		return planReplace(in, step)
	}
}

func progressing(in Input, step *v1.StepStatus, action Action) Decision {
	return Decision{Action: action, Step: step, Phase: v1.PhaseProgressing, Reason: v1.ReasonRollingOut, Message: step.Message, RequeueAfter: in.Timings.Transition}
}

// done finishes the step and plans the next one on the same observation.
func done(in Input, step *v1.StepStatus) Decision {
	next := in
	next.Step = nil
	d := Plan(next)
	d.Completed = step
	return d
}

func planPrepare(in Input, step *v1.StepStatus) Decision {
	if len(in.Cluster.GroupsNotLaunching(step.Goal)) == 0 {
		return done(in, step)
	}
	// Not there yet (a crash between creating the version and pointing the groups, or a retry): again.
	return progressing(in, step, ActionPrepareLaunchTemplate)
}

func planHandOff(in Input, step *v1.StepStatus) Decision {
	node, ok := in.Cluster.Node(step.InstanceID)
	if !ok || node.Leaving() {
		// The node went away on its own; nothing left to hand off or replace.
		return done(in, step)
	}
	if _, hasPrimary := in.Cluster.Primary(); hasPrimary && node.Role() == v1.RoleReplica && node.Healthy() {
		if stray := in.Cluster.ReplicasNotFollowingPrimary(); len(stray) > 0 {
			// FAILOVER moved the role; the other replicas still follow the old primary. Re-point them.
			step.Message = fmt.Sprintf("re-pointing replica %s at the new primary", stray[0].InstanceID)
			return progressing(in, step, ActionHandOff)
		}
		if in.Paused {
			// The hand-off is complete and safe to stop at; replacing the node would be a new step.
			return done(in, step)
		}
		replace := newStep(in, v1.StepReplaceNode, node)
		replace.Purpose, replace.Goal = step.Purpose, step.Goal
		replace.Message = fmt.Sprintf("replacing former primary %s (%s)", node.InstanceID, node.Zone)
		d := progressing(in, replace, ActionTerminate)
		d.Completed = step
		return d
	}
	if step.ActionTaken {
		step.Message = fmt.Sprintf("waiting for %s to become a healthy replica of the new primary", node.InstanceID)
		return progressing(in, step, ActionNone)
	}
	return progressing(in, step, ActionHandOff)
}

func planReplace(in Input, step *v1.StepStatus) Decision {
	c := in.Cluster
	old, present := c.Node(step.InstanceID)
	if !step.ActionTaken {
		if present && !old.Leaving() {
			return progressing(in, step, ActionTerminate)
		}
		// The termination went through but the controller stopped before recording it.
		step.ActionTaken = true
	}
	replacement, found := replacementFor(c, step)
	if !found {
		step.Message = fmt.Sprintf("waiting for %s to launch a replacement for %s", step.Group, step.InstanceID)
		step.HealthySince = nil
		return progressing(in, step, ActionNone)
	}
	step.ReplacementInstanceID = replacement.InstanceID
	if !replacement.Healthy() {
		step.HealthySince = nil
		step.Message = fmt.Sprintf("waiting for replacement %s to be healthy: %s", replacement.InstanceID, firstProblem(replacement))
		return progressing(in, step, ActionNone)
	}
	if step.HealthySince == nil {
		t := metav1Time(in.Now)
		step.HealthySince = &t
	}
	stableFor := in.Spec.Health.StableForOrDefault()
	if held := in.Now.Sub(step.HealthySince.Time); held < stableFor {
		step.Message = fmt.Sprintf("replacement %s is healthy; holding for %s (%s so far)", replacement.InstanceID, stableFor, held.Round(time.Second))
		d := progressing(in, step, ActionNone)
		d.RequeueAfter = min(in.Timings.Transition, stableFor-held)
		return d
	}
	return done(in, step)
}

// replacementFor finds the node launched for the step: a serving node of the step's group that was not
// there when the step started. Launch times are compared only with each other, so the controller's clock
// does not matter.
func replacementFor(c *observation.Cluster, step *v1.StepStatus) (observation.Node, bool) {
	if step.ReplacementInstanceID != "" {
		if n, ok := c.Node(step.ReplacementInstanceID); ok && !n.Leaving() {
			return n, true
		}
	}
	known := map[string]bool{step.InstanceID: true}
	for _, id := range step.GroupInstances {
		known[id] = true
	}
	var best observation.Node
	found := false
	for _, n := range c.GroupNodes(step.Group) {
		if known[n.InstanceID] {
			continue
		}
		if !found || n.LaunchedAt.After(best.LaunchedAt) {
			best, found = n, true
		}
	}
	return best, found
}

func firstProblem(n observation.Node) string {
	for _, g := range n.Gates {
		if !g.OK {
			return gateMessage(g)
		}
	}
	return "not InService"
}
