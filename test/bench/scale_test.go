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
	"context"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"slices"
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

const (
	scalePolicies = 1000
	scaleNodes    = 5 // per policy
)

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

// scaleFixture is the manager with its 1,000 settled policies; Go runs a benchmark function more than
// once (b.N = 1 first), so it is built once.
type scaleFixture struct {
	manager   *envtestutil.Manager
	timer     *awsTimer
	settled   []v1.RemediationPolicy
	heapAdded uint64
}

var (
	scaleOnce sync.Once
	scale     *scaleFixture
	scaleErr  error
)

// BenchmarkThousandPolicies runs one manager with 1,000 policies of 5 nodes each (5,000 instances, one
// group and launch template per policy, EC2 gates only: 5,000 redis-server processes do not fit a build
// machine). Every policy is brought to Succeeded by the manager; then each is reconciled once more, idle.
// Metrics: the heap the manager added (after GC, the simulator's call log emptied), and the p50/p99 of an
// idle reconcile with and without the time spent waiting on AWS.
func BenchmarkThousandPolicies(b *testing.B) {
	e := controlPlane(b)
	scaleOnce.Do(func() { scale, scaleErr = newScaleFixture(e) })
	if scaleErr != nil {
		b.Fatal(scaleErr)
	}
	ctx := context.Background()
	b.ResetTimer()
	var total, own []time.Duration
	for i := range b.N {
		policy := scale.settled[i%len(scale.settled)]
		awsBefore := scale.timer.nanos.Load()
		start := time.Now()
		if _, err := scale.manager.Reconciler.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(&policy)}); err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		total = append(total, took)
		own = append(own, took-time.Duration(scale.timer.nanos.Load()-awsBefore))
	}
	b.StopTimer()
	b.ReportMetric(float64(scale.heapAdded)/(1<<20), "manager-heap-MiB")
	b.ReportMetric(percentile(total, 50).Seconds()*1000, "reconcile-p50-ms")
	b.ReportMetric(percentile(total, 99).Seconds()*1000, "reconcile-p99-ms")
	b.ReportMetric(percentile(own, 99).Seconds()*1000, "reconcile-p99-without-aws-ms")
}

func newScaleFixture(e *envtestutil.Env) (*scaleFixture, error) {
	ctx := context.Background()
	ns := "bench-scale"
	if err := e.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		return nil, err
	}
	sc := &awssim.Scenario{
		ClockSpeed:    speed,
		Delays:        &awssim.ScenarioDelays{Launch: launch.String(), Terminate: "30s"},
		Images:        []awssim.ScenarioImage{{ID: amiOld, Architecture: "arm64"}},
		InstanceTypes: []awssim.ScenarioInstanceType{{Name: typeName, Architectures: []string{"arm64"}}},
	}
	names := make([]string, scalePolicies)
	for i := range scalePolicies {
		names[i] = fmt.Sprintf("cache-%04d", i)
		sc.LaunchTemplates = append(sc.LaunchTemplates, awssim.ScenarioLaunchTemplate{Name: names[i],
			Versions: []awssim.ScenarioTemplateVersion{{ImageID: amiOld, InstanceType: typeName}}, Tags: map[string]string{v1.OptInTagKey: ns + "." + names[i]}})
		sc.Clusters = append(sc.Clusters, awssim.ScenarioCluster{Name: names[i], Groups: []awssim.ScenarioGroup{{Name: names[i],
			Zone: "us-east-1a", Size: scaleNodes, LaunchTemplate: names[i], Tags: map[string]string{v1.OptInTagKey: ns + "." + names[i]}}}})
	}
	dir, err := os.MkdirTemp("", "bench-scale")
	if err != nil {
		return nil, err
	}
	sim, _, err := sc.Build(nil, dir)
	if err != nil {
		return nil, err
	}
	srv := awssim.Serve(sim)

	f := &scaleFixture{timer: &awsTimer{inner: awshttp.NewBuildableClient()}}
	heapBefore := heapInUse()
	cfg := srv.SDKConfig()
	cfg.HTTPClient = f.timer
	f.manager, err = e.StartManager(envtestutil.ManagerOptions{Namespace: ns, AWS: cfg,
		AWSOptions: awsclient.Options{RequestsPerSecond: 10000, MaxBackoff: 20 * time.Millisecond},
		Timings:    rollout.Timings{Transition: time.Second, Blocked: 2 * time.Second, Idle: time.Hour}})
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		p := &v1.RemediationPolicy{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: v1.RemediationPolicySpec{
			Target:   v1.TargetSpec{AutoScalingGroups: &v1.AutoScalingGroupsTarget{Names: []string{name}}},
			Desired:  v1.DesiredSpec{ImageID: amiOld, InstanceType: typeName},
			Health:   v1.HealthSpec{StableFor: &metav1.Duration{Duration: time.Second}},
			Strategy: v1.StrategySpec{Canary: v1.CanarySpec{Nodes: ptr.To[int32](0)}},
		}}
		if err := e.Client.Create(ctx, p); err != nil {
			return nil, err
		}
	}
	if f.settled, err = waitAllSucceeded(e, ns, 10*time.Minute); err != nil {
		return nil, err
	}
	sim.ResetCalls()
	f.heapAdded = heapInUse() - heapBefore
	return f, nil
}

// waitAllSucceeded waits until every policy of the namespace is Succeeded at its generation.
func waitAllSucceeded(e *envtestutil.Env, ns string, timeout time.Duration) ([]v1.RemediationPolicy, error) {
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
		if done == scalePolicies {
			return list.Items, nil
		}
		time.Sleep(time.Second)
	}
	return nil, fmt.Errorf("not every policy succeeded within %s", timeout)
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

func percentile(ds []time.Duration, p int) time.Duration {
	sorted := slices.Clone(ds)
	slices.Sort(sorted)
	return sorted[(len(sorted)-1)*p/100]
}
