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
// on the members and the group and, when the memory check needs the data's size and no shard primary
// answered Redis INFO, each member's BytesUsedForCache: the fullest member's Maximum over MemoryWindow is
// then the data's size. The windows end at AWS's time now.
func (b *Builder) readCloudWatch(ctx context.Context, c *Cluster, spec v1.RemediationPolicySpec, now time.Time) error {
	measure := c.UsedMemory < 0 && DataSizeNeeded(c, spec)
	if spec.Health.CloudWatch == nil && !measure {
		return nil
	}
	// AWS/ElastiCache has no replication group dimension: a Group-scoped gate names its own dimensions.
	req := cloudwatchgates.Request{Health: spec.Health.CloudWatch, DefaultNamespace: v1.DefaultElastiCacheMetricsSpace, Now: now,
		Groups: []cloudwatchgates.Subject{{}}, ExtraWindow: MemoryWindow}
	for _, m := range c.Members {
		if m.Status == "deleted" {
			continue
		}
		dims := map[string]string{"CacheClusterId": m.ClusterID}
		req.Nodes = append(req.Nodes, cloudwatchgates.Subject{InstanceID: m.ClusterID, Dimensions: dims, Primary: m.Role == "primary"})
		if measure {
			req.Extra = append(req.Extra, awsclient.MetricQuery{Namespace: v1.DefaultElastiCacheMetricsSpace, MetricName: "BytesUsedForCache",
				Dimensions: dims, Stat: "Maximum", Period: time.Minute})
		}
	}
	var err error
	if c.CloudWatch, err = cloudwatchgates.Read(ctx, b.CloudWatch, req); err != nil {
		return fmt.Errorf("reading CloudWatch: %w", err)
	}
	for _, points := range c.CloudWatch.Extra {
		for _, p := range points {
			c.UsedMemory = max(c.UsedMemory, int64(p.Value))
		}
	}
	if measure && c.UsedMemory >= 0 {
		c.UsedMemoryFrom = fmt.Sprintf("CloudWatch BytesUsedForCache, the fullest member's Maximum over the last %s", health.ShortDuration(MemoryWindow))
	}
	return nil
}
