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
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

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
	t      *testing.T
	clock  *clocktesting.FakeClock
	sim    *awssim.Sim
	engine *elasticacheengine.Engine
	policy *v1.RemediationPolicy
	// mutationsAtCheckpoint is how many mutating AWS calls the simulator had seen at each checkpoint.
	mutationsAtCheckpoint []int
}

type fixtureOptions struct {
	shards int
	// tag is the group's opt-in tag value (default tagged).
	tag string
	// accountQuota is the simulated account's TestFailover quota (default 15).
	accountQuota int
}

func newFixture(t *testing.T, o fixtureOptions) *fixture {
	g := NewWithT(t)
	f := &fixture{t: t, clock: clocktesting.NewFakeClock(awssim.SimEpoch)}
	f.sim = awssim.New(awssim.Options{Clock: f.clock, TestFailoverQuota: o.accountQuota, Delays: &awssim.Delays{
		ModifyGroup: 20 * time.Minute, FailoverSettings: 2 * time.Minute, Tagging: 30 * time.Second, Snapshot: 2 * time.Minute,
		TestFailover: time.Minute, FailoverRecovery: 4 * time.Minute, ServiceUpdateStart: time.Minute, ServiceNode: 5 * time.Minute}})
	f.sim.AddNodeType(awssim.NodeType{Name: large, MemoryMiB: 13384, ScaleUp: []string{xlarge}})
	f.sim.AddNodeType(awssim.NodeType{Name: xlarge, MemoryMiB: 26952, ScaleDown: []string{large}})
	tag := o.tag
	if tag == "" {
		tag = tagged
	}
	g.Expect(f.sim.AddReplicationGroup(awssim.ReplicationGroupSpec{ID: "sessions", NodeType: large, Shards: o.shards,
		Zones: []string{"us-east-1a", "us-east-1b", "us-east-1c"}, MultiAZ: true, AutomaticFailover: true, UsedMemoryMiB: 100,
		Tags: map[string]string{v1.OptInTagKey: tag}})).To(Succeed())
	srv := httptest.NewServer(f.sim)
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", ""), BaseEndpoint: aws.String(srv.URL)}
	awsclient.Instrument(&cfg, awsclient.Options{MaxAttempts: 3, MaxBackoff: time.Millisecond, RequestsPerSecond: 1000})
	clients := awsclient.NewClients(cfg)
	f.policy = &v1.RemediationPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "sessions", Namespace: "default", UID: "uid-sessions", Generation: 1, CreationTimestamp: metav1.NewTime(awssim.SimEpoch)},
		Spec: v1.RemediationPolicySpec{
			Target:  v1.TargetSpec{ElastiCache: &v1.ElastiCacheTarget{ReplicationGroupID: "sessions"}},
			Desired: v1.DesiredSpec{InstanceType: xlarge},
			Health:  v1.HealthSpec{StableFor: &metav1.Duration{Duration: 10 * time.Second}, NodeTimeout: &metav1.Duration{Duration: 30 * time.Minute}},
		},
	}
	f.engine = &elasticacheengine.Engine{ElastiCache: clients.ElastiCache, Timings: timings,
		Observer: &eo.Builder{ElastiCache: clients.ElastiCache, NewRedis: func(probe.RedisCredentials) probe.RedisProber { return noRedis{} }}}
	f.withPolicies()
	return f
}

// withPolicies makes the fake API server hold the policy and others (indexed like the manager's cache).
func (f *fixture) withPolicies(others ...client.Object) {
	scheme := runtime.NewScheme()
	NewWithT(f.t).Expect(clientgoscheme.AddToScheme(scheme)).To(Succeed())
	NewWithT(f.t).Expect(v1.AddToScheme(scheme)).To(Succeed())
	objects := append([]client.Object{f.policy.DeepCopy()}, others...)
	f.engine.Client = fake.NewClientBuilder().WithScheme(scheme).WithIndex(&v1.RemediationPolicy{}, rollout.TargetIndex, rollout.TargetIndexValues).
		WithObjects(objects...).Build()
}

// reconcile runs the engine once and carries its outcome into the policy's status.
func (f *fixture) reconcile() rollout.Outcome {
	f.t.Helper()
	req := rollout.Request{Policy: f.policy.DeepCopy(), Now: f.clock.Now(), Checkpoint: func(_ context.Context, p rollout.Progress) error {
		f.mutationsAtCheckpoint = append(f.mutationsAtCheckpoint, len(f.mutations()))
		if p.ElastiCache != nil {
			f.policy.Status.ElastiCache = p.ElastiCache.DeepCopy()
		}
		return nil
	}}
	o, err := f.engine.Reconcile(ctx, req)
	NewWithT(f.t).Expect(err).NotTo(HaveOccurred())
	rollouttest.Carry(&f.policy.Status, o)
	return o
}

// run reconciles, moving the clock by each outcome's requeue, until the phase is one of phases.
func (f *fixture) run(limit int, phases ...v1.Phase) rollout.Outcome {
	f.t.Helper()
	var o rollout.Outcome
	for range limit {
		o = f.reconcile()
		if slices.Contains(phases, o.Phase) {
			return o
		}
		f.step(max(o.RequeueAfter, time.Second))
	}
	f.t.Fatalf("not %v after %d reconciles: %s %s: %s", phases, limit, o.Phase, o.Reason, o.Message)
	return o
}

func (f *fixture) step(d time.Duration) {
	f.clock.Step(d)
	f.sim.Advance()
}

// mutations are the mutating AWS calls the simulator received.
func (f *fixture) mutations() []string {
	var out []string
	for _, c := range f.sim.Calls() {
		if c.Mutating() {
			out = append(out, c.Action)
		}
	}
	return out
}

// noRedis is a group whose Redis the controller cannot reach (no health.redis is set in these tests).
type noRedis struct{}

func (noRedis) Probe(context.Context, string, int32) health.RedisInfo { return health.RedisInfo{} }
