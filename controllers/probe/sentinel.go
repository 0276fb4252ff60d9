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

package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cache-remediator/cache-remediator/controllers/health"
)

// SentinelProber reads what a Sentinel says about a master; observation builders take one, so tests can
// answer for Sentinel.
type SentinelProber interface {
	Observe(ctx context.Context, address, masterName string) health.SentinelView
}

var _ SentinelProber = Sentinel{}

// Sentinel asks Redis Sentinels about a master and for its failover, one short-lived client per call.
type Sentinel struct {
	// Credentials are the Sentinels' own (their user and password; TLS as the nodes').
	Credentials RedisCredentials
	Timeout     time.Duration
}

// Observe asks the Sentinel at address, in one round trip, for the master it monitors as masterName (its
// flags), the master's address, the replicas it knows, and whether it can reach its quorum.
func (s Sentinel) Observe(ctx context.Context, address, masterName string) health.SentinelView {
	c := dial(address, s.Credentials, s.Timeout)
	defer c.Close()
	master := redis.NewMapStringStringCmd(ctx, "sentinel", "master", masterName)
	primary := redis.NewStringSliceCmd(ctx, "sentinel", "get-master-addr-by-name", masterName)
	replicas := redis.NewMapStringStringSliceCmd(ctx, "sentinel", "replicas", masterName)
	quorum := redis.NewStringCmd(ctx, "sentinel", "ckquorum", masterName)
	_, _ = c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, cmd := range []redis.Cmder{master, primary, replicas, quorum} {
			_ = p.Process(ctx, cmd)
		}
		return nil
	})
	v := health.SentinelView{Address: address}
	if err := master.Err(); err != nil {
		if !isReply(err, "ERR No such master") {
			v.Err = err
		}
		return v
	}
	v.Monitors = true
	v.FailoverInProgress = health.SentinelFailoverRunning(master.Val()["flags"])
	if addr := primary.Val(); primary.Err() == nil && len(addr) == 2 {
		v.Primary = net.JoinHostPort(addr[0], addr[1])
	}
	v.Replicas = map[string]health.SentinelReplica{}
	for _, r := range replicas.Val() {
		v.Replicas[net.JoinHostPort(r["ip"], r["port"])] = health.SentinelReplica{Flags: r["flags"]}
	}
	if err := quorum.Err(); err != nil {
		v.NoQuorum = err.Error()
	}
	return v
}

// FailoverRefusal is a Sentinel's refusal of SENTINEL FAILOVER: NOGOODSLAVE when it sees no replica it may
// promote (every one down, disconnected, or at replica-priority 0).
type FailoverRefusal struct {
	Sentinel string
	Reply    string
}

func (r *FailoverRefusal) Error() string {
	return fmt.Sprintf("Sentinel %s refused the failover: %s", r.Sentinel, r.Reply)
}

// Failover asks the Sentinel at address to fail the master over now (SENTINEL FAILOVER): it promotes the
// replica it prefers (lowest replica-priority, then most data) without asking the other Sentinels, and
// re-points the other replicas. A failover already in progress (INPROG) counts as started; any other error
// reply is a *FailoverRefusal, and an error without a reply means the Sentinel could not be asked.
func (s Sentinel) Failover(ctx context.Context, address, masterName string) error {
	c := dial(address, s.Credentials, s.Timeout)
	defer c.Close()
	err := c.Do(ctx, "SENTINEL", "FAILOVER", masterName).Err()
	var reply redis.Error
	switch {
	case err == nil, isReply(err, "INPROG"):
		return nil
	case errors.As(err, &reply):
		return &FailoverRefusal{Sentinel: address, Reply: reply.Error()}
	}
	return err
}

// isReply says whether err is an error reply of the server that starts with prefix.
func isReply(err error, prefix string) bool {
	var reply redis.Error
	return errors.As(err, &reply) && strings.HasPrefix(reply.Error(), prefix)
}
