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

package controllers

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	remediationv1alpha1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
)

// setStatusSummary fills the fields derived from the rest of the status: the kubectl columns, the Paused
// condition and the kstatus mirrors (Reconciling, Stalled).
func setStatusSummary(policy *remediationv1alpha1.RemediationPolicy) {
	st := &policy.Status
	st.Target = policy.Spec.Target.Summary()
	st.Updated = fmt.Sprintf("%d/%d", st.UpdatedNodes, st.TotalNodes)
	setPausedCondition(policy)
	setKstatusConditions(policy)
}

// markPending reports a policy no engine acts on yet: accepted by admission, nothing observed.
func markPending(policy *remediationv1alpha1.RemediationPolicy) {
	st := &policy.Status
	st.Phase = remediationv1alpha1.PhasePending
	msg := "no remediation engine is enabled in this controller build; the policy is validated but no node is touched"
	setCondition(policy, remediationv1alpha1.ConditionReady, metav1.ConditionFalse, remediationv1alpha1.ReasonEngineNotImplemented, msg)
	setCondition(policy, remediationv1alpha1.ConditionProgressing, metav1.ConditionFalse, remediationv1alpha1.ReasonPending, "waiting for a remediation engine")
	setCondition(policy, remediationv1alpha1.ConditionDegraded, metav1.ConditionFalse, remediationv1alpha1.ReasonAsExpected, "nothing has failed")
	st.BlockedBy = remediationv1alpha1.ReasonEngineNotImplemented
}

func setPausedCondition(policy *remediationv1alpha1.RemediationPolicy) {
	paused, reason := policy.IsPaused()
	switch {
	case paused && reason == remediationv1alpha1.ReasonPausedBySpec:
		setCondition(policy, remediationv1alpha1.ConditionPaused, metav1.ConditionTrue, reason, "spec.paused is true: no new step starts")
	case paused:
		setCondition(policy, remediationv1alpha1.ConditionPaused, metav1.ConditionTrue, reason,
			fmt.Sprintf("annotation %s=true: no new step starts", remediationv1alpha1.AnnotationPaused))
	default:
		setCondition(policy, remediationv1alpha1.ConditionPaused, metav1.ConditionFalse, reason, "the policy is not paused")
	}
}

// setKstatusConditions mirrors Progressing as Reconciling and a halted, user-fixable state as Stalled, so
// that kstatus-based tools (kubectl wait, Flux, Argo CD's generic health) read the policy correctly.
func setKstatusConditions(policy *remediationv1alpha1.RemediationPolicy) {
	progressing := meta.FindStatusCondition(policy.Status.Conditions, remediationv1alpha1.ConditionProgressing)
	if progressing != nil && progressing.Status == metav1.ConditionTrue {
		setCondition(policy, remediationv1alpha1.ConditionReconciling, metav1.ConditionTrue, progressing.Reason, progressing.Message)
	} else {
		meta.RemoveStatusCondition(&policy.Status.Conditions, remediationv1alpha1.ConditionReconciling)
	}
	// Stalled: the rollout cannot go on without a change from the user (a bad target, a failed goal). A gate
	// that does not hold yet is a wait, not a stall.
	// A rollback in progress is degraded but still moving: Reconciling, not Stalled.
	if degraded := meta.FindStatusCondition(policy.Status.Conditions, remediationv1alpha1.ConditionDegraded); degraded != nil && degraded.Status == metav1.ConditionTrue &&
		(progressing == nil || progressing.Status != metav1.ConditionTrue) {
		setCondition(policy, remediationv1alpha1.ConditionStalled, metav1.ConditionTrue, degraded.Reason, degraded.Message)
	} else {
		meta.RemoveStatusCondition(&policy.Status.Conditions, remediationv1alpha1.ConditionStalled)
	}
}

func setCondition(policy *remediationv1alpha1.RemediationPolicy, condType string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&policy.Status.Conditions, metav1.Condition{
		Type:               condType,
		Status:             status,
		Reason:             reason,
		Message:            message,
		ObservedGeneration: policy.Generation,
	})
}

func statusEqual(a, b *remediationv1alpha1.RemediationPolicy) bool {
	return equality.Semantic.DeepEqual(a.Status, b.Status)
}
