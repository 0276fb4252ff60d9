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

package asgobservation

import (
	"net"
	"strconv"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/health"
)

// RedisAddress is the node's Redis address (ip:port), as Sentinel names it.
func (c *Cluster) RedisAddress(n Node) string {
	return net.JoinHostPort(n.PrivateIP, strconv.Itoa(int(c.RedisPort)))
}

// sentinelNamed is the address every Sentinel that answers names as the master; false when none answers
// or they name different ones (right after a failover, until the others have heard of it).
func (c *Cluster) sentinelNamed() (string, bool) {
	named := ""
	for _, v := range c.Sentinels {
		if v.Err != nil || !v.Monitors {
			continue
		}
		if named != "" && v.Primary != named {
			return "", false
		}
		named = v.Primary
	}
	return named, named != ""
}

// SentinelPrimary is the serving node every Sentinel that answers names as the master; false when they do
// not agree or name no node of the cluster.
func (c *Cluster) SentinelPrimary() (Node, bool) {
	named, ok := c.sentinelNamed()
	if !ok {
		return Node{}, false
	}
	for _, n := range c.Serving() {
		if c.RedisAddress(n) == named {
			return n, true
		}
	}
	return Node{}, false
}

// SentinelPromoted is the serving node other than former that the Sentinels name as the master once they
// stop naming former: those still naming former have not heard of the failover yet. False when none names
// another address, they name different ones, or the one they name is no serving node of the cluster.
func (c *Cluster) SentinelPromoted(former Node) (Node, bool) {
	formerAddress, named := c.RedisAddress(former), ""
	for _, v := range c.Sentinels {
		if v.Err != nil || !v.Monitors || v.Primary == formerAddress {
			continue
		}
		if named != "" && v.Primary != named {
			return Node{}, false
		}
		named = v.Primary
	}
	for _, n := range c.Serving() {
		if named != "" && c.RedisAddress(n) == named {
			return n, true
		}
	}
	return Node{}, false
}

// SentinelMissing names a Sentinel that answers but does not list n among the master's replicas, or sees
// it down: a replica it could not promote. Empty when every Sentinel that answers knows n up, and without
// Sentinels.
func (c *Cluster) SentinelMissing(n Node) string {
	address := c.RedisAddress(n)
	for _, v := range c.Sentinels {
		if v.Err != nil || !v.Monitors {
			continue
		}
		if r, known := v.Replicas[address]; !known || r.Down() {
			return v.Address
		}
	}
	return ""
}

// SentinelFailoverRunning says whether a Sentinel runs a failover of the master.
func (c *Cluster) SentinelFailoverRunning() bool {
	for _, v := range c.Sentinels {
		if v.Err == nil && v.FailoverInProgress {
			return true
		}
	}
	return false
}

// SentinelGates compares what the Sentinels say with the nodes: the one primary, and every serving
// replica that answers. The observation adds them to the cluster gates; tests that build a cluster by hand
// call it too.
func SentinelGates(c *Cluster, s *v1.RedisSentinel) []health.Result {
	var primary *health.SentinelNode
	if p, ok := c.Primary(); ok {
		primary = &health.SentinelNode{InstanceID: p.InstanceID, Address: c.RedisAddress(p)}
	}
	var replicas []health.SentinelNode
	for _, n := range c.Serving() {
		if n.Role() == v1.RoleReplica {
			replicas = append(replicas, health.SentinelNode{InstanceID: n.InstanceID, Address: c.RedisAddress(n)})
		}
	}
	return health.SentinelGates(c.Sentinels, s.MasterName, primary, replicas)
}
