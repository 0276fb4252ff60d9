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

package controllers

import (
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/types"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
)

// The metrics are documented in the README (Metrics); their names are part of the API. They are derived from
// the engines' outcomes in remediationpolicy_status.go, for every target kind alike.
var (
	awsCallsPerReplacedNode = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "cache_remediator_aws_calls_per_replaced_node",
		Help:    "AWS API call attempts spent on each replaced node, from the previous replacement to this one.",
		Buckets: []float64{5, 10, 20, 30, 40, 60, 100, 200},
	})
	rolloutsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cache_remediator_rollouts_total",
		Help: "Rollouts by how they ended or turned: succeeded, failed (halted), rolling_back (failed, rollback started), rolled_back.",
	}, []string{"result"})
	policyPhase = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "cache_remediator_policy_phase",
		Help: "1 for the phase each policy is in, 0 for the others.",
	}, []string{"namespace", "name", "phase"})
	policyNodes = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "cache_remediator_policy_nodes",
		Help: "Nodes of each policy's cluster: total, and updated (on the desired AMI and type, healthy).",
	}, []string{"namespace", "name", "state"})
	testFailoverBudget = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "cache_remediator_elasticache_test_failover_budget",
		Help: "TestFailover node groups the account has left in the rolling 24 hours, as each ElastiCache policy with testFailover last saw it.",
	}, []string{"namespace", "name"})
	stepDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "cache_remediator_step_duration_seconds",
		Help:    "How long completed steps took, by step type.",
		Buckets: prometheus.ExponentialBuckets(1, 2, 14),
	}, []string{"type"})
	blockedDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "cache_remediator_blocked_duration_seconds",
		Help:    "How long a policy stayed Blocked before it could go on, by the reason it was blocked.",
		Buckets: prometheus.ExponentialBuckets(1, 2, 14),
	}, []string{"reason"})
)

var allPhases = []v1.Phase{v1.PhasePending, v1.PhaseProgressing, v1.PhasePaused, v1.PhaseBlocked, v1.PhaseSucceeded,
	v1.PhaseFailed, v1.PhaseRollingBack, v1.PhaseRolledBack}

func init() {
	crmetrics.Registry.MustRegister(awsCallsPerReplacedNode, rolloutsTotal, policyPhase, policyNodes, testFailoverBudget, stepDuration, blockedDuration)
}

// recordPolicyMetrics publishes a policy's phase and node counts.
func recordPolicyMetrics(policy *v1.RemediationPolicy) {
	for _, p := range allPhases {
		value := 0.0
		if policy.Status.Phase == p {
			value = 1
		}
		policyPhase.WithLabelValues(policy.Namespace, policy.Name, string(p)).Set(value)
	}
	policyNodes.WithLabelValues(policy.Namespace, policy.Name, "total").Set(float64(policy.Status.TotalNodes))
	policyNodes.WithLabelValues(policy.Namespace, policy.Name, "updated").Set(float64(policy.Status.UpdatedNodes))
	if ec := policy.Status.ElastiCache; ec != nil && ec.TestFailoverBudget != nil {
		testFailoverBudget.WithLabelValues(policy.Namespace, policy.Name).Set(float64(*ec.TestFailoverBudget))
	}
}

// forgetPolicyMetrics drops the series of a policy this manager no longer reconciles: deleted, or moved to
// another shard.
func forgetPolicyMetrics(policy types.NamespacedName) {
	labels := prometheus.Labels{"namespace": policy.Namespace, "name": policy.Name}
	policyPhase.DeletePartialMatch(labels)
	policyNodes.DeletePartialMatch(labels)
	testFailoverBudget.DeletePartialMatch(labels)
}

// callsPerNode counts a policy's AWS calls, and where the count stood at its last replaced node.
type callsPerNode struct {
	counter awsclient.CallCounter
	mark    int
}

// replaced observes the calls spent since the previous replacement.
func (c *callsPerNode) replaced() {
	total := c.counter.Total()
	awsCallsPerReplacedNode.Observe(float64(total - c.mark))
	c.mark = total
}
