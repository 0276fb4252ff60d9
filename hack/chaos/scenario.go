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
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
)

// The accounts a roll runs in, and the policies it applies. Simulated time runs clockSpeed times faster
// than real time, so a 60 s launch takes 2 s and a 6 minute ElastiCache change 12 s: a roll takes tens of
// seconds, long enough for the manager to be killed many times during it.
const (
	clockSpeed = 30
	amiOld     = "ami-0aaaaaaaaaaaaaaa1"
	amiNew     = "ami-0bbbbbbbbbbbbbbb2"
	typeOld    = "r6g.large"
	typeNew    = "r6g.xlarge"
	cacheOld   = "cache.r6g.large"
	cacheNew   = "cache.r6g.xlarge"
	// serviceUpdate is the critical ElastiCache service update the ElastiCache policy applies.
	serviceUpdate = "elc-20260301-001"
	// stableFor and bakeTime are the policies' waits, in real time (the controller's clock).
	stableFor = time.Second
	bakeTime  = 3 * time.Second
	// nodeTimeout is long enough that a crashed redis-server, restarted within seconds, never fails a step:
	// the faults are meant to be survived.
	nodeTimeout = 2 * time.Minute
)

var zones = []string{"us-east-1a", "us-east-1b", "us-east-1c"}

// asgAccount is a cache cluster of three Auto Scaling groups, one per zone, of nodesPerGroup nodes each,
// every node a real redis-server (the first one the primary), opted in for the policy ns/name.
func asgAccount(ns, name string, nodesPerGroup int64) (*awssim.Scenario, []string) {
	tags := map[string]string{v1.OptInTagKey: ns + "." + name}
	sc := &awssim.Scenario{
		ClockSpeed: clockSpeed, Redis: true,
		Delays:        &awssim.ScenarioDelays{Launch: "60s", Terminate: "30s"},
		Images:        []awssim.ScenarioImage{{ID: amiOld, Architecture: "arm64"}, {ID: amiNew, Architecture: "arm64"}},
		InstanceTypes: []awssim.ScenarioInstanceType{{Name: typeOld, Architectures: []string{"arm64"}}, {Name: typeNew, Architectures: []string{"arm64"}}},
		LaunchTemplates: []awssim.ScenarioLaunchTemplate{{Name: name, Tags: tags,
			Versions: []awssim.ScenarioTemplateVersion{{ImageID: amiOld, InstanceType: typeOld}}}},
	}
	var groups []awssim.ScenarioGroup
	var names []string
	for _, z := range zones {
		g := fmt.Sprintf("%s-%s", name, z[len(z)-1:])
		names = append(names, g)
		groups = append(groups, awssim.ScenarioGroup{Name: g, Zone: z, Size: nodesPerGroup, LaunchTemplate: name, Tags: tags})
	}
	sc.Clusters = []awssim.ScenarioCluster{{Name: name, Groups: groups}}
	return sc, names
}

// asgPolicy moves the cluster to the new AMI and type with a canary and a bake, behind the Redis gates.
func asgPolicy(ns, name string, groups []string, strategy v1.ReplacementStrategy) *v1.RemediationPolicy {
	return &v1.RemediationPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: v1.RemediationPolicySpec{
			Target:  v1.TargetSpec{AutoScalingGroups: &v1.AutoScalingGroupsTarget{Names: groups}},
			Desired: v1.DesiredSpec{ImageID: amiNew, InstanceType: typeNew},
			Health: v1.HealthSpec{Redis: &v1.RedisHealth{}, StableFor: &metav1.Duration{Duration: stableFor},
				NodeTimeout: &metav1.Duration{Duration: nodeTimeout}},
			Strategy: v1.StrategySpec{Replacement: strategy,
				Canary: v1.CanarySpec{Nodes: ptr.To[int32](1), BakeTime: &metav1.Duration{Duration: bakeTime}}},
		},
	}
}

// elastiCacheAccount is one replication group of three members (cluster mode disabled), each a real
// redis-server, with a critical service update pending, opted in for the policy ns/name. ElastiCache's
// operations take long enough (12 s for the node type change, about as long for the update) for the
// manager to be killed several times during each.
func elastiCacheAccount(ns, name string) *awssim.Scenario {
	return &awssim.Scenario{
		ClockSpeed: clockSpeed, Redis: true,
		Delays: &awssim.ScenarioDelays{ModifyGroup: "6m", Snapshot: "2m", ServiceUpdateStart: "30s", ServiceNode: "2m",
			FailoverSettings: "1m", Tagging: "30s"},
		NodeTypes: []awssim.ScenarioNodeType{
			{Name: cacheOld, MemoryMiB: 13384, ScaleUp: []string{cacheNew}},
			{Name: cacheNew, MemoryMiB: 26952, ScaleDown: []string{cacheOld}},
		},
		ReplicationGroups: []awssim.ScenarioReplicationGroup{{ID: name, NodeType: cacheOld, Zones: zones, MultiAZ: true,
			AutomaticFailover: true, Tags: map[string]string{v1.OptInTagKey: ns + "." + name}}},
		ServiceUpdates: []awssim.ScenarioServiceUpdate{{Name: serviceUpdate, ReplicationGroup: name, Severity: "critical"}},
	}
}

// elastiCachePolicy takes a snapshot, changes the node type, then applies the critical service update.
func elastiCachePolicy(ns, name string) *v1.RemediationPolicy {
	return &v1.RemediationPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: v1.RemediationPolicySpec{
			Target: v1.TargetSpec{ElastiCache: &v1.ElastiCacheTarget{ReplicationGroupID: name, SnapshotBeforeModify: true}},
			Desired: v1.DesiredSpec{InstanceType: cacheNew,
				ServiceUpdates: &v1.ServiceUpdateSelector{Severities: []v1.ServiceUpdateSeverity{"critical"}}},
			Health: v1.HealthSpec{Redis: &v1.RedisHealth{}, StableFor: &metav1.Duration{Duration: stableFor},
				NodeTimeout: &metav1.Duration{Duration: nodeTimeout}},
		},
	}
}
