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

package asgengine

import (
	"fmt"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/asgobservation"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
)

// maxLedgerRows bounds status.nodes (the CRD allows 1000).
const maxLedgerRows = 1000

// ledger lists every node of the cluster with its state, keeping what earlier reconciles learned (which
// instance a node replaced, when it was updated) and since when its gates have held.
func ledger(previous []v1.NodeStatus, c *asgobservation.Cluster, gates rollout.GateState, goal v1.ImageAndType, step, completed *v1.StepStatus, now time.Time) []v1.NodeStatus {
	known := map[string]v1.NodeStatus{}
	for _, n := range previous {
		known[n.InstanceID] = n
	}
	var rows []v1.NodeStatus
	for _, n := range c.Nodes {
		row := v1.NodeStatus{InstanceID: n.InstanceID, Group: n.Group, Zone: n.Zone, PrivateIP: n.PrivateIP, Role: n.Role(),
			ImageID: n.ImageID, InstanceType: n.InstanceType, LifecycleState: n.LifecycleState, Healthy: n.Healthy(),
			HealthySince: gates.HealthySince(n.InstanceID)}
		if !n.LaunchedAt.IsZero() {
			row.LaunchedAt = &metav1.Time{Time: n.LaunchedAt}
		}
		if p, ok := known[n.InstanceID]; ok {
			row.ReplacedInstanceID, row.UpdatedAt = p.ReplacedInstanceID, p.UpdatedAt
		}
		if completed != nil && completed.ReplacementInstanceID == n.InstanceID {
			row.ReplacedInstanceID, row.UpdatedAt = completed.InstanceID, &metav1.Time{Time: now}
		}
		switch {
		case n.Leaving():
			row.State = v1.NodeTerminating
		case step != nil && step.InstanceID == n.InstanceID:
			row.State = v1.NodeReplacing
		case step != nil && step.ReplacementInstanceID == n.InstanceID, !n.InService():
			row.State = v1.NodeLaunching
		case n.Runs(goal):
			row.State = v1.NodeUpdated
		default:
			row.State = v1.NodeOutdated
		}
		rows = append(rows, row)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Group < rows[j].Group })
	if len(rows) > maxLedgerRows {
		rows = rows[:maxLedgerRows]
	}
	return rows
}

// clusterSize is the number of nodes the user sized the cluster to: the extra node a SurgeFirst step runs
// for a while is not one of them, so UPDATED reads 1/3 during a surge, not 1/4.
func clusterSize(c *asgobservation.Cluster, step *v1.StepStatus) int {
	total := c.DesiredNodes()
	if step == nil || step.Type != v1.StepSurgeNode || step.ASG == nil || step.ASG.OriginalCapacity == nil {
		return total
	}
	if g, ok := c.Group(step.Group); ok && g.Desired > int64(step.ASG.OriginalCapacity.Desired) {
		total -= int(g.Desired - int64(step.ASG.OriginalCapacity.Desired))
	}
	return total
}

// uniformGoal is the AMI and type every serving node runs, when they all run the same and are healthy: the
// last-good state a rollback returns to.
func uniformGoal(c *asgobservation.Cluster) *v1.ImageAndType {
	var goal *v1.ImageAndType
	for _, n := range c.Serving() {
		g := v1.ImageAndType{ImageID: n.ImageID, InstanceType: n.InstanceType}
		if !n.Healthy() || (goal != nil && *goal != g) {
			return nil
		}
		goal = &g
	}
	return goal
}

// leftover says what a policy let go of leaves behind: what each group launches and what its nodes run.
func leftover(c *asgobservation.Cluster, goal v1.ImageAndType) string {
	var launches, runs []string
	for _, g := range c.Groups {
		source := fmt.Sprintf("launch configuration %s", g.Launch.LaunchConfiguration)
		if g.Launch.LaunchConfiguration == "" {
			source = fmt.Sprintf("launch template %s version %s", g.Launch.TemplateID, g.Launch.Version)
		}
		launches = append(launches, fmt.Sprintf("%s launches %s/%s (%s)", g.Name, g.Launch.ImageID, g.Launch.InstanceType, source))
	}
	byGoal := map[string][]string{}
	var order []string
	for _, n := range c.Serving() {
		key := n.ImageID + "/" + n.InstanceType
		if _, ok := byGoal[key]; !ok {
			order = append(order, key)
		}
		byGoal[key] = append(byGoal[key], n.InstanceID)
	}
	for _, key := range order {
		ids := byGoal[key]
		shown := ids
		if len(ids) > 10 {
			shown = append(ids[:10:10], fmt.Sprintf("and %d more", len(ids)-10))
		}
		runs = append(runs, fmt.Sprintf("%d on %s (%s)", len(ids), key, strings.Join(shown, ", ")))
	}
	state := "every node runs the goal " + goal.String()
	if len(order) != 1 || order[0] != goal.String() {
		state = "the nodes are not all on the goal " + goal.String() + "; nothing is rolled back"
	}
	return fmt.Sprintf("%s; groups: %s; nodes: %s", state, strings.Join(launches, "; "), strings.Join(runs, "; "))
}
