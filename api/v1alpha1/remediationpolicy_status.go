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

// Phase summarises where a policy's rollout is.
// +kubebuilder:validation:Enum=Pending;Progressing;Paused;Blocked;Succeeded;Failed;RollingBack;RolledBack
type Phase string

const (
	// PhasePending: the policy has been accepted but nothing has been observed or decided yet.
	PhasePending Phase = "Pending"
	// PhaseProgressing: nodes are being replaced.
	PhaseProgressing Phase = "Progressing"
	// PhasePaused: the user paused the policy; no new step starts.
	PhasePaused Phase = "Paused"
	// PhaseBlocked: the target or the cluster does not allow a step (bad target, conflict, a gate that does
	// not hold); the reason is in status.blockedBy and the Ready condition.
	PhaseBlocked Phase = "Blocked"
	// PhaseSucceeded: every node runs the desired AMI and type and is healthy.
	PhaseSucceeded Phase = "Succeeded"
	// PhaseFailed: a step failed; the rollout halted with the cluster healthy. Not retried until the spec
	// changes or the retry annotation is set.
	PhaseFailed Phase = "Failed"
	// PhaseRollingBack: a step failed and the replaced nodes are being moved back to status.lastGood.
	PhaseRollingBack Phase = "RollingBack"
	// PhaseRolledBack: the rollback finished; every node runs status.lastGood.
	PhaseRolledBack Phase = "RolledBack"
)

// StepType names one step of the remediation loop.
// +kubebuilder:validation:Enum=PrepareLaunchTemplate;HandOffPrimary;ReplaceNode;SurgeNode;Bake;Cleanup;EnableAutomaticFailover;Snapshot;TestFailover;ModifyReplicationGroup;ApplyServiceUpdate
type StepType string

const (
	// StepPrepareLaunchTemplate creates a launch template version (or launch configuration) with the
	// desired AMI and type and points every group at it.
	StepPrepareLaunchTemplate StepType = "PrepareLaunchTemplate"
	// StepHandOffPrimary moves the Redis primary role to the most caught-up replica before its node goes.
	StepHandOffPrimary StepType = "HandOffPrimary"
	// StepReplaceNode terminates a node without decrementing capacity and waits for its replacement.
	StepReplaceNode StepType = "ReplaceNode"
	// StepSurgeNode launches a replacement first, then terminates the old node with a decrement.
	StepSurgeNode StepType = "SurgeNode"
	// StepBake watches the canary nodes for strategy.canary.bakeTime.
	StepBake StepType = "Bake"
	// StepCleanup deletes launch template versions and launch configurations the rollout no longer needs.
	StepCleanup StepType = "Cleanup"
	// StepEnableAutomaticFailover turns on an ElastiCache group's automatic failover and Multi-AZ and waits
	// until ElastiCache has applied them.
	StepEnableAutomaticFailover StepType = "EnableAutomaticFailover"
	// StepSnapshot takes a manual snapshot of an ElastiCache group and waits until it is available.
	StepSnapshot StepType = "Snapshot"
	// StepTestFailover fails one shard of an ElastiCache group over and waits until it has recovered.
	StepTestFailover StepType = "TestFailover"
	// StepModifyReplicationGroup changes an ElastiCache group's node type and watches ElastiCache replace
	// the nodes.
	StepModifyReplicationGroup StepType = "ModifyReplicationGroup"
	// StepApplyServiceUpdate applies pending ElastiCache service updates (the managed analog of an AMI).
	StepApplyServiceUpdate StepType = "ApplyServiceUpdate"
)

// StepPurpose says whether a step moves toward spec.desired or back to status.lastGood.
// +kubebuilder:validation:Enum=Rollout;Rollback
type StepPurpose string

const (
	// PurposeRollout moves a node toward spec.desired.
	PurposeRollout StepPurpose = "Rollout"
	// PurposeRollback moves a node back to status.lastGood.
	PurposeRollback StepPurpose = "Rollback"
)

// NodeRole is a node's role in its cache cluster.
// +kubebuilder:validation:Enum=Primary;Replica;Node;Unknown
type NodeRole string

const (
	// RolePrimary is a Redis primary (master).
	RolePrimary NodeRole = "Primary"
	// RoleReplica is a Redis replica.
	RoleReplica NodeRole = "Replica"
	// RoleNode is a node without a leader/follower role (Dynomite, or no Redis probe configured).
	RoleNode NodeRole = "Node"
	// RoleUnknown: the role could not be observed (the probe failed).
	RoleUnknown NodeRole = "Unknown"
)

// NodeState is where a node stands in the rollout.
// +kubebuilder:validation:Enum=Outdated;Replacing;Launching;Updated;Terminating
type NodeState string

const (
	// NodeOutdated runs another AMI or type than the rollout's goal.
	NodeOutdated NodeState = "Outdated"
	// NodeReplacing is the node the in-flight step is replacing.
	NodeReplacing NodeState = "Replacing"
	// NodeLaunching is a new node that is not yet InService and healthy for stableFor.
	NodeLaunching NodeState = "Launching"
	// NodeUpdated runs the goal AMI and type.
	NodeUpdated NodeState = "Updated"
	// NodeTerminating is an old node on its way out.
	NodeTerminating NodeState = "Terminating"
)

// ImageAndType is an AMI and instance type pair.
type ImageAndType struct {
	// imageId is the AMI (empty for ElastiCache).
	// +optional
	// +kubebuilder:validation:MaxLength=21
	ImageID string `json:"imageId,omitempty"`

	// instanceType is the EC2 instance type or cache node type.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	InstanceType string `json:"instanceType,omitempty"`
}

// NodeStatus is one node's line in the ledger.
type NodeStatus struct {
	// instanceId is the node's EC2 instance id (or cache cluster id for ElastiCache).
	// +required
	// +kubebuilder:validation:MaxLength=64
	InstanceID string `json:"instanceId"`

	// replacedInstanceId is the instance this node replaced during the rollout, if any.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	ReplacedInstanceID string `json:"replacedInstanceId,omitempty"`

	// group is the Auto Scaling Group (or node group) the node belongs to.
	// +optional
	// +kubebuilder:validation:MaxLength=255
	Group string `json:"group,omitempty"`

	// zone is the node's Availability Zone.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	Zone string `json:"zone,omitempty"`

	// privateIp is the node's private IP address, where the health probes connect.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	PrivateIP string `json:"privateIp,omitempty"`

	// role is the node's role: Primary, Replica, Node or Unknown.
	// +optional
	Role NodeRole `json:"role,omitempty"`

	// imageId is the AMI the node runs.
	// +optional
	// +kubebuilder:validation:MaxLength=21
	ImageID string `json:"imageId,omitempty"`

	// instanceType is the node's instance type.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	InstanceType string `json:"instanceType,omitempty"`

	// state is where the node stands in the rollout.
	// +optional
	State NodeState `json:"state,omitempty"`

	// lifecycleState is the node's Auto Scaling lifecycle state (InService, Pending, Terminating, ...).
	// +optional
	// +kubebuilder:validation:MaxLength=64
	LifecycleState string `json:"lifecycleState,omitempty"`

	// healthy is whether every configured gate holds for this node.
	// +optional
	Healthy bool `json:"healthy,omitempty"`

	// healthySince is since when every gate of the node has held without interruption; a node counts as
	// stable once it has held for health.stableFor.
	// +optional
	HealthySince *metav1.Time `json:"healthySince,omitempty"`

	// launchedAt is when the node was launched.
	// +optional
	LaunchedAt *metav1.Time `json:"launchedAt,omitempty"`

	// updatedAt is when the node became healthy on the goal AMI and type during this rollout.
	// +optional
	UpdatedAt *metav1.Time `json:"updatedAt,omitempty"`
}

// StepStatus is the in-flight step: the one breadcrumb that survives a controller restart. It is written
// before the step's AWS call, so a restarted controller resumes the step instead of repeating it.
type StepStatus struct {
	// type is the step's kind.
	// +required
	Type StepType `json:"type"`

	// purpose is Rollout (toward spec.desired) or Rollback (toward status.lastGood).
	// +required
	Purpose StepPurpose `json:"purpose"`

	// goal is the AMI and type the step moves the node to.
	// +required
	Goal ImageAndType `json:"goal"`

	// instanceId is the node the step acts on (the node being replaced or handed off).
	// +optional
	// +kubebuilder:validation:MaxLength=64
	InstanceID string `json:"instanceId,omitempty"`

	// group is the Auto Scaling Group (or ElastiCache node group) of the node.
	// +optional
	// +kubebuilder:validation:MaxLength=255
	Group string `json:"group,omitempty"`

	// zone is the Availability Zone of the node.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	Zone string `json:"zone,omitempty"`

	// replacementInstanceId is the node launched to replace instanceId, once observed.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	ReplacementInstanceID string `json:"replacementInstanceId,omitempty"`

	// handOffTo is the replica a HandOffPrimary step gives the primary role to, chosen when the step started.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	HandOffTo string `json:"handOffTo,omitempty"`

	// actionTaken records that the step's mutating call was made (so it is never made twice).
	// +optional
	ActionTaken bool `json:"actionTaken,omitempty"`

	// attempts counts how often the step's action was issued: a hand-off that Redis aborted is issued again,
	// a bounded number of times; a refused action is tried again with backoff.
	// +optional
	// +kubebuilder:validation:Minimum=0
	Attempts int32 `json:"attempts,omitempty"`

	// retryAt is set when AWS refused the step's action (AccessDenied, UnauthorizedOperation, a validation
	// error): the action is not tried again before then, and the policy is Blocked meanwhile.
	// +optional
	RetryAt *metav1.Time `json:"retryAt,omitempty"`

	// startedAt is when the step started; a replacement fails at startedAt + health.nodeTimeout.
	// +required
	StartedAt metav1.Time `json:"startedAt"`

	// healthySince is when the replacement was first seen healthy; it counts after health.stableFor.
	// +optional
	HealthySince *metav1.Time `json:"healthySince,omitempty"`

	// message says what the step is waiting for.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message,omitempty"`

	// asg holds what only an Auto Scaling group step needs.
	// +optional
	ASG *ASGStepStatus `json:"asg,omitempty"`

	// elastiCache holds what only an ElastiCache step needs.
	// +optional
	ElastiCache *ElastiCacheStepStatus `json:"elastiCache,omitempty"`
}

// ElastiCacheStepStatus is what an ElastiCache step remembers.
type ElastiCacheStepStatus struct {
	// fromNodeType is the group's node type when the step started: a change that ends back on it was
	// reverted by ElastiCache.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	FromNodeType string `json:"fromNodeType,omitempty"`

	// serviceUpdates are the service updates the step applies.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=20
	// +kubebuilder:validation:items:MaxLength=128
	ServiceUpdates []string `json:"serviceUpdates,omitempty"`

	// nodeGroup is the shard a TestFailover step fails over.
	// +optional
	// +kubebuilder:validation:MaxLength=8
	NodeGroup string `json:"nodeGroup,omitempty"`

	// primary is the cache cluster that was the shard's primary when a TestFailover step started.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	Primary string `json:"primary,omitempty"`

	// snapshot is the name of the snapshot a Snapshot step takes.
	// +optional
	// +kubebuilder:validation:MaxLength=255
	Snapshot string `json:"snapshot,omitempty"`
}

// ASGStepStatus is what an Auto Scaling group step remembers.
type ASGStepStatus struct {
	// launchedAfter is the launch time of the newest instance of the step's group when the step started (as
	// AWS reports it): the replacement is the instance launched after it. One time, not a list of instances,
	// so the status stays small for a group of any size.
	// +optional
	LaunchedAfter *metav1.Time `json:"launchedAfter,omitempty"`

	// originalCapacity is the group's desired capacity and max size before a SurgeNode step raised them;
	// the step restores them, and never lets the group drop below them.
	// +optional
	OriginalCapacity *GroupCapacity `json:"originalCapacity,omitempty"`

	// unwinding is set once a SurgeNode step has failed: the surged node is removed and the group's desired
	// capacity and max size are put back before the failure is acted on (a rollback or a halt), so a failed
	// surge never leaves a broken extra node or a raised max size behind.
	// +optional
	Unwinding bool `json:"unwinding,omitempty"`

	// handOffRefusal says why the last attempt of a HandOffPrimary step through Sentinel did not start: the
	// Sentinel's refusal (NOGOODSLAVE), or replicas that did not catch up with the primary's held writes. The
	// step's message quotes it when the hand-off is asked again.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	HandOffRefusal string `json:"handOffRefusal,omitempty"`
}

// GroupCapacity is an Auto Scaling group's desired capacity and max size.
type GroupCapacity struct {
	// desired is the group's desired capacity.
	// +required
	// +kubebuilder:validation:Minimum=0
	Desired int32 `json:"desired"`

	// max is the group's max size.
	// +required
	// +kubebuilder:validation:Minimum=0
	Max int32 `json:"max"`
}

// RolloutRecord remembers the milestone of the rollout toward one goal that AWS cannot show: that the canary
// baked. It is replaced when the goal changes.
type RolloutRecord struct {
	// goal is the AMI and type the rollout moves to (spec.desired, or lastGood while rolling back).
	// +required
	Goal ImageAndType `json:"goal"`

	// canaryBakedAt is when the canary nodes finished their bake with every gate holding.
	// +optional
	CanaryBakedAt *metav1.Time `json:"canaryBakedAt,omitempty"`

	// fastestReplacement is the shortest time a node replacement of this rollout took from its step's start
	// to the replacement healthy: the controller looks at the next replacement that long after its start,
	// rather than polling while it boots.
	// +optional
	FastestReplacement *metav1.Duration `json:"fastestReplacement,omitempty"`

	// elastiCache holds the milestones only an ElastiCache rollout has.
	// +optional
	ElastiCache *ElastiCacheRolloutRecord `json:"elastiCache,omitempty"`
}

// ElastiCacheRolloutRecord remembers the milestones of an ElastiCache rollout toward one goal.
type ElastiCacheRolloutRecord struct {
	// snapshotAt is when the snapshot asked for before the change became available.
	// +optional
	SnapshotAt *metav1.Time `json:"snapshotAt,omitempty"`

	// failoverTested are the shards whose TestFailover recovered.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=500
	// +kubebuilder:validation:items:MaxLength=8
	FailoverTested []string `json:"failoverTested,omitempty"`
}

// GateResult is the last evaluation of one health gate over the whole cluster: one entry per gate, however
// many nodes it is evaluated on, so the status stays small for a cluster of any size.
type GateResult struct {
	// name is the gate's name (InService, EC2Status, RedisReplication, HTTPStatus, Capacity, ...).
	// +required
	// +kubebuilder:validation:MaxLength=64
	Name string `json:"name"`

	// instanceId is the first node the gate does not hold on (empty when it holds, or for a cluster gate).
	// +optional
	// +kubebuilder:validation:MaxLength=64
	InstanceID string `json:"instanceId,omitempty"`

	// status is True when the gate holds on every node it applies to, False when it does not.
	// +required
	Status metav1.ConditionStatus `json:"status"`

	// nodes is how many nodes the gate was evaluated on (0 for a cluster gate).
	// +optional
	// +kubebuilder:validation:Minimum=0
	Nodes int32 `json:"nodes,omitempty"`

	// failingNodes is how many of them it does not hold on.
	// +optional
	// +kubebuilder:validation:Minimum=0
	FailingNodes int32 `json:"failingNodes,omitempty"`

	// reason is a CamelCase word saying why (of the first node it does not hold on).
	// +optional
	// +kubebuilder:validation:MaxLength=64
	Reason string `json:"reason,omitempty"`

	// message is a human-readable explanation (of the first node it does not hold on).
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message,omitempty"`

	// since is when the gate last changed status on the cluster: for a gate that holds, since when it has
	// held on every node.
	// +optional
	Since *metav1.Time `json:"since,omitempty"`
}

// ElastiCacheStatus is what only an ElastiCache target remembers.
type ElastiCacheStatus struct {
	// testFailovers are when this policy called TestFailover (one per shard) in the last 24 hours: the
	// account's budget counts them.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=100
	TestFailovers []metav1.Time `json:"testFailovers,omitempty"`

	// testFailoverBudget is how many TestFailover node groups the account has left in the rolling 24 hours,
	// as far as this controller knows (its own policies' calls), when it last looked.
	// +optional
	TestFailoverBudget *int32 `json:"testFailoverBudget,omitempty"`

	// testFailoverRefusedUntil is set when ElastiCache refused TestFailover because the account's quota was
	// used up (by callers other than this controller): the budget counts as 0 until then, and the test is
	// asked for again after it.
	// +optional
	TestFailoverRefusedUntil *metav1.Time `json:"testFailoverRefusedUntil,omitempty"`

	// snapshots are the snapshots the controller took before changes (newest last, at most 10).
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=10
	// +kubebuilder:validation:items:MaxLength=255
	Snapshots []string `json:"snapshots,omitempty"`

	// usedMemoryBytes is the data of the group's fullest shard, as last measured: Redis INFO used_memory of
	// the shard primaries or, where Redis does not answer, CloudWatch's BytesUsedForCache of the fullest
	// member.
	// +optional
	UsedMemoryBytes *int64 `json:"usedMemoryBytes,omitempty"`
}

// ASGStatus is what only an Auto Scaling group target remembers.
type ASGStatus struct {
	// supersededLaunchConfigurations are launch configurations the groups used before the controller
	// pointed them at its own copies; they are deleted once the rollout succeeds and no group uses them.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=255
	SupersededLaunchConfigurations []string `json:"supersededLaunchConfigurations,omitempty"`

	// cleanupDue is set before the controller creates a launch template version or launch configuration,
	// and cleared once the rollout's cleanup finished: a rollout that created nothing cleans nothing up.
	// +optional
	CleanupDue bool `json:"cleanupDue,omitempty"`
}

// FailedTarget records a goal that failed, so the same AMI and type are not retried until the spec changes
// or the user sets the retry annotation.
type FailedTarget struct {
	// goal is the AMI and type that failed.
	// +required
	Goal ImageAndType `json:"goal"`

	// generation is the policy generation that failed.
	// +optional
	Generation int64 `json:"generation,omitempty"`

	// reason is a CamelCase word saying why it failed.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	Reason string `json:"reason,omitempty"`

	// message is a human-readable explanation.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message,omitempty"`

	// failedAt is when the failure was detected.
	// +optional
	FailedAt *metav1.Time `json:"failedAt,omitempty"`

	// rollbackFailed says the rollback to lastGood failed too; the controller then halts in Failed.
	// +optional
	RollbackFailed bool `json:"rollbackFailed,omitempty"`
}

// RemediationPolicyStatus is what the controller observed and decided.
type RemediationPolicyStatus struct {
	// observedGeneration is the spec generation the last successful reconcile acted on.
	// +optional
	// +kubebuilder:validation:Minimum=1
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// phase summarises the rollout: Pending, Progressing, Paused, Blocked, Succeeded, Failed, RollingBack,
	// RolledBack.
	// +optional
	Phase Phase `json:"phase,omitempty"`

	// conditions are Ready, Progressing, Degraded and Paused, plus Reconciling and Stalled for kstatus.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=16
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// target is a one-line summary of the target for kubectl get, e.g. asg/sessions-a(+2).
	// +optional
	// +kubebuilder:validation:MaxLength=300
	Target string `json:"target,omitempty"`

	// updatedNodes is how many nodes run the goal AMI and type and are healthy.
	// +optional
	UpdatedNodes int32 `json:"updatedNodes,omitempty"`

	// totalNodes is how many nodes the cluster should have.
	// +optional
	TotalNodes int32 `json:"totalNodes,omitempty"`

	// updated is updatedNodes/totalNodes, for kubectl get; empty until the cluster was observed.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	Updated string `json:"updated,omitempty"`

	// nodes is the ledger: one line per node of the cluster (and per node replaced during the rollout).
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=1000
	Nodes []NodeStatus `json:"nodes,omitempty"`

	// currentStep is the in-flight step, if any.
	// +optional
	CurrentStep *StepStatus `json:"currentStep,omitempty"`

	// lastGood is the last AMI and type every node ran healthily; rollbacks go there.
	// +optional
	LastGood *ImageAndType `json:"lastGood,omitempty"`

	// rollout records the milestones of the rollout toward the current goal (canary baked, cleaned up).
	// +optional
	Rollout *RolloutRecord `json:"rollout,omitempty"`

	// asg is what only an Auto Scaling group target remembers.
	// +optional
	ASG *ASGStatus `json:"asg,omitempty"`

	// elastiCache is what only an ElastiCache target remembers.
	// +optional
	ElastiCache *ElastiCacheStatus `json:"elastiCache,omitempty"`

	// failedTarget is the goal that last failed; it is not retried until the spec changes or the retry
	// annotation is set.
	// +optional
	FailedTarget *FailedTarget `json:"failedTarget,omitempty"`

	// lastHandledRetry is the value of the retry annotation the controller last acted on.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	LastHandledRetry string `json:"lastHandledRetry,omitempty"`

	// gates are the last results of the health gates, one entry per gate.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	Gates []GateResult `json:"gates,omitempty"`

	// blockedBy is the reason (a CamelCase word) of whatever keeps the next step from starting, for kubectl
	// get -o wide; the Ready condition's message says it in a sentence.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	BlockedBy string `json:"blockedBy,omitempty"`

	// schedule says whether spec.schedule lets a step start now, and when that changes.
	// +optional
	Schedule *ScheduleStatus `json:"schedule,omitempty"`

	// plan is the rest of the rollout as the controller would carry it out from what it observes now:
	// the steps after the one in flight. A paused policy shows it too, so pausing and then setting a new
	// goal previews the rollout without acting.
	// +optional
	Plan *PlanStatus `json:"plan,omitempty"`
}

// ScheduleStatus is the maintenance schedule's state when the policy was last reconciled.
type ScheduleStatus struct {
	// open is true while a maintenance window is open: a new step may start.
	Open bool `json:"open"`

	// opensAt is when the next window opens, while none is.
	// +optional
	OpensAt *metav1.Time `json:"opensAt,omitempty"`

	// closesAt is when the open window closes.
	// +optional
	ClosesAt *metav1.Time `json:"closesAt,omitempty"`

	// window says it in a few words for kubectl get, in the window's time zone: "open until
	// 2026-11-24T06:00:00+01:00" or "opens 2026-11-24T02:00:00+01:00".
	// +optional
	// +kubebuilder:validation:MaxLength=128
	Window string `json:"window,omitempty"`
}

// MaxPlannedSteps is how many steps status.plan lists; plan.remaining counts them all.
const MaxPlannedSteps = 20

// PlanStatus is the remaining plan of a rollout.
type PlanStatus struct {
	// steps are the next steps in the order the controller would take them, at most 20.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=20
	Steps []PlannedStep `json:"steps,omitempty"`

	// remaining counts every step left after the one in flight, listed or not.
	Remaining int32 `json:"remaining"`

	// primaryHandOffs counts the hand-offs of the Redis primary role the plan holds.
	// +optional
	PrimaryHandOffs int32 `json:"primaryHandOffs,omitempty"`

	// next is the next step in a few words, for kubectl get -o wide.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	Next string `json:"next,omitempty"`
}

// PlannedStep is one step of the plan.
type PlannedStep struct {
	// type is the step's type.
	Type StepType `json:"type"`

	// instanceId is the node the step acts on (an instance, or an ElastiCache cache cluster).
	// +optional
	// +kubebuilder:validation:MaxLength=64
	InstanceID string `json:"instanceId,omitempty"`

	// group is the node's Auto Scaling group, or the ElastiCache shard (node group) the step acts on.
	// +optional
	// +kubebuilder:validation:MaxLength=255
	Group string `json:"group,omitempty"`

	// zone is the node's Availability Zone.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	Zone string `json:"zone,omitempty"`

	// role is the node's role now.
	// +optional
	Role NodeRole `json:"role,omitempty"`

	// detail says what the step does where the type does not: the canary, a predicted hand-off, the
	// service update applied.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	Detail string `json:"detail,omitempty"`
}

// RemediationPolicy moves one cache cluster's nodes to a desired AMI and instance type, one node at a time,
// only while health gates hold.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=rp,categories=cache-remediator
// +kubebuilder:printcolumn:name="Target",type=string,JSONPath=`.status.target`
// +kubebuilder:printcolumn:name="Image",type=string,JSONPath=`.spec.desired.imageId`
// +kubebuilder:printcolumn:name="Type",type=string,JSONPath=`.spec.desired.instanceType`
// +kubebuilder:printcolumn:name="Updated",type=string,JSONPath=`.status.updated`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Node",type=string,JSONPath=`.status.currentStep.instanceId`
// +kubebuilder:printcolumn:name="Step",type=string,JSONPath=`.status.currentStep.type`,priority=1
// +kubebuilder:printcolumn:name="Blocked-By",type=string,JSONPath=`.status.blockedBy`,priority=1
// +kubebuilder:printcolumn:name="Next",type=string,JSONPath=`.status.plan.next`,priority=1
// +kubebuilder:printcolumn:name="Window",type=string,JSONPath=`.status.schedule.window`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type RemediationPolicy struct {
	metav1.TypeMeta `json:",inline"`

	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec declares the target, the desired AMI and type, the gates and the strategy.
	// +required
	Spec RemediationPolicySpec `json:"spec"`

	// status is what the controller observed and decided.
	// +optional
	Status RemediationPolicyStatus `json:"status,omitempty"`
}

// RemediationPolicyList is a list of RemediationPolicy.
// +kubebuilder:object:root=true
type RemediationPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// items are the policies.
	Items []RemediationPolicy `json:"items"`
}

func init() {
	SchemeBuilder.Register(&RemediationPolicy{}, &RemediationPolicyList{})
}
