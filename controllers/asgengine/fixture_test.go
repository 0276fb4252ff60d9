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

package asgengine_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
	"github.com/cache-remediator/cache-remediator/controllers/asgengine"
	"github.com/cache-remediator/cache-remediator/controllers/asgobservation"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
	"github.com/cache-remediator/cache-remediator/controllers/health"
	"github.com/cache-remediator/cache-remediator/controllers/probe"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
	"github.com/cache-remediator/cache-remediator/controllers/rollout/rollouttest"
)

const (
	amiOld  = "ami-0000000000000000a"
	amiNew  = "ami-0000000000000000b"
	typeOld = "r6g.large"
	typeNew = "r6g.xlarge"
	tagged  = "default.sessions"
)

var (
	ctx     = context.Background()
	goalNew = v1.ImageAndType{ImageID: amiNew, InstanceType: typeNew}
	timings = rollout.Timings{Transition: 10 * time.Second, Blocked: 30 * time.Second, Idle: 20 * time.Minute}
)

// fixture is the ASG engine on the real SDK clients against the simulator, both on one fake clock, with a
// fake Kubernetes client (the policies) and fake Redis nodes.
type fixture struct {
	*rollouttest.Harness
	engine *asgengine.Engine
	redis  *fakeRedis
	others []client.Object
	ltID   string
	groups []string
}

type fixtureOptions struct {
	// untaggedTemplate leaves the launch template without the opt-in tag.
	untaggedTemplate bool
	// version is how the groups name the template's version (default "1").
	version string
	// sentinel has the policy name Sentinels, which the fake Redis answers for.
	sentinel bool
}

func newFixture(t *testing.T, o fixtureOptions) *fixture {
	g := NewWithT(t)
	f := &fixture{Harness: rollouttest.NewHarness(t), redis: newFakeRedis()}
	f.Sim = awssim.New(awssim.Options{Clock: f.Clock, Delays: &awssim.Delays{Launch: 90 * time.Second, Terminate: 30 * time.Second}})
	f.Sim.AddImage(awssim.Image{ID: amiOld, Architecture: "arm64"})
	f.Sim.AddImage(awssim.Image{ID: amiNew, Architecture: "arm64"})
	f.Sim.AddInstanceType(awssim.InstanceType{Name: typeOld, Architectures: []string{"arm64"}})
	f.Sim.AddInstanceType(awssim.InstanceType{Name: typeNew, Architectures: []string{"arm64"}})
	var err error
	f.ltID, err = f.Sim.AddLaunchTemplate("sessions", 1, awssim.LaunchTemplateVersion{ImageID: amiOld, InstanceType: typeOld})
	g.Expect(err).NotTo(HaveOccurred())
	if !o.untaggedTemplate {
		f.Sim.TagLaunchTemplate(f.ltID, v1.OptInTagKey, tagged)
	}
	version := o.version
	if version == "" {
		version = "1"
	}
	for _, z := range []string{"a", "b", "c"} {
		name := "sessions-" + z
		f.groups = append(f.groups, name)
		g.Expect(f.Sim.AddGroup(awssim.GroupSpec{Name: name, Cluster: "sessions", Zones: []string{"us-east-1" + z}, Size: 1,
			LaunchTemplateID: f.ltID, Version: version, Tags: map[string]string{v1.OptInTagKey: tagged}})).To(Succeed())
	}
	f.redis.primary = f.Sim.GroupInstances("sessions-a")[0].PrivateIP
	f.redis.serving = func() []string {
		var ips []string
		for _, g := range f.groups {
			for _, inst := range f.Sim.GroupInstances(g) {
				if inst.LifecycleState == awssim.StateInService {
					ips = append(ips, inst.PrivateIP)
				}
			}
		}
		return ips
	}
	cfg := f.Serve()
	clients := awsclient.NewClients(cfg)
	f.Policy = &v1.RemediationPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "sessions", Namespace: "default", UID: "uid-sessions", Generation: 1, CreationTimestamp: metav1.NewTime(awssim.SimEpoch)},
		Spec: v1.RemediationPolicySpec{
			Target:   v1.TargetSpec{AutoScalingGroups: &v1.AutoScalingGroupsTarget{Names: f.groups}},
			Desired:  v1.DesiredSpec{ImageID: amiNew, InstanceType: typeNew},
			Health:   v1.HealthSpec{Redis: &v1.RedisHealth{}, StableFor: &metav1.Duration{Duration: 10 * time.Second}},
			Strategy: v1.StrategySpec{Canary: v1.CanarySpec{Nodes: ptr(int32(0))}},
		},
	}
	f.engine = &asgengine.Engine{
		AutoScaling: clients.AutoScaling, EC2: clients.EC2, Timings: timings, Validation: &rollout.ValidationCache{TTL: time.Hour},
		Observer: &asgobservation.Builder{AutoScaling: clients.AutoScaling, EC2: clients.EC2, CloudWatch: clients.CloudWatch,
			NewRedis:    func(probe.RedisCredentials) probe.RedisProber { return f.redis },
			NewSentinel: func(probe.RedisCredentials) probe.SentinelProber { return f.redis }},
		NewRedis:    func(probe.RedisCredentials) asgengine.RedisActions { return f.redis },
		NewSentinel: func(probe.RedisCredentials) asgengine.SentinelActions { return fakeSentinel{f.redis} },
	}
	if o.sentinel {
		f.Policy.Spec.Health.Redis.Sentinel = &v1.RedisSentinel{Addresses: []string{"127.0.0.1:26379", "127.0.0.1:26380"}, MasterName: "sessions"}
	}
	f.Engine = f.engine
	f.withPolicies()
	return f
}

// withPolicies makes the fake API server hold the policy and others.
func (f *fixture) withPolicies(others ...client.Object) {
	f.others = others
	f.engine.Client = f.Policies(others...)
}

// fakeRedis answers INFO for every node: the node at primary is the Redis primary, every other node a
// caught-up replica of it. FAILOVER moves the role (or, when abort is set, is aborted by "Redis").
//
// It also plays the Sentinels: they name primary, know every other serving node as a replica, and
// SENTINEL FAILOVER promotes promote (default: the first other serving node) and leaves the old primary a
// primary (stale) until REPLICAOF demotes it, as Sentinel does while the old primary holds its writes; when
// refuse is set, Sentinel refuses with NOGOODSLAVE instead. sentinelNames, when set, is what the Sentinels
// name instead of the primary.
type fakeRedis struct {
	primary  string
	abort    int
	commands []string

	serving       func() []string
	stale         string
	promote       string
	refuse        int
	sentinelNames string
}

func newFakeRedis() *fakeRedis { return &fakeRedis{} }

func (r *fakeRedis) Probe(_ context.Context, ip string, _ int32) health.RedisInfo {
	if ip == r.primary || ip == r.stale {
		return health.RedisInfo{Role: "master", ReplOffset: 100, FailoverState: "no-failover"}
	}
	return health.RedisInfo{Role: "slave", MasterHost: r.primary, MasterLinkUp: true, ReplOffset: 100}
}

func (r *fakeRedis) Failover(_ context.Context, primaryIP, targetIP string, _ int32, _ time.Duration) error {
	r.commands = append(r.commands, "FAILOVER "+primaryIP+" "+targetIP)
	if r.abort > 0 {
		r.abort--
		return nil
	}
	r.primary = targetIP
	return nil
}

func (r *fakeRedis) ReplicaOf(_ context.Context, ip, primaryIP string, _ int32) error {
	r.commands = append(r.commands, "REPLICAOF "+ip+" "+primaryIP)
	if ip == r.stale && primaryIP == r.primary {
		r.stale = ""
	}
	return nil
}

func (r *fakeRedis) PauseWrites(_ context.Context, ip string, _ int32, _ time.Duration) error {
	r.commands = append(r.commands, "CLIENT PAUSE "+ip)
	return nil
}

func (r *fakeRedis) UnpauseWrites(_ context.Context, ip string, _ int32) error {
	r.commands = append(r.commands, "CLIENT UNPAUSE "+ip)
	return nil
}

func (r *fakeRedis) ReplicationOffset(context.Context, string, int32) (int64, error) { return 100, nil }

// Observe answers for a Sentinel.
func (r *fakeRedis) Observe(_ context.Context, address, _ string) health.SentinelView {
	named := r.primary
	if r.sentinelNames != "" {
		named = r.sentinelNames
	}
	v := health.SentinelView{Address: address, Monitors: true, Primary: named + ":6379", Replicas: map[string]health.SentinelReplica{}}
	for _, ip := range r.serving() {
		if ip != r.primary {
			v.Replicas[ip+":6379"] = health.SentinelReplica{Flags: "slave"}
		}
	}
	return v
}

// Failover answers SENTINEL FAILOVER (the SentinelActions one; the node's FAILOVER has another signature).
func (r *fakeRedis) sentinelFailover(address string) error {
	r.commands = append(r.commands, "SENTINEL FAILOVER sessions @"+address)
	if r.refuse > 0 {
		r.refuse--
		return &probe.FailoverRefusal{Sentinel: address, Reply: "NOGOODSLAVE No suitable replica to promote"}
	}
	promote := r.promote
	for _, ip := range r.serving() {
		if promote == "" && ip != r.primary {
			promote = ip
		}
	}
	r.stale, r.primary = r.primary, promote
	return nil
}

// fakeSentinel is the fake Redis seen as SentinelActions.
type fakeSentinel struct{ *fakeRedis }

func (s fakeSentinel) Failover(_ context.Context, address, _ string) error {
	return s.sentinelFailover(address)
}

func ptr[T any](v T) *T { return &v }
