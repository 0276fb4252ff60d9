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

package controllers

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
)

// This file is the one place the status is written from: what an engine concluded (its Outcome, or a
// checkpoint's Progress) becomes the phase, the conditions, their kstatus mirrors, blockedBy, the ledger,
// the kubectl columns, and with them the transition events, the audit log lines of transitions and the
// metrics.

// applyProgress stores a checkpoint: the in-flight step with its phase, nothing blocking it while its call is
// made, and what the engine must not forget.
func applyProgress(policy *v1.RemediationPolicy, p rollout.Progress) {
	p.Carry(&policy.Status)
	policy.Status.BlockedBy = ""
	setSummary(policy)
}

// engineNotImplemented is the outcome for a target kind this build has no engine for.
func engineNotImplemented(policy *v1.RemediationPolicy) rollout.Outcome {
	return rollout.Outcome{Phase: v1.PhasePending, Reason: v1.ReasonEngineNotImplemented,
		Message: fmt.Sprintf("this controller build has no engine for %s targets; the policy is validated but nothing is touched", KindOf(policy.Spec.Target))}
}

// applyOutcome writes what a reconcile concluded into the status and emits the events, log lines and
// metrics of what changed since start, the policy as the reconcile found it (before any checkpoint).
func (r *RemediationPolicyReconciler) applyOutcome(ctx context.Context, policy, start *v1.RemediationPolicy, o rollout.Outcome, now time.Time) {
	st := &policy.Status
	defer setSummary(policy)
	defer recordPolicyMetrics(policy)
	if o.Transient {
		// An error retried with backoff: the phase and the rest of the status stay as they were.
		setCondition(policy, v1.ConditionReady, metav1.ConditionFalse, o.Reason, o.Message)
		return
	}
	previous := start
	o.Carry(st)
	if o.FailedTarget != nil {
		r.event(ctx, policy, corev1.EventTypeWarning, o.FailedTarget.Reason, "Fail", o.FailedTarget.Message)
	}
	st.BlockedBy = blockedBy(st, o)
	if window, err := rollout.MaintenanceWindow(policy.Spec, now); err == nil {
		st.Schedule = rollout.ScheduleStatus(window)
	}
	r.stepEvents(ctx, policy, previous.Status.CurrentStep, o, now)
	r.phaseEvents(ctx, policy, previous, o, now)
	setConditions(policy, o)
}

// blockedBy is the BLOCKED-BY column: the reason of a phase that waits for something, and for a gate,
// which one (GateBlocked:RedisReplicationLink), with no spaces so the column stays a single word. The
// sentence is in the Ready condition.
func blockedBy(st *v1.RemediationPolicyStatus, o rollout.Outcome) string {
	switch o.Phase {
	case v1.PhaseBlocked, v1.PhaseFailed, v1.PhasePaused, v1.PhaseRolledBack, v1.PhasePending:
	default:
		return ""
	}
	if o.Reason == v1.ReasonGateBlocked {
		for _, g := range st.Gates {
			if g.Status == metav1.ConditionFalse {
				return o.Reason + ":" + g.Name
			}
		}
	}
	return o.Reason
}

// stepEvents reports a step that finished and a step that started.
func (r *RemediationPolicyReconciler) stepEvents(ctx context.Context, policy *v1.RemediationPolicy, before *v1.StepStatus, o rollout.Outcome, now time.Time) {
	if c := o.Completed; c != nil {
		stepDuration.WithLabelValues(string(c.Type)).Observe(now.Sub(c.StartedAt.Time).Seconds())
		r.event(ctx, policy, corev1.EventTypeNormal, completedReason(c.Type), string(c.Type), c.Message)
		if c.Type == v1.StepReplaceNode || c.Type == v1.StepSurgeNode {
			r.callsFor(policy).replaced()
		}
	}
	s := o.Step
	if s == nil {
		return
	}
	if before == nil || before.Type != s.Type || before.InstanceID != s.InstanceID || before.Goal != s.Goal || before.Purpose != s.Purpose || !before.StartedAt.Equal(&s.StartedAt) {
		r.event(ctx, policy, corev1.EventTypeNormal, startedReason(s.Type), string(s.Type), s.Message)
		before = nil
	}
	if s.Type == v1.StepCleanup && s.RetryAt != nil && (before == nil || before.Message != s.Message) {
		// The rollout has succeeded (its phase says so); the cleanup AWS refused is said here, once per
		// distinct refusal, and tried again with backoff.
		r.event(ctx, policy, corev1.EventTypeWarning, "CleanupFailed", string(s.Type), s.Message+"; the rollout has succeeded, the cleanup is tried again with backoff")
	}
}

// phaseEvents reports the transitions of the phase (and of the pause), and counts rollouts by how they end.
func (r *RemediationPolicyReconciler) phaseEvents(ctx context.Context, policy *v1.RemediationPolicy, previous *v1.RemediationPolicy, o rollout.Outcome, now time.Time) {
	from, to := previous.Status.Phase, o.Phase
	ready := meta.FindStatusCondition(previous.Status.Conditions, v1.ConditionReady)
	if from != to {
		ctrl.LoggerFrom(ctx).Info("Phase changed", "from", from, "to", to, "reason", o.Reason, "message", o.Message)
		if from == v1.PhaseBlocked && ready != nil {
			blockedDuration.WithLabelValues(ready.Reason).Observe(now.Sub(ready.LastTransitionTime.Time).Seconds())
		}
	}
	switch {
	case to == v1.PhaseBlocked && (from != to || ready == nil || ready.Reason != o.Reason || ready.Message != o.Message):
		r.event(ctx, policy, corev1.EventTypeWarning, o.Reason, "Block", o.Message)
	case to == v1.PhaseSucceeded && from != to:
		goal := policy.Spec.Desired.Goal()
		policy.Status.LastGood = &goal
		r.event(ctx, policy, corev1.EventTypeNormal, "RolloutSucceeded", "Complete", o.Message)
		rolloutsTotal.WithLabelValues("succeeded").Inc()
	case to == v1.PhaseFailed && from != to:
		rolloutsTotal.WithLabelValues("failed").Inc()
	case to == v1.PhaseRollingBack && from != to:
		rolloutsTotal.WithLabelValues("rolling_back").Inc()
	case to == v1.PhaseRolledBack && from != to:
		r.event(ctx, policy, corev1.EventTypeWarning, v1.ReasonRolledBack, "Rollback", o.Message)
		rolloutsTotal.WithLabelValues("rolled_back").Inc()
	}
	switch waiting, wasWaiting := o.Reason == v1.ReasonOutsideMaintenanceWindow, ready != nil && ready.Reason == v1.ReasonOutsideMaintenanceWindow; {
	case waiting && !wasWaiting:
		r.event(ctx, policy, corev1.EventTypeNormal, v1.ReasonOutsideMaintenanceWindow, "Wait", o.Message)
	case !waiting && wasWaiting && o.Phase != v1.PhasePaused:
		r.event(ctx, policy, corev1.EventTypeNormal, "WindowOpened", "Resume", "a maintenance window is open: the rollout goes on")
	}
	wasPaused := meta.IsStatusConditionTrue(previous.Status.Conditions, v1.ConditionPaused)
	switch paused, by := policy.IsPaused(); {
	case paused && !wasPaused:
		r.event(ctx, policy, corev1.EventTypeNormal, "Paused", "Pause", fmt.Sprintf("paused (%s): no new step starts; a replacement in flight is watched to its end", by))
	case !paused && wasPaused:
		r.event(ctx, policy, corev1.EventTypeNormal, "Resumed", "Resume", "resumed: the rollout goes on from where it stopped")
	}
}

// setConditions sets Ready, Progressing and Degraded from the outcome.
func setConditions(policy *v1.RemediationPolicy, o rollout.Outcome) {
	ready := metav1.ConditionFalse
	if o.Phase == v1.PhaseSucceeded {
		ready = metav1.ConditionTrue
	}
	setCondition(policy, v1.ConditionReady, ready, o.Reason, o.Message)
	if o.Phase == v1.PhaseProgressing || o.Phase == v1.PhaseRollingBack {
		setCondition(policy, v1.ConditionProgressing, metav1.ConditionTrue, o.Reason, o.Message)
	} else {
		setCondition(policy, v1.ConditionProgressing, metav1.ConditionFalse, o.Reason, "no step is in flight")
	}
	switch f := policy.Status.FailedTarget; {
	case o.Degraded || o.Phase == v1.PhaseFailed:
		setCondition(policy, v1.ConditionDegraded, metav1.ConditionTrue, o.Reason, o.Message)
	case (o.Phase == v1.PhaseRollingBack || o.Phase == v1.PhaseRolledBack) && f != nil:
		// The rollback is the consequence; Degraded says what failed.
		setCondition(policy, v1.ConditionDegraded, metav1.ConditionTrue, f.Reason, fmt.Sprintf("%s failed: %s", f.Goal, f.Message))
	default:
		setCondition(policy, v1.ConditionDegraded, metav1.ConditionFalse, v1.ReasonAsExpected, "nothing has failed")
	}
}

// setSummary fills the fields derived from the rest of the status: the target column, the Paused condition
// and the kstatus mirrors (Reconciling, Stalled).
func setSummary(policy *v1.RemediationPolicy) {
	policy.Status.Target = policy.Spec.Target.Summary()
	setPausedCondition(policy)
	setKstatusConditions(policy)
}

func setPausedCondition(policy *v1.RemediationPolicy) {
	paused, reason := policy.IsPaused()
	switch {
	case paused && reason == v1.ReasonPausedBySpec:
		setCondition(policy, v1.ConditionPaused, metav1.ConditionTrue, reason, "spec.paused is true: no new step starts")
	case paused:
		setCondition(policy, v1.ConditionPaused, metav1.ConditionTrue, reason, fmt.Sprintf("annotation %s=true: no new step starts", v1.AnnotationPaused))
	default:
		setCondition(policy, v1.ConditionPaused, metav1.ConditionFalse, reason, "the policy is not paused")
	}
}

// setKstatusConditions mirrors the phase as the two conditions kstatus-based tools (kubectl wait, Flux,
// Argo CD's generic health) read. Reconciling: work toward the goal is under way, including waiting for a
// gate to hold again (a wait ends by itself). Stalled: the rollout cannot go on without a change from the
// user (a bad target, a failed goal). A rollback in progress is degraded but still moving: Reconciling.
func setKstatusConditions(policy *v1.RemediationPolicy) {
	conds := policy.Status.Conditions
	progressing := meta.IsStatusConditionTrue(conds, v1.ConditionProgressing) ||
		(policy.Status.CurrentStep != nil && (policy.Status.Phase == v1.PhaseProgressing || policy.Status.Phase == v1.PhaseRollingBack))
	degraded := meta.IsStatusConditionTrue(conds, v1.ConditionDegraded)
	waiting := policy.Status.Phase == v1.PhaseBlocked && !degraded
	switch {
	case progressing:
		mirrorCondition(policy, v1.ConditionReconciling, v1.ConditionProgressing)
	case waiting:
		mirrorCondition(policy, v1.ConditionReconciling, v1.ConditionReady)
	default:
		meta.RemoveStatusCondition(&policy.Status.Conditions, v1.ConditionReconciling)
	}
	if degraded && !progressing {
		mirrorCondition(policy, v1.ConditionStalled, v1.ConditionDegraded)
	} else {
		meta.RemoveStatusCondition(&policy.Status.Conditions, v1.ConditionStalled)
	}
}

// mirrorCondition sets condType True with the reason and message of the condition it stands for.
func mirrorCondition(policy *v1.RemediationPolicy, condType, of string) {
	source := meta.FindStatusCondition(policy.Status.Conditions, of)
	if source == nil {
		return
	}
	setCondition(policy, condType, metav1.ConditionTrue, source.Reason, source.Message)
}

func setCondition(policy *v1.RemediationPolicy, condType string, status metav1.ConditionStatus, reason, message string) {
	if reason == "" {
		reason = v1.ReasonAsExpected
	}
	meta.SetStatusCondition(&policy.Status.Conditions, metav1.Condition{
		Type: condType, Status: status, Reason: reason, Message: message, ObservedGeneration: policy.Generation,
	})
}

func statusEqual(a, b *v1.RemediationPolicy) bool {
	return equality.Semantic.DeepEqual(a.Status, b.Status)
}

// event records an event and writes the same to the log, which outlives events.
func (r *RemediationPolicyReconciler) event(ctx context.Context, policy *v1.RemediationPolicy, eventType, reason, action, note string) {
	ctrl.LoggerFrom(ctx).Info("Event", "type", eventType, "reason", reason, "action", action, "note", note)
	if r.Recorder != nil {
		r.Recorder.Eventf(policy, nil, eventType, reason, action, "%s", note)
	}
}

// startedReason is the event reason for starting a step.
func startedReason(t v1.StepType) string {
	switch t {
	case v1.StepPrepareLaunchTemplate:
		return "PreparingLaunchTemplate"
	case v1.StepHandOffPrimary:
		return "HandingOffPrimary"
	}
	return fmt.Sprintf("%sStarted", t)
}

// completedReason is the event reason for a step that finished.
func completedReason(t v1.StepType) string {
	switch t {
	case v1.StepPrepareLaunchTemplate:
		return "LaunchTemplatePrepared"
	case v1.StepHandOffPrimary:
		return "PrimaryHandedOff"
	case v1.StepBake:
		return "CanaryBaked"
	case v1.StepCleanup:
		return "CleanedUp"
	case v1.StepReplaceNode, v1.StepSurgeNode:
		return "NodeReplaced"
	}
	return fmt.Sprintf("%sCompleted", t)
}
