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

package awssim

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// cacheRunner is what runs the members' redis-servers, nil when members have none.
func (s *Sim) cacheRunner() CacheNodeRunner {
	if r, ok := s.nodes.(CacheNodeRunner); ok && r.RunsCacheNodes() {
		return r
	}
	return nil
}

// startGroupProcesses gives every member of a new group its own loopback address and a redis-server there,
// each shard's replicas replicating from its primary. With cluster mode enabled, the real service runs
// cluster-enabled Redis (CLUSTER SLOTS, MOVED redirections); here each shard is a plain primary with
// replicas, which is enough to read INFO and roles on every member.
func (s *Sim) startGroupProcesses(rg *ReplicationGroup) {
	r := s.cacheRunner()
	if r == nil {
		return
	}
	for _, m := range rg.Members {
		m.Address = s.allocateIP()
	}
	for _, m := range rg.Members {
		if m.Role == "primary" {
			r.StartCacheNode(m.ClusterID, m.Address, "")
		}
	}
	for _, m := range rg.Members {
		if m.Role == "replica" {
			r.StartCacheNode(m.ClusterID, m.Address, rg.primaryOf(m.NodeGroupID).Address)
		}
	}
}

// usedBytes is the data in the group's fullest shard: with processes, its primary's INFO memory used_memory;
// without, UsedMemoryMiB. A node-type change also leaves the processes as they are (AWS replaces the
// nodes and keeps the endpoint names).
func (s *Sim) usedBytes(rg *ReplicationGroup) int64 {
	if r := s.cacheRunner(); r != nil {
		var most int64
		found := false
		for _, ng := range rg.NodeGroupIDs() {
			if p := rg.primaryOf(ng); p != nil {
				if info, ok := r.CacheNodeInfo(p.ClusterID); ok {
					most, found = max(most, info.UsedMemory), true
				}
			}
		}
		if found {
			return most
		}
	}
	return rg.UsedMemoryMiB << 20
}

// PopulateReplicationGroup writes keys of valueBytes bytes each into every shard's primary, for groups
// whose members run a redis-server: the data then counts against the node types a change may go to.
func (s *Sim) PopulateReplicationGroup(rgID string, keys, valueBytes int) error {
	s.mu.Lock()
	rg, apiErr := s.replicationGroup(rgID)
	if apiErr != nil {
		s.mu.Unlock()
		return apiErr
	}
	if s.cacheRunner() == nil {
		s.mu.Unlock()
		return fmt.Errorf("replication group %s has no redis-server behind its members (use SetUsedMemory)", rg.ID)
	}
	var primaries []string
	for _, ng := range rg.NodeGroupIDs() {
		primaries = append(primaries, rg.primaryOf(ng).Address)
	}
	s.mu.Unlock()
	value := strings.Repeat("x", valueBytes)
	ctx := context.Background()
	for i, addr := range primaries {
		c := redis.NewClient(&redis.Options{Addr: net.JoinHostPort(addr, "6379"), DialTimeout: time.Second, ReadTimeout: 5 * time.Second, MaxRetries: -1})
		for start := 0; start < keys; start += 1000 {
			pipe := c.Pipeline()
			for k := start; k < min(start+1000, keys); k++ {
				pipe.Set(ctx, fmt.Sprintf("populate:%d:%d", i, k), value, 0)
			}
			if _, err := pipe.Exec(ctx); err != nil {
				_ = c.Close()
				return fmt.Errorf("populating %s: %w", addr, err)
			}
		}
		_ = c.Close()
	}
	return nil
}
