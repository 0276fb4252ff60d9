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

package health

import (
	"fmt"
	"strconv"
	"time"
)

// RedisInfo is what a Redis probe read from one node.
type RedisInfo struct {
	// Err is set when the node could not be reached or answered an error (LOADING, MASTERDOWN, ...).
	Err              error
	Role             string // master or slave
	MasterHost       string
	MasterPort       int
	MasterLinkUp     bool
	SyncInProgress   bool
	Loading          bool
	BGSaveInProgress bool
	AOFRewrite       bool
	// ReplOffset is master_repl_offset on a primary and slave_repl_offset on a replica.
	ReplOffset        int64
	ConnectedReplicas int
	// FailoverState is master_failover_state: no-failover, waiting-for-sync or failover-in-progress. A
	// primary back at no-failover after a FAILOVER was issued means Redis aborted the hand-off.
	FailoverState string
	// UsedMemory is used_memory in bytes (0 when INFO memory was not read).
	UsedMemory int64
	// ReplicaPriority is a replica's replica-priority (slave_priority): Sentinel promotes the lowest first.
	// Zero when INFO did not report one; NeverPromoted when it reported 0, which Sentinel never promotes.
	ReplicaPriority int
	NeverPromoted   bool
	// Uptime is how long the node's redis-server process has run (INFO server uptime_in_seconds): a node
	// whose process restarted cannot have been healthy for longer, whatever an earlier look saw. HasUptime
	// says it was read (a process up for less than a second reports 0).
	Uptime    time.Duration
	HasUptime bool
	// RunID is the node's run_id (INFO server): Sentinel promotes the replica with the smallest among those
	// alike in priority and offset.
	RunID string
}

// IsPrimary says whether the node is a Redis primary.
func (i RedisInfo) IsPrimary() bool { return i.Err == nil && i.Role == "master" }

// FailoverRunning says whether the node is a primary with a coordinated FAILOVER under way.
func (i RedisInfo) FailoverRunning() bool {
	return i.IsPrimary() && i.FailoverState != "" && i.FailoverState != "no-failover"
}

// ParseRedisInfo reads the fields the gates use from INFO's replication, persistence and memory sections
// (as go-redis's InfoMap returns them).
func ParseRedisInfo(repl, persist, memory map[string]string) RedisInfo {
	atoi := func(s string) int64 { n, _ := strconv.ParseInt(s, 10, 64); return n }
	out := RedisInfo{
		Role: repl["role"], MasterHost: repl["master_host"], MasterPort: int(atoi(repl["master_port"])),
		MasterLinkUp: repl["master_link_status"] == "up", SyncInProgress: repl["master_sync_in_progress"] == "1",
		Loading: persist["loading"] == "1" || persist["async_loading"] == "1", BGSaveInProgress: persist["rdb_bgsave_in_progress"] == "1",
		AOFRewrite: persist["aof_rewrite_in_progress"] == "1", ConnectedReplicas: int(atoi(repl["connected_slaves"])),
		FailoverState: repl["master_failover_state"], UsedMemory: atoi(memory["used_memory"]),
	}
	if priority, ok := repl["slave_priority"]; ok {
		out.ReplicaPriority = int(atoi(priority))
		out.NeverPromoted = out.ReplicaPriority == 0
	}
	if out.Role == "master" {
		out.ReplOffset = atoi(repl["master_repl_offset"])
	} else {
		out.ReplOffset = atoi(repl["slave_repl_offset"])
	}
	return out
}

// RedisGates evaluates the Redis gates of one node given the cluster's primary offset: reachable and not
// loading; no BGSAVE or AOF rewrite; a replica's link up, not syncing, and within maxLag bytes.
func RedisGates(id string, info RedisInfo, primaryOffset int64, maxLag int64) []Result {
	if info.Err != nil {
		return []Result{fail(GateRedisReachable, id, "Unreachable", "redis: "+info.Err.Error())}
	}
	out := []Result{pass(GateRedisReachable, id)}
	switch {
	case info.Loading:
		out = append(out, fail(GateRedisPersistence, id, "Loading", "redis is loading its dataset"))
	case info.BGSaveInProgress:
		out = append(out, fail(GateRedisPersistence, id, "BackgroundSave", "a BGSAVE is running"))
	case info.AOFRewrite:
		out = append(out, fail(GateRedisPersistence, id, "AOFRewrite", "an AOF rewrite is running"))
	default:
		out = append(out, pass(GateRedisPersistence, id))
	}
	if info.Role == "master" {
		return append(out, pass(GateRedisReplication, id))
	}
	switch lag := primaryOffset - info.ReplOffset; {
	case !info.MasterLinkUp:
		out = append(out, fail(GateRedisReplication, id, "LinkDown", fmt.Sprintf("replica's link to its primary %s is down", info.MasterHost)))
	case info.SyncInProgress:
		out = append(out, fail(GateRedisReplication, id, "Syncing", "replica is running a full sync from its primary"))
	case lag > maxLag:
		out = append(out, fail(GateRedisReplication, id, "Lagging", fmt.Sprintf("replica is %d bytes behind its primary (at most %d allowed)", lag, maxLag)))
	default:
		out = append(out, pass(GateRedisReplication, id))
	}
	return out
}
