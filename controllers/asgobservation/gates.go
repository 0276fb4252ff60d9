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

package asgobservation

import (
	"fmt"
	"slices"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/health"
)

// evaluateGates fills every serving node's gates and the cluster gates from what was observed, CloudWatch's
// included.
func evaluateGates(c *Cluster, h v1.HealthSpec) {
	var primaryOffset int64
	primaries := 0
	for _, n := range c.Nodes {
		if n.Redis != nil && !n.Leaving() && n.Redis.IsPrimary() {
			primaries++
			primaryOffset = n.Redis.ReplOffset
		}
	}
	for i := range c.Nodes {
		n := &c.Nodes[i]
		if n.Leaving() {
			continue
		}
		n.Gates = append(NodeGates(*n, h, primaryOffset), c.CloudWatch.Nodes[n.InstanceID]...)
		if n.Redis != nil && n.Redis.Err == nil && n.Redis.HasUptime {
			started := c.Now.Add(-n.Redis.Uptime)
			for j := range n.Gates {
				n.Gates[j].NotBefore = started
			}
		}
	}
	// The alarms first: one that fires is what a blocked step reports, whatever else does not hold.
	c.ClusterGates = append(slices.Clone(c.CloudWatch.Cluster), clusterGates(c, h, primaries)...)
}

// NodeGates evaluates one node's gates: InService, EC2 status checks (when they were read), then Redis and
// HTTP when configured.
func NodeGates(n Node, h v1.HealthSpec, primaryOffset int64) []health.Result {
	id := n.InstanceID
	out := []health.Result{}
	if n.InService() {
		out = append(out, health.Result{Gate: health.GateInService, InstanceID: id, OK: true, Reason: "Healthy"})
	} else {
		out = append(out, health.Result{Gate: health.GateInService, InstanceID: id, Reason: n.LifecycleState,
			Message: fmt.Sprintf("instance is %s, not InService", n.LifecycleState)})
	}
	switch n.EC2Status {
	case "":
		// Not read this time (see Builder.Observe): no gate rather than a guess.
	case "ok":
		out = append(out, health.Result{Gate: health.GateEC2Status, InstanceID: id, OK: true, Reason: "Healthy"})
	default:
		out = append(out, health.Result{Gate: health.GateEC2Status, InstanceID: id, Reason: "StatusChecks",
			Message: fmt.Sprintf("EC2 status checks are %q, not ok", n.EC2Status)})
	}
	if h.Redis != nil && n.Redis != nil {
		out = append(out, health.RedisGates(id, *n.Redis, primaryOffset, h.Redis.MaxLagOrDefault())...)
	}
	if h.HTTP != nil && n.HTTP != nil {
		out = append(out, health.HTTPGate(id, *n.HTTP))
	}
	return out
}

func clusterGates(c *Cluster, h v1.HealthSpec, primaries int) []health.Result {
	var out []health.Result
	short := ""
	for _, g := range c.Groups {
		serving := 0
		for _, n := range c.GroupNodes(g.Name) {
			if n.InService() {
				serving++
			}
		}
		if int64(serving) < g.Desired && short == "" {
			short = fmt.Sprintf("group %s has %d of %d instances InService", g.Name, serving, g.Desired)
		}
	}
	if short != "" {
		out = append(out, health.Result{Gate: health.GateCapacity, Reason: "CapacityIncomplete", Message: short})
	} else {
		out = append(out, health.Result{Gate: health.GateCapacity, OK: true, Reason: "Healthy"})
	}
	if h.Redis != nil {
		if primaries == 1 {
			out = append(out, health.Result{Gate: health.GateSinglePrimary, OK: true, Reason: "Healthy"})
			if stray := c.ReplicasNotFollowingPrimary(); len(stray) > 0 {
				out = append(out, health.Result{Gate: health.GateReplicasFollowPrimary, Reason: "ChainedReplica",
					Message: fmt.Sprintf("replica %s replicates from %s, not from the primary", stray[0].InstanceID, stray[0].Redis.MasterHost)})
			} else {
				out = append(out, health.Result{Gate: health.GateReplicasFollowPrimary, OK: true, Reason: "Healthy"})
			}
		} else {
			out = append(out, health.Result{Gate: health.GateSinglePrimary, Reason: "PrimaryCount",
				Message: fmt.Sprintf("the cluster has %d Redis primaries, want exactly 1", primaries)})
		}
		if h.Redis.Sentinel != nil {
			out = append(out, SentinelGates(c, h.Redis.Sentinel)...)
		}
	}
	return out
}
