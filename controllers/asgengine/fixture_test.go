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
	t           *testing.T
	clock       *clocktesting.FakeClock
	sim         *awssim.Sim
	engine      *asgengine.Engine
	redis       *fakeRedis
	policy      *v1.RemediationPolicy
	others      []client.Object
	ltID        string
	groups      []string
	checkpoints []rollout.Progress
	// mutationsAtCheckpoint is how many mutating AWS calls the simulator had seen at each checkpoint.
	mutationsAtCheckpoint []int
}

type fixtureOptions struct {
	// untaggedTemplate leaves the launch template without the opt-in tag.
	untaggedTemplate bool
	// version is how the groups name the template's version (default "1").
	version string
}

func newFixture(t *testing.T, o fixtureOptions) *fixture {
	g := NewWithT(t)
	f := &fixture{t: t, clock: clocktesting.NewFakeClock(awssim.SimEpoch), redis: newFakeRedis()}
	f.sim = awssim.New(awssim.Options{Clock: f.clock, Delays: &awssim.Delays{Launch: 90 * time.Second, Terminate: 30 * time.Second}})
	f.sim.AddImage(awssim.Image{ID: amiOld, Architecture: "arm64"})
	f.sim.AddImage(awssim.Image{ID: amiNew, Architecture: "arm64"})
	f.sim.AddInstanceType(awssim.InstanceType{Name: typeOld, Architectures: []string{"arm64"}})
	f.sim.AddInstanceType(awssim.InstanceType{Name: typeNew, Architectures: []string{"arm64"}})
	var err error
	f.ltID, err = f.sim.AddLaunchTemplate("sessions", 1, awssim.LaunchTemplateVersion{ImageID: amiOld, InstanceType: typeOld})
	g.Expect(err).NotTo(HaveOccurred())
	if !o.untaggedTemplate {
		f.sim.TagLaunchTemplate(f.ltID, v1.OptInTagKey, tagged)
	}
	version := o.version
	if version == "" {
		version = "1"
	}
	for _, z := range []string{"a", "b", "c"} {
		name := "sessions-" + z
		f.groups = append(f.groups, name)
		g.Expect(f.sim.AddGroup(awssim.GroupSpec{Name: name, Cluster: "sessions", Zones: []string{"us-east-1" + z}, Size: 1,
			LaunchTemplateID: f.ltID, Version: version, Tags: map[string]string{v1.OptInTagKey: tagged}})).To(Succeed())
	}
	f.redis.primary = f.sim.GroupInstances("sessions-a")[0].PrivateIP
	srv := httptest.NewServer(f.sim)
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", ""), BaseEndpoint: aws.String(srv.URL)}
	awsclient.Instrument(&cfg, awsclient.Options{MaxAttempts: 3, MaxBackoff: time.Millisecond, RequestsPerSecond: 1000})
	clients := awsclient.NewClients(cfg)
	f.policy = &v1.RemediationPolicy{
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
		Observer: &asgobservation.Builder{AutoScaling: clients.AutoScaling, EC2: clients.EC2,
			NewRedis: func(probe.RedisCredentials) probe.RedisProber { return f.redis }},
		NewRedis: func(probe.RedisCredentials) asgengine.RedisActions { return f.redis },
	}
	f.withPolicies()
	return f
}

// withPolicies makes the fake API server hold the policy and others (indexed like the manager's cache).
func (f *fixture) withPolicies(others ...client.Object) {
	scheme := runtime.NewScheme()
	NewWithT(f.t).Expect(clientgoscheme.AddToScheme(scheme)).To(Succeed())
	NewWithT(f.t).Expect(v1.AddToScheme(scheme)).To(Succeed())
	f.others = others
	objects := append([]client.Object{f.policy.DeepCopy()}, others...)
	f.engine.Client = fake.NewClientBuilder().WithScheme(scheme).WithIndex(&v1.RemediationPolicy{}, rollout.TargetIndex, rollout.TargetIndexValues).
		WithObjects(objects...).Build()
}

// reconcile runs the engine once and carries its outcome into the policy's status the way the reconciler
// does for what the engine reads back.
func (f *fixture) reconcile() rollout.Outcome {
	f.t.Helper()
	req := rollout.Request{Policy: f.policy.DeepCopy(), Now: f.clock.Now(), Checkpoint: func(_ context.Context, p rollout.Progress) error {
		f.checkpoints = append(f.checkpoints, p)
		f.mutationsAtCheckpoint = append(f.mutationsAtCheckpoint, len(f.mutations()))
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

// fakeRedis answers INFO for every node: the node at primary is the Redis primary, every other node a
// caught-up replica of it. FAILOVER moves the role (or, when abort is set, is aborted by "Redis").
type fakeRedis struct {
	primary  string
	abort    int
	commands []string
}

func newFakeRedis() *fakeRedis { return &fakeRedis{} }

func (r *fakeRedis) Probe(_ context.Context, ip string, _ int32) health.RedisInfo {
	if ip == r.primary {
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
	return nil
}

func ptr[T any](v T) *T { return &v }
