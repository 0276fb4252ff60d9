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

package asgengine

import (
	"github.com/prometheus/client_golang/prometheus"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

var (
	awsCallsPerReplacedNode = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "cache_remediator_aws_calls_per_replaced_node",
		Help:    "AWS API call attempts spent on each replaced node, from the previous replacement to this one.",
		Buckets: []float64{5, 10, 20, 30, 40, 60, 100, 200},
	})
	rolloutsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cache_remediator_rollouts_total",
		Help: "Rollouts that ended, by result (succeeded, failed).",
	}, []string{"result"})
)

func init() {
	crmetrics.Registry.MustRegister(awsCallsPerReplacedNode, rolloutsTotal)
}
