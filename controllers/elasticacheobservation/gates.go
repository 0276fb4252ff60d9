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

package elasticacheobservation

import (
	"fmt"
	"slices"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/health"
)

// Gate names of the ElastiCache path, as they appear in status.gates and in blocking reasons.
const (
	GateGroupAvailable    = "GroupAvailable"
	GateMembersAvailable  = "MembersAvailable"
	GateAutomaticFailover = "AutomaticFailover"
	GateReplicaPerShard   = "ReplicaPerShard"
	GateGlobalDatastore   = "GlobalDatastore"
	GateNodeTypeAllowed   = "NodeTypeAllowed"
	GateDataFits          = "DataFits"
)

// Reasons of the DataFits gate.
const (
	ReasonDataDoesNotFit = "DataDoesNotFit"
	ReasonMemoryUnknown  = "MemoryUnknown"
)

// Defaults of the memory check.
const (
	DefaultReservedMemoryPercent = 25
	DefaultMemoryHeadroomPercent = 10
)

// EvaluateGates fills every member's gates and the group's from what the snapshot holds (no I/O).
func EvaluateGates(c *Cluster, spec v1.RemediationPolicySpec) {
	h := spec.Health
	primaryOffset := map[string]int64{}
	for _, m := range c.Members {
		if m.Redis != nil && m.Redis.IsPrimary() {
			primaryOffset[m.NodeGroup] = m.Redis.ReplOffset
		}
	}
	for i := range c.Members {
		m := &c.Members[i]
		m.Gates = nil
		if h.Redis != nil && m.Redis != nil {
			m.Gates = health.RedisGates(m.ClusterID, *m.Redis, primaryOffset[m.NodeGroup], h.Redis.MaxLagOrDefault())
		}
		m.Gates = append(m.Gates, c.CloudWatch.Nodes[m.ClusterID]...)
	}
	// The alarms first: one that fires is what a blocked step reports, whatever else does not hold.
	c.ClusterGates = append(slices.Clone(c.CloudWatch.Cluster), groupGates(c, spec)...)
}

func pass(gate string) health.Result { return health.Result{Gate: gate, OK: true, Reason: "Healthy"} }

func fail(gate, reason, format string, args ...any) health.Result {
	return health.Result{Gate: gate, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// groupGates are the preflight gates on the group as a whole.
func groupGates(c *Cluster, spec v1.RemediationPolicySpec) []health.Result {
	g := c.Group
	var out []health.Result
	if g.Status == "available" {
		out = append(out, pass(GateGroupAvailable))
	} else {
		out = append(out, fail(GateGroupAvailable, "Group"+camel(g.Status), "replication group %s is %s, not available", g.ID, g.Status))
	}
	out = append(out, membersGate(c))
	// A replica first: automatic failover needs one, so a shard without is the cause to report.
	if shard, ok := c.ShardWithoutReplica(); ok {
		out = append(out, fail(GateReplicaPerShard, "NoReplica", "shard %s has no replica: replacing its node would take it down", shard))
	} else {
		out = append(out, pass(GateReplicaPerShard))
	}
	if c.FailoverEnabled() {
		out = append(out, pass(GateAutomaticFailover))
	} else {
		out = append(out, fail(GateAutomaticFailover, "FailoverDisabled", "automatic failover is %s and Multi-AZ %s; both must be enabled so that a primary replaced is failed over, not taken down",
			orUnknown(g.AutomaticFailover), orUnknown(g.MultiAZ)))
	}
	if g.GlobalDatastore != "" {
		out = append(out, fail(GateGlobalDatastore, "GlobalDatastoreMember", "the group is part of Global Datastore %s, whose node type is changed through the global group", g.GlobalDatastore))
	} else {
		out = append(out, pass(GateGlobalDatastore))
	}
	goal := spec.Desired.InstanceType
	if g.NodeType != goal {
		if c.Allowed != nil {
			if c.Allowed.Allows(goal) {
				out = append(out, pass(GateNodeTypeAllowed))
			} else {
				out = append(out, fail(GateNodeTypeAllowed, "NotAllowed", "ElastiCache does not allow changing %s to %s (allowed: scale up to %v, scale down to %v)",
					g.NodeType, goal, c.Allowed.ScaleUp, c.Allowed.ScaleDown))
			}
		}
		out = append(out, dataFitsGate(c, spec))
	}
	return out
}

// membersGate holds when every member listed is available and the group lists exactly the members its
// shards have (a member being added or removed shows as a mismatch). It needs the members described.
func membersGate(c *Cluster) health.Result {
	if !c.Detailed {
		return pass(GateMembersAvailable)
	}
	listed := 0
	for _, ng := range c.Group.NodeGroups {
		listed += len(ng.Members)
	}
	if listed != len(c.Group.MemberClusters) {
		return fail(GateMembersAvailable, "MemberCountChanging", "the group lists %d member clusters but its shards %d: members are being added or removed",
			len(c.Group.MemberClusters), listed)
	}
	for _, m := range c.Members {
		if !m.Available() {
			return fail(GateMembersAvailable, "Member"+camel(m.Status), "member %s is %s, not available", m.ClusterID, orUnknown(m.Status))
		}
	}
	return pass(GateMembersAvailable)
}

// targetMemory is the desired node type's memory for data, and whether the controller knows it (from its
// table, or the spec's targetNodeMemoryMiB).
func targetMemory(spec v1.RemediationPolicySpec) (int64, bool) {
	if mib := spec.Target.ElastiCache.TargetNodeMemoryMiB; mib != nil {
		return *mib << 20, true
	}
	return NodeTypeMemory(spec.Desired.InstanceType)
}

// growing says whether the desired node type is at least as large as the group's: ElastiCache lists it as a
// scale-up (whatever the controller knows of it), or the controller knows both and the target is no
// smaller. Data that fits now fits there.
func growing(c *Cluster, spec v1.RemediationPolicySpec) bool {
	target := spec.Desired.InstanceType
	if c.Allowed != nil && slices.Contains(c.Allowed.ScaleUp, target) {
		return true
	}
	targetMem, known := targetMemory(spec)
	current, ok := NodeTypeMemory(c.Group.NodeType)
	return known && ok && current <= targetMem
}

// DataSizeNeeded says whether the DataFits gate needs the size of the data: the node type changes to one
// the controller knows, and it may be smaller.
func DataSizeNeeded(c *Cluster, spec v1.RemediationPolicySpec) bool {
	_, known := targetMemory(spec)
	return c.Group.NodeType != spec.Desired.InstanceType && known && !growing(c, spec)
}

// dataFitsGate holds when the data of the fullest shard fits in the target node type's memory, less the
// reserved memory and the headroom asked for. A scale-up always fits.
func dataFitsGate(c *Cluster, spec v1.RemediationPolicySpec) health.Result {
	target := spec.Desired.InstanceType
	ec := spec.Target.ElastiCache
	if growing(c, spec) {
		return pass(GateDataFits)
	}
	targetMem, known := targetMemory(spec)
	if !known {
		return fail(GateDataFits, ReasonMemoryUnknown, "the memory of node type %s is unknown to the controller; set target.elastiCache.targetNodeMemoryMiB", target)
	}
	reserved, headroom := int64(DefaultReservedMemoryPercent), int64(DefaultMemoryHeadroomPercent)
	if ec.ReservedMemoryPercent != nil {
		reserved = int64(*ec.ReservedMemoryPercent)
	}
	if ec.MemoryHeadroomPercent != nil {
		headroom = int64(*ec.MemoryHeadroomPercent)
	}
	usable := targetMem * (100 - reserved) / 100 * (100 - headroom) / 100
	if c.UsedMemory < 0 {
		return fail(GateDataFits, ReasonMemoryUnknown, "%s may be smaller than %s and the data size could not be measured: no shard primary answered Redis INFO and CloudWatch had no BytesUsedForCache of the members in the last %s; set health.redis so the controller can reach the group's endpoints (with its TLS and AUTH settings), or allow it cloudwatch:GetMetricData",
			target, c.Group.NodeType, health.ShortDuration(MemoryWindow))
	}
	if c.UsedMemory > usable {
		return fail(GateDataFits, ReasonDataDoesNotFit, "the fullest shard holds %s (%s) but %s keeps only %s for data with %d%% reserved and %d%% headroom: pick a larger node type or remove data",
			mib(c.UsedMemory), c.UsedMemoryFrom, target, mib(usable), reserved, headroom)
	}
	return pass(GateDataFits)
}

func mib(bytes int64) string { return fmt.Sprintf("%.1f MiB", float64(bytes)/(1<<20)) }

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// camel turns a status such as "rebooting cluster nodes" into RebootingClusterNodes, for a gate reason.
func camel(s string) string {
	out := make([]byte, 0, len(s))
	upper := true
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == ' ' || ch == '-' || ch == '_':
			upper = true
		case upper && ch >= 'a' && ch <= 'z':
			out = append(out, ch-'a'+'A')
			upper = false
		default:
			out = append(out, ch)
			upper = false
		}
	}
	if len(out) == 0 {
		return "Unknown"
	}
	return string(out)
}
