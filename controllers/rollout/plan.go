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

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
)

// PlannedStepSummary is a planned step in a few words, for status.plan.next and kubectl get -o wide:
// "ReplaceNode i-0abc (us-east-1b, Replica)", "TestFailover shard 0002", "Bake".
func PlannedStepSummary(s v1.PlannedStep) string {
	switch {
	case s.InstanceID != "" && s.Zone != "":
		return fmt.Sprintf("%s %s (%s, %s)", s.Type, s.InstanceID, s.Zone, s.Role)
	case s.InstanceID != "":
		return fmt.Sprintf("%s %s", s.Type, s.InstanceID)
	case s.Group != "":
		return fmt.Sprintf("%s shard %s", s.Type, s.Group)
	}
	return string(s.Type)
}

// NewPlan is status.plan for the remaining steps: the first MaxPlannedSteps listed, all counted; nil when
// there are none.
func NewPlan(steps []v1.PlannedStep, primaryHandOffs int32) *v1.PlanStatus {
	if len(steps) == 0 {
		return nil
	}
	return &v1.PlanStatus{Steps: steps[:min(len(steps), v1.MaxPlannedSteps)], Remaining: int32(len(steps)), PrimaryHandOffs: primaryHandOffs,
		Next: PlannedStepSummary(steps[0])}
}
