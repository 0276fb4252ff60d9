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

// Package bench measures the design's targets (`make bench`): roll time of a 9-node cluster against its
// physical limit, AWS calls per replaced node and per idle hour, and writes lost and write gaps under load,
// with the same parts as the tests: envtest, the real SDK against the simulator, real redis-server nodes.
// Numbers are reported as benchmark metrics; nothing here asserts a wall-clock time.
package bench_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
	"github.com/cache-remediator/cache-remediator/test/envtestutil"
	"github.com/cache-remediator/cache-remediator/test/redisload"
)

const (
	amiOld   = "ami-0aaaaaaaaaaaaaaa1"
	amiNew   = "ami-0bbbbbbbbbbbbbbb2"
	typeName = "r6g.large"
	// speed runs the simulator 60x faster than real time.
	speed = 60
	// launch is a node's simulated launch time: the physical limit of one replacement.
	launch = 90 * time.Second
	// stableFor is the shortest hold the benchmark's policies ask of every gate.
	stableFor = 200 * time.Millisecond
)

var (
	envOnce sync.Once
	env     *envtestutil.Env
	envErr  error
	nsSeq   int
)

func TestMain(m *testing.M) {
	// The controller's logs would bury the benchmark's lines; the simulator's call log is what is measured.
	ctrl.SetLogger(logr.Discard())
	code := m.Run()
	if env != nil {
		_ = env.Stop()
	}
	os.Exit(code)
}

func controlPlane(b *testing.B) *envtestutil.Env {
	envOnce.Do(func() { env, envErr = envtestutil.Start() })
	if envErr != nil {
		b.Fatal(envErr)
	}
	return env
}

// cluster is a simulated account with one Redis cluster of 3 groups (zones) of perGroup nodes, and a
// manager in a namespace of its own.
type cluster struct {
	srv     *awssim.Server
	ns      string
	groups  []string
	manager *envtestutil.Manager
}

func newCluster(b *testing.B, perGroup int, timings rollout.Timings) *cluster {
	e := controlPlane(b)
	nsSeq++
	c := &cluster{ns: fmt.Sprintf("bench-%d", nsSeq)}
	if err := e.Client.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: c.ns}}); err != nil {
		b.Fatal(err)
	}
	sc := &awssim.Scenario{
		ClockSpeed: speed, Redis: true,
		Delays:        &awssim.ScenarioDelays{Launch: launch.String(), Terminate: "30s"},
		Images:        []awssim.ScenarioImage{{ID: amiOld, Architecture: "arm64"}, {ID: amiNew, Architecture: "arm64"}},
		InstanceTypes: []awssim.ScenarioInstanceType{{Name: typeName, Architectures: []string{"arm64"}}},
		LaunchTemplates: []awssim.ScenarioLaunchTemplate{{Name: "bench", Versions: []awssim.ScenarioTemplateVersion{{ImageID: amiOld, InstanceType: typeName}},
			Tags: map[string]string{v1.OptInTagKey: c.ns + ".bench"}}},
	}
	var groups []awssim.ScenarioGroup
	for _, zone := range []string{"us-east-1a", "us-east-1b", "us-east-1c"} {
		name := "bench-" + zone[len(zone)-1:]
		c.groups = append(c.groups, name)
		groups = append(groups, awssim.ScenarioGroup{Name: name, Zone: zone, Size: int64(perGroup), LaunchTemplate: "bench",
			Tags: map[string]string{v1.OptInTagKey: c.ns + ".bench"}})
	}
	sc.Clusters = []awssim.ScenarioCluster{{Name: "bench", Groups: groups}}
	sim, _, err := sc.Build(nil, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	c.srv = awssim.Serve(sim)
	b.Cleanup(c.srv.Close)
	c.manager, err = e.StartManager(envtestutil.ManagerOptions{Namespace: c.ns, AWS: c.srv.SDKConfig(), Timings: timings,
		AWSOptions: awsclient.Options{RequestsPerSecond: 1000, MaxBackoff: 20 * time.Millisecond}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.manager.Stop() })
	return c
}

func (c *cluster) policy(imageID string) *v1.RemediationPolicy {
	return &v1.RemediationPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "bench", Namespace: c.ns},
		Spec: v1.RemediationPolicySpec{
			Target:  v1.TargetSpec{AutoScalingGroups: &v1.AutoScalingGroupsTarget{Names: c.groups}},
			Desired: v1.DesiredSpec{ImageID: imageID, InstanceType: typeName},
			Health: v1.HealthSpec{Redis: &v1.RedisHealth{}, StableFor: &metav1.Duration{Duration: stableFor},
				NodeTimeout: &metav1.Duration{Duration: time.Minute}},
			Strategy: v1.StrategySpec{Canary: v1.CanarySpec{Nodes: ptr.To[int32](0)}},
		},
	}
}

// waitFor polls the policy until it reaches the phase at its current generation.
func waitFor(b *testing.B, p *v1.RemediationPolicy, phase v1.Phase, timeout time.Duration) *v1.RemediationPolicy {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		got := &v1.RemediationPolicy{}
		if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(p), got); err != nil {
			b.Fatal(err)
		}
		if got.Status.ObservedGeneration == got.Generation && got.Status.Phase == phase {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.Fatalf("policy %s did not reach %s within %s", p.Name, phase, timeout)
	return nil
}

// primary is the address of the cluster's Redis primary, for the write load.
func (c *cluster) primary() string {
	for _, g := range c.groups {
		for _, inst := range c.srv.GroupInstances(g) {
			addr := net.JoinHostPort(inst.PrivateIP, "6379")
			if inst.LifecycleState == awssim.StateInService && redisload.Role(addr) == "master" {
				return addr
			}
		}
	}
	return ""
}

// phases splits a roll, in real time, from the simulator's call log and timeline: the mean time from a
// replacement going InService to the controller's next termination (what the controller adds per node on
// top of the launch: gate checks, stableFor, the primary's hand-off, polling), the time from the first AWS
// call to the first termination, and from the last replacement going InService to the last AWS call.
func (c *cluster) phases() (between, before, after time.Duration) {
	calls := c.srv.Calls()
	original := map[string]bool{}
	var terminations, inService []time.Time
	for _, call := range calls {
		if call.Action == "TerminateInstanceInAutoScalingGroup" && call.Error == "" {
			terminations = append(terminations, call.Time)
		}
	}
	if len(calls) == 0 || len(terminations) == 0 {
		return 0, 0, 0
	}
	for _, tr := range c.srv.Timeline() {
		switch {
		case tr.Time.Before(terminations[0]):
			original[tr.InstanceID] = true
		case tr.To == awssim.StateInService && !original[tr.InstanceID]:
			inService = append(inService, tr.Time)
		}
	}
	n := 0
	for i := 0; i+1 < len(terminations) && i < len(inService); i++ {
		between += terminations[i+1].Sub(inService[i])
		n++
	}
	if n > 0 {
		between /= time.Duration(n)
	}
	before = terminations[0].Sub(calls[0].Time)
	if len(inService) > 0 {
		after = calls[len(calls)-1].Time.Sub(inService[len(inService)-1])
	}
	return between / speed, before / speed, after / speed
}

// BenchmarkRollNineNodes rolls a 9-node Redis cluster (3 zones x 3) to a new AMI one node at a time under
// write load. Metrics: wall time, the physical limit (each node's simulated launch, back to back) plus the
// configured waits (stableFor per node), their ratio, the controller's time between one replacement being
// InService and the next termination, AWS calls per replaced node, writes lost, longest write gap.
func BenchmarkRollNineNodes(b *testing.B) {
	// The production polling intervals at the simulator's speed, so that calls per node compare with a
	// real account's.
	timings := rollout.Timings{Transition: rollout.DefaultTimings.Transition / speed, Blocked: rollout.DefaultTimings.Blocked / speed, Idle: time.Hour}
	for range b.N {
		b.StopTimer()
		c := newCluster(b, 3, timings)
		writes := redisload.Start("bench", c.primary)
		p := c.policy(amiNew)
		b.StartTimer()
		if err := env.Client.Create(context.Background(), p); err != nil {
			b.Fatal(err)
		}
		done := waitFor(b, p, v1.PhaseSucceeded, 5*time.Minute)
		// The roll's time runs from the controller's first AWS call: before it, a manager started a moment
		// ago is still starting its controller, which a long-running one has done long before.
		wall := c.srv.Now().Sub(c.srv.Calls()[0].Time) / speed
		b.StopTimer()
		load, err := writes.Finish()
		if err != nil {
			b.Fatal(err)
		}
		nodes := int(done.Status.TotalNodes)
		limit := time.Duration(nodes) * launch / speed
		waits := time.Duration(nodes) * stableFor
		calls := len(c.srv.Calls())
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric((limit + waits).Seconds(), "limit+waits-s")
		b.ReportMetric(wall.Seconds()/(limit+waits).Seconds(), "wall/limit")
		b.ReportMetric(float64(calls)/float64(nodes), "aws-calls/node")
		b.ReportMetric(float64(load.Lost), "writes-lost")
		b.ReportMetric(float64(load.Acknowledged), "writes-acked")
		b.ReportMetric(float64(load.LongestGap.Milliseconds()), "max-write-gap-ms")
		between, before, after := c.phases()
		b.ReportMetric(float64(between.Milliseconds()), "between-nodes-ms")
		b.ReportMetric(float64(before.Milliseconds()), "before-first-ms")
		b.ReportMetric(float64(after.Milliseconds()), "after-last-ms")
		b.StartTimer()
	}
}

// BenchmarkIdleReconcile measures one reconcile of a policy whose cluster already runs its goal: AWS calls
// and time per reconcile with the target revalidated each time (as it is in production, where the idle
// interval is longer than the validation TTL), and the AWS calls an idle policy makes per hour at the
// default idle interval.
func BenchmarkIdleReconcile(b *testing.B) {
	c := newCluster(b, 3, rollout.Timings{Transition: 100 * time.Millisecond, Blocked: 250 * time.Millisecond, Idle: time.Hour})
	p := c.policy(amiOld)
	if err := env.Client.Create(context.Background(), p); err != nil {
		b.Fatal(err)
	}
	settled := waitFor(b, p, v1.PhaseSucceeded, time.Minute)
	before := len(c.srv.Calls())
	b.ResetTimer()
	for range b.N {
		if _, err := c.manager.Reconciler.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKeyFromObject(settled)}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	got := &v1.RemediationPolicy{}
	if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(settled), got); err != nil {
		b.Fatal(err)
	}
	if got.Status.Phase != v1.PhaseSucceeded || got.Status.CurrentStep != nil {
		b.Fatalf("an idle reconcile moved the policy: phase %s, step %v", got.Status.Phase, got.Status.CurrentStep)
	}
	b.StartTimer()
	b.StopTimer()
	perReconcile := float64(len(c.srv.Calls())-before) / float64(b.N)
	b.ReportMetric(perReconcile, "aws-calls/reconcile")
	b.ReportMetric(perReconcile*float64(time.Hour/rollout.DefaultTimings.Idle), "aws-calls/idle-hour")
}

// handOffs is how many primary hand-offs BenchmarkHandOffs measures.
const handOffs = 10

// BenchmarkHandOffs rolls a 3-node Redis cluster back and forth between two AMIs handOffs times, under
// write load: each roll hands the primary role off once, and the longest time no write was acknowledged
// during a roll is that hand-off's write unavailability (replacing a replica does not stop writes).
// Metrics: p50 and max of it over the hand-offs, and the acknowledged writes lost in all of them.
func BenchmarkHandOffs(b *testing.B) {
	timings := rollout.Timings{Transition: rollout.DefaultTimings.Transition / speed, Blocked: rollout.DefaultTimings.Blocked / speed, Idle: time.Hour}
	for range b.N {
		b.StopTimer()
		c := newCluster(b, 1, timings)
		p := c.policy(amiOld)
		if err := env.Client.Create(context.Background(), p); err != nil {
			b.Fatal(err)
		}
		waitFor(b, p, v1.PhaseSucceeded, time.Minute)
		var gaps []time.Duration
		lost := 0
		b.StartTimer()
		for i := range handOffs {
			writes := redisload.Start(fmt.Sprintf("handoff-%d", i), c.primary)
			for writes.Acknowledged() == 0 {
				time.Sleep(time.Millisecond)
			}
			got := &v1.RemediationPolicy{}
			if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(p), got); err != nil {
				b.Fatal(err)
			}
			got.Spec.Desired.ImageID = map[bool]string{true: amiNew, false: amiOld}[i%2 == 0]
			if err := env.Client.Update(context.Background(), got); err != nil {
				b.Fatal(err)
			}
			waitFor(b, got, v1.PhaseSucceeded, 5*time.Minute)
			load, err := writes.Finish()
			if err != nil {
				b.Fatal(err)
			}
			gaps = append(gaps, load.LongestGap)
			lost += load.Lost
		}
		b.StopTimer()
		b.ReportMetric(float64(len(gaps)), "hand-offs")
		b.ReportMetric(float64(percentile(gaps, 50).Milliseconds()), "write-gap-p50-ms")
		b.ReportMetric(float64(slices.Max(gaps).Milliseconds()), "write-gap-max-ms")
		b.ReportMetric(float64(lost), "writes-lost")
		b.StartTimer()
	}
}
