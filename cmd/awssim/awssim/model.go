/*
Copyright 2026 The cache-remediator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

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

// CacheMember is one node (cache cluster) of an ElastiCache replication group.
type CacheMember struct {
	ClusterID string
	Zone      string
	Role      string // primary or replica
	NodeType  string
	Status    string // available, modifying
	CreatedAt time.Time
}

// ReplicationGroup is an ElastiCache replication group with one node group (cluster mode disabled).
type ReplicationGroup struct {
	ID                string
	Description       string
	Status            string // available, modifying, snapshotting
	NodeType          string
	EngineVersion     string
	MultiAZ           bool
	AutomaticFailover bool
	UsedMemoryMiB     int64
	Members           []*CacheMember
	Tags              map[string]string
	CreatedAt         time.Time
	PendingNodeType   string
	modification      *modification
	failovers         []time.Time
}

// modification is an in-progress node type change: one member after another, replicas first, then a
// failover and the old primary.
type modification struct {
	target       string
	from         string
	nextAt       time.Time
	revert       bool // the data does not fit: ElastiCache gives up and reverts
	done         map[string]bool
	serviceApply string // the service update being applied, if this is one
}

// CacheEvent is an ElastiCache event.
type CacheEvent struct {
	SourceID   string
	SourceType string // replication-group, cache-cluster
	Message    string
	Date       time.Time
}

// UpdateAction is an ElastiCache service update applicable to a replication group.
type UpdateAction struct {
	ServiceUpdateName string
	ReplicationGroup  string
	Severity          string
	ReleaseDate       time.Time
	Status            string // not-applied, waiting-to-start, in-progress, complete
	NodesUpdated      map[string]bool
}

// Snapshot is an ElastiCache snapshot.
type Snapshot struct {
	Name             string
	ReplicationGroup string
	Status           string // creating, available
	Source           string
	NodeType         string
	CreatedAt        time.Time
	readyAt          time.Time
}
