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
	"strconv"
	"strings"
	"time"
)

// CreateSnapshot backs up a group (every shard) or, with cluster mode disabled, one of its cache clusters.
// The group is snapshotting, and so is each member being backed up, until the snapshot is available (or
// failed); then both are available again.
func (s *Sim) createSnapshot(form url.Values, now time.Time) ([]byte, *apiError) {
	rgID, ccID := form.Get("ReplicationGroupId"), form.Get("CacheClusterId")
	if (rgID == "") == (ccID == "") {
		return nil, invalidCombination("Exactly one of ReplicationGroupId and CacheClusterId must be specified.")
	}
	name := strings.ToLower(form.Get("SnapshotName")) // ElastiCache stores snapshot names lower-case
	if name == "" {
		return nil, invalidValue("The parameter SnapshotName must be provided.")
	}
	if s.snapshots[name] != nil {
		return nil, cacheFault("SnapshotAlreadyExistsFault", "Snapshot %s already exists.", name)
	}
	var rg *ReplicationGroup
	var sources []*CacheMember
	if rgID != "" {
		var err *apiError
		if rg, err = s.replicationGroup(rgID); err != nil {
			return nil, err
		}
	} else {
		var m *CacheMember
		var err *apiError
		if rg, m, err = s.cacheCluster(ccID); err != nil {
			return nil, err
		}
		if rg.ClusterEnabled {
			// A cluster-mode-enabled group is backed up as a whole; [infer] the fault.
			return nil, invalidValue("Cache cluster %s is part of a cluster-mode-enabled replication group; back up replication group %s instead.", m.ClusterID, rg.ID)
		}
		sources = []*CacheMember{m}
	}
	if rg.Status != "available" {
		return nil, cacheFault("InvalidReplicationGroupState", "Replication group %s is not in available state (%s).", rg.ID, rg.Status)
	}
	if rg.failover != nil {
		return nil, cacheFault("InvalidReplicationGroupState", "Replication group %s has a test failover in progress.", rg.ID)
	}
	if err := s.checkMembersAvailable(rg); err != nil {
		return nil, err
	}
	if sources == nil {
		sources = s.backupSources(rg)
	}
	sn := s.startSnapshot(rg, name, "manual", sources, ccID != "", now)
	for i := 1; ; i++ {
		k, ok := form["Tags.Tag."+strconv.Itoa(i)+".Key"]
		if !ok {
			break
		}
		sn.Tags[k[0]] = form.Get("Tags.Tag." + strconv.Itoa(i) + ".Value")
	}
	var w xw
	w.open("Snapshot")
	s.writeSnapshot(&w, sn)
	w.close("Snapshot")
	return w.b.Bytes(), nil
}

// backupSources are the members a group-level backup reads from. With cluster mode disabled, automatic
// backups use SnapshottingClusterId; which node a manual CreateSnapshot(ReplicationGroupId) uses is
// [unknown]: the same here, else a replica (the guide advises sparing the primary), else the primary. With
// cluster mode enabled, one node per shard: a replica if there is one.
func (s *Sim) backupSources(rg *ReplicationGroup) []*CacheMember {
	if !rg.ClusterEnabled && rg.SnapshottingClusterID != "" {
		for _, m := range rg.Members {
			if m.ClusterID == rg.SnapshottingClusterID {
				return []*CacheMember{m}
			}
		}
	}
	var out []*CacheMember
	for _, ng := range rg.NodeGroupIDs() {
		members := rg.nodeGroupMembers(ng)
		pick := rg.primaryOf(ng)
		for _, m := range members {
			if m.Role == "replica" {
				pick = m
				break
			}
		}
		out = append(out, pick)
	}
	return out
}

func (s *Sim) startSnapshot(rg *ReplicationGroup, name, source string, members []*CacheMember, byCluster bool, now time.Time) *Snapshot {
	sn := &Snapshot{Name: name, ReplicationGroup: rg.ID, GroupDescription: rg.Description, Status: "creating", Source: source,
		NodeType: rg.NodeType, Engine: rg.Engine, EngineVersion: rg.EngineVersion, NumNodeGroups: len(rg.NodeGroupIDs()),
		AutomaticFailover: rg.AutomaticFailover, RetentionLimit: rg.SnapshotRetentionLimit, Window: rg.SnapshotWindow,
		CreatedAt: now, Tags: map[string]string{}, readyAt: now.Add(s.delays.Snapshot), describedByCluster: byCluster}
	if !rg.ClusterEnabled {
		sn.CacheClusterID = members[0].ClusterID
	}
	if rg.failSnapshots > 0 {
		rg.failSnapshots--
		sn.fail = true
	}
	for _, m := range members {
		m.Status = "snapshotting"
		sn.members = append(sn.members, m.ClusterID)
		sn.Nodes = append(sn.Nodes, NodeSnapshot{CacheClusterID: m.ClusterID, NodeGroupID: m.NodeGroupID, CreatedAt: m.CreatedAt})
	}
	s.snapshots[name] = sn
	rg.snapshot, rg.Status = name, "snapshotting"
	return sn
}

// finishSnapshotLocked ends a snapshot: available (or failed), with its events on the member cache
// cluster that was backed up (for a cluster-mode-enabled group, [unknown] which: the first shard's).
func (s *Sim) finishSnapshotLocked(rg *ReplicationGroup, sn *Snapshot, at time.Time) {
	rg.snapshot, rg.Status = "", "available"
	for _, m := range rg.Members {
		if contains(sn.members, m.ClusterID) && m.Status == "snapshotting" {
			m.Status = "available"
		}
	}
	outcome := "succeeded"
	sn.Status = "available"
	if sn.fail {
		outcome, sn.Status = "failed", "failed"
	}
	size := max(s.usedBytes(rg)>>20, 1)
	for i := range sn.Nodes {
		sn.Nodes[i].CacheSizeMB = size
	}
	// Documented texts: "Snapshot succeeded for snapshot with ID '%s' of replication group with ID '%s'" (an
	// example on a member cluster) and "Snapshot succeeded|failed for snapshot with ID '%s' of cache cluster
	// with ID '%s'"; the failed variant of the first is [infer].
	msg := fmt.Sprintf("Snapshot %s for snapshot with ID '%s' of replication group with ID '%s'", outcome, sn.Name, rg.ID)
	if sn.describedByCluster {
		msg = fmt.Sprintf("Snapshot %s for snapshot with ID '%s' of cache cluster with ID '%s'", outcome, sn.Name, sn.members[0])
	}
	s.event(sn.members[0], "cache-cluster", msg, at)
	if sn.Source == "automated" && !sn.fail {
		// Automatic snapshots are kept SnapshotRetentionLimit days.
		for _, name := range sortedKeys(s.snapshots) {
			old := s.snapshots[name]
			if old.ReplicationGroup == rg.ID && old.Source == "automated" && at.Sub(old.CreatedAt) >= time.Duration(rg.SnapshotRetentionLimit)*24*time.Hour {
				delete(s.snapshots, name)
			}
		}
	}
}

// idle says whether nothing is happening to a group: what an automatic backup waits for.
func (s *Sim) idle(rg *ReplicationGroup) bool {
	if rg.Status != "available" || rg.op != nil || rg.failover != nil || rg.snapshot != "" || s.updateInProgress(rg) {
		return false
	}
	for _, m := range rg.Members {
		if m.Status != "available" {
			return false
		}
	}
	return true
}

// backupTimer offers a group's next automatic backup: at the start of its daily window, or as soon as the
// group is idle within the window; a window the group is busy for from start to end is skipped.
func (s *Sim) backupTimer(rg *ReplicationGroup, consider func(time.Time, func(time.Time))) {
	if rg.SnapshotRetentionLimit <= 0 {
		return
	}
	from, to, err := parseWindow(rg.SnapshotWindow)
	if err != nil {
		return
	}
	day := rg.backupFrom.UTC().Truncate(24 * time.Hour)
	start, end := day.Add(from-24*time.Hour), day.Add(to-24*time.Hour)
	if !end.After(rg.backupFrom) {
		start, end = day.Add(from), day.Add(to)
	}
	if !end.After(rg.backupFrom) {
		start, end = start.Add(24*time.Hour), end.Add(24*time.Hour)
	}
	at := maxTime(start, rg.cursor)
	if !s.idle(rg) || !at.Before(end) {
		consider(end, func(time.Time) { rg.backupFrom = end })
		return
	}
	consider(at, func(at time.Time) {
		rg.backupFrom = end
		name := "automatic." + rg.ID + "-" + at.UTC().Format("2006-01-02-15-04")
		if s.snapshots[name] == nil {
			s.startSnapshot(rg, name, "automated", s.backupSources(rg), false, at)
		}
	})
}

func (s *Sim) writeSnapshot(w *xw, sn *Snapshot) {
	w.text("SnapshotName", sn.Name)
	w.text("ReplicationGroupId", sn.ReplicationGroup)
	w.text("ReplicationGroupDescription", sn.GroupDescription)
	w.text("CacheClusterId", sn.CacheClusterID)
	w.text("SnapshotStatus", sn.Status)
	w.text("SnapshotSource", sn.Source)
	w.text("CacheNodeType", sn.NodeType)
	w.text("Engine", sn.Engine)
	w.text("EngineVersion", sn.EngineVersion)
	w.int("Port", 6379)
	w.int("SnapshotRetentionLimit", int64(sn.RetentionLimit))
	w.text("SnapshotWindow", sn.Window)
	w.int("NumNodeGroups", int64(sn.NumNodeGroups))
	w.text("AutomaticFailover", enabled(sn.AutomaticFailover))
	w.list("NodeSnapshots", "NodeSnapshot", len(sn.Nodes), func(i int) {
		n := sn.Nodes[i]
		w.text("CacheClusterId", n.CacheClusterID)
		w.text("NodeGroupId", n.NodeGroupID)
		w.text("CacheNodeId", "0001")
		if n.CacheSizeMB > 0 {
			w.text("CacheSize", strconv.FormatInt(n.CacheSizeMB, 10)+" MB")
			w.time("SnapshotCreateTime", sn.CreatedAt)
		}
		w.time("CacheNodeCreateTime", n.CreatedAt)
	})
	w.text("ARN", s.arn("snapshot", sn.Name))
}

func (s *Sim) describeSnapshots(form url.Values, _ time.Time) ([]byte, *apiError) {
	rgID, ccID, name := strings.ToLower(form.Get("ReplicationGroupId")), strings.ToLower(form.Get("CacheClusterId")), strings.ToLower(form.Get("SnapshotName"))
	source := ""
	switch form.Get("SnapshotSource") {
	case "":
	case "system":
		source = "automated"
	case "user":
		source = "manual"
	default:
		return nil, invalidValue("The parameter SnapshotSource must be system or user.")
	}
	if ccID != "" {
		if _, _, err := s.cacheCluster(ccID); err != nil {
			return nil, err
		}
	}
	var sns []*Snapshot
	for _, n := range sortedKeys(s.snapshots) {
		sn := s.snapshots[n]
		if (rgID == "" || sn.ReplicationGroup == rgID) && (ccID == "" || sn.CacheClusterID == ccID) &&
			(name == "" || sn.Name == name) && (source == "" || sn.Source == source) {
			sns = append(sns, sn)
		}
	}
	if name != "" && len(sns) == 0 {
		return nil, cacheFault("SnapshotNotFoundFault", "Snapshot %s not found.", name)
	}
	start, end, next, err := ecPage("DescribeSnapshots", form, 20, 50, len(sns))
	if err != nil {
		return nil, err
	}
	var w xw
	w.text("Marker", next)
	w.list("Snapshots", "Snapshot", end-start, func(i int) { s.writeSnapshot(&w, sns[start+i]) })
	return w.b.Bytes(), nil
}

// FailNextSnapshot makes a group's next snapshot (manual or automatic) fail.
func (s *Sim) FailNextSnapshot(rgID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rg, err := s.replicationGroup(rgID)
	if err != nil {
		return err
	}
	rg.failSnapshots++
	return nil
}
