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

package elasticacheengine_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
	"github.com/cache-remediator/cache-remediator/controllers/elasticacheengine"
	eo "github.com/cache-remediator/cache-remediator/controllers/elasticacheobservation"
	"github.com/cache-remediator/cache-remediator/controllers/health"
	"github.com/cache-remediator/cache-remediator/controllers/probe"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
	"github.com/cache-remediator/cache-remediator/controllers/rollout/rollouttest"
)

const (
	large  = "cache.r6g.large"
	xlarge = "cache.r6g.xlarge"
	tagged = "default.sessions"
)

var (
	ctx     = context.Background()
	timings = rollout.Timings{Transition: 10 * time.Second, Blocked: 30 * time.Second, Idle: 20 * time.Minute}
)

// fixture is the ElastiCache engine on the real SDK client against the simulator, both on one fake clock,
// with a fake Kubernetes client holding the policies.
type fixture struct {
	*rollouttest.Harness
	engine *elasticacheengine.Engine
}

type fixtureOptions struct {
	shards int
	// tag is the group's opt-in tag value (default tagged).
	tag string
	// accountQuota is the simulated account's TestFailover quota (default 15).
	accountQuota int
	// nodeType is the group's node type (default large).
	nodeType string
}

func newFixture(t *testing.T, o fixtureOptions) *fixture {
	g := NewWithT(t)
	f := &fixture{Harness: rollouttest.NewHarness(t)}
	f.Sim = awssim.New(awssim.Options{Clock: f.Clock, TestFailoverQuota: o.accountQuota, Delays: &awssim.Delays{
		ModifyGroup: 20 * time.Minute, FailoverSettings: 2 * time.Minute, Tagging: 30 * time.Second, Snapshot: 2 * time.Minute,
		TestFailover: time.Minute, FailoverRecovery: 4 * time.Minute, ServiceUpdateStart: time.Minute, ServiceNode: 5 * time.Minute}})
	f.Sim.AddNodeType(awssim.NodeType{Name: large, MemoryMiB: 13384, ScaleUp: []string{xlarge}})
	f.Sim.AddNodeType(awssim.NodeType{Name: xlarge, MemoryMiB: 26952, ScaleDown: []string{large}})
	tag := o.tag
	if tag == "" {
		tag = tagged
	}
	nodeType := o.nodeType
	if nodeType == "" {
		nodeType = large
	}
	g.Expect(f.Sim.AddReplicationGroup(awssim.ReplicationGroupSpec{ID: "sessions", NodeType: nodeType, Shards: o.shards,
		Zones: []string{"us-east-1a", "us-east-1b", "us-east-1c"}, MultiAZ: true, AutomaticFailover: true, UsedMemoryMiB: 100,
		Tags: map[string]string{v1.OptInTagKey: tag}})).To(Succeed())
	cfg := f.Serve()
	clients := awsclient.NewClients(cfg)
	f.Policy = &v1.RemediationPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "sessions", Namespace: "default", UID: "uid-sessions", Generation: 1, CreationTimestamp: metav1.NewTime(awssim.SimEpoch)},
		Spec: v1.RemediationPolicySpec{
			Target:  v1.TargetSpec{ElastiCache: &v1.ElastiCacheTarget{ReplicationGroupID: "sessions"}},
			Desired: v1.DesiredSpec{InstanceType: xlarge},
			Health:  v1.HealthSpec{StableFor: &metav1.Duration{Duration: 10 * time.Second}, NodeTimeout: &metav1.Duration{Duration: 30 * time.Minute}},
		},
	}
	f.engine = &elasticacheengine.Engine{ElastiCache: clients.ElastiCache, Timings: timings,
		Observer: &eo.Builder{ElastiCache: clients.ElastiCache, CloudWatch: clients.CloudWatch, NewRedis: func(probe.RedisCredentials) probe.RedisProber { return noRedis{} }}}
	f.Engine = f.engine
	f.withPolicies()
	return f
}

// withPolicies makes the fake API server hold the policy and others.
func (f *fixture) withPolicies(others ...client.Object) {
	f.engine.Client = f.Policies(others...)
}

// noRedis is a group whose Redis the controller cannot reach (no health.redis is set in these tests).
type noRedis struct{}

func (noRedis) Probe(context.Context, string, int32) health.RedisInfo { return health.RedisInfo{} }
