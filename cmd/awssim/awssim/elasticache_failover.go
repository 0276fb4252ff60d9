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
	"fmt"
	"net/url"
	"strings"
	"time"
)

// failoverOp is a TestFailover in progress on one node group: called, then the replica is promoted, then
// the old primary recovers.
type failoverOp struct {
	nodeGroup  string
	promoted   bool
	next       time.Time
	oldPrimary *CacheMember
}

// testFailover answers before anything happens: the group is available with its old roles. The failover
// follows over time with the documented events, in order:
//
//  1. replication group: Test Failover API called for node group <ng>
//  2. cache cluster: Failover from primary node <old> to replica node <new> completed
//  3. replication group: the same
//  4. cache cluster: Recovering cache nodes 0001
//  5. cache cluster: Finished recovery for cache nodes 0001
//
// Which cache cluster is the source of 2, 4 and 5 is [unknown]: the old primary here (the node that
// "failed" and recovers). The group and its members stay available throughout ([unknown]; the console
// shows the node available), but another TestFailover, a Modify or a snapshot of the group is refused until
// the recovery has finished.
func (s *Sim) testFailover(form url.Values, now time.Time) ([]byte, *apiError) {
	rg, err := s.replicationGroup(form.Get("ReplicationGroupId"))
	if err != nil {
		return nil, err
	}
	ng := form.Get("NodeGroupId")
	if !contains(rg.NodeGroupIDs(), ng) {
		return nil, cacheFault("NodeGroupNotFoundFault", "Node group %s not found in replication group %s.", ng, rg.ID)
	}
	if rg.Status != "available" {
		return nil, cacheFault("InvalidReplicationGroupState", "Replication group %s is not in available state.", rg.ID)
	}
	if rg.failover != nil {
		// On one group, each call waits until the previous node replacement has finished.
		return nil, cacheFault("InvalidReplicationGroupState", "Replication group %s has a test failover in progress; wait until its node replacement completes.", rg.ID)
	}
	if err := s.checkMembersAvailable(rg); err != nil {
		return nil, err
	}
	if !rg.AutomaticFailover {
		// [unknown] the fault for this documented precondition.
		return nil, cacheFault("InvalidReplicationGroupState", "Replication group %s does not have automatic failover enabled.", rg.ID)
	}
	if len(rg.nodeGroupMembers(ng)) < 2 {
		// [unknown] the fault: automatic failover needs a replica, so this cannot be reached today.
		return nil, invalidCombination("Node group %s of replication group %s has no replica to fail over to.", ng, rg.ID)
	}
	var recent []time.Time
	for _, t := range s.failoverCalls {
		if now.Sub(t) < 24*time.Hour {
			recent = append(recent, t)
		}
	}
	s.failoverCalls = recent
	if len(recent) >= s.failoverQuota {
		// The quota is 15 node groups per account in a rolling 24 hours; the fault it raises is [unknown]:
		// APICallRateForCustomerExceeded is the one modelled only on TestFailover. The SDK's standard retryer
		// does not retry it.
		return nil, cacheFault("APICallRateForCustomerExceeded", "The customer has exceeded the allowed rate of API calls: TestFailover may be called on %d node groups in a rolling 24 hours.", s.failoverQuota)
	}
	s.failoverCalls = append(s.failoverCalls, now)
	rg.failover = &failoverOp{nodeGroup: ng, next: now.Add(s.delays.TestFailover), oldPrimary: rg.primaryOf(ng)}
	s.event(rg.ID, "replication-group", "Test Failover API called for node group "+ng, now)
	var w xw
	w.open("ReplicationGroup")
	s.writeReplicationGroup(&w, rg)
	w.close("ReplicationGroup")
	return w.b.Bytes(), nil
}

// failoverStepLocked promotes the most caught-up replica, then ends the old primary's recovery.
func (s *Sim) failoverStepLocked(rg *ReplicationGroup, f *failoverOp, at time.Time) {
	old := f.oldPrimary
	if f.promoted {
		s.event(old.ClusterID, "cache-cluster", "Finished recovery for cache nodes 0001", at)
		rg.failover = nil
		return
	}
	if next := s.mostCaughtUp(rg, f.nodeGroup, nil); next != nil {
		s.promote(rg, next)
		msg := fmt.Sprintf("Failover from primary node %s to replica node %s completed", old.ClusterID, next.ClusterID)
		s.event(old.ClusterID, "cache-cluster", msg, at)
		s.event(rg.ID, "replication-group", msg, at)
	}
	s.event(old.ClusterID, "cache-cluster", "Recovering cache nodes 0001", at)
	f.promoted, f.next = true, at.Add(s.delays.FailoverRecovery)
}

// mostCaughtUp is the replica of a node group a failover promotes: the one with the least replication lag
// (ElastiCache's rule), among those ok accepts (nil: any available replica). With redis-server processes,
// that is the replica with the highest replication offset; without, the one with the least Lag. Ties go to
// the first in member order.
func (s *Sim) mostCaughtUp(rg *ReplicationGroup, ng string, ok func(*CacheMember) bool) *CacheMember {
	var candidates []*CacheMember
	for _, m := range rg.nodeGroupMembers(ng) {
		if m.Role == "replica" && ((ok != nil && ok(m)) || (ok == nil && m.Status == "available")) {
			candidates = append(candidates, m)
		}
	}
	if r := s.cacheRunner(); r != nil {
		var best *CacheMember
		var bestOffset int64
		for _, m := range candidates {
			if info, found := r.CacheNodeInfo(m.ClusterID); found && (best == nil || info.ReplicationOffset > bestOffset) {
				best, bestOffset = m, info.ReplicationOffset
			}
		}
		if best != nil {
			return best
		}
	}
	var best *CacheMember
	for _, m := range candidates {
		if best == nil || m.Lag < best.Lag {
			best = m
		}
	}
	return best
}

// promote makes a replica its node group's primary and the old primary a replica; the group's primary
// endpoint follows. With processes, the replica's redis-server is promoted and the shard's others re-pointed
// to it (they resync from it).
func (s *Sim) promote(rg *ReplicationGroup, next *CacheMember) {
	if old := rg.primaryOf(next.NodeGroupID); old != nil {
		old.Role = "replica"
	}
	next.Role, next.Lag = "primary", 0
	if r := s.cacheRunner(); r != nil {
		r.PromoteCacheNode(next.ClusterID)
		for _, m := range rg.nodeGroupMembers(next.NodeGroupID) {
			if m != next {
				r.ReplicateCacheNode(m.ClusterID, next.Address)
			}
		}
	}
}

// SetReplicationLag sets how far a replica is behind its primary, for groups without redis-server
// processes: a failover promotes the replica with the least lag.
func (s *Sim) SetReplicationLag(rgID, memberID string, lag time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rg, err := s.replicationGroup(rgID)
	if err != nil {
		return err
	}
	for _, m := range rg.Members {
		if m.ClusterID == strings.ToLower(memberID) {
			m.Lag = lag
			return nil
		}
	}
	return fmt.Errorf("replication group %s has no member %s", rgID, memberID)
}
