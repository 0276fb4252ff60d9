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

package awssim

import "time"

// Lifecycle states of an Auto Scaling instance (the subset the simulator moves through).
const (
	StatePending     = "Pending"
	StateInService   = "InService"
	StateTerminating = "Terminating"
	StateTerminated  = "Terminated"
)

// Image is an AMI.
type Image struct {
	ID           string
	Name         string
	Architecture string // x86_64 or arm64
	State        string // available, pending, failed, deregistered
	// Unhealthy makes every node booted from this image fail its health checks (no Redis, HTTP status
	// unhealthy): a bad AMI.
	Unhealthy bool
}

// InstanceType is an EC2 instance type.
type InstanceType struct {
	Name          string
	Architectures []string
	MemoryMiB     int64
}

// LaunchTemplateVersion is one numbered version of a launch template.
type LaunchTemplateVersion struct {
	Number       int64
	ImageID      string
	InstanceType string
	Description  string
	CreatedAt    time.Time
	clientToken  string
}

// LaunchTemplate is an EC2 launch template with its versions.
type LaunchTemplate struct {
	ID             string
	Name           string
	DefaultVersion int64
	LatestVersion  int64
	Versions       map[int64]*LaunchTemplateVersion
	CreatedAt      time.Time
	Tags           map[string]string
}

// LaunchConfiguration is a legacy Auto Scaling launch configuration.
type LaunchConfiguration struct {
	Name         string
	ImageID      string
	InstanceType string
	CreatedAt    time.Time
}

// Instance is an EC2 instance, usually in an Auto Scaling group.
type Instance struct {
	ID             string
	Group          string
	Zone           string
	ImageID        string
	InstanceType   string
	PrivateIP      string
	LifecycleState string
	Protected      bool
	LaunchedAt     time.Time
	// LaunchTemplateID and LaunchTemplateVersion (or LaunchConfiguration) the instance was launched from.
	LaunchTemplateID      string
	LaunchTemplateName    string
	LaunchTemplateVersion int64
	LaunchConfiguration   string
	// readyAt is when a Pending instance becomes InService; goneAt when a Terminating one is Terminated.
	readyAt time.Time
	goneAt  time.Time
	// Impaired makes DescribeInstanceStatus report the instance impaired.
	Impaired bool
}

// Group is an Auto Scaling group.
type Group struct {
	Name            string
	Zones           []string
	Min, Max        int64
	Desired         int64
	Tags            map[string]string
	CreatedAt       time.Time
	Cluster         string // the simulated cache cluster the group's nodes belong to (for real Redis)
	LaunchTemplate  *GroupTemplateRef
	LaunchConfig    string
	InstanceIDs     []string // in launch order, including Terminating ones until they are gone
	nextZone        int
	launchFailures  int
	launchFailedAt  time.Time
	lastLaunchError string
}

// GroupTemplateRef is the launch template a group launches from; Version is a number, $Default or $Latest.
type GroupTemplateRef struct {
	ID      string
	Version string
}

// Activity is an Auto Scaling scaling activity.
type Activity struct {
	ID          string
	Group       string
	Description string
	Cause       string
	StatusCode  string // Successful, Failed, InProgress
	Message     string
	StartTime   time.Time
	EndTime     time.Time
}

// CacheMember is one member cache cluster (one node) of an ElastiCache replication group, in one node group
// (shard).
type CacheMember struct {
	ClusterID   string
	NodeGroupID string // 0001, 0002, ...
	Zone        string
	// Role is primary or replica. ElastiCache shows it (NodeGroupMember.CurrentRole) only with cluster mode
	// disabled; the simulator tracks it for cluster mode enabled too.
	Role     string
	NodeType string
	// PendingNodeType is the member's PendingModifiedValues.CacheNodeType: a change asked for with
	// ApplyImmediately=false, or the target of a change in progress. ElastiCache has no group-level field for it.
	PendingNodeType string
	// Status is the cache cluster status: available, modifying, snapshotting, creating, deleting, ...
	Status    string
	CreatedAt time.Time
	// Address is the loopback address of the member's redis-server when the simulator runs processes for
	// replication groups (then every endpoint of the member is this address); empty otherwise, and endpoints
	// are DNS-style names nothing answers on.
	Address string
	// Lag is the replication lag the simulator assumes for a replica when no redis-server runs: a failover
	// promotes the replica with the least (ties: the first in member order). With processes, the replica with
	// the highest replication offset is promoted instead.
	Lag  time.Duration
	Tags map[string]string
	// heldUntil is when a status set by SetMemberStatus returns to available.
	heldUntil time.Time
}

// ReplicationGroup is an ElastiCache replication group: one node group (cluster mode disabled) or several
// (cluster mode enabled), each with a primary and 0-5 replicas.
type ReplicationGroup struct {
	ID          string
	Description string
	// Status is the group status: available, modifying, snapshotting (creating, deleting, create-failed are
	// never reached here).
	Status        string
	NodeType      string
	Engine        string // redis or valkey
	EngineVersion string
	// ClusterEnabled is cluster mode enabled (shards with slots, a configuration endpoint, no roles shown).
	ClusterEnabled    bool
	MultiAZ           bool
	AutomaticFailover bool
	// UsedMemoryMiB is the data in each shard when no redis-server runs (with processes, the shard
	// primary's INFO memory used_memory is used instead).
	UsedMemoryMiB int64
	// ReservedMemoryPercent is the parameter group's reserved-memory-percent (25 by default): the data must
	// fit in the rest of a node's memory.
	ReservedMemoryPercent int
	// Members in node group order; within a node group, the first member was the primary at creation.
	Members   []*CacheMember
	Tags      map[string]string
	CreatedAt time.Time
	// GlobalReplicationGroupID is the Global Datastore the group is a member of ("" for none) and
	// GlobalReplicationGroupRole its role there (primary or secondary).
	GlobalReplicationGroupID   string
	GlobalReplicationGroupRole string
	// Automatic backups: SnapshotRetentionLimit > 0 takes one a day during SnapshotWindow (hh:mm-hh:mm, UTC)
	// from SnapshottingClusterID (cluster mode disabled) or from every shard (cluster mode enabled).
	SnapshotRetentionLimit int
	SnapshotWindow         string
	SnapshottingClusterID  string

	op            *groupOp    // a Modify or a tag change in progress
	failover      *failoverOp // a TestFailover in progress
	snapshot      string      // the snapshot being taken
	failSnapshots int         // how many of the next snapshots fail
	backupFrom    time.Time   // automatic backups: the next one is in the first window ending after this
	cursor        time.Time   // the simulated time up to which the group's timers have fired
}

// NodeGroupIDs lists the group's node group ids in order.
func (rg *ReplicationGroup) NodeGroupIDs() []string {
	var ids []string
	for _, m := range rg.Members {
		if !contains(ids, m.NodeGroupID) {
			ids = append(ids, m.NodeGroupID)
		}
	}
	return ids
}

// NodeType is an ElastiCache cache node type with its memory and the types ListAllowedNodeTypeModifications
// offers from it.
type NodeType struct {
	Name      string
	MemoryMiB int64
	ScaleUp   []string
	ScaleDown []string
}

// CacheEvent is an ElastiCache event.
type CacheEvent struct {
	SourceID   string
	SourceType string // replication-group, cache-cluster
	Message    string
	Date       time.Time
}

// ServiceUpdate is an ElastiCache service update.
type ServiceUpdate struct {
	Name        string
	Description string
	Severity    string // critical, important, medium, low
	Type        string // security-update, engine-update
	Status      string // available, cancelled, expired
	Engine      string // the engine it applies to ("" for both)
	// EngineVersion is the engine version the update applies to, as ElastiCache describes it (e.g. 7.1.x).
	EngineVersion          string
	ReleaseDate            time.Time
	RecommendedApplyByDate time.Time
	EndDate                time.Time
	AutoUpdate             bool
	EstimatedUpdateTime    string // free text, e.g. "30 minutes per node"
}

// UpdateAction is a service update applicable to one replication group.
type UpdateAction struct {
	ServiceUpdateName  string
	ReplicationGroup   string
	Status             string // not-applied, waiting-to-start, in-progress, stopping, stopped, complete, scheduling, scheduled, not-applicable
	AvailableDate      time.Time
	StatusModifiedDate time.Time
	Nodes              map[string]*NodeUpdate // by member cache cluster id
	startAt            time.Time              // waiting-to-start: not before this
	stopping           bool                   // BatchStopUpdateAction: finish the nodes in progress, start no more
}

// NodeUpdate is the progress of a service update on one member.
type NodeUpdate struct {
	Status             string // not-applied, waiting-to-start, in-progress, stopping, stopped, complete
	InitiatedBy        string // customer or system
	InitiatedDate      time.Time
	StartDate          time.Time
	EndDate            time.Time
	StatusModifiedDate time.Time
	endsAt             time.Time // in-progress: when the node is done
}

// Snapshot is an ElastiCache snapshot (backup).
type Snapshot struct {
	Name               string // stored lower-case
	ReplicationGroup   string
	GroupDescription   string
	CacheClusterID     string // the member backed up (cluster mode disabled only)
	Status             string // creating, available, failed
	Source             string // manual or automated
	NodeType           string
	Engine             string
	EngineVersion      string
	NumNodeGroups      int
	AutomaticFailover  bool
	RetentionLimit     int
	Window             string
	Nodes              []NodeSnapshot
	CreatedAt          time.Time
	Tags               map[string]string
	readyAt            time.Time
	fail               bool
	members            []string // the members snapshotting
	describedByCluster bool     // CreateSnapshot named a cache cluster, not the group
}

// NodeSnapshot is the part of a snapshot taken from one node.
type NodeSnapshot struct {
	CacheClusterID string
	NodeGroupID    string
	CacheSizeMB    int64
	CreatedAt      time.Time
}
