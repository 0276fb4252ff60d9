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

// Package rollout is the rollout core every target kind's engine shares: the contract between the
// reconciler and an engine (Request, Outcome, Checkpoint), the timings and their jitter, the memory of how
// long gates have held, the rules of a failed goal (rollback to lastGood, the retry annotation), the
// conflict check keyed on target identity, the cache of validated targets, the delete path's "finish the
// in-flight step, then release", the audit log of every mutation and the Redis credentials of a policy.
// Nothing here knows Auto Scaling groups or ElastiCache.
package rollout

import (
	"context"
	"time"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
)

// Engine moves the clusters of one target kind. Reconcile observes the policy's target, decides one step,
// records it through the request's Checkpoint before its first mutation, acts, and says what it concluded.
// It never writes the policy's status: the reconciler derives the status from the Outcome, in one place.
type Engine interface {
	Reconcile(ctx context.Context, req Request) (Outcome, error)
}

// Request is one reconcile of one policy.
type Request struct {
	// Policy is a copy of the policy as the reconcile started: an engine reads it, and reports only through
	// its Outcome and the Checkpoint, so nothing it writes here is stored.
	Policy *v1.RemediationPolicy
	Now    time.Time
	// Stopping is set while the policy is being deleted: the in-flight step is watched to its end (never a
	// node left out of service), nothing new starts, and a step that can stop anywhere is dropped.
	Stopping bool
	// Checkpoint stores progress on the API server in the middle of the reconcile.
	Checkpoint Checkpoint
}

// Checkpoint stores the in-flight step (and what the engine must not forget should it die during the call)
// on the API server, before the step's mutation: a controller killed during the call resumes the step
// instead of starting another. The reconciler moves its patch baseline with it, so the reconcile's final
// status patch never drops or undoes what a checkpoint stored.
type Checkpoint func(ctx context.Context, p Progress) error

// Progress is what a checkpoint stores.
type Progress struct {
	// Phase is the step's phase, shown while its call is made (nothing blocks it).
	Phase v1.Phase
	Step  *v1.StepStatus
	// FailedTarget and Record, when set, are what the step's decision recorded (a failure a surge is being
	// taken back for, the canary's bake): the step depends on them, so they are stored with it.
	FailedTarget *v1.FailedTarget
	Record       *v1.RolloutRecord
	// ASG and ElastiCache replace the kind's own status when set.
	ASG         *v1.ASGStatus
	ElastiCache *v1.ElastiCacheStatus
}

// Carry writes a checkpoint's progress into st: the phase, the step, and what the step's call needs on
// record before it is made.
func (p Progress) Carry(st *v1.RemediationPolicyStatus) {
	st.Phase, st.CurrentStep = p.Phase, p.Step.DeepCopy()
	if p.FailedTarget != nil {
		st.FailedTarget = p.FailedTarget.DeepCopy()
	}
	if p.Record != nil {
		st.Rollout = p.Record.DeepCopy()
	}
	if p.ASG != nil {
		st.ASG = p.ASG.DeepCopy()
	}
	if p.ElastiCache != nil {
		st.ElastiCache = p.ElastiCache.DeepCopy()
	}
}

// Finish runs the engine for a policy being deleted and says whether the policy may be let go: no step is
// in flight any more (a replacement was watched to its end, a bake or a cleanup was dropped).
func Finish(ctx context.Context, e Engine, req Request) (Outcome, bool, error) {
	req.Stopping = true
	o, err := e.Reconcile(ctx, req)
	if err != nil || o.Transient {
		return o, false, err
	}
	return o, o.Step == nil, nil
}
