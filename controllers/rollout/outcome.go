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

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
)

// Outcome is what one reconcile of an engine concluded. The reconciler turns it into the status (phase,
// conditions, the kstatus mirrors, blockedBy, the ledger), the metrics and the transition events.
type Outcome struct {
	// Phase, Reason and Message explain where the rollout is (a condition reason and a sentence).
	Phase   v1.Phase
	Reason  string
	Message string
	// Degraded: the rollout cannot go on until something changes (a bad target, a failed goal).
	Degraded bool
	// Transient: an error that is retried with backoff; the phase and the rest of the status stay.
	Transient bool

	// Step is the in-flight step after this reconcile (nil: none).
	Step *v1.StepStatus
	// Completed is the step this reconcile finished, its Message saying what it did.
	Completed *v1.StepStatus
	// FailedTarget is set when the goal (or its rollback) failed in this reconcile.
	FailedTarget *v1.FailedTarget
	// Record is the rollout record when it changed (the canary baked).
	Record *v1.RolloutRecord
	// ASG and ElastiCache replace the kind's own status when set.
	ASG         *v1.ASGStatus
	ElastiCache *v1.ElastiCacheStatus

	// Plan is the rest of the rollout after this reconcile, as the planner forecasts it (nil: nothing).
	Plan *v1.PlanStatus
	// Observed is what the reconcile saw of the cluster; nil when it could not look.
	Observed *Observed
	// Leftover says, for a policy being let go, what it leaves behind (which groups launch which AMI, which
	// nodes run which), for the release event and log.
	Leftover string

	RequeueAfter time.Duration
}

// Observed is the cluster as one reconcile saw it.
type Observed struct {
	// Nodes is the ledger: a row per node, with what earlier reconciles learned kept.
	Nodes []v1.NodeStatus
	// Gates are the gate results, one per gate.
	Gates []v1.GateResult
	// Updated counts the nodes on the goal and healthy; Total the nodes the cluster is sized to.
	Updated, Total int
	// Uniform is the AMI and type every serving node runs when they all run the same and are healthy: what a
	// rollback would return to.
	Uniform *v1.ImageAndType
}

// Transient is the outcome of an error that is retried with backoff.
func Transient(err error) Outcome {
	return Outcome{Transient: true, Reason: v1.ReasonAWSError, Message: err.Error()}
}

// Blocked is the outcome for a cluster no step may act on now (a gate, a refusal, a conflict): the in-flight
// step, if any, stays as it was, and nothing is mutated.
func (r Request) Blocked(reason, message string, requeue time.Duration) Outcome {
	return Outcome{Phase: v1.PhaseBlocked, Reason: reason, Message: message, Step: r.Policy.Status.CurrentStep, RequeueAfter: requeue}
}

// BadTarget is the outcome for a target that cannot be remediated as specified (it does not exist, it did
// not opt in, another policy owns it, the spec names something AWS does not have): blocked and degraded
// until something changes, with the in-flight step kept and nothing mutated.
func (r Request) BadTarget(reason, message string, requeue time.Duration) Outcome {
	o := r.Blocked(reason, message, requeue)
	o.Degraded = true
	return o
}

// Carry writes into st what the status keeps of an outcome: the phase, the in-flight step, the rollout
// record, the target kind's status, a failure, the ledger with its counts, and lastGood once it is known.
// A transient outcome keeps nothing. The reconciler derives the rest (conditions, BLOCKED-BY, events) from
// the outcome itself.
func (o Outcome) Carry(st *v1.RemediationPolicyStatus) {
	if o.Transient {
		return
	}
	st.Phase, st.CurrentStep, st.Plan = o.Phase, o.Step, o.Plan
	if o.Record != nil {
		st.Rollout = o.Record
	}
	if o.ASG != nil {
		st.ASG = o.ASG
	}
	if o.ElastiCache != nil {
		st.ElastiCache = o.ElastiCache
	}
	if o.FailedTarget != nil {
		st.FailedTarget = o.FailedTarget
	}
	if obs := o.Observed; obs != nil {
		st.Nodes, st.Gates = obs.Nodes, obs.Gates
		st.UpdatedNodes, st.TotalNodes = int32(obs.Updated), int32(obs.Total)
		st.Updated = fmt.Sprintf("%d/%d", obs.Updated, obs.Total)
		if st.LastGood == nil {
			st.LastGood = obs.Uniform
		}
	}
}
