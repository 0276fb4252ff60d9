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

package main

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
	"github.com/cache-remediator/cache-remediator/test/redisload"
)

// monitorInterval is how often the monitor looks at the cluster: well under the controller's polling
// interval, so a gate failure the controller could have seen is seen here too.
const monitorInterval = 100 * time.Millisecond

// node is one serving instance of the cluster and what its redis-server says.
type node struct {
	awssim.Instance
	reachable bool
	role      string // master or slave
	// masterHost, linkUp and syncing describe a replica's link to its primary.
	masterHost string
	linkUp     bool
	syncing    bool
	loading    bool
	offset     int64
}

func (n node) addr() string { return net.JoinHostPort(n.PrivateIP, "6379") }

// view is the cluster at one moment: its serving nodes, and the gates that fail, by key ("Redis/i-…",
// "Capacity/<group>", "SinglePrimary", ...) with what they saw. The keys of a node's gates end in its id.
type view struct {
	at      time.Time
	nodes   []node
	failing map[string]string
}

// primary is the one InService node that says it is the primary, if there is exactly one.
func (v view) primary() (node, bool) {
	var found []node
	for _, n := range v.nodes {
		if n.LifecycleState == awssim.StateInService && n.reachable && n.role == "master" {
			found = append(found, n)
		}
	}
	if len(found) != 1 {
		return node{}, false
	}
	return found[0], true
}

func (v view) node(id string) (node, bool) {
	for _, n := range v.nodes {
		if n.ID == id {
			return n, true
		}
	}
	return node{}, false
}

// failingExcept lists the failing gates that are not about the instance, sorted.
func (v view) failingExcept(instanceID string) []string {
	var keys []string
	for k := range v.failing {
		if !strings.HasSuffix(k, "/"+instanceID) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// primaryChange is the moment a node became the cluster's one primary, as the monitor saw it; instanceID
// is "" from when the cluster had no primary (or two).
type primaryChange struct {
	at         time.Time
	instanceID string
}

// clusterMonitor watches an Auto Scaling cluster as the controller's gates do (capacity, InService, every
// redis-server reachable, not loading, replicas linked, synced and following the one primary), but
// independently of the controller: the campaign judges the controller's terminations by it, and the write
// load finds the primary through it.
type clusterMonitor struct {
	srv    *awssim.Server
	groups []string

	mu           sync.Mutex
	clients      map[string]*redis.Client
	last         view
	failingSince map[string]time.Time
	primaries    []primaryChange
	stop         chan struct{}
	stopped      chan struct{}
}

func startMonitor(srv *awssim.Server, groups []string) *clusterMonitor {
	m := &clusterMonitor{srv: srv, groups: groups, clients: map[string]*redis.Client{}, failingSince: map[string]time.Time{},
		stop: make(chan struct{}), stopped: make(chan struct{})}
	m.record(m.look())
	go m.run()
	return m
}

func (m *clusterMonitor) run() {
	defer close(m.stopped)
	t := time.NewTicker(monitorInterval)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
			m.record(m.look())
		}
	}
}

// Stop ends the watch and closes its connections.
func (m *clusterMonitor) Stop() {
	close(m.stop)
	<-m.stopped
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range m.clients {
		_ = c.Close()
	}
}

// record keeps a view as the latest and updates since when each gate has failed and who is primary.
func (m *clusterMonitor) record(v view) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k := range m.failingSince {
		if _, failing := v.failing[k]; !failing {
			delete(m.failingSince, k)
		}
	}
	for k := range v.failing {
		if _, known := m.failingSince[k]; !known {
			m.failingSince[k] = v.at
		}
	}
	primary := ""
	if p, ok := v.primary(); ok {
		primary = p.ID
	}
	if len(m.primaries) == 0 || m.primaries[len(m.primaries)-1].instanceID != primary {
		m.primaries = append(m.primaries, primaryChange{at: v.at, instanceID: primary})
	}
	m.last = v
}

// Last is the latest view.
func (m *clusterMonitor) Last() view {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.last
}

// FailingSince is since when the gate has failed without a break, as far as the monitor saw; at when it
// was not failing at the monitor's last look.
func (m *clusterMonitor) FailingSince(key string, at time.Time) time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	if since, ok := m.failingSince[key]; ok {
		return since
	}
	return at
}

// Primaries lists who was primary from when, in order ("" while nobody was).
func (m *clusterMonitor) Primaries() []primaryChange {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]primaryChange(nil), m.primaries...)
}

// PrimaryAddr is the address of the primary at the latest view, "" when the cluster has none: the write
// load's way to the primary.
func (m *clusterMonitor) PrimaryAddr() string {
	if p, ok := m.Last().primary(); ok {
		return p.addr()
	}
	return ""
}

// look reads the cluster now: the groups from the simulator, every serving node's INFO.
func (m *clusterMonitor) look() view {
	v := view{at: time.Now(), failing: map[string]string{}}
	for _, g := range m.groups {
		state, _ := m.srv.GroupState(g)
		inService := 0
		for _, inst := range m.srv.GroupInstances(g) {
			if inst.LifecycleState != awssim.StatePending && inst.LifecycleState != awssim.StateInService {
				continue
			}
			n := m.probe(inst)
			v.nodes = append(v.nodes, n)
			if inst.LifecycleState == awssim.StateInService {
				inService++
			} else {
				v.failing["InService/"+inst.ID] = "instance is " + inst.LifecycleState
			}
		}
		if int64(inService) < state.Desired {
			v.failing["Capacity/"+g] = fmt.Sprintf("%d of %d instances InService", inService, state.Desired)
		}
	}
	primaries := 0
	for _, n := range v.nodes {
		switch {
		case !n.reachable:
			v.failing["Redis/"+n.ID] = "redis-server does not answer"
		case n.loading:
			v.failing["Redis/"+n.ID] = "loading its data"
		case n.role == "master":
			primaries++
		case !n.linkUp || n.syncing:
			v.failing["Redis/"+n.ID] = "replica not linked to its primary or still syncing"
		}
	}
	primary, ok := v.primary()
	if !ok || primaries != 1 {
		v.failing["SinglePrimary"] = fmt.Sprintf("%d primaries", primaries)
		return v
	}
	for _, n := range v.nodes {
		if n.reachable && n.role == "slave" && n.masterHost != primary.PrivateIP {
			v.failing["FollowsPrimary/"+n.ID] = "replicates from " + n.masterHost
		}
	}
	return v
}

func (m *clusterMonitor) probe(inst awssim.Instance) node {
	n := node{Instance: inst}
	m.mu.Lock()
	c := m.clients[n.addr()]
	if c == nil {
		c = redisload.Client(n.addr())
		m.clients[n.addr()] = c
	}
	m.mu.Unlock()
	info, err := c.InfoMap(context.Background(), "replication", "persistence").Result()
	if err != nil {
		return n
	}
	r := info["Replication"]
	n.reachable, n.role, n.masterHost = true, r["role"], r["master_host"]
	n.linkUp, n.syncing = r["master_link_status"] == "up", r["master_sync_in_progress"] == "1"
	n.loading = info["Persistence"]["loading"] == "1"
	offset := r["master_repl_offset"]
	if n.role == "slave" {
		offset = r["slave_repl_offset"]
	}
	_, _ = fmt.Sscan(offset, &n.offset)
	return n
}
