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

// setKstatusConditions mirrors the phase as the two conditions kstatus-based tools (kubectl wait, Flux,
// Argo CD's generic health) read. Reconciling: work toward the goal is under way, including waiting for a
// gate to hold again (a wait ends by itself). Stalled: the rollout cannot go on without a change from the
// user (a bad target, a failed goal). A rollback in progress is degraded but still moving: Reconciling.
func setKstatusConditions(policy *remediationv1alpha1.RemediationPolicy) {
	conds := policy.Status.Conditions
	progressing := meta.IsStatusConditionTrue(conds, remediationv1alpha1.ConditionProgressing)
	degraded := meta.IsStatusConditionTrue(conds, remediationv1alpha1.ConditionDegraded)
	waiting := policy.Status.Phase == remediationv1alpha1.PhaseBlocked && !degraded
	switch {
	case progressing:
		mirrorCondition(policy, remediationv1alpha1.ConditionReconciling, remediationv1alpha1.ConditionProgressing)
	case waiting:
		mirrorCondition(policy, remediationv1alpha1.ConditionReconciling, remediationv1alpha1.ConditionReady)
	default:
		meta.RemoveStatusCondition(&policy.Status.Conditions, remediationv1alpha1.ConditionReconciling)
	}
	if degraded && !progressing {
		mirrorCondition(policy, remediationv1alpha1.ConditionStalled, remediationv1alpha1.ConditionDegraded)
	} else {
		meta.RemoveStatusCondition(&policy.Status.Conditions, remediationv1alpha1.ConditionStalled)
	}
}

// mirrorCondition sets condType True with the reason and message of the condition it stands for.
func mirrorCondition(policy *remediationv1alpha1.RemediationPolicy, condType, of string) {
	source := meta.FindStatusCondition(policy.Status.Conditions, of)
	if source == nil {
		return
	}
	setCondition(policy, condType, metav1.ConditionTrue, source.Reason, source.Message)
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
