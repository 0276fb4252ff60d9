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

// Package probe does the I/O of the health gates and the Redis actions: it reads Redis INFO and HTTP status
// endpoints, and issues FAILOVER and REPLICAOF. What the answers mean is decided in package health.
package probe

import (
	"context"
	"crypto/tls"
	"net"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cache-remediator/cache-remediator/controllers/health"
)

// RedisCredentials are what a Redis connection authenticates and encrypts with.
type RedisCredentials struct {
	// Username is an ACL user; empty with an AUTH token (or no password).
	Username string
	Password string
	// TLS, when set, encrypts the connection (ElastiCache in-transit encryption).
	TLS *tls.Config
}

// RedisProber reads a node's Redis INFO; observation builders take one, so tests can answer for Redis.
type RedisProber interface {
	Probe(ctx context.Context, ip string, port int32) health.RedisInfo
}

var _ RedisProber = Redis{}

// Redis reads INFO from nodes and issues the hand-off commands, one short-lived client per call.
type Redis struct {
	Credentials RedisCredentials
	Timeout     time.Duration
}

func (p Redis) client(ip string, port int32) *redis.Client {
	return dial(net.JoinHostPort(ip, strconv.Itoa(int(port))), p.Credentials, p.Timeout)
}

// dial returns a client of one connection to address (a node or a Sentinel) with the credentials; TLS
// checks the certificate against the host connected to unless the credentials name a server.
func dial(address string, credentials RedisCredentials, timeout time.Duration) *redis.Client {
	if timeout == 0 {
		timeout = 2 * time.Second
	}
	var tlsConfig *tls.Config
	if credentials.TLS != nil {
		tlsConfig = credentials.TLS.Clone()
		if host, _, err := net.SplitHostPort(address); err == nil && tlsConfig.ServerName == "" {
			tlsConfig.ServerName = host
		}
	}
	return redis.NewClient(&redis.Options{
		Addr: address, Username: credentials.Username, Password: credentials.Password, TLSConfig: tlsConfig,
		DialTimeout: timeout, ReadTimeout: timeout, WriteTimeout: timeout, MaxRetries: -1, PoolSize: 1,
		// Health probes must not depend on the server speaking RESP3 or knowing CLIENT SETINFO.
		Protocol: 2, DisableIdentity: true,
	})
}

// Probe reads PING and INFO replication, persistence, memory and server from the node at ip:port.
func (p Redis) Probe(ctx context.Context, ip string, port int32) health.RedisInfo {
	c := p.client(ip, port)
	defer c.Close()
	if err := c.Ping(ctx).Err(); err != nil {
		return health.RedisInfo{Err: err}
	}
	info, err := c.InfoMap(ctx, "replication", "persistence", "memory", "server").Result()
	if err != nil {
		return health.RedisInfo{Err: err}
	}
	out := health.ParseRedisInfo(info["Replication"], info["Persistence"], info["Memory"])
	out.RunID = info["Server"]["run_id"]
	if up, err := strconv.ParseInt(info["Server"]["uptime_in_seconds"], 10, 64); err == nil {
		out.Uptime, out.HasUptime = time.Duration(up)*time.Second, true
	}
	return out
}

// Failover hands the primary role at primaryIP to the replica at targetIP with Redis' coordinated FAILOVER:
// the primary pauses writes, waits for the target to catch up, then swaps roles, so no acknowledged write
// is lost. It only starts the hand-off; Redis aborts it if the target does not catch up within timeout,
// which the caller sees as the primary back at master_failover_state no-failover. A failover already in
// progress counts as started.
func (p Redis) Failover(ctx context.Context, primaryIP, targetIP string, port int32, timeout time.Duration) error {
	c := p.client(primaryIP, port)
	defer c.Close()
	err := c.Do(ctx, "FAILOVER", "TO", targetIP, strconv.Itoa(int(port)), "TIMEOUT", strconv.FormatInt(timeout.Milliseconds(), 10)).Err()
	if err != nil && err.Error() == "ERR FAILOVER already in progress." {
		return nil
	}
	return err
}

// ReplicaOf makes the node at ip replicate from the primary at primaryIP.
func (p Redis) ReplicaOf(ctx context.Context, ip, primaryIP string, port int32) error {
	c := p.client(ip, port)
	defer c.Close()
	return c.Do(ctx, "REPLICAOF", primaryIP, strconv.Itoa(int(port))).Err()
}

// PauseWrites holds the writes of every client of the node at ip for d (CLIENT PAUSE WRITE): they wait, not
// fail, and replication goes on, so the replicas catch up with a primary whose offset no longer moves.
func (p Redis) PauseWrites(ctx context.Context, ip string, port int32, d time.Duration) error {
	c := p.client(ip, port)
	defer c.Close()
	return c.Do(ctx, "CLIENT", "PAUSE", strconv.FormatInt(d.Milliseconds(), 10), "WRITE").Err()
}

// UnpauseWrites lets the node's held writes go on (CLIENT UNPAUSE).
func (p Redis) UnpauseWrites(ctx context.Context, ip string, port int32) error {
	c := p.client(ip, port)
	defer c.Close()
	return c.Do(ctx, "CLIENT", "UNPAUSE").Err()
}

// ReplicationOffset reads the node's replication offset: master_repl_offset on a primary,
// slave_repl_offset on a replica.
func (p Redis) ReplicationOffset(ctx context.Context, ip string, port int32) (int64, error) {
	c := p.client(ip, port)
	defer c.Close()
	info, err := c.InfoMap(ctx, "replication").Result()
	if err != nil {
		return 0, err
	}
	return health.ParseRedisInfo(info["Replication"], nil, nil).ReplOffset, nil
}
