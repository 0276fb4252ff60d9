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

package elasticacheengine

import (
	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	eo "github.com/cache-remediator/cache-remediator/controllers/elasticacheobservation"
	"github.com/cache-remediator/cache-remediator/controllers/health"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
)

// observed is the group as this reconcile saw it, for the status: a ledger row per member with its node
// type, status and progress; UPDATED counts the members on the goal with every selected update applied.
func observed(policy *v1.RemediationPolicy, c *eo.Cluster, gates rollout.GateState, step *v1.StepStatus) *rollout.Observed {
	goal := policy.Spec.Desired.InstanceType
	selected := eo.Selected(c.Updates, policy.Spec.Desired.ServiceUpdates)
	out := &rollout.Observed{Gates: gates.Gates, Total: len(c.Members)}
	for _, m := range c.Members {
		nodeType := m.NodeType
		if nodeType == "" {
			nodeType = c.Group.NodeType // not described: the group's type is every member's
		}
		updated := nodeType == goal
		for _, u := range selected {
			updated = updated && (u.Status == "complete" || u.Nodes[m.ClusterID] == "complete")
		}
		status := m.Status
		if status == "" {
			status = c.Group.Status
		}
		row := v1.NodeStatus{InstanceID: m.ClusterID, Group: m.NodeGroup, Zone: m.Zone, PrivateIP: m.Address, Role: m.NodeRole(),
			InstanceType: nodeType, LifecycleState: status, HealthySince: gates.HealthySince(m.ClusterID)}
		_, failing := health.FirstFailure(m.Gates)
		row.Healthy = status == "available" && !failing
		switch {
		case status == "modifying" || m.PendingNodeType != "" || nodeInProgress(c, step, m.ClusterID):
			row.State = v1.NodeReplacing
		case updated:
			row.State = v1.NodeUpdated
			out.Updated++
		default:
			row.State = v1.NodeOutdated
		}
		out.Nodes = append(out.Nodes, row)
	}
	if c.Group.Status == "available" {
		out.Uniform = &v1.ImageAndType{InstanceType: c.Group.NodeType}
	}
	return out
}

// nodeInProgress says whether the step's service update is being applied to the member now.
func nodeInProgress(c *eo.Cluster, step *v1.StepStatus, member string) bool {
	if step == nil || step.ElastiCache == nil || len(step.ElastiCache.ServiceUpdates) == 0 {
		return false
	}
	u, _ := c.Update(step.ElastiCache.ServiceUpdates[0])
	return u.Nodes[member] == "in-progress"
}
