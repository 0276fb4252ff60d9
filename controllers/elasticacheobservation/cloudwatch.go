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

package elasticacheobservation

import (
	"context"
	"fmt"
	"slices"
	"time"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
	"github.com/cache-remediator/cache-remediator/controllers/cloudwatchgates"
	"github.com/cache-remediator/cache-remediator/controllers/health"
)

// MemoryWindow is how far back CloudWatch's BytesUsedForCache is read when Redis does not tell how much
// data the group holds.
const MemoryWindow = 5 * time.Minute

// readCloudWatch reads, in one GetMetricData call (and one DescribeAlarms), the policy's CloudWatch gates
// on the members and the group, with the windows ending at AWS's time now, and what the gates need to know
// that Redis did not tell:
//   - when the memory check needs the data's size and no shard primary answered INFO, each member's
//     BytesUsedForCache: the fullest member's Maximum over MemoryWindow is then the data's size;
//   - when a gate skips primaries and a member's role is unknown (cluster mode enabled, where ElastiCache
//     does not say, and no INFO), its IsMaster: a member CloudWatch calls primary is then left out of those
//     gates, as it publishes no ReplicationLag. A member IsMaster says nothing of stays evaluated.
func (b *Builder) readCloudWatch(ctx context.Context, c *Cluster, spec v1.RemediationPolicySpec, now time.Time) error {
	measure := c.UsedMemory < 0 && DataSizeNeeded(c, spec)
	skipping := gatesSkippingPrimaries(spec)
	if spec.Health.CloudWatch == nil && !measure {
		return nil
	}
	// AWS/ElastiCache has no replication group dimension: a Group-scoped gate names its own dimensions.
	req := cloudwatchgates.Request{Health: spec.Health.CloudWatch, DefaultNamespace: v1.DefaultElastiCacheMetricsSpace, Now: now,
		Groups: []cloudwatchgates.Subject{{}}, ExtraWindow: MemoryWindow}
	var sizes []int        // indexes in req.Extra of the BytesUsedForCache queries
	roles := map[int]int{} // index in req.Extra of an IsMaster query -> the member's index
	for i, m := range c.Members {
		if m.Status == "deleted" {
			continue
		}
		dims := map[string]string{"CacheClusterId": m.ClusterID}
		req.Nodes = append(req.Nodes, cloudwatchgates.Subject{InstanceID: m.ClusterID, Dimensions: dims, Primary: m.Role == "primary"})
		if measure {
			sizes = append(sizes, len(req.Extra))
			req.Extra = append(req.Extra, memberMetric(m.ClusterID, "BytesUsedForCache"))
		}
		if m.Role == "" && len(skipping) > 0 {
			roles[len(req.Extra)] = i
			req.Extra = append(req.Extra, memberMetric(m.ClusterID, "IsMaster"))
		}
	}
	var err error
	if c.CloudWatch, err = cloudwatchgates.Read(ctx, b.CloudWatch, req); err != nil {
		return fmt.Errorf("reading CloudWatch: %w", err)
	}
	for _, i := range sizes {
		for _, p := range c.CloudWatch.Extra[i] {
			c.UsedMemory = max(c.UsedMemory, int64(p.Value))
		}
	}
	if measure && c.UsedMemory >= 0 {
		c.UsedMemoryFrom = fmt.Sprintf("CloudWatch BytesUsedForCache, the fullest member's Maximum over the last %s", health.ShortDuration(MemoryWindow))
	}
	for i, member := range roles {
		points := c.CloudWatch.Extra[i]
		if len(points) == 0 {
			continue
		}
		m := &c.Members[member]
		m.Role = map[bool]string{true: "primary", false: "replica"}[points[len(points)-1].Value == 1]
		if m.Role == "primary" {
			c.CloudWatch.Nodes[m.ClusterID] = slices.DeleteFunc(c.CloudWatch.Nodes[m.ClusterID], func(r health.Result) bool { return skipping[r.Gate] })
		}
	}
	return nil
}

// memberMetric is a query of an AWS/ElastiCache metric of one member, its Maximum per minute.
func memberMetric(clusterID, name string) awsclient.MetricQuery {
	return awsclient.MetricQuery{Namespace: v1.DefaultElastiCacheMetricsSpace, MetricName: name, Dimensions: map[string]string{"CacheClusterId": clusterID},
		Stat: "Maximum", Period: time.Minute}
}

// gatesSkippingPrimaries are the names of the metric gates that leave primaries out.
func gatesSkippingPrimaries(spec v1.RemediationPolicySpec) map[string]bool {
	out := map[string]bool{}
	if cw := spec.Health.CloudWatch; cw != nil {
		for _, m := range cw.Metrics {
			if m.SkipPrimaries {
				out[m.Name] = true
			}
		}
	}
	return out
}
