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

// Package rollouttest helps the unit tests of the engines run an engine reconcile after reconcile without
// the reconciler.
package rollouttest

import (
	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
)

// Carry writes into st what the reconciler keeps of an outcome that an engine reads back on its next
// reconcile: the phase, the step, the rollout record, the target kind's status, the failure, the ledger
// and lastGood. Conditions, events and the summary columns are the reconciler's own and are left out.
func Carry(st *v1.RemediationPolicyStatus, o rollout.Outcome) {
	if o.Transient {
		return
	}
	st.Phase, st.CurrentStep = o.Phase, o.Step
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
	if o.Observed != nil {
		st.Nodes, st.Gates = o.Observed.Nodes, o.Observed.Gates
		if st.LastGood == nil {
			st.LastGood = o.Observed.Uniform
		}
	}
}
