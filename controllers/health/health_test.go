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

package health_test

import (
	"errors"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/cache-remediator/cache-remediator/controllers/health"
)

func TestRedisGates(t *testing.T) {
	replica := func(mutate func(*health.RedisInfo)) health.RedisInfo {
		i := health.RedisInfo{Role: "slave", MasterHost: "10.0.0.1", MasterLinkUp: true, ReplOffset: 1000}
		mutate(&i)
		return i
	}
	cases := []struct {
		name   string
		info   health.RedisInfo
		failed string // the gate that fails, "" when all hold
		reason string
	}{
		{"a caught-up replica with its link up holds every gate", replica(func(*health.RedisInfo) {}), "", ""},
		{"a primary holds every gate whatever the offsets", health.RedisInfo{Role: "master", ReplOffset: 5}, "", ""},
		{"a node that does not answer fails reachability and nothing else is claimed", health.RedisInfo{Err: errors.New("connection refused")}, health.GateRedisReachable, "Unreachable"},
		{"a node loading its dataset fails persistence", replica(func(i *health.RedisInfo) { i.Loading = true }), health.GateRedisPersistence, "Loading"},
		{"a node running BGSAVE fails persistence", replica(func(i *health.RedisInfo) { i.BGSaveInProgress = true }), health.GateRedisPersistence, "BackgroundSave"},
		{"a node rewriting its AOF fails persistence", replica(func(i *health.RedisInfo) { i.AOFRewrite = true }), health.GateRedisPersistence, "AOFRewrite"},
		{"a replica whose link is down fails replication", replica(func(i *health.RedisInfo) { i.MasterLinkUp = false }), health.GateRedisReplication, "LinkDown"},
		{"a replica in a full sync fails replication", replica(func(i *health.RedisInfo) { i.SyncInProgress = true }), health.GateRedisReplication, "Syncing"},
		{"a replica more than maxLag behind fails replication", replica(func(i *health.RedisInfo) { i.ReplOffset = 1000 - 101 }), health.GateRedisReplication, "Lagging"},
		{"a replica exactly maxLag behind still holds", replica(func(i *health.RedisInfo) { i.ReplOffset = 1000 - 100 }), "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			results := health.RedisGates("i-1", c.info, 1000, 100)
			r, failed := health.FirstFailure(results)
			if c.failed == "" {
				g.Expect(failed).To(BeFalse(), "%+v", r)
				return
			}
			g.Expect(failed).To(BeTrue())
			g.Expect(r.Gate).To(Equal(c.failed))
			g.Expect(r.Reason).To(Equal(c.reason))
			g.Expect(r.InstanceID).To(Equal("i-1"))
		})
	}
}

func TestHTTPGate(t *testing.T) {
	cases := []struct {
		name   string
		code   int
		body   string
		reason string
	}{
		{"a healthy node with nothing running holds", 200, `{"healthy":true}`, ""},
		{"a node warming up (cold bootstrap) fails", 200, `{"healthy":true,"warmUpInProgress":true}`, "WarmUpInProgress"},
		{"a node taking a backup fails", 200, `{"healthy":true,"backupInProgress":true}`, "BackupInProgress"},
		{"a node that says it is unhealthy fails", 200, `{"healthy":false}`, "Unhealthy"},
		{"a 503 fails whatever the body says", 503, `{"healthy":true}`, "NotOK"},
		{"a 200 whose body is not JSON fails as unreachable", 200, `<html>`, "Unreachable"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			r := health.HTTPGate("i-1", health.DecodeHTTPStatus(c.code, []byte(c.body)))
			g.Expect(r.OK).To(Equal(c.reason == ""), "%+v", r)
			if c.reason != "" {
				g.Expect(r.Reason).To(Equal(c.reason))
			}
		})
	}
}

func TestParseRedisInfoReadsTheFieldsTheGatesUse(t *testing.T) {
	g := NewWithT(t)
	info := health.ParseRedisInfo(
		map[string]string{"role": "master", "master_repl_offset": "42", "connected_slaves": "2", "master_failover_state": "waiting-for-sync"},
		map[string]string{"loading": "0", "async_loading": "1", "rdb_bgsave_in_progress": "0"},
		map[string]string{"used_memory": "1048576"})
	g.Expect(info.IsPrimary()).To(BeTrue())
	g.Expect(info.ReplOffset).To(Equal(int64(42)))
	g.Expect(info.ConnectedReplicas).To(Equal(2))
	g.Expect(info.Loading).To(BeTrue(), "async loading counts as loading")
	g.Expect(info.FailoverRunning()).To(BeTrue())
	g.Expect(info.UsedMemory).To(Equal(int64(1 << 20)))
	replica := health.ParseRedisInfo(map[string]string{"role": "slave", "slave_repl_offset": "40", "master_link_status": "up", "master_host": "10.0.0.1"}, nil, nil)
	g.Expect(replica.ReplOffset).To(Equal(int64(40)))
	g.Expect(replica.MasterLinkUp).To(BeTrue())
	g.Expect(replica.FailoverRunning()).To(BeFalse())
	aborted := health.ParseRedisInfo(map[string]string{"role": "master", "master_failover_state": "no-failover"}, nil, nil)
	g.Expect(aborted.FailoverRunning()).To(BeFalse(), "a primary back at no-failover has no hand-off running")
}
