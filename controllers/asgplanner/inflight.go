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
	"github.com/cache-remediator/cache-remediator/controllers/health"
	"github.com/cache-remediator/cache-remediator/controllers/observation"
)

func metav1Time(t time.Time) metav1.Time { return metav1.NewTime(t) }

// planInFlight watches the in-flight step: it finishes it, acts again (every action is idempotent), fails
// it past its deadline, or waits. A paused policy still watches its in-flight step to completion.
func planInFlight(in Input) Decision {
	step := in.Step.DeepCopy()
	if step.Unwinding {
		return unwindSurge(in, step)
	}
	// A bake has its own length (bakeTime); every other step must be done within nodeTimeout.
	if step.Type != v1.StepBake && in.Now.Sub(step.StartedAt.Time) > in.Spec.Health.NodeTimeoutOrDefault() {
		message := fmt.Sprintf("%s of %s did not finish within nodeTimeout %s: %s", step.Type, orCluster(step.InstanceID), in.Spec.Health.NodeTimeoutOrDefault(), step.Message)
		if step.Type == v1.StepSurgeNode && step.OriginalCapacity != nil {
			return startUnwinding(in, step, v1.ReasonNodeTimeout, message)
		}
		return fail(in, step, v1.ReasonNodeTimeout, message)
	}
	switch step.Type {
	case v1.StepPrepareLaunchTemplate:
		return planPrepare(in, step)
	case v1.StepHandOffPrimary:
		return planHandOff(in, step)
	case v1.StepBake:
		return planBake(in, step)
	case v1.StepCleanup:
		return planCleanup(in, step)
	case v1.StepSurgeNode:
		return planSurge(in, step)
	default:
		return planReplace(in, step)
	}
}

// done finishes the step and plans the next one on the same observation.
func done(in Input, step *v1.StepStatus) Decision {
	next := in
	next.Step = nil
	d := Plan(next)
	d.Completed = step
	return d
}

// dropped forgets a step whose action never happened (the controller stopped between recording it and
// acting) when the policy is paused or being deleted: nothing is half-way, and no new action starts.
func dropped(in Input) Decision {
	next := in
	next.Step = nil
	return Plan(next)
}

// doneWithRecord finishes a step that leaves a milestone in the rollout record.
func doneWithRecord(in Input, step *v1.StepStatus, mark func(*v1.RolloutRecord)) Decision {
	record := &v1.RolloutRecord{Goal: step.Goal}
	if in.Record != nil && in.Record.Goal == step.Goal {
		record = in.Record.DeepCopy()
	}
	mark(record)
	in.Record = record
	d := done(in, step)
	d.Record = record
	return d
}

// fail ends the step as a failure. A rollout's failure records the goal as failed, and then the plan rolls
// back or halts; a rollback's failure halts.
func fail(in Input, step *v1.StepStatus, reason, message string) Decision {
	failed := &v1.FailedTarget{Goal: step.Goal, Generation: in.Generation, Reason: reason, Message: message, FailedAt: ptrTime(in.Now)}
	if step.Purpose == v1.PurposeRollback && in.FailedTarget != nil {
		failed = in.FailedTarget.DeepCopy()
		failed.RollbackFailed = true
		failed.Message = fmt.Sprintf("%s; rolling back to %s failed too: %s", failed.Message, step.Goal, message)
	}
	next := in
	next.Step, next.FailedTarget = nil, failed
	// The plan after the failure says what happens next: a rollback, or a halt whose message tells the user
	// how to go on.
	d := Plan(next)
	d.FailedTarget = failed
	return d
}

// startUnwinding records a surge's failure at once (failedTarget, its event) and keeps the step in flight
// to take the surge back before the plan acts on the failure.
func startUnwinding(in Input, step *v1.StepStatus, reason, message string) Decision {
	failed := fail(in, step, reason, message).FailedTarget
	in.FailedTarget = failed
	step.Unwinding = true
	d := unwindSurge(in, step)
	d.FailedTarget = failed
	return d
}

// unwindSurge takes a failed surge back, one action per reconcile: remove the extra node, or put the
// desired capacity back if it never launched, then the max size. The old node was never touched. Once the
// group is as it was, the failure is acted on like any other: a rollback, or a halt.
func unwindSurge(in Input, step *v1.StepStatus) Decision {
	group, _ := in.Cluster.Group(step.Group)
	original := step.OriginalCapacity
	surged, launched := replacementFor(in.Cluster, step)
	switch {
	case launched:
		step.ReplacementInstanceID = surged.InstanceID
		step.Message = fmt.Sprintf("the surge failed; removing its node %s from %s", surged.InstanceID, step.Group)
		return unwinding(in, step, ActionRemoveSurgedNode)
	case group.Desired > int64(original.Desired) && len(in.Cluster.GroupNodes(step.Group)) <= int(original.Desired):
		step.Message = fmt.Sprintf("the surge failed before its node launched; putting the desired capacity of %s back to %d", step.Group, original.Desired)
		return unwinding(in, step, ActionRestoreDesired)
	case group.Desired > int64(original.Desired):
		step.Message = fmt.Sprintf("the surge failed; waiting for %s to shrink back to %d", step.Group, original.Desired)
		return unwinding(in, step, ActionNone)
	case group.Max > int64(original.Max):
		step.Message = fmt.Sprintf("the surge failed; putting the max size of %s back to %d", step.Group, original.Max)
		return unwinding(in, step, ActionRestoreCapacity)
	}
	next := in
	next.Step = nil
	return Plan(next)
}

// unwinding is the decision while a failed surge is taken back: RollingBack if a rollback follows,
// otherwise Failed, with the failure as the reason.
func unwinding(in Input, step *v1.StepStatus, action Action) Decision {
	d := started(in, step, action)
	d.Phase, d.Reason = v1.PhaseFailed, in.FailedTarget.Reason
	after := in
	after.Step = nil
	if retarget(&after) == nil && after.purpose == v1.PurposeRollback {
		d.Phase = v1.PhaseRollingBack
	}
	if action == ActionNone {
		d.RequeueAfter = in.Timings.Transition
	}
	return d
}

func ptrTime(t time.Time) *metav1.Time {
	mt := metav1Time(t)
	return &mt
}

func planPrepare(in Input, step *v1.StepStatus) Decision {
	if len(in.Cluster.GroupsNotLaunching(step.Goal)) == 0 {
		return done(in, step)
	}
	// Not there yet (a crash between creating the version and pointing the groups, or a retry): again.
	return started(in, step, ActionPrepareLaunchTemplate)
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
			return started(in, step, ActionHandOff)
		}
		if in.Paused {
			// The hand-off is complete and safe to stop at; replacing the node would be a new step.
			return done(in, step)
		}
		next := in
		next.purpose, next.Goal = step.Purpose, step.Goal
		d := replace(next, node, "former primary, "+node.Zone)
		d.Completed = step
		return d
	}
	if step.ActionTaken {
		step.Message = fmt.Sprintf("waiting for %s to become a healthy replica of the new primary", node.InstanceID)
		return started(in, step, ActionNone)
	}
	if in.Paused {
		return dropped(in)
	}
	return started(in, step, ActionHandOff)
}

// planBake watches the canary: every gate must keep holding for bakeTime. A gate that fails during the
// bake fails the rollout.
func planBake(in Input, step *v1.StepStatus) Decision {
	if r, failed := health.FirstFailure(in.Cluster.AllGates()); failed {
		return fail(in, step, v1.ReasonGateFailedDuringBake, "a gate failed while the canary baked: "+gateMessage(r))
	}
	bake := in.Spec.Strategy.Canary.BakeTimeOrDefault()
	if elapsed := in.Now.Sub(step.StartedAt.Time); elapsed < bake {
		d := started(in, step, ActionNone)
		d.RequeueAfter = min(in.Timings.Transition, bake-elapsed)
		return d
	}
	return doneWithRecord(in, step, func(r *v1.RolloutRecord) { r.CanaryBakedAt = ptrTime(in.Now) })
}

func planCleanup(in Input, step *v1.StepStatus) Decision {
	if !step.ActionTaken {
		return started(in, step, ActionCleanup)
	}
	return doneWithRecord(in, step, func(r *v1.RolloutRecord) { r.CleanedUpAt = ptrTime(in.Now) })
}

func planReplace(in Input, step *v1.StepStatus) Decision {
	old, present := in.Cluster.Node(step.InstanceID)
	if !step.ActionTaken {
		if present && !old.Leaving() {
			if in.Paused {
				return dropped(in)
			}
			return started(in, step, ActionTerminate)
		}
		// The termination went through but the controller stopped before recording it.
		step.ActionTaken = true
	}
	if d, ready := awaitReplacement(in, step); !ready {
		return d
	}
	return done(in, step)
}

// planSurge launches the replacement before the old node goes: raise the group by one, wait for the new
// node to be healthy for stableFor, terminate the old node with a decrement, put the max size back. Each
// action is chosen from what is observed, so a repeated reconcile never raises or terminates twice.
func planSurge(in Input, step *v1.StepStatus) Decision {
	group, _ := in.Cluster.Group(step.Group)
	old, present := in.Cluster.Node(step.InstanceID)
	original := step.OriginalCapacity
	if original == nil {
		original = &v1.GroupCapacity{Desired: int32(group.Desired), Max: int32(group.Max)}
	}
	if present && !old.Leaving() {
		if !step.ActionTaken && group.Desired <= int64(original.Desired) {
			if in.Paused {
				return dropped(in)
			}
			return started(in, step, ActionSurge)
		}
		step.ActionTaken = true
		if d, ready := awaitReplacement(in, step); !ready {
			return d
		}
		step.Message = fmt.Sprintf("replacement %s is healthy; removing %s", step.ReplacementInstanceID, step.InstanceID)
		return started(in, step, ActionTerminateWithDecrement)
	}
	if group.Max > int64(original.Max) {
		step.Message = fmt.Sprintf("putting the max size of %s back to %d", step.Group, original.Max)
		return started(in, step, ActionRestoreCapacity)
	}
	return done(in, step)
}

// awaitReplacement waits for the step's replacement node to be healthy for stableFor. It returns the
// waiting decision, or ready.
func awaitReplacement(in Input, step *v1.StepStatus) (Decision, bool) {
	replacement, found := replacementFor(in.Cluster, step)
	if !found {
		step.Message = fmt.Sprintf("waiting for %s to launch a replacement for %s", step.Group, step.InstanceID)
		step.HealthySince = nil
		return started(in, step, ActionNone), false
	}
	step.ReplacementInstanceID = replacement.InstanceID
	if !replacement.Healthy() {
		step.HealthySince = nil
		step.Message = fmt.Sprintf("waiting for replacement %s to be healthy: %s", replacement.InstanceID, firstProblem(replacement))
		return started(in, step, ActionNone), false
	}
	if step.HealthySince == nil {
		step.HealthySince = ptrTime(in.Now)
	}
	stableFor := in.Spec.Health.StableForOrDefault()
	if held := in.Now.Sub(step.HealthySince.Time); held < stableFor {
		step.Message = fmt.Sprintf("replacement %s is healthy; holding for %s (%s so far)", replacement.InstanceID, stableFor, held.Round(time.Second))
		d := started(in, step, ActionNone)
		d.RequeueAfter = min(in.Timings.Transition, stableFor-held)
		return d, false
	}
	return Decision{}, true
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
