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

package rollout

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
)

// Direction is where a plan goes: toward spec.desired, back to lastGood, or nowhere (halted).
type Direction struct {
	Goal    v1.ImageAndType
	Purpose v1.StepPurpose
	// Halted is set when the goal failed and nothing more is done until the spec changes or the user asks
	// for a retry: the phase, reason and message to report.
	Halted *Halt
}

// Halt is a failed goal the controller does not act on again.
type Halt struct {
	Phase   v1.Phase
	Reason  string
	Message string
}

// Retarget points a plan at spec.desired, or at lastGood when spec.desired failed at this generation and
// the spec asks for rollback. A failed goal without rollback (or whose rollback failed too) halts: it is not
// retried until the spec changes or the retry annotation is set, so a crash-looping AMI does not get to
// replace the nodes one after another.
func Retarget(spec v1.RemediationPolicySpec, generation int64, failed *v1.FailedTarget, lastGood *v1.ImageAndType) Direction {
	goal := spec.Desired.Goal()
	d := Direction{Goal: goal, Purpose: v1.PurposeRollout}
	if failed == nil || failed.Goal != goal || failed.Generation != generation {
		return d
	}
	if !failed.RollbackFailed && spec.Strategy.RollbackOnFailure && lastGood != nil && *lastGood != goal {
		return Direction{Goal: *lastGood, Purpose: v1.PurposeRollback}
	}
	what := "failed"
	if failed.RollbackFailed {
		what = "failed and so did the rollback to the last good AMI and type"
	}
	d.Halted = &Halt{Phase: v1.PhaseFailed, Reason: failed.Reason,
		Message: fmt.Sprintf("%s %s: %s; change the spec or set the %s annotation to try again", goal, what, failed.Message, v1.AnnotationRetry)}
	return d
}

// Failure is the failed target a step's failure records. A rollout's failure records its goal; a
// rollback's failure keeps the original failure and says the rollback failed too, which halts.
func Failure(step *v1.StepStatus, generation int64, previous *v1.FailedTarget, reason, message string, now time.Time) *v1.FailedTarget {
	if step.Purpose == v1.PurposeRollback && previous != nil {
		f := previous.DeepCopy()
		f.RollbackFailed = true
		f.Message = truncate(fmt.Sprintf("%s; rolling back to %s failed too: %s", f.Message, step.Goal, message), 1024)
		return f
	}
	return &v1.FailedTarget{Goal: step.Goal, Generation: generation, Reason: reason, Message: truncate(message, 1024), FailedAt: &metav1.Time{Time: now}}
}

// Moving is the phase and reason of a step toward a purpose's goal.
func Moving(purpose v1.StepPurpose) (v1.Phase, string) {
	if purpose == v1.PurposeRollback {
		return v1.PhaseRollingBack, v1.ReasonRollingBack
	}
	return v1.PhaseProgressing, v1.ReasonRollingOut
}

// RetryRequested returns the value of the retry annotation when the user set one the controller has not
// acted on yet.
func RetryRequested(policy *v1.RemediationPolicy) (string, bool) {
	value := policy.Annotations[v1.AnnotationRetry]
	return value, value != "" && value != policy.Status.LastHandledRetry
}

// CanaryDone says whether the record shows the canary of the rollout toward goal baked.
func CanaryDone(record *v1.RolloutRecord, goal v1.ImageAndType) bool {
	return record != nil && record.Goal == goal && record.CanaryBakedAt != nil
}

// Record is the rollout record toward goal: a copy of record when it is about goal, else a new one.
func Record(record *v1.RolloutRecord, goal v1.ImageAndType) *v1.RolloutRecord {
	if record != nil && record.Goal == goal {
		return record.DeepCopy()
	}
	return &v1.RolloutRecord{Goal: goal}
}

// Baked is the record after the canary of the rollout toward goal baked at now.
func Baked(record *v1.RolloutRecord, goal v1.ImageAndType, now time.Time) *v1.RolloutRecord {
	r := Record(record, goal)
	r.CanaryBakedAt = &metav1.Time{Time: now}
	return r
}

// Replaced is the record after a node replacement of the rollout toward goal took took.
func Replaced(record *v1.RolloutRecord, goal v1.ImageAndType, took time.Duration) *v1.RolloutRecord {
	r := Record(record, goal)
	if r.FastestReplacement == nil || took < r.FastestReplacement.Duration {
		r.FastestReplacement = &metav1.Duration{Duration: took}
	}
	return r
}
