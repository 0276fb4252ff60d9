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

// Package asgobservation holds the per-reconcile snapshot of a self-managed cache cluster run by Auto
// Scaling groups: its groups, what they launch, its nodes and their health. A Cluster is built once per
// reconcile (builder.go does the I/O) and answers questions without any further I/O.
package asgobservation

import (
	"sort"
	"time"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/cloudwatchgates"
	"github.com/cache-remediator/cache-remediator/controllers/health"
)

// Auto Scaling lifecycle states the controller reasons about.
const (
	StateInService = "InService"
	StatePending   = "Pending"
)

// LaunchSource is what a group launches: a launch template version or a launch configuration, resolved to
// its AMI and type.
type LaunchSource struct {
	TemplateID   string
	TemplateName string
	// Version is how the group names the version ($Default, $Latest or a number); Resolved is its number.
	Version             string
	Resolved            int64
	LaunchConfiguration string
	ImageID             string
	InstanceType        string
}

// Launches says whether the source launches the goal's AMI and type, however the group names the version
// (a number, $Default or $Latest): a group that already launches the goal needs no new version.
func (s LaunchSource) Launches(goal v1.ImageAndType) bool {
	return s.ImageID == goal.ImageID && s.InstanceType == goal.InstanceType
}

// Group is one Auto Scaling group of the cluster.
type Group struct {
	Name     string
	Zones    []string
	Desired  int64
	Max      int64
	Tags     map[string]string
	Launch   LaunchSource
	Position int // the group's index in spec.target.autoScalingGroups.names
}

// OptedInFor says whether the group carries the opt-in tag with the value value.
func (g Group) OptedInFor(value string) bool { return g.Tags[v1.OptInTagKey] == value }

// Node is one instance of the cluster.
type Node struct {
	InstanceID     string
	Group          string
	Zone           string
	PrivateIP      string
	ImageID        string
	InstanceType   string
	LifecycleState string
	// EC2Status is the worse of the instance's status checks, "unknown" when EC2 did not report it, and
	// empty when they were not read.
	EC2Status  string
	LaunchedAt time.Time
	Redis      *health.RedisInfo
	HTTP       *health.HTTPStatus
	// Gates are the node's gate results; empty for nodes on their way out.
	Gates []health.Result
}

// Runs says whether the node runs the goal's AMI and type.
func (n Node) Runs(goal v1.ImageAndType) bool {
	return n.ImageID == goal.ImageID && n.InstanceType == goal.InstanceType
}

// InService says whether the node serves (lifecycle InService).
func (n Node) InService() bool { return n.LifecycleState == StateInService }

// Leaving says whether the node is terminating or gone.
func (n Node) Leaving() bool {
	return n.LifecycleState != StateInService && n.LifecycleState != StatePending
}

// Healthy says whether the node is InService and every gate holds.
func (n Node) Healthy() bool {
	if !n.InService() || len(n.Gates) == 0 {
		return false
	}
	_, failed := health.FirstFailure(n.Gates)
	return !failed
}

// Role is the node's role: Primary or Replica when Redis is probed, Node otherwise.
func (n Node) Role() v1.NodeRole {
	switch {
	case n.Redis == nil:
		return v1.RoleNode
	case n.Redis.Err != nil:
		return v1.RoleUnknown
	case n.Redis.IsPrimary():
		return v1.RolePrimary
	}
	return v1.RoleReplica
}

// Cluster is the snapshot of one policy's cluster.
type Cluster struct {
	Now    time.Time
	Groups []Group
	Nodes  []Node
	// MissingGroups are names from the spec that Auto Scaling does not know.
	MissingGroups []string
	// CloudWatch is what the policy's CloudWatch gates read (empty when the cluster was at rest).
	CloudWatch cloudwatchgates.Observation
	// ClusterGates are the gates on the cluster as a whole (CloudWatch alarms and group metrics, capacity, a
	// single primary).
	ClusterGates []health.Result
	// StatusChecked says the serving nodes' EC2 status checks were read (see Builder.Observe); when they
	// were not, the nodes carry no EC2Status gate.
	StatusChecked bool
	// RedisPort is the nodes' Redis port (health.redis.port), 0 without a Redis gate.
	RedisPort int32
	// Sentinels are what each Sentinel of health.redis.sentinel said, in spec order; nil without Sentinel.
	Sentinels []health.SentinelView
}

// allServingInService says whether every node that is not leaving is InService.
func (c *Cluster) allServingInService() bool {
	for _, n := range c.Nodes {
		if !n.Leaving() && !n.InService() {
			return false
		}
	}
	return true
}

// Node returns the node with the id.
func (c *Cluster) Node(id string) (Node, bool) {
	for _, n := range c.Nodes {
		if n.InstanceID == id {
			return n, true
		}
	}
	return Node{}, false
}

// Group returns the group with the name.
func (c *Cluster) Group(name string) (Group, bool) {
	for _, g := range c.Groups {
		if g.Name == name {
			return g, true
		}
	}
	return Group{}, false
}

// GroupNodes returns the group's nodes that are not leaving.
func (c *Cluster) GroupNodes(group string) []Node {
	var out []Node
	for _, n := range c.Nodes {
		if n.Group == group && !n.Leaving() {
			out = append(out, n)
		}
	}
	return out
}

// Primary returns the Redis primary, if exactly one node is primary.
func (c *Cluster) Primary() (Node, bool) {
	var found []Node
	for _, n := range c.Nodes {
		if !n.Leaving() && n.Role() == v1.RolePrimary {
			found = append(found, n)
		}
	}
	if len(found) != 1 {
		return Node{}, false
	}
	return found[0], true
}

// ReplicasNotFollowingPrimary returns the serving replicas that replicate from another node than the
// primary (after a FAILOVER the other replicas still follow the old primary until they are re-pointed).
func (c *Cluster) ReplicasNotFollowingPrimary() []Node {
	primary, ok := c.Primary()
	if !ok {
		return nil
	}
	var out []Node
	for _, n := range c.Nodes {
		if !n.Leaving() && n.Role() == v1.RoleReplica && n.Redis.MasterHost != primary.PrivateIP {
			out = append(out, n)
		}
	}
	return out
}

// Outdated returns the serving nodes that do not run the goal.
func (c *Cluster) Outdated(goal v1.ImageAndType) []Node {
	var out []Node
	for _, n := range c.Nodes {
		if !n.Leaving() && !n.Runs(goal) {
			out = append(out, n)
		}
	}
	return out
}

// Updated counts the healthy nodes that run the goal.
func (c *Cluster) Updated(goal v1.ImageAndType) int {
	count := 0
	for _, n := range c.Nodes {
		if n.Runs(goal) && n.Healthy() {
			count++
		}
	}
	return count
}

// DesiredNodes is the sum of the groups' desired capacities.
func (c *Cluster) DesiredNodes() int {
	total := 0
	for _, g := range c.Groups {
		total += int(g.Desired)
	}
	return total
}

// GroupsNotLaunching returns the groups whose launch source does not launch the goal.
func (c *Cluster) GroupsNotLaunching(goal v1.ImageAndType) []Group {
	var out []Group
	for _, g := range c.Groups {
		if !g.Launch.Launches(goal) {
			out = append(out, g)
		}
	}
	return out
}

// Serving returns the nodes that are not leaving (InService or Pending).
func (c *Cluster) Serving() []Node {
	var out []Node
	for _, n := range c.Nodes {
		if !n.Leaving() {
			out = append(out, n)
		}
	}
	return out
}

// Zones lists the zones of the groups, in spec order.
func (c *Cluster) Zones() []string {
	var out []string
	seen := map[string]bool{}
	for _, g := range c.Groups {
		for _, z := range g.Zones {
			if !seen[z] {
				seen[z] = true
				out = append(out, z)
			}
		}
	}
	return out
}

// NewestLaunch is the launch time of the newest instance of a group (zero when it has none).
func (c *Cluster) NewestLaunch(group string) time.Time {
	var newest time.Time
	for _, n := range c.Nodes {
		if n.Group == group && n.LaunchedAt.After(newest) {
			newest = n.LaunchedAt
		}
	}
	return newest
}

// AllGates returns the cluster gates followed by every serving node's gates, in a stable order.
func (c *Cluster) AllGates() []health.Result {
	out := append([]health.Result(nil), c.ClusterGates...)
	nodes := append([]Node(nil), c.Nodes...)
	sort.SliceStable(nodes, func(i, j int) bool { return nodes[i].InstanceID < nodes[j].InstanceID })
	for _, n := range nodes {
		out = append(out, n.Gates...)
	}
	return out
}
