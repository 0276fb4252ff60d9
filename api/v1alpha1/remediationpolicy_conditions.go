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

// Condition types. Ready is the summary; Progressing, Degraded and Paused say why it is not (yet) True.
// Reconciling and Stalled mirror Progressing and Degraded-with-no-way-forward for kstatus-based tools
// (kubectl wait, Flux, Argo CD's generic health), which read only those two and observedGeneration.
const (
	// ConditionReady is True when every node runs the desired AMI and type and every gate holds.
	ConditionReady = "Ready"
	// ConditionProgressing is True while a rollout or rollback is moving nodes.
	ConditionProgressing = "Progressing"
	// ConditionDegraded is True when a step failed or the target is unusable; the rollout is halted.
	ConditionDegraded = "Degraded"
	// ConditionPaused is True while the policy is paused (spec.paused or the paused annotation).
	ConditionPaused = "Paused"
	// ConditionReconciling is the kstatus name for "work in progress": it mirrors Progressing.
	ConditionReconciling = "Reconciling"
	// ConditionStalled is the kstatus name for "cannot make progress without a change from the user".
	ConditionStalled = "Stalled"
)

// Condition reasons. Each is used as a condition's Reason and as the reason of the matching event.
const (
	// ReasonPending: the policy was accepted and is waiting for its first observation.
	ReasonPending = "Pending"
	// ReasonEngineNotImplemented: the remediation engine for this target kind is not available in this build.
	ReasonEngineNotImplemented = "EngineNotImplemented"
	// ReasonUpToDate: every node runs the desired AMI and type.
	ReasonUpToDate = "UpToDate"
	// ReasonRollingOut: nodes are being replaced toward spec.desired.
	ReasonRollingOut = "RollingOut"
	// ReasonRollingBack: replaced nodes are being moved back to status.lastGood.
	ReasonRollingBack = "RollingBack"
	// ReasonRolledBack: the rollback finished.
	ReasonRolledBack = "RolledBack"
	// ReasonPausedBySpec: spec.paused is true.
	ReasonPausedBySpec = "PausedBySpec"
	// ReasonOutsideMaintenanceWindow: spec.schedule has no window open; the next step waits for one.
	ReasonOutsideMaintenanceWindow = "OutsideMaintenanceWindow"
	// ReasonPausedByAnnotation: the paused annotation is set.
	ReasonPausedByAnnotation = "PausedByAnnotation"
	// ReasonNotPaused: the policy is not paused.
	ReasonNotPaused = "NotPaused"
	// ReasonAsExpected: nothing is wrong.
	ReasonAsExpected = "AsExpected"
	// ReasonNodeTimeout: a replacement was not healthy within health.nodeTimeout.
	ReasonNodeTimeout = "NodeTimeout"
	// ReasonGateFailedDuringBake: a gate stopped holding while the canary baked.
	ReasonGateFailedDuringBake = "GateFailedDuringBake"
	// ReasonGroupNotFound: an Auto Scaling Group of the target does not exist.
	ReasonGroupNotFound = "GroupNotFound"
	// ReasonReplicationGroupNotFound: the ElastiCache replication group does not exist.
	ReasonReplicationGroupNotFound = "ReplicationGroupNotFound"
	// ReasonNotOptedIn: a target resource lacks the opt-in tag cache-remediator.io/policy=<namespace>.<name>.
	ReasonNotOptedIn = "NotOptedIn"
	// ReasonConflict: another policy already targets the same resource.
	ReasonConflict = "Conflict"
	// ReasonImageNotFound: the desired AMI does not exist.
	ReasonImageNotFound = "ImageNotFound"
	// ReasonImageNotAvailable: the desired AMI exists but is not in state available.
	ReasonImageNotAvailable = "ImageNotAvailable"
	// ReasonArchitectureMismatch: the AMI's architecture does not match the instance type's.
	ReasonArchitectureMismatch = "ArchitectureMismatch"
	// ReasonInstanceTypeNotFound: the desired instance type does not exist.
	ReasonInstanceTypeNotFound = "InstanceTypeNotFound"
	// ReasonNodeTypeNotAllowed: ElastiCache does not allow modifying the group to the desired node type.
	ReasonNodeTypeNotAllowed = "NodeTypeNotAllowed"
	// ReasonAutomaticFailoverDisabled: an ElastiCache group lacks automatic failover or Multi-AZ, and the spec
	// does not let the controller turn them on.
	ReasonAutomaticFailoverDisabled = "AutomaticFailoverDisabled"
	// ReasonNoReplica: a shard of an ElastiCache group has no replica, so a change would take it down.
	ReasonNoReplica = "NoReplica"
	// ReasonDataDoesNotFit: the data would not fit in the target node type's usable memory with headroom.
	ReasonDataDoesNotFit = "DataDoesNotFit"
	// ReasonMemoryUnknown: the controller cannot tell whether the data fits the target node type.
	ReasonMemoryUnknown = "MemoryUnknown"
	// ReasonGlobalDatastoreMember: the group is part of a Global Datastore, which is changed through its
	// global group.
	ReasonGlobalDatastoreMember = "GlobalDatastoreMember"
	// ReasonTestFailoverBudgetExhausted: the account's TestFailover budget is used up for now.
	ReasonTestFailoverBudgetExhausted = "TestFailoverBudgetExhausted"
	// ReasonModificationReverted: ElastiCache reverted the node type change (see its events).
	ReasonModificationReverted = "ModificationReverted"
	// ReasonServiceUpdateNotApplied: ElastiCache did not apply a service update (stopped, not applicable, or
	// refused).
	ReasonServiceUpdateNotApplied = "ServiceUpdateNotApplied"
	// ReasonSnapshotFailed: the snapshot asked for before the change failed.
	ReasonSnapshotFailed = "SnapshotFailed"
	// ReasonChangeTimeout: an ElastiCache change did not finish within health.nodeTimeout per node; the
	// controller stops waiting (ElastiCache may go on).
	ReasonChangeTimeout = "ChangeTimeout"
	// ReasonGateBlocked: a health gate does not hold, so the next disruptive step waits.
	ReasonGateBlocked = "GateBlocked"
	// ReasonNoNodes: the target has no instances; there is nothing to remediate (never Succeeded).
	ReasonNoNodes = "NoNodes"
	// ReasonReplacementUnhealthy: a replacement is InService but its cache does not answer; the step waits
	// for it until health.nodeTimeout.
	ReasonReplacementUnhealthy = "ReplacementUnhealthy"
	// ReasonHandOffAborted: Redis aborted the hand-off of the primary role (the replica did not catch up in
	// time); it is issued again, a bounded number of times.
	ReasonHandOffAborted = "HandOffAborted"
	// ReasonHandOffFailed: Redis aborted the hand-off every time it was issued; the primary was not touched.
	ReasonHandOffFailed = "HandOffFailed"
	// ReasonSentinelUnreachable: a Sentinel of health.redis.sentinel does not answer (nothing listening, AUTH
	// refused, a timeout).
	ReasonSentinelUnreachable = "SentinelUnreachable"
	// ReasonSentinelMasterUnknown: a Sentinel monitors no master named health.redis.sentinel.masterName.
	ReasonSentinelMasterUnknown = "SentinelMasterUnknown"
	// ReasonSentinelNoQuorum: a Sentinel says a failover could not be authorized (SENTINEL CKQUORUM).
	ReasonSentinelNoQuorum = "SentinelNoQuorum"
	// ReasonSentinelDisagrees: a Sentinel names another primary than the nodes, or does not know (or sees
	// down) a replica.
	ReasonSentinelDisagrees = "SentinelDisagrees"
	// ReasonAlarmFiring: a CloudWatch alarm of health.cloudWatch.alarms is in ALARM, so no new step starts.
	ReasonAlarmFiring = "AlarmFiring"
	// ReasonAlarmFired: a CloudWatch alarm went into ALARM during a replacement or the canary's bake; the
	// rollout failed.
	ReasonAlarmFired = "AlarmFired"
	// ReasonAlarmInsufficientData: a CloudWatch alarm is in INSUFFICIENT_DATA: it cannot vouch for the
	// cluster, so no new step starts.
	ReasonAlarmInsufficientData = "AlarmInsufficientData"
	// ReasonAlarmNotFound: a CloudWatch alarm of health.cloudWatch.alarms does not exist.
	ReasonAlarmNotFound = "AlarmNotFound"
	// ReasonMetricMissing: a CloudWatch metric gate has no datapoints in its window.
	ReasonMetricMissing = "MetricMissing"
	// ReasonAssumeRoleFailed: STS refused to let the controller assume spec.aws.roleArn (the role does not
	// exist, does not trust the controller's role, or wants another external ID); nothing was changed.
	ReasonAssumeRoleFailed = "AssumeRoleFailed"
	// ReasonAWSError: an AWS call failed with an error that is retried.
	ReasonAWSError = "AWSError"
	// ReasonInvalidSpec: the spec is invalid in a way admission could not catch.
	ReasonInvalidSpec = "InvalidSpec"
)

// Annotations users set on a policy.
const (
	// AnnotationPaused set to "true" pauses the policy like spec.paused, without editing the spec (for
	// ad-hoc pauses that GitOps tools should not revert).
	AnnotationPaused = "remediation.cache-remediator.io/paused"
	// AnnotationRetry set to any new value retries a failed target (phase Failed or RolledBack). The
	// controller remembers the value it acted on in status, so setting the same value again does nothing.
	AnnotationRetry = "remediation.cache-remediator.io/retry"
)

// OptInTagKey is the AWS tag a target resource must carry, with the value <namespace>.<name> of the policy,
// before the controller touches it.
const OptInTagKey = "cache-remediator.io/policy"

// Finalizer keeps a policy until its in-flight step reached a safe point.
const Finalizer = "remediation.cache-remediator.io/finalizer"
