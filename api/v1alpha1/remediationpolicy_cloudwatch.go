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
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CloudWatchHealth configures gates read from Amazon CloudWatch: thresholds on metrics and named alarms.
// CloudWatch is read once per reconcile while something is to be done or moving (not while the cluster
// is on its goal and idle): one GetMetricData call for all the metric gates' queries (one per 500) and one
// DescribeAlarms call.
// +kubebuilder:validation:XValidation:rule="has(self.metrics) || has(self.alarms)",message="health.cloudWatch must list metrics or alarms"
type CloudWatchHealth struct {
	// metrics are threshold gates on CloudWatch metrics, each evaluated on every node or on every group over
	// its window. A metric with no datapoints in its window fails its gate with reason MetricMissing: no
	// data is never taken for good news.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=10
	Metrics []CloudWatchMetricGate `json:"metrics,omitempty"`

	// alarms are names of CloudWatch alarms (metric or composite) that must not fire. While one is in ALARM
	// no new step starts (AlarmFiring); one that goes into ALARM during a replacement or the canary's bake
	// fails the rollout (AlarmFired), which rolls back with strategy.rollbackOnFailure. An alarm in
	// INSUFFICIENT_DATA cannot vouch for the cluster: it holds up a new step (AlarmInsufficientData) but
	// does not fail one in flight, whose replaced node's metrics may pause; give sparse metrics'
	// alarms TreatMissingData. An alarm that does not exist blocks (AlarmNotFound). A rollback is not held
	// up by the alarms: it is what answers them.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=100
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=255
	Alarms []string `json:"alarms,omitempty"`
}

// MetricScope says what a metric gate is evaluated on.
// +kubebuilder:validation:Enum=Node;Group
type MetricScope string

const (
	// ScopeNode evaluates the metric on every node, with the node's dimension (InstanceId for an Auto
	// Scaling group's instance, CacheClusterId for an ElastiCache member); a replacement waits for its own.
	ScopeNode MetricScope = "Node"
	// ScopeGroup evaluates the metric on every Auto Scaling group (AutoScalingGroupName), or for an
	// ElastiCache target once with the gate's dimensions alone: AWS/ElastiCache has no replication group
	// dimension.
	ScopeGroup MetricScope = "Group"
)

// CloudWatchMetricGate is a threshold on a CloudWatch metric: over the last window, every period's
// statistic must be below (or above) the threshold.
// +kubebuilder:validation:XValidation:rule="has(self.below) != has(self.above)",message="a cloudWatch metric gate needs exactly one of below or above"
// +kubebuilder:validation:XValidation:rule="duration(has(self.window) ? self.window : '5m') >= duration(has(self.period) ? self.period : '1m')",message="a cloudWatch metric gate's window must be at least one period"
// +kubebuilder:validation:XValidation:rule="!has(self.skipPrimaries) || !self.skipPrimaries || !has(self.scope) || self.scope == 'Node'",message="skipPrimaries applies to Node scope only"
type CloudWatchMetricGate struct {
	// name names the gate in status.gates and BLOCKED-BY, e.g. ReplicationLag.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=48
	// +kubebuilder:validation:Pattern=`^[A-Za-z][A-Za-z0-9-]*$`
	// +kubebuilder:validation:XValidation:rule="!(self in ['InService', 'EC2Status', 'RedisReachable', 'RedisReplication', 'RedisPersistence', 'HTTPStatus', 'Capacity', 'SinglePrimary', 'ReplicasFollowPrimary', 'GroupAvailable', 'MembersAvailable', 'AutomaticFailover', 'ReplicaPerShard', 'GlobalDatastore', 'NodeTypeAllowed', 'DataFits', 'CloudWatchAlarms', 'SentinelReachable', 'SentinelMonitors', 'SentinelQuorum', 'SentinelAgrees'])",message="a cloudWatch metric gate must not take the name of a built-in gate"
	Name string `json:"name"`

	// namespace is the metric's namespace. Defaults to AWS/ElastiCache for an elastiCache target and AWS/EC2
	// for autoScalingGroups (a Redis exporter or the CloudWatch agent publish in a namespace of their own).
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	Namespace string `json:"namespace,omitempty"`

	// metricName is the metric's name, e.g. ReplicationLag, DatabaseMemoryUsagePercentage or
	// EngineCPUUtilization.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	MetricName string `json:"metricName"`

	// statistic is computed per period: Average, Maximum, Minimum, Sum, SampleCount or a percentile such as
	// p99. Defaults to Maximum: a gate is about the worst moment of each period.
	// +optional
	// +kubebuilder:validation:Pattern=`^(Average|Maximum|Minimum|Sum|SampleCount|p(100|[0-9]{1,2}(\.[0-9]{1,2})?))$`
	Statistic string `json:"statistic,omitempty"`

	// scope is Node (default: one query per node) or Group (one query per Auto Scaling group; for an
	// elastiCache target, one query with dimensions alone).
	// +optional
	Scope MetricScope `json:"scope,omitempty"`

	// dimensions are added to every query of the gate, for metrics published with more dimensions than the
	// node's or the group's (e.g. CacheNodeId=0001); CloudWatch matches a metric's dimensions exactly. The
	// controller sets InstanceId, CacheClusterId and AutoScalingGroupName itself.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=10
	Dimensions []MetricDimension `json:"dimensions,omitempty"`

	// skipPrimaries leaves out the nodes known to be Redis primaries (Node scope only): ReplicationLag is
	// published by replicas only. A node whose role is unknown is evaluated.
	// +optional
	SkipPrimaries bool `json:"skipPrimaries,omitempty"`

	// below is a decimal number every datapoint of the window must be below.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^-?[0-9]+(\.[0-9]+)?$`
	Below string `json:"below,omitempty"`

	// above is a decimal number every datapoint of the window must be above.
	// +optional
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^-?[0-9]+(\.[0-9]+)?$`
	Above string `json:"above,omitempty"`

	// period is the length of one datapoint: a whole number of minutes, at most 1h. Defaults to 1m.
	// +optional
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1m') && duration(self) <= duration('1h') && duration(self).getSeconds() % 60 == 0",message="a cloudWatch metric gate's period must be a whole number of minutes between 1m and 1h"
	Period *metav1.Duration `json:"period,omitempty"`

	// window is how far back the datapoints are evaluated, at least one period and at most 3h. Defaults to
	// 5m. CloudWatch publishes a minute's datapoint a minute or more after it: a window of several periods
	// is not called missing for the newest one not being there yet.
	// +optional
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1m') && duration(self) <= duration('3h')",message="a cloudWatch metric gate's window must be between 1m and 3h"
	Window *metav1.Duration `json:"window,omitempty"`
}

// MetricDimension is one dimension of a CloudWatch metric.
type MetricDimension struct {
	// name is the dimension's name.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:XValidation:rule="!(self in ['InstanceId', 'CacheClusterId', 'AutoScalingGroupName'])",message="the controller sets InstanceId, CacheClusterId and AutoScalingGroupName itself, per node or group"
	Name string `json:"name"`

	// value is the dimension's value.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	Value string `json:"value"`
}

// Defaults of a CloudWatch metric gate.
const (
	DefaultMetricStatistic         = "Maximum"
	DefaultMetricPeriod            = time.Minute
	DefaultMetricWindow            = 5 * time.Minute
	DefaultElastiCacheMetricsSpace = "AWS/ElastiCache"
	DefaultEC2MetricsSpace         = "AWS/EC2"
)

// StatisticOrDefault is statistic or its default.
func (m CloudWatchMetricGate) StatisticOrDefault() string {
	if m.Statistic == "" {
		return DefaultMetricStatistic
	}
	return m.Statistic
}

// ScopeOrDefault is scope or its default.
func (m CloudWatchMetricGate) ScopeOrDefault() MetricScope {
	if m.Scope == "" {
		return ScopeNode
	}
	return m.Scope
}

// PeriodOrDefault is period or its default.
func (m CloudWatchMetricGate) PeriodOrDefault() time.Duration {
	if m.Period == nil {
		return DefaultMetricPeriod
	}
	return m.Period.Duration
}

// WindowOrDefault is window or its default.
func (m CloudWatchMetricGate) WindowOrDefault() time.Duration {
	if m.Window == nil {
		return DefaultMetricWindow
	}
	return m.Window.Duration
}

// NamespaceOr is namespace, or the target kind's default namespace.
func (m CloudWatchMetricGate) NamespaceOr(kindDefault string) string {
	if m.Namespace == "" {
		return kindDefault
	}
	return m.Namespace
}

// Threshold is the number the datapoints must stay on one side of, and which side: above, or below.
// Admission checks the number's form.
func (m CloudWatchMetricGate) Threshold() (limit float64, above bool, err error) {
	if m.Above != "" {
		limit, err = strconv.ParseFloat(m.Above, 64)
		return limit, true, err
	}
	limit, err = strconv.ParseFloat(m.Below, 64)
	return limit, false, err
}
