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

package elasticacheplanner

import (
	"fmt"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	eo "github.com/cache-remediator/cache-remediator/controllers/elasticacheobservation"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
)

// Remaining is the rest of the rollout after the step in flight, in the order planNext takes it if every
// gate keeps holding: automatic failover turned on, the snapshot, a test failover per shard, the node type
// change, then each selected service update. A forecast for people; nil when nothing remains.
func Remaining(in Input) *v1.PlanStatus {
	spec := in.Spec
	spec.Strategy.RollbackOnFailure = false
	dir := rollout.Retarget(spec, in.Generation, in.FailedTarget, in.LastGood)
	if dir.Halted != nil || in.Cluster.Missing {
		return nil
	}
	in.goal = dir.Goal
	c, ec := in.Cluster, in.Spec.Target.ElastiCache
	inFlight := func(t v1.StepType) bool { return in.Step != nil && in.Step.Type == t }
	typeChange := c.Group.NodeType != in.goal.InstanceType && !inFlight(v1.StepModifyReplicationGroup)
	pending := eo.Pending(eo.Selected(c.Updates, in.Spec.Desired.ServiceUpdates))
	if !typeChange && len(pending) == 0 && in.Step == nil {
		return nil
	}
	var steps []v1.PlannedStep
	if !c.FailoverEnabled() && ec.EnableAutomaticFailover && !inFlight(v1.StepEnableAutomaticFailover) {
		steps = append(steps, v1.PlannedStep{Type: v1.StepEnableAutomaticFailover, Detail: "turn on automatic failover and Multi-AZ"})
	}
	record := in.record()
	if ec.SnapshotBeforeModify && record.ElastiCache.SnapshotAt == nil && !inFlight(v1.StepSnapshot) && (typeChange || len(pending) > 0) {
		steps = append(steps, v1.PlannedStep{Type: v1.StepSnapshot, Detail: "snapshot the group before the change"})
	}
	if ec.TestFailover && (typeChange || len(pending) > 0) {
		for _, ng := range c.Group.NodeGroups {
			if contains(record.ElastiCache.FailoverTested, ng.ID) || inFlight(v1.StepTestFailover) && in.Step.ElastiCache.NodeGroup == ng.ID {
				continue
			}
			step := v1.PlannedStep{Type: v1.StepTestFailover, Group: ng.ID, Detail: "fail the shard over once to check failover works"}
			if p, ok := c.Primary(ng.ID); ok {
				step.InstanceID, step.Zone, step.Role = p.ClusterID, p.Zone, v1.RolePrimary
			}
			steps = append(steps, step)
		}
	}
	if typeChange {
		steps = append(steps, v1.PlannedStep{Type: v1.StepModifyReplicationGroup,
			Detail: fmt.Sprintf("%s to %s, all %d members together (ElastiCache fails primaries over itself)", c.Group.NodeType, in.goal.InstanceType, len(c.Members))})
	}
	for _, u := range pending {
		if inFlight(v1.StepApplyServiceUpdate) && contains(in.Step.ElastiCache.ServiceUpdates, u.ServiceUpdateName) {
			continue
		}
		steps = append(steps, v1.PlannedStep{Type: v1.StepApplyServiceUpdate,
			Detail: fmt.Sprintf("%s (%s, %s), node by node", u.ServiceUpdateName, u.Type, u.Severity)})
	}
	return rollout.NewPlan(steps, 0)
}
