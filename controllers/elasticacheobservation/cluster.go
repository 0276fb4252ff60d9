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

// Package elasticacheobservation holds the per-reconcile snapshot of an ElastiCache replication group: the
// group, its shards and members with their statuses, node types and pending node types, the service
// updates with each node's progress, the recent events of the group and its members, and, where the
// controller can reach them, the members' Redis INFO. A Cluster is built once per reconcile (builder.go
// does the I/O) and answers questions without any further I/O.
package elasticacheobservation

import (
	"slices"
	"time"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
	"github.com/cache-remediator/cache-remediator/controllers/cloudwatchgates"
	"github.com/cache-remediator/cache-remediator/controllers/health"
)

// Member is one cache cluster of the group.
type Member struct {
	ClusterID string
	NodeGroup string
	Zone      string
	// Role is primary or replica: from the group (cluster mode disabled), the node's own INFO, or (for a
	// gate that skips primaries) CloudWatch's IsMaster; empty when none says.
	Role string
	// Status, NodeType and PendingNodeType are from DescribeCacheClusters; empty when it was not asked
	// (an idle group whose goal is met).
	Status          string
	NodeType        string
	PendingNodeType string
	Address         string
	Port            int32
	Redis           *health.RedisInfo
	Gates           []health.Result
}

// Available says whether the member's cache cluster is available.
func (m Member) Available() bool { return m.Status == "available" }

// Healthy says whether the member is available and every gate on it holds.
func (m Member) Healthy() bool {
	if !m.Available() {
		return false
	}
	_, failed := health.FirstFailure(m.Gates)
	return !failed
}

// NodeRole is the member's role for the ledger.
func (m Member) NodeRole() v1.NodeRole {
	switch m.Role {
	case "primary":
		return v1.RolePrimary
	case "replica":
		return v1.RoleReplica
	}
	return v1.RoleUnknown
}

// Cluster is the snapshot of one replication group.
type Cluster struct {
	Now   time.Time
	Group awsclient.ReplicationGroup
	// Missing is set when the group does not exist.
	Missing bool
	Members []Member
	// Detailed says the members' cache clusters were described (their statuses and pending types known).
	Detailed bool
	// Updates are the group's service updates; Events the group's and its members' events since the
	// in-flight step started (newest first).
	Updates []awsclient.UpdateAction
	Events  []awsclient.Event
	// Allowed are the node types the group may be modified to; nil when not asked.
	Allowed *awsclient.AllowedNodeTypes
	// UsedMemory is the data of the fullest shard (its primary's INFO used_memory, or where Redis does not
	// answer, CloudWatch's BytesUsedForCache of the fullest member), or -1 when neither told; UsedMemoryFrom
	// says which.
	UsedMemory     int64
	UsedMemoryFrom string
	// CloudWatch is what the policy's CloudWatch gates read (empty for an idle group).
	CloudWatch cloudwatchgates.Observation
	// SnapshotStatus is the status of the snapshot an in-flight Snapshot step takes ("" when it does not
	// exist yet).
	SnapshotStatus string
	// ClusterGates are the gates on the group as a whole (the CloudWatch alarms and group metrics first).
	ClusterGates []health.Result
}

// Member returns the member with the cache cluster id.
func (c *Cluster) Member(id string) (Member, bool) {
	for _, m := range c.Members {
		if m.ClusterID == id {
			return m, true
		}
	}
	return Member{}, false
}

// NodeGroupMembers returns the members of one shard.
func (c *Cluster) NodeGroupMembers(nodeGroup string) []Member {
	var out []Member
	for _, m := range c.Members {
		if m.NodeGroup == nodeGroup {
			out = append(out, m)
		}
	}
	return out
}

// FailoverEnabled says whether automatic failover and Multi-AZ are both on.
func (c *Cluster) FailoverEnabled() bool {
	return c.Group.AutomaticFailover == "enabled" && c.Group.MultiAZ == "enabled"
}

// ShardWithoutReplica returns a shard with no replica, if any.
func (c *Cluster) ShardWithoutReplica() (string, bool) {
	for _, ng := range c.Group.NodeGroups {
		if len(ng.Members) < 2 {
			return ng.ID, true
		}
	}
	return "", false
}

// Selected returns the service updates the selector selects.
func Selected(updates []awsclient.UpdateAction, sel *v1.ServiceUpdateSelector) []awsclient.UpdateAction {
	if sel == nil {
		return nil
	}
	var out []awsclient.UpdateAction
	for _, u := range updates {
		byName := slices.Contains(sel.Names, u.ServiceUpdateName)
		byKind := (len(sel.Severities) > 0 || len(sel.Types) > 0) &&
			(len(sel.Severities) == 0 || slices.Contains(sel.Severities, v1.ServiceUpdateSeverity(u.Severity))) &&
			(len(sel.Types) == 0 || slices.Contains(sel.Types, u.Type))
		if byName || byKind {
			out = append(out, u)
		}
	}
	return out
}

// Pending returns the selected service updates that are not complete (and may be applied or are being
// applied): not-applied, waiting-to-start, in-progress, stopped (re-appliable), scheduling and scheduled.
func Pending(updates []awsclient.UpdateAction) []awsclient.UpdateAction {
	var out []awsclient.UpdateAction
	for _, u := range updates {
		if u.Status != "complete" && u.Status != "not-applicable" {
			out = append(out, u)
		}
	}
	return out
}

// Done counts the members whose node type is the goal, or (for a service update) whose node-level status
// for it is complete.
func (c *Cluster) Done(nodeType, serviceUpdate string) int {
	u, _ := c.Update(serviceUpdate)
	n := 0
	for _, m := range c.Members {
		if serviceUpdate != "" && u.Nodes[m.ClusterID] == "complete" || serviceUpdate == "" && m.NodeType == nodeType {
			n++
		}
	}
	return n
}

// Primary returns the primary of a shard, when the group or the nodes' INFO say which it is.
func (c *Cluster) Primary(nodeGroup string) (Member, bool) {
	for _, m := range c.NodeGroupMembers(nodeGroup) {
		if m.Role == "primary" {
			return m, true
		}
	}
	return Member{}, false
}

// Update returns the service update with the name.
func (c *Cluster) Update(name string) (awsclient.UpdateAction, bool) {
	for _, u := range c.Updates {
		if u.ServiceUpdateName == name {
			return u, true
		}
	}
	return awsclient.UpdateAction{}, false
}

// AllGates returns the cluster gates followed by every member's gates, in a stable order.
func (c *Cluster) AllGates() []health.Result {
	out := append([]health.Result(nil), c.ClusterGates...)
	for _, m := range c.Members {
		out = append(out, m.Gates...)
	}
	return out
}
