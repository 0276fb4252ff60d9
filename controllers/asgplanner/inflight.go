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
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/asgobservation"
	"github.com/cache-remediator/cache-remediator/controllers/health"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
)

// planInFlight watches the in-flight step: it finishes it, acts again (every action is idempotent), fails
// it past its deadline, or waits. A paused policy still watches an in-flight replacement to completion.
func planInFlight(in Input) Decision {
	step := in.Step.DeepCopy()
	in.goal, in.purpose = step.Goal, step.Purpose
	if step.ASG != nil && step.ASG.Unwinding {
		return unwindSurge(in, step)
	}
	if alarm, fired := rollout.FiredAlarm(in.Cluster.ClusterGates); fired && watchesAlarms(step) {
		message := fmt.Sprintf("a CloudWatch alarm went into ALARM during %s of %s: %s", step.Type, rollout.OrCluster(step.InstanceID), alarm.Message)
		if step.Type == v1.StepSurgeNode && step.ASG != nil && step.ASG.OriginalCapacity != nil {
			return startUnwinding(in, step, v1.ReasonAlarmFired, message)
		}
		return fail(in, step, v1.ReasonAlarmFired, message)
	}
	// nodeTimeout bounds replacements (and a primary's hand-off before one); a bake has its own length and a
	// cleanup never fails a rollout.
	if bounded(step.Type) && in.Now.Sub(step.StartedAt.Time) > in.Spec.Health.NodeTimeoutOrDefault() {
		message := fmt.Sprintf("%s of %s did not finish within nodeTimeout %s: %s", step.Type, rollout.OrCluster(step.InstanceID), in.Spec.Health.NodeTimeoutOrDefault(), step.Message)
		if step.Type == v1.StepSurgeNode && step.ASG != nil && step.ASG.OriginalCapacity != nil {
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

func bounded(t v1.StepType) bool {
	return t == v1.StepReplaceNode || t == v1.StepSurgeNode || t == v1.StepHandOffPrimary
}

// watchesAlarms says whether a CloudWatch alarm that fires during the step fails the rollout: during a
// replacement (and the hand-off before one) and the canary's bake, the new AMI or type is what set it off.
// Preparing a template or cleaning up changes no node, and a rollback is the answer to an alarm.
func watchesAlarms(step *v1.StepStatus) bool {
	return step.Purpose == v1.PurposeRollout && (bounded(step.Type) || step.Type == v1.StepBake)
}

// holdsBack says whether no action may start now that nothing is half-way: the policy is paused, being
// deleted, or outside its maintenance windows.
func (in Input) holdsBack() bool {
	return in.Paused || in.Stopping || (in.Window != nil && !in.Window.Open)
}

// started is the decision that keeps a step in flight and, with an action, acts on it.
func started(in Input, step *v1.StepStatus, action Action) Decision {
	phase, reason := rollout.Moving(step.Purpose)
	d := Decision{Action: action, Step: step, Phase: phase, Reason: reason, Message: step.Message, RequeueAfter: in.Timings.Transition}
	if action.completesAtOnce() {
		d.RequeueAfter = in.Timings.Transition / 10
	}
	return d
}

// act issues a step's action, unless AWS refused it and its backoff has not run out: then the policy stays
// Blocked, saying why, until step.retryAt.
func act(in Input, step *v1.StepStatus, action Action) Decision {
	if step.RetryAt == nil || !in.Now.Before(step.RetryAt.Time) {
		return started(in, step, action)
	}
	d := started(in, step, ActionNone)
	d.RequeueAfter = step.RetryAt.Sub(in.Now)
	d.Phase, d.Reason, d.Message = v1.PhaseBlocked, v1.ReasonAWSError, step.Message
	if step.Type == v1.StepCleanup {
		// Every node is on the goal and healthy: a cleanup AWS refuses never fails or holds up the rollout.
		phase, reason, message := arrival(in, len(in.Cluster.Serving()))
		d.Phase, d.Reason = phase, reason
		d.Message = fmt.Sprintf("%s; the cleanup of what the rollout created is tried again at %s: %s", message, step.RetryAt.UTC().Format(time.RFC3339), step.Message)
	}
	return d
}

// completesAtOnce says whether the action's effect is there as soon as AWS answers (a launch template
// version, a group's settings, deleted versions) or within a second (Sentinel's promotion, a demoted
// primary's sync): the step is looked at again right away instead of after a polling interval, which a
// node's launch needs but these do not. Looking early costs no extra call; after a Sentinel failover it
// matters, since the old primary holds its writes until the next look demotes it.
func (a Action) completesAtOnce() bool {
	return a == ActionPrepareLaunchTemplate || a == ActionCleanup || a == ActionRestoreCapacity || a == ActionSentinelFailover || a == ActionDemoteOldPrimary
}

// done finishes the step and plans the next one on the same observation.
func done(in Input, step *v1.StepStatus) Decision {
	next := in
	next.Step = nil
	d := Plan(next)
	d.Completed = step
	return d
}

// dropped forgets a step that is safe to stop at (its action never happened, or it has nothing half-way)
// when the policy is paused or being deleted: no new action starts.
func dropped(in Input) Decision {
	next := in
	next.Step = nil
	return Plan(next)
}

// fail ends the step as a failure. A rollout's failure records the goal as failed, and then the plan rolls
// back or halts; a rollback's failure halts.
func fail(in Input, step *v1.StepStatus, reason, message string) Decision {
	failed := rollout.Failure(step, in.Generation, in.FailedTarget, reason, message, in.Now)
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
	failed := rollout.Failure(step, in.Generation, in.FailedTarget, reason, message, in.Now)
	in.FailedTarget = failed
	step.ASG.Unwinding = true
	d := unwindSurge(in, step)
	d.FailedTarget = failed
	return d
}

// unwindSurge takes a failed surge back, one action per reconcile: remove the extra node, or put the
// desired capacity back if it never launched, then the max size. The old node was never touched. Once the
// group is as it was, the failure is acted on like any other: a rollback, or a halt.
func unwindSurge(in Input, step *v1.StepStatus) Decision {
	group, _ := in.Cluster.Group(step.Group)
	original := step.ASG.OriginalCapacity
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
	d := act(in, step, action)
	if d.Phase == v1.PhaseBlocked {
		return d
	}
	d.Phase, d.Reason = v1.PhaseFailed, in.FailedTarget.Reason
	if dir := rollout.Retarget(in.Spec, in.Generation, in.FailedTarget, in.LastGood); dir.Halted == nil && dir.Purpose == v1.PurposeRollback {
		d.Phase = v1.PhaseRollingBack
	}
	if action == ActionNone {
		d.RequeueAfter = in.Timings.Transition
	}
	return d
}

func planPrepare(in Input, step *v1.StepStatus) Decision {
	if len(in.Cluster.GroupsNotLaunching(step.Goal)) == 0 {
		return done(in, step)
	}
	if in.holdsBack() {
		// Nothing is half-way: a group either launches the goal already or still launches what it did.
		return dropped(in)
	}
	// Not there yet (a crash between creating the version and pointing the groups, or a retry): again.
	return act(in, step, ActionPrepareLaunchTemplate)
}

// planHandOff watches a primary's hand-off: FAILOVER issued, the old primary a healthy replica of the new
// one, the other replicas re-pointed, and only then its replacement. A hand-off Redis aborted (the chosen
// replica did not catch up in time) is issued again, a bounded number of times; the old primary is never
// terminated while it is the primary.
func planHandOff(in Input, step *v1.StepStatus) Decision {
	if in.Spec.Health.RedisSentinel() != nil {
		return planSentinelHandOff(in, step)
	}
	c := in.Cluster
	node, ok := c.Node(step.InstanceID)
	if !ok || node.Leaving() {
		// The node went away on its own; nothing left to hand off or replace.
		return done(in, step)
	}
	if primary, hasPrimary := c.Primary(); hasPrimary && primary.InstanceID != node.InstanceID && node.Role() == v1.RoleReplica && node.Healthy() && node.Redis.MasterHost == primary.PrivateIP {
		if stray := c.ReplicasNotFollowingPrimary(); len(stray) > 0 {
			// FAILOVER moved the role; the other replicas still follow the old primary. Re-point them.
			step.Message = fmt.Sprintf("re-pointing replica %s at the new primary %s", stray[0].InstanceID, primary.InstanceID)
			return act(in, step, ActionHandOff)
		}
		step.Message = fmt.Sprintf("handed the primary role from %s to %s", node.InstanceID, primary.InstanceID)
		if in.holdsBack() {
			// The hand-off is complete and safe to stop at; replacing the node would be a new step.
			return done(in, step)
		}
		d := replace(in, node, "former primary, "+node.Zone)
		d.Completed = step
		return d
	}
	if node.Role() != v1.RolePrimary || (step.ActionTaken && node.Redis.FailoverRunning()) {
		step.Message = fmt.Sprintf("waiting for %s to become a healthy replica of the new primary", node.InstanceID)
		return started(in, step, ActionNone)
	}
	// The node is still the primary, and no FAILOVER runs: not issued yet, or Redis aborted it.
	if in.holdsBack() {
		return dropped(in)
	}
	aborted := step.ActionTaken
	if aborted && step.Attempts >= MaxHandOffAttempts {
		return fail(in, step, v1.ReasonHandOffFailed, fmt.Sprintf("Redis aborted the hand-off of the primary role from %s %d times; the primary was not touched", node.InstanceID, step.Attempts))
	}
	if target, ok := c.Node(step.HandOffTo); !ok || target.Role() != v1.RoleReplica || !target.Healthy() {
		target, ok = HandOffTarget(c, node.InstanceID)
		if !ok {
			d := started(in, step, ActionNone)
			d.Phase, d.Reason, d.RequeueAfter = v1.PhaseBlocked, v1.ReasonGateBlocked, in.Timings.Blocked
			d.Message = fmt.Sprintf("primary %s is outdated but no healthy replica can take over its role", node.InstanceID)
			return d
		}
		step.HandOffTo = target.InstanceID
	}
	if !aborted {
		return act(in, step, ActionHandOff)
	}
	step.Message = fmt.Sprintf("Redis aborted the hand-off of the primary role from %s (the replica did not catch up in time); trying again with %s (attempt %d of %d)",
		node.InstanceID, step.HandOffTo, step.Attempts+1, MaxHandOffAttempts)
	d := act(in, step, ActionHandOff)
	if d.Action != ActionNone {
		d.Reason, d.Message = v1.ReasonHandOffAborted, step.Message
	}
	return d
}

// planBake watches the canary: every gate must keep holding for bakeTime. A gate that fails during the
// bake fails the rollout. The CloudWatch alarms are watched apart (planInFlight): one in ALARM fails the
// rollout; one that cannot vouch for the cluster (INSUFFICIENT_DATA) does not.
func planBake(in Input, step *v1.StepStatus) Decision {
	gates := slices.DeleteFunc(in.Cluster.AllGates(), func(r health.Result) bool { return r.Gate == health.GateCloudWatchAlarms })
	if r, failed := health.FirstFailure(gates); failed {
		return fail(in, step, v1.ReasonGateFailedDuringBake, "a gate failed while the canary baked: "+rollout.GateMessage(r))
	}
	if in.Stopping {
		return dropped(in)
	}
	bake := in.Spec.Strategy.Canary.BakeTimeOrDefault()
	if elapsed := in.Now.Sub(step.StartedAt.Time); elapsed < bake {
		d := started(in, step, ActionNone)
		d.RequeueAfter = min(in.Timings.Transition, bake-elapsed)
		return d
	}
	step.Message = fmt.Sprintf("the canary on %s held every gate for its bake of %s; rolling out the rest", step.Goal, bake)
	record := rollout.Baked(in.Record, step.Goal, in.Now)
	in.Record = record
	d := done(in, step)
	d.Record = record
	return d
}

// planCleanup runs the cleanup once. A cleanup AWS refuses is tried again with backoff (see act); it never
// fails the rollout, whose nodes are all on the goal and healthy.
func planCleanup(in Input, step *v1.StepStatus) Decision {
	if step.ActionTaken {
		in.CleanupDue = false
		d := done(in, step)
		d.CleanedUp = true
		return d
	}
	if in.Stopping {
		return dropped(in)
	}
	return act(in, step, ActionCleanup)
}

func planReplace(in Input, step *v1.StepStatus) Decision {
	old, present := in.Cluster.Node(step.InstanceID)
	if !step.ActionTaken {
		if present && !old.Leaving() {
			if in.holdsBack() {
				return dropped(in)
			}
			if _, clear := replicaToRemove(in, step.DeepCopy(), old); !clear {
				// Nothing happened yet: the step is dropped, and the plan starts over from the roles as they
				// are now (replicas first, the primary handed off and replaced last).
				return dropped(in)
			}
			return act(in, step, ActionTerminate)
		}
		// The termination went through but the controller stopped before recording it.
		step.ActionTaken = true
	}
	if d, ready := awaitReplacement(in, step); !ready {
		return d
	}
	return replaced(in, step)
}

// replaced finishes a replacement, and records how long it took from the step's start to the replacement
// healthy when it was the fastest yet (see awaitReplacement).
func replaced(in Input, step *v1.StepStatus) Decision {
	step.Message = fmt.Sprintf("%s replaced %s in %s and is healthy on %s", step.ReplacementInstanceID, step.InstanceID, step.Zone, step.Goal)
	var record *v1.RolloutRecord
	if step.HealthySince != nil {
		record = rollout.Replaced(in.Record, step.Goal, step.HealthySince.Sub(step.StartedAt.Time))
		if before := recordedFastest(in.Record, step.Goal); before != nil && *before == *record.FastestReplacement {
			record = nil // no change to write
		} else {
			in.Record = record
		}
	}
	d := done(in, step)
	if record != nil {
		d.Record = record
	}
	return d
}

// recordedFastest is the record's fastest replacement for goal, if any.
func recordedFastest(record *v1.RolloutRecord, goal v1.ImageAndType) *metav1.Duration {
	if record == nil || record.Goal != goal {
		return nil
	}
	return record.FastestReplacement
}

// planSurge launches the replacement before the old node goes: raise the group by one, wait for the new
// node to be healthy for stableFor, terminate the old node with a decrement, put the max size back. Each
// action is chosen from what is observed, so a repeated reconcile never raises or terminates twice.
func planSurge(in Input, step *v1.StepStatus) Decision {
	group, _ := in.Cluster.Group(step.Group)
	old, present := in.Cluster.Node(step.InstanceID)
	original := step.ASG.OriginalCapacity
	if original == nil {
		original = &v1.GroupCapacity{Desired: int32(group.Desired), Max: int32(group.Max)}
	}
	if present && !old.Leaving() {
		if !step.ActionTaken && group.Desired <= int64(original.Desired) {
			if in.holdsBack() {
				return dropped(in)
			}
			return act(in, step, ActionSurge)
		}
		step.ActionTaken = true
		if d, ready := awaitReplacement(in, step); !ready {
			return d
		}
		if d, clear := replicaToRemove(in, step, old); !clear {
			return d
		}
		step.Message = fmt.Sprintf("replacement %s is healthy; removing %s", step.ReplacementInstanceID, step.InstanceID)
		return act(in, step, ActionTerminateWithDecrement)
	}
	if group.Max > int64(original.Max) {
		step.Message = fmt.Sprintf("putting the max size of %s back to %d", step.Group, original.Max)
		return act(in, step, ActionRestoreCapacity)
	}
	return replaced(in, step)
}

// awaitReplacement waits for the step's replacement node to be healthy for stableFor. It returns the
// waiting decision, or ready. A replacement that is InService but whose cache does not answer is Blocked,
// so that kubectl shows something is wrong; one still booting or syncing is simply waited for.
func awaitReplacement(in Input, step *v1.StepStatus) (Decision, bool) {
	replacement, found := replacementFor(in.Cluster, step)
	if !found {
		step.Message = fmt.Sprintf("waiting for %s to launch a replacement for %s", step.Group, step.InstanceID)
		step.HealthySince = nil
		d := started(in, step, ActionNone)
		d.RequeueAfter = lookAgain(in, step)
		return d, false
	}
	step.ReplacementInstanceID = replacement.InstanceID
	if !replacement.Healthy() {
		step.HealthySince = nil
		problem := firstProblem(replacement)
		step.Message = fmt.Sprintf("waiting for replacement %s to be healthy: %s", replacement.InstanceID, rollout.GateMessage(problem))
		d := started(in, step, ActionNone)
		d.RequeueAfter = lookAgain(in, step)
		if replacement.InService() && !problem.OK && unreachable(problem) {
			d.Phase, d.Reason = v1.PhaseBlocked, v1.ReasonReplacementUnhealthy
			d.Message = fmt.Sprintf("replacement %s is InService but %s; waiting for it (the step fails at %s)",
				replacement.InstanceID, rollout.GateMessage(problem), step.StartedAt.Add(in.Spec.Health.NodeTimeoutOrDefault()).UTC().Format(time.RFC3339))
		}
		return d, false
	}
	if step.HealthySince == nil {
		step.HealthySince = &metav1.Time{Time: in.Now}
	}
	stableFor := in.Spec.Health.StableForOrDefault()
	if held := in.Now.Sub(step.HealthySince.Time); held < stableFor {
		step.Message = fmt.Sprintf("replacement %s is healthy; holding for %s (%s so far)", replacement.InstanceID, stableFor, held.Round(time.Second))
		d := started(in, step, ActionNone)
		d.RequeueAfter = min(in.Timings.Transition, stableFor-held)
		return d, false
	}
	if sentinel := in.Cluster.SentinelMissing(replacement); sentinel != "" {
		// Until every Sentinel knows the new replica, a failover could not choose it: not done yet.
		step.Message = fmt.Sprintf("replacement %s is healthy; waiting for Sentinel %s to list it among the replicas of %s (Sentinel reads the primary's INFO every 10 s)",
			replacement.InstanceID, sentinel, in.Spec.Health.RedisSentinel().MasterName)
		return started(in, step, ActionNone), false
	}
	return Decision{}, true
}

// lookAgain is when to look at a replacement that is not healthy yet. Until one replacement of the rollout
// has been seen healthy, every Transition. After, the next one is expected when the fastest one was
// healthy (counted from its step's start, both on the controller's clock): the controller sleeps until a
// quarter Transition before that, looks every tenth of a Transition until a Transition after it, and then
// every Transition again. A replacement that boots like the others is seen within a tenth of a Transition
// of being healthy, for a few calls instead of a poll every Transition while it boots; and since each is
// seen sooner than the last, the expectation converges on the real boot time.
func lookAgain(in Input, step *v1.StepStatus) time.Duration {
	fastest := recordedFastest(in.Record, step.Goal)
	if fastest == nil {
		return in.Timings.Transition
	}
	expected := step.StartedAt.Add(fastest.Duration)
	switch {
	case in.Now.Before(expected.Add(-in.Timings.Transition / 4)):
		return expected.Add(-in.Timings.Transition / 4).Sub(in.Now)
	case in.Now.Before(expected.Add(in.Timings.Transition)):
		return in.Timings.Transition / 10
	}
	return in.Timings.Transition
}

// unreachable says whether a gate failed because the node's cache does not answer at all (rather than
// being busy loading, syncing or warming up).
func unreachable(r health.Result) bool {
	return r.Gate == health.GateRedisReachable || (r.Gate == health.GateHTTPStatus && (r.Reason == "Unreachable" || r.Reason == "NotOK" || r.Reason == "Unhealthy"))
}

// replacementFor finds the node launched for the step: a serving node of the step's group launched after
// the newest instance the group had when the step started. Launch times are compared only with each other
// (both are AWS's), so the controller's clock does not matter.
func replacementFor(c *asgobservation.Cluster, step *v1.StepStatus) (asgobservation.Node, bool) {
	if step.ReplacementInstanceID != "" {
		if n, ok := c.Node(step.ReplacementInstanceID); ok && !n.Leaving() {
			return n, true
		}
	}
	var after time.Time
	if step.ASG != nil && step.ASG.LaunchedAfter != nil {
		after = step.ASG.LaunchedAfter.Time
	}
	var best asgobservation.Node
	found := false
	for _, n := range c.GroupNodes(step.Group) {
		if n.InstanceID == step.InstanceID || !n.LaunchedAt.After(after) {
			continue
		}
		if !found || n.LaunchedAt.After(best.LaunchedAt) {
			best, found = n, true
		}
	}
	return best, found
}

func firstProblem(n asgobservation.Node) health.Result {
	if r, failed := health.FirstFailure(n.Gates); failed {
		return r
	}
	return health.Result{Gate: health.GateInService, InstanceID: n.InstanceID, Message: "not InService"}
}

// replicaToRemove says whether the step's node may be terminated now as far as the Redis roles go: it was
// chosen as a replica, but a failover nobody planned (Sentinel, an operator, the crash of the primary) can
// have made it the primary since, while the step waited for its replacement or the controller was down
// between recording the step and acting. A primary is never terminated: its role is handed off first,
// within the step, the way a primary's hand-off does it (FAILOVER TO the most caught-up healthy replica,
// then the other replicas re-pointed), and the node goes only once the cluster has one primary that every
// replica follows. Where Sentinel watches the nodes the step waits for Sentinel, which owns the role; it
// fails at nodeTimeout if the role never moves.
func replicaToRemove(in Input, step *v1.StepStatus, old asgobservation.Node) (Decision, bool) {
	if in.Spec.Health.Redis == nil {
		return Decision{}, true // no Redis gates: roles are not observed
	}
	c := in.Cluster
	primary, hasPrimary := c.Primary()
	wait := func(message string) (Decision, bool) {
		step.Message = message
		d := started(in, step, ActionNone)
		d.Phase, d.Reason, d.RequeueAfter = v1.PhaseBlocked, v1.ReasonGateBlocked, in.Timings.Blocked
		return d, false
	}
	switch {
	case old.Role() == v1.RolePrimary:
		if old.Redis.FailoverRunning() {
			return wait(fmt.Sprintf("%s became the primary since the step started; waiting for the hand-off of its role to finish before removing it", old.InstanceID))
		}
		if in.Spec.Health.RedisSentinel() != nil {
			return wait(fmt.Sprintf("%s became the primary since the step started; waiting for Sentinel to move its role before removing it", old.InstanceID))
		}
		// The step's own replacement, on the goal, takes the role when it can: the role then needs no
		// further hand-off, as when the primary goes last. FAILOVER TO waits for it to catch up.
		target, ok := HandOffTarget(c, old.InstanceID)
		if r, found := c.Node(step.ReplacementInstanceID); found && !r.Leaving() && r.Role() == v1.RoleReplica && r.Healthy() {
			target, ok = r, true
		}
		if !ok {
			return wait(fmt.Sprintf("%s became the primary since the step started, and no healthy replica can take over its role; it is not removed", old.InstanceID))
		}
		step.HandOffTo = target.InstanceID
		step.Message = fmt.Sprintf("%s became the primary since the step started (a failover nobody planned); moving its role to %s before removing it",
			old.InstanceID, target.InstanceID)
		return act(in, step, ActionHandOff), false
	case !hasPrimary:
		return wait(fmt.Sprintf("the cluster has no single primary; %s is not removed until it has one", old.InstanceID))
	}
	if stray := c.ReplicasNotFollowingPrimary(); len(stray) > 0 {
		if in.Spec.Health.RedisSentinel() != nil {
			return wait(fmt.Sprintf("replica %s does not follow the primary %s yet; waiting for Sentinel to re-point it before removing %s", stray[0].InstanceID, primary.InstanceID, old.InstanceID))
		}
		step.Message = fmt.Sprintf("re-pointing replica %s at the primary %s before removing %s", stray[0].InstanceID, primary.InstanceID, old.InstanceID)
		return act(in, step, ActionHandOff), false
	}
	return Decision{}, true
}
