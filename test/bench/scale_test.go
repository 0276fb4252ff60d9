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

package bench_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
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
)

// scaleNodes is the nodes of each policy's cluster.
const scaleNodes = 5

// scalePolicies is how many policies the fleet benchmark runs (BENCH_POLICIES, default 10,000).
func scalePolicies() int {
	if n, err := strconv.Atoi(os.Getenv("BENCH_POLICIES")); err == nil && n > 0 {
		return n
	}
	return 10000
}

// awsTimer is the SDK's HTTP client with the time spent waiting on AWS (here the simulator) added up, so
// that a reconcile's own time can be told apart from AWS latency.
type awsTimer struct {
	inner *awshttp.BuildableClient
	nanos atomic.Int64
}

func (t *awsTimer) Do(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.inner.Do(r)
	t.nanos.Add(int64(time.Since(start)))
	return resp, err
}

// benchClock follows the real clock until the benchmark holds it, then answers the time it is set to: the
// fleet settles in real time, then one idle interval is passed in seconds.
type benchClock struct {
	mu   sync.Mutex
	held *time.Time
}

func (c *benchClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.held != nil {
		return *c.held
	}
	return time.Now()
}

func (c *benchClock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

func (c *benchClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.held = &t
}

// BenchmarkTenThousandPolicies runs one manager with 10,000 policies of 5 nodes each (50,000 instances, one
// group and launch template per policy, EC2 gates only: 50,000 redis-server processes do not fit a build
// machine) in one simulated account. Every policy is brought to Succeeded by an in-process manager. Then one
// default idle interval (20 minutes) is passed on a held clock, each policy reconciled once at its place in
// it, as their idle requeues spread them: the AWS calls of that pass over the interval is the fleet's idle
// call rate; each reconcile's time without its AWS calls gives the p50/p99. A first such pass warms the
// manager up (the fleet snapshot starts once 100 policies are settled); the second is measured. Last, the
// manager binary is started against the same fleet, and its resident memory (RSS, from /proc, not the Go
// heap) read once it has reconciled every policy.
func BenchmarkTenThousandPolicies(b *testing.B) {
	e := controlPlane(b)
	n := scalePolicies()
	ctx := context.Background()
	ns := "bench-fleet"
	if err := e.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		b.Fatal(err)
	}
	srv, names := fleetSimulator(b, ns, n)
	timer := &awsTimer{inner: awshttp.NewBuildableClient()}
	cfg := srv.SDKConfig()
	cfg.HTTPClient = timer
	clk := &benchClock{}
	idle := rollout.DefaultTimings.Idle
	manager, err := e.StartManager(envtestutil.ManagerOptions{Namespace: ns, AWS: cfg, Clock: clk,
		AWSOptions: awsclient.Options{RequestsPerSecond: 10000, MaxBackoff: 20 * time.Millisecond},
		Timings:    rollout.Timings{Transition: time.Second, Blocked: 2 * time.Second, Idle: idle}})
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range names {
		p := &v1.RemediationPolicy{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: v1.RemediationPolicySpec{
			Target:   v1.TargetSpec{AutoScalingGroups: &v1.AutoScalingGroupsTarget{Names: []string{name}}},
			Desired:  v1.DesiredSpec{ImageID: amiOld, InstanceType: typeName},
			Health:   v1.HealthSpec{StableFor: &metav1.Duration{Duration: time.Second}, UnsafeSkipDataPlaneGates: true},
			Strategy: v1.StrategySpec{Canary: v1.CanarySpec{Nodes: ptr.To[int32](0)}},
		}}
		if err := e.Client.Create(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
	settled, err := waitAllSucceeded(e, ns, n, 30*time.Minute)
	if err != nil {
		b.Fatal(err)
	}

	b.ResetTimer()
	start := time.Now()
	var own, total []time.Duration
	var calls, written int
	for pass := range 2 {
		own, total = own[:0], total[:0]
		from := len(srv.Calls())
		versions := resourceVersions(b, e, ns)
		for i, p := range settled {
			clk.Set(start.Add(time.Duration(pass)*idle + idle*time.Duration(i)/time.Duration(len(settled))))
			awsBefore := timer.nanos.Load()
			began := time.Now()
			if _, err := manager.Reconciler.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(&p)}); err != nil {
				b.Fatal(err)
			}
			took := time.Since(began)
			total = append(total, took)
			own = append(own, took-time.Duration(timer.nanos.Load()-awsBefore))
		}
		calls = len(srv.Calls()) - from
		written = 0
		for key, v := range resourceVersions(b, e, ns) {
			if versions[key] != v {
				written++
			}
		}
	}
	b.StopTimer()
	_ = manager.Stop()
	rss, hwm := managerBinaryMemory(b, e, srv, n)

	b.ReportMetric(float64(n), "policies")
	b.ReportMetric(float64(n*scaleNodes), "nodes")
	b.ReportMetric(float64(rss)/(1<<20), "manager-rss-MiB")
	b.ReportMetric(float64(hwm)/(1<<20), "manager-peak-rss-MiB")
	b.ReportMetric(percentile(total, 50).Seconds()*1000, "reconcile-p50-ms")
	b.ReportMetric(percentile(total, 99).Seconds()*1000, "reconcile-p99-ms")
	b.ReportMetric(percentile(own, 99).Seconds()*1000, "reconcile-p99-without-aws-ms")
	b.ReportMetric(float64(calls)/idle.Seconds(), "fleet-aws-calls/s")
	b.ReportMetric(float64(written)/float64(n), "status-writes/idle-reconcile")
	b.ReportMetric(float64(calls)*float64(time.Hour/idle)/float64(n), "aws-calls/idle-policy-hour")
}

// fleetSimulator serves an account with n one-group clusters of scaleNodes nodes, each group and template
// opted in to its policy of ns, on a clock 60 times real time.
func fleetSimulator(b *testing.B, ns string, n int) (*awssim.Server, []string) {
	sc := &awssim.Scenario{
		ClockSpeed:    speed,
		Delays:        &awssim.ScenarioDelays{Launch: launch.String(), Terminate: "30s"},
		Images:        []awssim.ScenarioImage{{ID: amiOld, Architecture: "arm64"}},
		InstanceTypes: []awssim.ScenarioInstanceType{{Name: typeName, Architectures: []string{"arm64"}}},
	}
	names := make([]string, n)
	for i := range n {
		names[i] = fmt.Sprintf("cache-%05d", i)
		tags := map[string]string{v1.OptInTagKey: ns + "." + names[i]}
		sc.LaunchTemplates = append(sc.LaunchTemplates, awssim.ScenarioLaunchTemplate{Name: names[i],
			Versions: []awssim.ScenarioTemplateVersion{{ImageID: amiOld, InstanceType: typeName}}, Tags: tags})
		sc.Clusters = append(sc.Clusters, awssim.ScenarioCluster{Name: names[i], Groups: []awssim.ScenarioGroup{{Name: names[i],
			Zone: "us-east-1a", Size: scaleNodes, LaunchTemplate: names[i], Tags: tags}}})
	}
	sim, _, err := sc.Build(nil, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	srv := awssim.Serve(sim)
	b.Cleanup(srv.Close)
	return srv, names
}

// managerBinaryMemory runs the manager binary against the fleet until it has reconciled every policy once
// (the simulator has had no call for 5 seconds after the binary's first), and answers its resident memory
// then and at its peak.
func managerBinaryMemory(b *testing.B, e *envtestutil.Env, srv *awssim.Server, n int) (rss, hwm uint64) {
	dir := b.TempDir()
	bin, err := envtestutil.BuildManager(context.Background(), dir)
	if err != nil {
		b.Fatal(err)
	}
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := e.WriteKubeconfig(kubeconfig); err != nil {
		b.Fatal(err)
	}
	log, err := os.Create(filepath.Join(dir, "manager.log"))
	if err != nil {
		b.Fatal(err)
	}
	defer log.Close()
	before := len(srv.Calls())
	p, err := envtestutil.StartManagerProcess(bin, envtestutil.ManagerProcessOptions{Kubeconfig: kubeconfig, AWSEnv: srv.EndpointEnv(), Log: log,
		Args: []string{"--aws-requests-per-second=10000"}})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = p.Stop() }()
	deadline := time.Now().Add(20 * time.Minute)
	last, quietSince := before, time.Now()
	for time.Now().Before(deadline) {
		time.Sleep(time.Second)
		now := len(srv.Calls())
		switch {
		case now == before || now != last:
			last, quietSince = now, time.Now()
		case time.Since(quietSince) >= 5*time.Second:
			return procMemory(b, p.Pid())
		}
	}
	b.Fatalf("the manager binary did not finish reconciling %d policies within 20 minutes (see %s)", n, log.Name())
	return 0, 0
}

// procMemory reads a process's VmRSS and VmHWM (bytes) from /proc.
func procMemory(b *testing.B, pid int) (rss, hwm uint64) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	return parseProcStatus(b, f)
}

func parseProcStatus(b *testing.B, r io.Reader) (rss, hwm uint64) {
	s := bufio.NewScanner(r)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) < 2 {
			continue
		}
		kb, _ := strconv.ParseUint(fields[1], 10, 64)
		switch fields[0] {
		case "VmRSS:":
			rss = kb << 10
		case "VmHWM:":
			hwm = kb << 10
		}
	}
	if rss == 0 {
		b.Fatal("no VmRSS in /proc/<pid>/status")
	}
	return rss, hwm
}

// resourceVersions maps each policy of ns to its resourceVersion, read from the API server.
func resourceVersions(b *testing.B, e *envtestutil.Env, ns string) map[string]string {
	var list v1.RemediationPolicyList
	if err := e.Client.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
		b.Fatal(err)
	}
	out := make(map[string]string, len(list.Items))
	for _, p := range list.Items {
		out[p.Name] = p.ResourceVersion
	}
	return out
}

// waitAllSucceeded waits until n policies of the namespace are Succeeded at their generation.
func waitAllSucceeded(e *envtestutil.Env, ns string, n int, timeout time.Duration) ([]v1.RemediationPolicy, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		var list v1.RemediationPolicyList
		if err := e.Client.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
			return nil, err
		}
		done := 0
		for _, p := range list.Items {
			if p.Status.Phase == v1.PhaseSucceeded && p.Status.ObservedGeneration == p.Generation {
				done++
			}
		}
		if done == n {
			return list.Items, nil
		}
		time.Sleep(time.Second)
	}
	return nil, fmt.Errorf("not every policy succeeded within %s", timeout)
}

func percentile(ds []time.Duration, p int) time.Duration {
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	return sorted[(len(sorted)-1)*p/100]
}
