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
	"sync"
	"time"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
	"github.com/cache-remediator/cache-remediator/controllers/probe"
)

// Builder observes replication groups.
type Builder struct {
	ElastiCache awsclient.ElastiCacheAPI
	CloudWatch  awsclient.CloudWatchAPI
	// NewRedis returns a Redis prober that authenticates with the group's credentials.
	NewRedis func(probe.RedisCredentials) probe.RedisProber
}

// Observe builds the snapshot of a policy's replication group at now. What it asks AWS depends on what the
// reconcile needs: an idle group whose goal is met costs the group's description (and its service updates,
// when the spec selects some); a group with work to do, or a step in flight, is described member by member,
// with the node types it may change to, during a step its events, and the policy's CloudWatch gates.
func (b *Builder) Observe(ctx context.Context, spec v1.RemediationPolicySpec, credentials probe.RedisCredentials, step *v1.StepStatus, now time.Time) (*Cluster, error) {
	ctx, aws := awsclient.WithServerClock(ctx)
	id := spec.Target.ElastiCache.ReplicationGroupID
	c := &Cluster{Now: now, UsedMemory: -1}
	g, err := awsclient.DescribeReplicationGroup(ctx, b.ElastiCache, id)
	if awsclient.IsNotFound(err) {
		c.Missing = true
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describing replication group %s: %w", id, err)
	}
	c.Group = g
	if spec.Desired.ServiceUpdates != nil {
		if c.Updates, err = awsclient.UpdateActions(ctx, b.ElastiCache, id); err != nil {
			return nil, fmt.Errorf("describing the service updates of %s: %w", id, err)
		}
	}
	for _, ng := range g.NodeGroups {
		for _, m := range ng.Members {
			c.Members = append(c.Members, Member{ClusterID: m.ClusterID, NodeGroup: ng.ID, Zone: m.Zone, Role: m.Role, Address: m.Address, Port: m.Port})
		}
	}
	idle := step == nil && g.Status == "available" && g.NodeType == spec.Desired.InstanceType && len(Pending(Selected(c.Updates, spec.Desired.ServiceUpdates))) == 0
	if !idle {
		if err := b.describeMembers(ctx, c); err != nil {
			return nil, err
		}
		if step == nil && g.NodeType != spec.Desired.InstanceType && g.Status == "available" {
			allowed, err := awsclient.ListAllowedNodeTypes(ctx, b.ElastiCache, id)
			if err != nil {
				return nil, fmt.Errorf("listing the node types %s may change to: %w", id, err)
			}
			c.Allowed = &allowed
		}
		if step != nil && step.ElastiCache != nil && step.ElastiCache.Snapshot != "" {
			c.SnapshotStatus, err = awsclient.SnapshotStatus(ctx, b.ElastiCache, step.ElastiCache.Snapshot)
			if awsclient.IsNotFound(err) {
				c.SnapshotStatus, err = "", nil
			}
			if err != nil {
				return nil, fmt.Errorf("describing snapshot %s: %w", step.ElastiCache.Snapshot, err)
			}
		}
		if step != nil {
			sources := append([]string{id}, g.MemberClusters...)
			// A minute before the step: an event of its own call may carry a slightly earlier time.
			if c.Events, err = awsclient.EventsSince(ctx, b.ElastiCache, sources, step.StartedAt.Add(-time.Minute)); err != nil {
				return nil, fmt.Errorf("reading the events of %s: %w", id, err)
			}
		}
	}
	if spec.Health.Redis != nil {
		b.probe(ctx, c, spec.Health.Redis, credentials)
	}
	if !idle {
		if err := b.readCloudWatch(ctx, c, spec, aws.Now(now)); err != nil {
			return nil, err
		}
	}
	EvaluateGates(c, spec)
	return c, nil
}

// describeMembers reads every member's status, node types and endpoint.
func (b *Builder) describeMembers(ctx context.Context, c *Cluster) error {
	for i := range c.Members {
		m := &c.Members[i]
		cc, err := awsclient.DescribeCacheCluster(ctx, b.ElastiCache, m.ClusterID)
		if awsclient.IsNotFound(err) {
			// Listed by the group but gone: a member being replaced or removed.
			m.Status = "deleted"
			continue
		}
		if err != nil {
			return fmt.Errorf("describing member %s: %w", m.ClusterID, err)
		}
		m.Status, m.NodeType, m.PendingNodeType = cc.Status, cc.NodeType, cc.PendingNodeType
		if cc.Address != "" {
			m.Address, m.Port = cc.Address, cc.Port
		}
	}
	c.Detailed = true
	return nil
}

// probe reads every member's Redis INFO in parallel; it fills the roles ElastiCache does not give with
// cluster mode enabled, and the data size of the fullest shard.
func (b *Builder) probe(ctx context.Context, c *Cluster, r *v1.RedisHealth, credentials probe.RedisCredentials) {
	redis := b.NewRedis(credentials)
	var wg sync.WaitGroup
	for i := range c.Members {
		m := &c.Members[i]
		if m.Address == "" {
			continue
		}
		port := m.Port
		if port == 0 {
			port = r.PortOrDefault()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			info := redis.Probe(ctx, m.Address, port)
			m.Redis = &info
		}()
	}
	wg.Wait()
	for i := range c.Members {
		m := &c.Members[i]
		if m.Redis == nil || m.Redis.Err != nil {
			continue
		}
		if m.Role == "" {
			m.Role = map[bool]string{true: "primary", false: "replica"}[m.Redis.IsPrimary()]
		}
		if m.Redis.IsPrimary() {
			c.UsedMemory = max(c.UsedMemory, m.Redis.UsedMemory)
			c.UsedMemoryFrom = "Redis INFO used_memory of the shard primaries"
		}
	}
}
