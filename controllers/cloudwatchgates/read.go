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

// Package cloudwatchgates reads a policy's CloudWatch gates for one cluster and evaluates them into gate
// results like the Redis and HTTP gates': the queries of its metric gates on the cluster's nodes and
// groups, asked in one GetMetricData call (one per 500 queries), and its alarms, in one DescribeAlarms
// call. Each target kind's observation builder says which nodes and groups there are and how CloudWatch
// names them (queries.go, pure); Read does the I/O.
package cloudwatchgates

import (
	"context"
	"fmt"
	"time"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
	"github.com/cache-remediator/cache-remediator/controllers/health"
)

// Subject is a node or a group a metric gate is evaluated on.
type Subject struct {
	// InstanceID is the node's id, whose gates the results join; empty for a group, whose results are
	// cluster gates.
	InstanceID string
	// Dimensions are how CloudWatch names it ({InstanceId: i-...}, {CacheClusterId: sessions-002},
	// {AutoScalingGroupName: sessions-a}); the gate's own dimensions are added.
	Dimensions map[string]string
	// Primary: the node is known to be a Redis primary (a gate with skipPrimaries leaves it out).
	Primary bool
}

// Request is what to read of one cluster.
type Request struct {
	// Health is the policy's spec.health.cloudWatch (nil: no gates).
	Health *v1.CloudWatchHealth
	// DefaultNamespace is the target kind's namespace, for gates that name none.
	DefaultNamespace string
	Nodes            []Subject
	Groups           []Subject
	// Extra are queries of the builder's own, asked in the same call, whose datapoints of the last
	// ExtraWindow come back as they are (the ElastiCache memory check's BytesUsedForCache).
	Extra       []awsclient.MetricQuery
	ExtraWindow time.Duration
	// Now is AWS's time: every window ends there.
	Now time.Time
}

// Observation is what one Read found.
type Observation struct {
	// Nodes are the metric gates' results per node, by instance id.
	Nodes map[string][]health.Result
	// Cluster are the alarms' result first, then the group metric gates' results.
	Cluster []health.Result
	// Extra are the extra queries' datapoints in their window, in the order of Request.Extra.
	Extra [][]health.Datapoint
}

// Read asks CloudWatch what the request needs, no more: a GetMetricData call when there are queries, a
// DescribeAlarms call when there are alarms.
func Read(ctx context.Context, api awsclient.CloudWatchAPI, req Request) (Observation, error) {
	obs := Observation{Nodes: map[string][]health.Result{}}
	gates, err := plan(req)
	if err != nil {
		return obs, err
	}
	queries := make([]awsclient.MetricQuery, 0, len(gates)+len(req.Extra))
	longest := req.ExtraWindow
	for _, g := range gates {
		queries = append(queries, g.query)
		longest = max(longest, g.threshold.Window)
	}
	for i, q := range req.Extra {
		q.ID = extraID(i)
		queries = append(queries, q)
	}
	var alarms map[string]awsclient.Alarm
	if req.Health != nil && len(req.Health.Alarms) > 0 {
		if alarms, err = awsclient.DescribeAlarms(ctx, api, req.Health.Alarms); err != nil {
			return obs, fmt.Errorf("describing the alarms: %w", err)
		}
		obs.Cluster = append(obs.Cluster, health.AlarmsGate(req.Health.Alarms, alarmStates(alarms)))
	}
	if len(queries) == 0 {
		return obs, nil
	}
	points, err := awsclient.GetMetricData(ctx, api, queries, req.Now.Add(-longest), req.Now)
	if err != nil {
		return obs, fmt.Errorf("reading the metrics: %w", err)
	}
	for _, g := range gates {
		r := health.MetricGate(g.threshold, g.instanceID, datapoints(points[g.query.ID]), req.Now)
		if g.instanceID == "" {
			obs.Cluster = append(obs.Cluster, r)
		} else {
			obs.Nodes[g.instanceID] = append(obs.Nodes[g.instanceID], r)
		}
	}
	for i, q := range req.Extra {
		obs.Extra = append(obs.Extra, health.InWindow(datapoints(points[extraID(i)]), q.Period, req.ExtraWindow, req.Now))
	}
	return obs, nil
}

func extraID(i int) string { return fmt.Sprintf("x%d", i) }

func datapoints(in []awsclient.Datapoint) []health.Datapoint {
	out := make([]health.Datapoint, len(in))
	for i, p := range in {
		out[i] = health.Datapoint{Start: p.Start, Value: p.Value}
	}
	return out
}

func alarmStates(in map[string]awsclient.Alarm) map[string]health.Alarm {
	out := make(map[string]health.Alarm, len(in))
	for name, a := range in {
		out[name] = health.Alarm{State: a.State, Reason: a.Reason, Since: a.Since}
	}
	return out
}
