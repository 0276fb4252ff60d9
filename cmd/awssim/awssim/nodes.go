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
	"encoding/json"
	"fmt"
	"math/rand"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// NodeRunner starts and stops what runs on an instance. It is called with the simulator's lock held.
type NodeRunner interface {
	// Address is the private IP of the n-th instance.
	Address(n int) string
	// Start boots the node of a new instance of the given cache cluster; unhealthy nodes boot broken.
	Start(inst *Instance, cluster string, unhealthy bool)
	// Stop kills the node of an instance.
	Stop(inst *Instance)
}

// loopbackBlock claims a 127.X.0.0/16 block for one simulator, so that several simulators (parallel test
// processes, a demo and a test) never hand out the same addresses: it keeps a listener open on 127.X.0.1,
// an address no node is given (nodes get .0.2 and up), for as long as the block is in use, and another
// simulator that cannot listen there picks another block. Every address is on loopback, as test traffic
// must be.
func loopbackBlock() (int, net.Listener) {
	r := rand.New(rand.NewSource(time.Now().UnixNano() ^ int64(os.Getpid())))
	for {
		b := 20 + r.Intn(230)
		if claim, err := net.Listen("tcp", fmt.Sprintf("127.%d.0.1:6379", b)); err == nil {
			return b, claim
		}
	}
}

// loopbackAddress is the address of the n-th instance (n >= 1) of a block: 127.X.0.2 and up, never the
// claim's 127.X.0.1.
func loopbackAddress(block, n int) string {
	return fmt.Sprintf("127.%d.%d.%d", block, n/250, n%250+1)
}

// noNodes runs nothing; instances still get loopback addresses.
type noNodes struct{}

// noNodesBlock is claimed for the life of the process: every simulator without nodes shares it.
var noNodesBlock, _ = loopbackBlock()

func (noNodes) Address(n int) string          { return loopbackAddress(noNodesBlock, n) }
func (noNodes) Start(*Instance, string, bool) {}
func (noNodes) Stop(*Instance)                {}

// ProcessNodes backs each instance with real processes on its own loopback address: a redis-server (the
// first node of a cluster is the primary; later nodes start as replicas of the current primary and really
// sync) and/or an HTTP status endpoint in the style of Dynomite-Manager.
type ProcessNodes struct {
	// Redis runs a redis-server on <ip>:RedisPort for every instance.
	Redis     bool
	RedisPort int
	// HTTPPort > 0 serves a status endpoint on <ip>:HTTPPort.
	HTTPPort int
	// WarmUp is how long (simulated) a new node reports a cold bootstrap in progress.
	WarmUp time.Duration
	Clock  Clock

	block int
	claim net.Listener
	mu    sync.Mutex
	nodes map[string]*node
	cache map[string]*node // ElastiCache members, by cache cluster id
	dir   string
}

type node struct {
	ip          string
	cluster     string
	redis       *exec.Cmd
	http        *http.Server
	warmUpUntil time.Time
	unhealthy   bool
	backup      bool
}

// NewProcessNodes returns a runner; dir holds the processes' working files.
func NewProcessNodes(clock Clock, dir string) *ProcessNodes {
	block, claim := loopbackBlock()
	return &ProcessNodes{RedisPort: 6379, Clock: clock, block: block, claim: claim, nodes: map[string]*node{}, cache: map[string]*node{}, dir: dir}
}

// Close gives the loopback block back once every node is stopped.
func (p *ProcessNodes) Close() error {
	return p.claim.Close()
}

// Address is the loopback address of the n-th instance.
func (p *ProcessNodes) Address(n int) string { return loopbackAddress(p.block, n) }

// ServiceAddress is the address of the runner's loopback block that no instance is given (its claim
// listens there, on the Redis port only). What serves the whole cluster, such as its Redis Sentinels, can
// listen there on other ports without colliding with another simulator's processes.
func (p *ProcessNodes) ServiceAddress() string { return loopbackAddress(p.block, 0) }

// Start boots the node.
func (p *ProcessNodes) Start(inst *Instance, cluster string, unhealthy bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := &node{ip: inst.PrivateIP, cluster: cluster, unhealthy: unhealthy, warmUpUntil: p.Clock.Now().Add(p.WarmUp)}
	if p.Redis && !unhealthy {
		n.redis = p.startRedis(inst.PrivateIP, inst.ID, p.primaryOf(cluster))
	}
	if p.HTTPPort > 0 {
		n.http = p.startHTTP(n)
	}
	p.nodes[inst.ID] = n
}

// Stop kills the node's processes.
func (p *ProcessNodes) Stop(inst *Instance) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.nodes[inst.ID]
	if n == nil {
		return
	}
	delete(p.nodes, inst.ID)
	if n.redis != nil && n.redis.Process != nil {
		_ = n.redis.Process.Kill()
		_ = n.redis.Wait()
	}
	if n.http != nil {
		_ = n.http.Close()
	}
}

// KillRedis kills the redis-server of an instance, as a crash would: the instance stays InService.
func (p *ProcessNodes) KillRedis(instanceID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := p.nodes[instanceID]; n != nil && n.redis != nil && n.redis.Process != nil {
		_ = n.redis.Process.Kill()
		_ = n.redis.Wait()
		n.redis = nil
	}
}

// RestartRedis starts again the redis-server of an instance that KillRedis killed, as a supervisor (systemd's
// Restart=always) would. The nodes persist nothing, so it comes back empty: as a replica of the cluster's
// current primary, which gives it the data again, or, when the cluster has no primary, as an empty primary
// that its replicas would copy, losing everything. That is what restarting a dead primary without
// persistence does on real machines too, which is why a failover (promoting a replica) comes first. It says
// whether it started a process: not for an unknown instance or one whose redis-server still runs.
func (p *ProcessNodes) RestartRedis(instanceID string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.nodes[instanceID]
	if !p.Redis || n == nil || n.redis != nil || n.unhealthy {
		return false
	}
	n.redis = p.startRedis(n.ip, instanceID, p.primaryOf(n.cluster))
	return n.redis != nil
}

// FreezeRedis stops (SIGSTOP) the redis-server of an instance for d of real time, then lets it go on
// (SIGCONT): a node that stalls, as one under memory pressure or a long fork does.
func (p *ProcessNodes) FreezeRedis(instanceID string, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.nodes[instanceID]
	if n == nil || n.redis == nil || n.redis.Process == nil {
		return
	}
	proc := n.redis.Process
	_ = proc.Signal(syscall.SIGSTOP)
	time.AfterFunc(d, func() { _ = proc.Signal(syscall.SIGCONT) })
}

// SetBackup makes an instance's status endpoint report a backup in progress (or not).
func (p *ProcessNodes) SetBackup(instanceID string, running bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := p.nodes[instanceID]; n != nil {
		n.backup = running
	}
}

// primaryOf finds the cluster's current primary by asking its live nodes: roles change when the
// controller hands off the primary, so the runner never remembers them.
func (p *ProcessNodes) primaryOf(cluster string) string {
	for _, n := range p.nodes {
		if n.cluster != cluster || n.redis == nil {
			continue
		}
		c := redis.NewClient(&redis.Options{Addr: net.JoinHostPort(n.ip, strconv.Itoa(p.RedisPort)), DialTimeout: time.Second, ReadTimeout: time.Second, MaxRetries: -1})
		info, err := c.InfoMap(context.Background(), "replication").Result()
		_ = c.Close()
		if err == nil && info["Replication"]["role"] == "master" {
			return n.ip
		}
	}
	return ""
}

func (p *ProcessNodes) startRedis(ip, name, primary string) *exec.Cmd {
	args := []string{"--bind", ip, "--port", strconv.Itoa(p.RedisPort), "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--protected-mode", "no", "--repl-diskless-sync-delay", "0",
		// Replicas connect to the primary from 127.0.0.1; announcing their own address makes the primary see
		// them as a VPC would, which FAILOVER TO needs.
		"--replica-announce-ip", ip, "--dir", p.dir, "--dbfilename", name + ".rdb", "--logfile", ""}
	if primary != "" {
		args = append(args, "--replicaof", primary, strconv.Itoa(p.RedisPort))
	}
	cmd := exec.Command("redis-server", args...)
	if err := cmd.Start(); err != nil {
		return nil
	}
	addr := net.JoinHostPort(ip, strconv.Itoa(p.RedisPort))
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			_ = c.Close()
			break
		}
	}
	return cmd
}

// DynomiteStatus is the JSON the simulated status endpoint answers.
type DynomiteStatus struct {
	Healthy          bool `json:"healthy"`
	WarmUpInProgress bool `json:"warmUpInProgress"`
	BackupInProgress bool `json:"backupInProgress"`
}

func (p *ProcessNodes) startHTTP(n *node) *http.Server {
	ln, err := net.Listen("tcp", net.JoinHostPort(n.ip, strconv.Itoa(p.HTTPPort)))
	if err != nil {
		return nil
	}
	srv := &http.Server{ReadHeaderTimeout: time.Second, Handler: http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		p.mu.Lock()
		st := DynomiteStatus{
			Healthy:          !n.unhealthy,
			WarmUpInProgress: !n.unhealthy && p.Clock.Now().Before(n.warmUpUntil),
			BackupInProgress: n.backup,
		}
		p.mu.Unlock()
		rw.Header().Set("Content-Type", "application/json")
		if !st.Healthy {
			rw.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(rw).Encode(st)
	})}
	go func() { _ = srv.Serve(ln) }()
	return srv
}

// CacheNodeRunner runs the processes behind ElastiCache members: one redis-server per member, on the
// member's own loopback address, replicas replicating from their shard's primary. It is called with the
// simulator's lock held. ProcessNodes implements it when it runs Redis.
type CacheNodeRunner interface {
	// RunsCacheNodes says whether members get processes at all.
	RunsCacheNodes() bool
	// StartCacheNode starts a member's redis-server on ip, as a replica of primaryIP ("" for a primary).
	StartCacheNode(id, ip, primaryIP string)
	// StopCacheNode kills a member's redis-server.
	StopCacheNode(id string)
	// PromoteCacheNode makes a member a primary (REPLICAOF NO ONE).
	PromoteCacheNode(id string)
	// ReplicateCacheNode makes a member replicate from primaryIP.
	ReplicateCacheNode(id, primaryIP string)
	// CacheNodeInfo reads a member's role, replication offset and used memory.
	CacheNodeInfo(id string) (CacheNodeInfo, bool)
}

// CacheNodeInfo is what INFO says about a member.
type CacheNodeInfo struct {
	Role              string // master or slave
	ReplicationOffset int64  // master_repl_offset of a primary, slave_repl_offset of a replica
	UsedMemory        int64  // bytes
}

// RunsCacheNodes says whether ElastiCache members get a redis-server.
func (p *ProcessNodes) RunsCacheNodes() bool { return p.Redis }

// StartCacheNode starts a member's redis-server.
func (p *ProcessNodes) StartCacheNode(id, ip, primaryIP string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cache[id] = &node{ip: ip, redis: p.startRedis(ip, "elasticache-"+id, primaryIP)}
}

// StopCacheNode kills a member's redis-server.
func (p *ProcessNodes) StopCacheNode(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.cache[id]
	if n == nil {
		return
	}
	delete(p.cache, id)
	if n.redis != nil && n.redis.Process != nil {
		_ = n.redis.Process.Kill()
		_ = n.redis.Wait()
	}
}

func (p *ProcessNodes) cacheClient(id string) *redis.Client {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.cache[id]
	if n == nil || n.redis == nil {
		return nil
	}
	return redis.NewClient(&redis.Options{Addr: net.JoinHostPort(n.ip, strconv.Itoa(p.RedisPort)), DialTimeout: time.Second,
		ReadTimeout: time.Second, MaxRetries: -1})
}

// PromoteCacheNode makes a member a primary.
func (p *ProcessNodes) PromoteCacheNode(id string) {
	if c := p.cacheClient(id); c != nil {
		_ = c.Do(context.Background(), "REPLICAOF", "NO", "ONE").Err()
		_ = c.Close()
	}
}

// ReplicateCacheNode makes a member replicate from primaryIP.
func (p *ProcessNodes) ReplicateCacheNode(id, primaryIP string) {
	if c := p.cacheClient(id); c != nil {
		_ = c.Do(context.Background(), "REPLICAOF", primaryIP, strconv.Itoa(p.RedisPort)).Err()
		_ = c.Close()
	}
}

// CacheNodeInfo reads a member's INFO.
func (p *ProcessNodes) CacheNodeInfo(id string) (CacheNodeInfo, bool) {
	c := p.cacheClient(id)
	if c == nil {
		return CacheNodeInfo{}, false
	}
	defer c.Close()
	info, err := c.InfoMap(context.Background(), "replication", "memory").Result()
	if err != nil {
		return CacheNodeInfo{}, false
	}
	out := CacheNodeInfo{Role: info["Replication"]["role"]}
	offset := info["Replication"]["master_repl_offset"]
	if out.Role == "slave" {
		offset = info["Replication"]["slave_repl_offset"]
	}
	out.ReplicationOffset, _ = strconv.ParseInt(offset, 10, 64)
	out.UsedMemory, _ = strconv.ParseInt(info["Memory"]["used_memory"], 10, 64)
	return out, true
}
