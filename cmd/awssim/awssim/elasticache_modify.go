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

// groupOp is a ModifyReplicationGroup or a tag change in progress: the group is modifying until `until`.
type groupOp struct {
	until time.Time
	// nodeType is the node type being applied to the whole group ("" if it does not change), from the
	// type the group had.
	nodeType string
	from     string
	// autoFailover and multiAZ are the automatic failover and Multi-AZ settings being applied (nil: unchanged).
	autoFailover *bool
	multiAZ      *bool
}

// modifyParams are the ModifyReplicationGroup parameters the simulator models; any other is refused
// rather than silently ignored.
var modifyParams = []string{"Action", "Version", "ReplicationGroupId", "ApplyImmediately", "CacheNodeType",
	"AutomaticFailoverEnabled", "MultiAZEnabled"}

func (s *Sim) modifyReplicationGroup(form url.Values, now time.Time) ([]byte, *apiError) {
	rg, err := s.replicationGroup(form.Get("ReplicationGroupId"))
	if err != nil {
		return nil, err
	}
	for k := range form {
		if !contains(modifyParams, k) {
			return nil, invalidValue("awssim does not simulate the ModifyReplicationGroup parameter %s.", k)
		}
	}
	if rg.GlobalReplicationGroupID != "" {
		// A Global Datastore member is modified through its global group.
		return nil, invalidValue("Cluster [%s] is part of a global cluster [%s]. Request rejected.", rg.ID, rg.GlobalReplicationGroupID)
	}
	target := form.Get("CacheNodeType")
	if target != "" && target != rg.NodeType && !s.allowedModification(rg.NodeType, target) {
		return nil, invalidValue("Invalid cache node type %s for replication group %s: it is not an allowed modification of %s.", target, rg.ID, rg.NodeType)
	}
	autoFailover, err := boolParam(form, "AutomaticFailoverEnabled")
	if err != nil {
		return nil, err
	}
	multiAZ, err := boolParam(form, "MultiAZEnabled")
	if err != nil {
		return nil, err
	}
	if err := s.checkFailoverSettings(rg, autoFailover, multiAZ); err != nil {
		return nil, err
	}
	if err := s.checkModifiable(rg); err != nil {
		return nil, err
	}
	if autoFailover != nil && *autoFailover == rg.AutomaticFailover {
		autoFailover = nil
	}
	if multiAZ != nil && *multiAZ == rg.MultiAZ {
		multiAZ = nil
	}
	immediately := form.Get("ApplyImmediately") == "true"
	pending := rg.pendingNodeType()
	changed := false
	switch {
	case target == rg.NodeType && pending != "":
		// [unknown] asking for the current type while another is pending: taken as cancelling the pending change.
		rg.setPending("")
		target, changed = "", true
	case target == rg.NodeType:
		target = ""
	case target != "":
		changed = true
	}
	if target == "" && immediately && pending != "" && !changed {
		// ApplyImmediately=true applies the changes already pending too.
		target, changed = pending, true
	}
	if !changed && autoFailover == nil && multiAZ == nil {
		return nil, invalidCombination("No modifications were requested.")
	}
	if target != "" && !immediately {
		// Waits for the maintenance window, which the simulator does not model: it stays pending (visible on
		// the members) until a Modify with ApplyImmediately=true.
		rg.setPending(target)
		target = ""
	}
	if target != "" || autoFailover != nil || multiAZ != nil {
		// Automatic failover and Multi-AZ changes start at once whatever ApplyImmediately says ([unknown]).
		s.startModification(rg, target, autoFailover, multiAZ, now)
	}
	var w xw
	w.open("ReplicationGroup")
	s.writeReplicationGroup(&w, rg)
	w.close("ReplicationGroup")
	return w.b.Bytes(), nil
}

func (s *Sim) allowedModification(from, to string) bool {
	nt := s.nodeTypes[from]
	return nt != nil && (contains(nt.ScaleUp, to) || contains(nt.ScaleDown, to))
}

// checkModifiable refuses a change to a group that is not available, or one of whose members is not: the
// group can say available while a member is still modifying, creating or snapshotting.
func (s *Sim) checkModifiable(rg *ReplicationGroup) *apiError {
	if rg.Status != "available" {
		return cacheFault("InvalidReplicationGroupState", "Replication group must be in available state to modify.")
	}
	if rg.failover != nil {
		// [unknown] the group says available during a test failover; changes wait for its end here.
		return cacheFault("InvalidReplicationGroupState", "Replication group %s has a test failover in progress.", rg.ID)
	}
	return s.checkMembersAvailable(rg)
}

func (s *Sim) checkMembersAvailable(rg *ReplicationGroup) *apiError {
	for _, m := range rg.Members {
		if m.Status != "available" {
			return cacheFault("InvalidCacheClusterState", "Cache cluster %s is not in a valid state (%s).", m.ClusterID, m.Status)
		}
	}
	return nil
}

func (rg *ReplicationGroup) pendingNodeType() string {
	for _, m := range rg.Members {
		if m.PendingNodeType != "" {
			return m.PendingNodeType
		}
	}
	return ""
}

func (rg *ReplicationGroup) setPending(nodeType string) {
	for _, m := range rg.Members {
		m.PendingNodeType = nodeType
	}
}

func boolParam(form url.Values, name string) (*bool, *apiError) {
	switch form.Get(name) {
	case "":
		return nil, nil
	case "true":
		v := true
		return &v, nil
	case "false":
		v := false
		return &v, nil
	}
	return nil, invalidValue("The parameter %s must be true or false.", name)
}

// checkFailoverSettings refuses automatic failover and Multi-AZ settings ElastiCache does not allow:
// Multi-AZ needs automatic failover, automatic failover needs a replica in every shard, and cluster mode
// enabled cannot turn automatic failover off.
func (s *Sim) checkFailoverSettings(rg *ReplicationGroup, autoFailover, multiAZ *bool) *apiError {
	af, maz := rg.AutomaticFailover, rg.MultiAZ
	if autoFailover != nil {
		af = *autoFailover
	}
	if multiAZ != nil {
		maz = *multiAZ
	}
	switch {
	case autoFailover != nil && !af && rg.ClusterEnabled:
		return invalidCombination("Turning off automatic failover for replication group with cluster mode enabled is not supported.")
	case maz && !af:
		return invalidCombination("Multi-AZ requires automatic failover to be enabled.")
	case af && !rg.AutomaticFailover:
		for _, ng := range rg.NodeGroupIDs() {
			if len(rg.nodeGroupMembers(ng)) < 2 {
				return invalidCombination("Automatic failover requires at least one read replica in every node group of replication group %s.", rg.ID)
			}
		}
	}
	return nil
}

// startModification starts a Modify: the group is modifying until the slowest of its changes is done.
//
// A node type change is one asynchronous operation on the whole group. AWS creates nodes of the new type,
// syncs them, moves the DNS names and deletes the old nodes, and documents no order between nodes, so
// every member is modifying for the whole change, the new type shows only as the members' pending type,
// and all types (the group's and every member's) flip together at the end. There is no failover event.
//
// Automatic failover shows enabling or disabling (and the group's pending AutomaticFailoverStatus the
// value to be) until the change is done; Multi-AZ keeps its old value until then.
func (s *Sim) startModification(rg *ReplicationGroup, target string, autoFailover, multiAZ *bool, now time.Time) {
	op := &groupOp{nodeType: target, from: rg.NodeType, autoFailover: autoFailover, multiAZ: multiAZ}
	if autoFailover != nil || multiAZ != nil {
		op.until = now.Add(s.delays.FailoverSettings)
	}
	if target != "" {
		op.until = maxTime(op.until, now.Add(s.delays.ModifyGroup))
		for _, m := range rg.Members {
			m.Status, m.PendingNodeType = "modifying", target
		}
	}
	rg.op, rg.Status = op, "modifying"
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// finishOpLocked ends a modification: the group is available again, with the new node type if the data
// fits it, or reverted to the old one, as ElastiCache does with a scale-down it cannot complete. When AWS
// gives up on a change that does not fit is [unknown]: at the end of the whole delay here, with the data
// measured then.
func (s *Sim) finishOpLocked(rg *ReplicationGroup, op *groupOp, at time.Time) {
	rg.op, rg.Status = nil, "available"
	if op.autoFailover != nil {
		rg.AutomaticFailover = *op.autoFailover
		if rg.AutomaticFailover {
			s.event(rg.ID, "replication-group", "Automatic failover has been turned on for replication group "+rg.ID, at)
		} else {
			// [infer] the documented "turned on" text, negated.
			s.event(rg.ID, "replication-group", "Automatic failover has been turned off for replication group "+rg.ID, at)
		}
	}
	if op.multiAZ != nil {
		// [unknown] the event text of a Multi-AZ change; none is emitted.
		rg.MultiAZ = *op.multiAZ
	}
	if op.nodeType == "" {
		return
	}
	for _, m := range rg.Members {
		m.PendingNodeType = ""
		if m.Status == "modifying" {
			m.Status = "available"
		}
	}
	if s.fits(rg, op.nodeType) {
		rg.NodeType = op.nodeType
		for _, m := range rg.Members {
			m.NodeType = op.nodeType
			// ElastiCache:CacheClusterScalingComplete.
			s.event(m.ClusterID, "cache-cluster", fmt.Sprintf("Succeeded applying modification to cache node type to %s.", op.nodeType), at)
		}
		// ElastiCache:ReplicationGroupScalingComplete: its text is not documented; the cache-cluster one's is used.
		s.event(rg.ID, "replication-group", fmt.Sprintf("Succeeded applying modification to cache node type to %s.", op.nodeType), at)
		return
	}
	// ElastiCache:ReplicationGroupScalingFailed, then the reason seen in real accounts (its source type is
	// [unknown]; replication-group here).
	s.event(rg.ID, "replication-group", fmt.Sprintf("Failed applying modification to cache node type to %s.", op.nodeType), at)
	if s.memoryMiB(op.nodeType) < s.memoryMiB(op.from) {
		s.event(rg.ID, "replication-group", "Failed to scale down to cache node type Replication Group "+rg.ID+
			" because the node has insufficient memory. Please select a different node type or reduce current memory usage and retry", at)
	}
}

func (s *Sim) memoryMiB(nodeType string) int64 {
	if nt := s.nodeTypes[nodeType]; nt != nil {
		return nt.MemoryMiB
	}
	return 0
}

// fits says whether every shard's data fits the usable memory of a node type: its memory less the
// reserved-memory-percent (25 by default), ElastiCache's maxmemory.
func (s *Sim) fits(rg *ReplicationGroup, nodeType string) bool {
	usable := s.memoryMiB(nodeType) << 20 * int64(100-rg.ReservedMemoryPercent) / 100
	return s.usedBytes(rg) <= usable
}

// timer is something due to happen to a replication group at a simulated time.
type timer struct {
	at   time.Time
	fire func(at time.Time)
}

// advanceElastiCacheLocked fires every group's timers due by now, in time order, each at its own time.
func (s *Sim) advanceElastiCacheLocked(now time.Time) {
	for _, id := range sortedKeys(s.replication) {
		rg := s.replication[id]
		for i := 0; i < 100000; i++ {
			t, ok := s.nextTimerLocked(rg)
			if !ok || t.at.After(now) {
				break
			}
			at := t.at
			if at.Before(rg.cursor) {
				at = rg.cursor
			}
			rg.cursor = at
			t.fire(at)
		}
		if rg.cursor.Before(now) {
			rg.cursor = now
		}
	}
}

// nextTimerLocked is the group's earliest timer.
func (s *Sim) nextTimerLocked(rg *ReplicationGroup) (timer, bool) {
	var best timer
	found := false
	consider := func(at time.Time, fire func(time.Time)) {
		if !found || at.Before(best.at) {
			best, found = timer{at: at, fire: fire}, true
		}
	}
	if op := rg.op; op != nil {
		consider(op.until, func(at time.Time) { s.finishOpLocked(rg, op, at) })
	}
	if f := rg.failover; f != nil {
		consider(f.next, func(at time.Time) { s.failoverStepLocked(rg, f, at) })
	}
	if sn := s.snapshots[rg.snapshot]; sn != nil {
		consider(sn.readyAt, func(at time.Time) { s.finishSnapshotLocked(rg, sn, at) })
	}
	s.backupTimer(rg, consider)
	for _, m := range rg.Members {
		if !m.heldUntil.IsZero() {
			m := m
			consider(m.heldUntil, func(time.Time) { m.heldUntil, m.Status = time.Time{}, "available" })
		}
	}
	s.updateTimers(rg, consider)
	return best, found
}

// SetMemberStatus shows a member cache cluster in a status (modifying, creating, snapshotting, ...) for a
// duration of simulated time, after which it is available again (d <= 0: until set back), while the group
// itself stays available: as after a replica-count change, when Modify, TestFailover and CreateSnapshot
// fail with InvalidCacheClusterState.
func (s *Sim) SetMemberStatus(rgID, memberID, status string, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	s.advanceLocked(now)
	rg, err := s.replicationGroup(rgID)
	if err != nil {
		return err
	}
	for _, m := range rg.Members {
		if m.ClusterID == strings.ToLower(memberID) {
			m.Status, m.heldUntil = status, time.Time{}
			if d > 0 && status != "available" {
				m.heldUntil = now.Add(d)
			}
			return nil
		}
	}
	return fmt.Errorf("replication group %s has no member %s", rgID, memberID)
}

// SetUsedMemory sets the data in each shard of a group, for groups without redis-server processes.
func (s *Sim) SetUsedMemory(rgID string, mib int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rg, err := s.replicationGroup(rgID)
	if err != nil {
		return err
	}
	rg.UsedMemoryMiB = mib
	return nil
}
