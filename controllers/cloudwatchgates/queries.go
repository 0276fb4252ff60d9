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

package cloudwatchgates

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
	"github.com/cache-remediator/cache-remediator/controllers/health"
)

// gateQuery is one query of a metric gate and where its result goes.
type gateQuery struct {
	query     awsclient.MetricQuery
	threshold health.MetricThreshold
	// instanceID is the node whose gate it is; empty for a group's.
	instanceID string
}

// plan lists the metric gates' queries: for each gate in the spec's order, one per node (Node scope, less
// the known primaries with skipPrimaries) or one per group (Group scope), with the subject's dimensions
// and the gate's own.
func plan(req Request) ([]gateQuery, error) {
	if req.Health == nil {
		return nil, nil
	}
	var out []gateQuery
	for _, m := range req.Health.Metrics {
		limit, above, err := m.Threshold()
		if err != nil {
			return nil, fmt.Errorf("the threshold of cloudWatch metric gate %s: %w", m.Name, err)
		}
		subjects := req.Groups
		if m.ScopeOrDefault() == v1.ScopeNode {
			subjects = req.Nodes
		}
		for _, s := range subjects {
			if m.SkipPrimaries && s.Primary {
				continue
			}
			dims := maps.Clone(s.Dimensions)
			if dims == nil {
				dims = map[string]string{}
			}
			for _, d := range m.Dimensions {
				dims[d.Name] = d.Value
			}
			q := awsclient.MetricQuery{ID: fmt.Sprintf("m%d", len(out)), Namespace: m.NamespaceOr(req.DefaultNamespace), MetricName: m.MetricName,
				Dimensions: dims, Stat: m.StatisticOrDefault(), Period: m.PeriodOrDefault()}
			out = append(out, gateQuery{query: q, instanceID: s.InstanceID, threshold: health.MetricThreshold{Gate: m.Name, Series: Series(q),
				Limit: limit, Above: above, Period: q.Period, Window: m.WindowOrDefault()}})
		}
	}
	return out, nil
}

// Series names a query's metric for a human: AWS/ElastiCache ReplicationLag {CacheClusterId=sessions-002}
// (Maximum per 1m).
func Series(q awsclient.MetricQuery) string {
	var dims []string
	for _, name := range slices.Sorted(maps.Keys(q.Dimensions)) {
		dims = append(dims, name+"="+q.Dimensions[name])
	}
	return fmt.Sprintf("%s %s {%s} (%s per %s)", q.Namespace, q.MetricName, strings.Join(dims, ", "), q.Stat, health.ShortDuration(q.Period))
}
