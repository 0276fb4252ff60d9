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

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// RemediationPolicySpec declares one cache cluster and the AMI and instance type its nodes must run.
// +kubebuilder:validation:XValidation:rule="!has(self.target.autoScalingGroups) || has(self.desired.imageId)",message="desired.imageId is required when the target is autoScalingGroups"
// +kubebuilder:validation:XValidation:rule="!has(self.target.elastiCache) || !has(self.desired.imageId)",message="desired.imageId must not be set for an elastiCache target: ElastiCache has no AMIs (use service updates)"
// +kubebuilder:validation:XValidation:rule="!has(self.target.autoScalingGroups) || (self.desired.instanceType.matches('^[a-z][a-z0-9-]*[.][a-z0-9]+$') && !self.desired.instanceType.startsWith('cache.'))",message="desired.instanceType must be an EC2 instance type such as r6g.large for an autoScalingGroups target"
// +kubebuilder:validation:XValidation:rule="!has(self.target.elastiCache) || self.desired.instanceType.matches('^cache[.][a-z][a-z0-9-]*[.][a-z0-9]+$')",message="desired.instanceType must be a cache node type such as cache.r6g.large for an elastiCache target"
// +kubebuilder:validation:XValidation:rule="!has(self.desired.serviceUpdates) || has(self.target.elastiCache)",message="desired.serviceUpdates applies to elastiCache targets only: self-managed nodes get patches through their AMI"
// +kubebuilder:validation:XValidation:rule="!has(self.target.elastiCache) || !has(self.health) || !has(self.health.cloudWatch) || !has(self.health.cloudWatch.metrics) || self.health.cloudWatch.metrics.all(m, !has(m.scope) || m.scope == 'Node' || has(m.dimensions))",message="a Group-scoped cloudWatch metric of an elastiCache target needs dimensions: AWS/ElastiCache publishes per cache cluster (node), with no replication group dimension; use scope Node"
// +kubebuilder:validation:XValidation:rule="!has(self.target.autoScalingGroups) || (has(self.health) && (has(self.health.redis) || has(self.health.http) || (has(self.health.unsafeSkipDataPlaneGates) && self.health.unsafeSkipDataPlaneGates)))",message="an autoScalingGroups target needs a data-plane gate: set health.redis or health.http (or, for a cache whose data may be lost, health.unsafeSkipDataPlaneGates: true)"
// +kubebuilder:validation:XValidation:rule="!has(self.health) || !has(self.health.redis) || !has(self.health.redis.sentinel) || has(self.target.autoScalingGroups)",message="health.redis.sentinel applies to autoScalingGroups targets only: ElastiCache fails its primaries over by itself"
// +kubebuilder:validation:XValidation:rule="has(self.aws) && has(self.aws.region) ? (has(oldSelf.aws) && has(oldSelf.aws.region) && oldSelf.aws.region == self.aws.region) : !(has(oldSelf.aws) && has(oldSelf.aws.region))",message="aws.region is immutable: a cluster of the same name in another region is another cluster; create a new RemediationPolicy for it"
// +kubebuilder:validation:XValidation:rule="has(self.aws) && has(self.aws.roleArn) ? (has(oldSelf.aws) && has(oldSelf.aws.roleArn) && oldSelf.aws.roleArn.split(':')[4] == self.aws.roleArn.split(':')[4]) : !(has(oldSelf.aws) && has(oldSelf.aws.roleArn))",message="the account of aws.roleArn is immutable: a cluster in another account is another cluster; create a new RemediationPolicy for it (a role of the same account may replace the role)"
type RemediationPolicySpec struct {
	// target names the one cache cluster this policy remediates. It is immutable: pointing a policy at
	// another cluster mid-rollout would leave the first one half-updated.
	// +required
	Target TargetSpec `json:"target"`

	// desired is the AMI and instance type every node of the target must end up on.
	// +required
	Desired DesiredSpec `json:"desired"`

	// health configures the gates evaluated before every disruptive step and after every replacement.
	// +optional
	Health HealthSpec `json:"health,omitempty"`

	// strategy configures how nodes are replaced: canary, replacement order and what happens on failure.
	// +optional
	Strategy StrategySpec `json:"strategy,omitempty"`

	// paused stops the controller from starting new steps. A replacement already in flight is still watched
	// to completion so that no node is left half-replaced. The annotation
	// remediation.cache-remediator.io/paused="true" has the same effect without editing the spec.
	// +optional
	Paused bool `json:"paused,omitempty"`

	// schedule limits when a new step may start: only while one of its maintenance windows is open. A step
	// in flight when a window closes finishes, so no node is left out of service; the next step waits for
	// the next window. Without a schedule a step may start at any time.
	// +optional
	Schedule *MaintenanceSchedule `json:"schedule,omitempty"`

	// aws says where the target lives when it is not in the controller's own account and region: the region
	// to call and an IAM role to assume there. Without it the controller calls its own region with its own
	// credentials (IRSA, EKS Pod Identity or the environment).
	// +optional
	AWS *AWSSpec `json:"aws,omitempty"`
}

// AWSSpec is the region and identity the controller acts with for one policy. Region and account are part
// of what the target is (a group of the same name in another region or account is another cluster), so
// neither may change; the role may (a rotated role of the same account).
// +kubebuilder:validation:XValidation:rule="has(self.region) || has(self.roleArn)",message="aws must set region or roleArn; leave aws out to use the controller's own region and credentials"
// +kubebuilder:validation:XValidation:rule="!has(self.externalId) || has(self.roleArn)",message="aws.externalId is sent only when assuming aws.roleArn: set roleArn too, or remove externalId"
type AWSSpec struct {
	// region is the AWS region of the target, e.g. eu-west-1. Defaults to the controller's own region.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$')",message="aws.region must be an AWS region name such as us-east-1 or eu-west-2"
	Region string `json:"region,omitempty"`

	// roleArn is an IAM role the controller assumes (sts:AssumeRole) for every AWS call of this policy, e.g.
	// arn:aws:iam::123456789012:role/cache-remediator. The role must trust the controller's own role (see
	// config/iam). Defaults to the controller's own credentials.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="self.matches('^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9_+=,.@/-]+$')",message="aws.roleArn must be an IAM role ARN such as arn:aws:iam::123456789012:role/cache-remediator"
	RoleARN string `json:"roleArn,omitempty"`

	// externalId is the external ID the role's trust policy requires (its sts:ExternalId condition), sent
	// with AssumeRole. It is not a secret: it guards the role's account against a confused deputy.
	// +optional
	// +kubebuilder:validation:MinLength=2
	// +kubebuilder:validation:MaxLength=1224
	// +kubebuilder:validation:XValidation:rule="self.matches('^[A-Za-z0-9_+=,.@:/-]+$')",message="aws.externalId may contain only letters, digits and _+=,.@:/- (the characters STS accepts)"
	ExternalID string `json:"externalId,omitempty"`
}

// TargetSpec names exactly one cache cluster.
// +kubebuilder:validation:XValidation:rule="has(self.autoScalingGroups) != has(self.elastiCache)",message="exactly one of target.autoScalingGroups or target.elastiCache must be set"
// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="target is immutable: create a new RemediationPolicy to remediate another cluster"
type TargetSpec struct {
	// autoScalingGroups targets self-managed cache nodes (Redis, Dynomite) run by EC2 Auto Scaling Groups,
	// usually one group per Availability Zone. Every group must carry the tag
	// cache-remediator.io/policy=<namespace>.<name> to opt in.
	// +optional
	AutoScalingGroups *AutoScalingGroupsTarget `json:"autoScalingGroups,omitempty"`

	// elastiCache targets one ElastiCache (Redis OSS / Valkey) replication group.
	// +optional
	ElastiCache *ElastiCacheTarget `json:"elastiCache,omitempty"`
}

// AutoScalingGroupsTarget lists the Auto Scaling Groups that together form one cache cluster.
type AutoScalingGroupsTarget struct {
	// names are the Auto Scaling Group names of the cluster. The first group's zone is the canary zone
	// unless canaryZone says otherwise; groups are updated one after another in this order.
	// +required
	// +listType=atomic
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=255
	// +kubebuilder:validation:items:Pattern=`^\S(.*\S)?$`
	// +kubebuilder:validation:XValidation:rule="self.all(x, self.exists_one(y, x == y))",message="target.autoScalingGroups.names must not repeat a group"
	Names []string `json:"names"`

	// canaryZone is the Availability Zone whose nodes are replaced first. Defaults to the zone of the first
	// group in names.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	CanaryZone string `json:"canaryZone,omitempty"`
}

// ElastiCacheTarget names one ElastiCache (Redis OSS or Valkey) replication group.
type ElastiCacheTarget struct {
	// replicationGroupId is the id of the replication group. It must carry the tag
	// cache-remediator.io/policy=<namespace>.<name> to opt in.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=40
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-zA-Z][a-zA-Z0-9-]*$')",message="replicationGroupId must start with a letter and contain only letters, digits and hyphens"
	ReplicationGroupID string `json:"replicationGroupId"`

	// snapshotBeforeModify takes a manual snapshot of the group, and waits for it to be available, before
	// the node type is changed or a service update applied.
	// +optional
	SnapshotBeforeModify bool `json:"snapshotBeforeModify,omitempty"`

	// enableAutomaticFailover lets the controller turn on automatic failover and Multi-AZ first when the
	// group lacks them (and wait until ElastiCache has applied them), as AWS recommends before any
	// maintenance. Without it such a group is Blocked: a change would then risk downtime.
	// +optional
	EnableAutomaticFailover bool `json:"enableAutomaticFailover,omitempty"`

	// testFailover fails every shard over once (TestFailover) before the change, to check that failover
	// works, and waits for each to recover. TestFailover is limited per account (15 node groups in a rolling
	// 24 hours); the controller keeps within the budget and shows what is left in status.
	// +optional
	TestFailover bool `json:"testFailover,omitempty"`

	// memoryHeadroomPercent is how much of the target node type's usable memory must stay free after a
	// scale-down: the data must fit in the rest. Defaults to 10.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=90
	MemoryHeadroomPercent *int32 `json:"memoryHeadroomPercent,omitempty"`

	// reservedMemoryPercent is the group's parameter group reserved-memory-percent: ElastiCache keeps that
	// share of a node's memory for backups and failovers, and the data must fit in the rest. Defaults to 25,
	// ElastiCache's default.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=90
	ReservedMemoryPercent *int32 `json:"reservedMemoryPercent,omitempty"`

	// targetNodeMemoryMiB is the memory (Redis maxmemory) of the desired node type, for a type the
	// controller does not know; a scale-down to an unknown type is otherwise Blocked.
	// +optional
	// +kubebuilder:validation:Minimum=1
	TargetNodeMemoryMiB *int64 `json:"targetNodeMemoryMiB,omitempty"`
}

// DesiredSpec is the AMI and instance type the nodes must run.
type DesiredSpec struct {
	// imageId is the AMI every node must boot from (autoScalingGroups targets only; required there).
	// +optional
	// +kubebuilder:validation:MaxLength=21
	// +kubebuilder:validation:XValidation:rule="self.matches('^ami-([0-9a-f]{8}|[0-9a-f]{17})$')",message="desired.imageId must be an AMI id: ami- followed by 8 or 17 lowercase hexadecimal digits"
	ImageID string `json:"imageId,omitempty"`

	// instanceType is the EC2 instance type (r6g.large) for autoScalingGroups targets, or the cache node type
	// (cache.r6g.large) for elastiCache targets.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	InstanceType string `json:"instanceType"`

	// serviceUpdates selects the ElastiCache service updates (the managed analog of an AMI patch) the group
	// must have applied (elastiCache targets only). ElastiCache applies them node by node, replicas first.
	// +optional
	ServiceUpdates *ServiceUpdateSelector `json:"serviceUpdates,omitempty"`
}

// ServiceUpdateSeverity is how urgent ElastiCache says a service update is.
// +kubebuilder:validation:Enum=critical;important;medium;low
type ServiceUpdateSeverity string

// ServiceUpdateSelector selects pending service updates: an update is applied when its name is listed, or
// when it matches severities and types (a list left empty matches any value, but at least one of the two
// must be set for this second way to select anything).
// +kubebuilder:validation:XValidation:rule="has(self.names) || has(self.severities) || has(self.types)",message="desired.serviceUpdates must list names, severities or types"
type ServiceUpdateSelector struct {
	// names are service update names, such as elc-20260101-001.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=20
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=128
	Names []string `json:"names,omitempty"`

	// severities are the severities to apply.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=4
	Severities []ServiceUpdateSeverity `json:"severities,omitempty"`

	// types are the service update types to apply (security-update, engine-update, ...).
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=8
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=64
	Types []string `json:"types,omitempty"`
}

// HealthSpec configures the health gates.
type HealthSpec struct {
	// redis probes each node over the Redis protocol: PING, not loading, no sync in progress, replicas' link
	// up, replication lag within bounds, no BGSAVE or AOF rewrite running.
	// +optional
	Redis *RedisHealth `json:"redis,omitempty"`

	// http probes a per-node status endpoint in the style of Dynomite-Manager: it must answer 2xx and report
	// healthy with no warm-up (cold bootstrap) or backup running.
	// +optional
	HTTP *HTTPHealth `json:"http,omitempty"`

	// stableFor is how long a gate must hold before it counts. Defaults to 30s. At most 1h.
	// +optional
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s') && duration(self) <= duration('1h')",message="health.stableFor must be a positive duration of at most 1h"
	StableFor *metav1.Duration `json:"stableFor,omitempty"`

	// nodeTimeout bounds one replacement (including the hand-off of a primary before it): a replacement that
	// is not healthy by then fails the step. Other steps (a bake, a cleanup) are not bounded by it.
	// Defaults to 20m. At most 24h.
	// +optional
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s') && duration(self) <= duration('24h')",message="health.nodeTimeout must be a positive duration of at most 24h"
	NodeTimeout *metav1.Duration `json:"nodeTimeout,omitempty"`

	// cloudWatch adds gates read from Amazon CloudWatch: metric thresholds per node or per group, and
	// named alarms. Where the controller cannot reach the nodes over the Redis protocol (another VPC, a
	// locked-down network), CloudWatch is its only view of the data plane.
	// +optional
	CloudWatch *CloudWatchHealth `json:"cloudWatch,omitempty"`

	// unsafeSkipDataPlaneGates accepts an autoScalingGroups target with neither a redis nor an http gate.
	// Nodes are then replaced on EC2 checks alone: the controller cannot tell a Redis primary from a
	// replica, so it does not hand the primary role off before terminating it, and it may terminate a node
	// while another one is still syncing its data. Set it only for caches whose data may be lost.
	// +optional
	UnsafeSkipDataPlaneGates bool `json:"unsafeSkipDataPlaneGates,omitempty"`
}

// RedisHealth configures the Redis probe.
type RedisHealth struct {
	// port is the Redis port on every node. Defaults to 6379.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port,omitempty"`

	// maxReplicationLagBytes is the largest replication offset difference between a replica and its
	// primary that still counts as caught up. Defaults to 1048576 (1 MiB).
	// +optional
	// +kubebuilder:validation:Minimum=0
	MaxReplicationLagBytes *int64 `json:"maxReplicationLagBytes,omitempty"`

	// passwordSecretRef names a key of a Secret in the policy's namespace that holds the Redis password
	// (with username, an ACL user's password; without, an AUTH token).
	// +optional
	PasswordSecretRef *SecretKeyReference `json:"passwordSecretRef,omitempty"`

	// username is the Redis ACL user the probes authenticate as (with passwordSecretRef).
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	Username string `json:"username,omitempty"`

	// tls connects to the nodes over TLS (ElastiCache in-transit encryption, or a self-managed node's TLS
	// port), and to the Sentinels too when sentinel is set.
	// +optional
	TLS *RedisTLS `json:"tls,omitempty"`

	// sentinel names the Redis Sentinels that watch the nodes (autoScalingGroups targets only). With it, the
	// primary role is handed off through Sentinel (SENTINEL FAILOVER) rather than behind its back, and the
	// gates check that every Sentinel answers, can reach its quorum, and names the same primary and replicas
	// as the nodes.
	// +optional
	Sentinel *RedisSentinel `json:"sentinel,omitempty"`
}

// RedisSentinel names the Sentinels that monitor the cluster's primary. They must name the nodes by their
// private IP addresses (Sentinel's default; not announce-hostnames), as the controller does.
type RedisSentinel struct {
	// addresses are the Sentinels as host:port (10.0.0.5:26379, sentinel-0.cache.internal:26379,
	// [fd00::5]:26379). Every one of them is asked; one that does not answer blocks the rollout.
	// +required
	// +listType=atomic
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MaxLength=262
	// +kubebuilder:validation:items:XValidation:rule=`self.matches('^(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$')`,message="health.redis.sentinel.addresses must be host:port with a port from 1 to 65535, such as 10.0.0.5:26379, sentinel-0.cache.internal:26379 or [fd00::5]:26379"
	// +kubebuilder:validation:items:XValidation:rule=`!self.matches('^[0-9.]+:') || self.matches('^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])[.]){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9]):')`,message="health.redis.sentinel.addresses: a host of digits and dots must be an IPv4 address (four numbers from 0 to 255)"
	// +kubebuilder:validation:XValidation:rule="self.all(x, self.exists_one(y, x == y))",message="health.redis.sentinel.addresses must not repeat a Sentinel"
	Addresses []string `json:"addresses"`

	// masterName is the name the Sentinels monitor the primary under (sentinel monitor <masterName> ...).
	// +required
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:XValidation:rule=`self.matches('^\\S+$')`,message="health.redis.sentinel.masterName must be the name the Sentinels monitor the primary under (sentinel monitor <masterName> ...): not empty, without spaces"
	MasterName string `json:"masterName"`

	// passwordSecretRef names a key of a Secret in the policy's namespace that holds the Sentinels' own
	// password (their requirepass; with username, an ACL user's password). The nodes' password is
	// health.redis.passwordSecretRef.
	// +optional
	PasswordSecretRef *SecretKeyReference `json:"passwordSecretRef,omitempty"`

	// username is the Sentinel ACL user the controller authenticates as (with passwordSecretRef).
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	Username string `json:"username,omitempty"`
}

// RedisTLS configures TLS to the nodes.
type RedisTLS struct {
	// caSecretRef names a key of a Secret in the policy's namespace holding the PEM certificates that sign
	// the nodes' certificates. Defaults to the system's roots (ElastiCache's certificates are publicly
	// trusted).
	// +optional
	CASecretRef *SecretKeyReference `json:"caSecretRef,omitempty"`

	// serverName is the name the nodes' certificates are checked against. Defaults to the address the probe
	// connects to.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	ServerName string `json:"serverName,omitempty"`

	// insecureSkipVerify skips checking the nodes' certificates. The connection is still encrypted, but
	// anyone between the controller and the nodes can read the password.
	// +optional
	InsecureSkipVerify bool `json:"insecureSkipVerify,omitempty"`
}

// SecretKeyReference names one key of a Secret in the policy's namespace.
type SecretKeyReference struct {
	// name is the Secret's name.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// key is the key within the Secret.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Key string `json:"key"`
}

// HTTPHealth configures the HTTP status probe.
type HTTPHealth struct {
	// port is the status endpoint's port on every node.
	// +required
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int32 `json:"port"`

	// path is the status endpoint's path, e.g. /REST/v1/admin/status.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:XValidation:rule="self.startsWith('/')",message="health.http.path must start with /"
	Path string `json:"path"`
}

// ReplacementStrategy says whether a node is removed before or after its replacement is launched.
// +kubebuilder:validation:Enum=TerminateFirst;SurgeFirst
type ReplacementStrategy string

const (
	// TerminateFirst terminates the old node without decrementing the group's capacity, so the group
	// launches the replacement. Needs no spare capacity; the cluster runs one node short meanwhile.
	TerminateFirst ReplacementStrategy = "TerminateFirst"
	// SurgeFirst raises the group's capacity by one, waits for the new node to be healthy, then terminates
	// the old node with a decrement. Capacity never drops below the original.
	SurgeFirst ReplacementStrategy = "SurgeFirst"
)

// StrategySpec configures how the rollout proceeds.
type StrategySpec struct {
	// canary replaces the first nodes alone and watches them before the rest.
	// +optional
	Canary CanarySpec `json:"canary,omitempty"`

	// replacement is TerminateFirst (default) or SurgeFirst.
	// +optional
	Replacement ReplacementStrategy `json:"replacement,omitempty"`

	// rollbackOnFailure rolls the already replaced nodes back to the last good AMI and type when a step
	// fails, with the same one-node-at-a-time machinery and gates. Without it the rollout halts in Failed.
	// +optional
	RollbackOnFailure bool `json:"rollbackOnFailure,omitempty"`

	// keepLaunchTemplateVersions is how many launch template versions this policy created are kept after a
	// successful rollout (older ones are deleted). Defaults to 3.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	KeepLaunchTemplateVersions int32 `json:"keepLaunchTemplateVersions,omitempty"`
}

// CanarySpec configures the canary stage.
type CanarySpec struct {
	// nodes is how many nodes are replaced before the bake. 0 disables the canary. Defaults to 1.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	Nodes *int32 `json:"nodes,omitempty"`

	// bakeTime is how long the canary nodes are watched (every gate keeps being evaluated) before the rest
	// of the cluster is touched. Defaults to 10m. At most 48h.
	// +optional
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('0s') && duration(self) <= duration('48h')",message="strategy.canary.bakeTime must be a duration between 0s and 48h"
	BakeTime *metav1.Duration `json:"bakeTime,omitempty"`
}
