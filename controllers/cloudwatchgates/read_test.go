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

package cloudwatchgates_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
	"github.com/cache-remediator/cache-remediator/controllers/cloudwatchgates"
	"github.com/cache-remediator/cache-remediator/controllers/health"
)

var ctx = context.Background()

// account is a simulated account with replication group sessions (primary sessions-001, replicas -002 and
// -003), its CloudWatch read through the instrumented SDK client, ten minutes after the group was made.
func account(t *testing.T) (*awssim.Server, *awssim.ManualClock, awsclient.CloudWatchAPI) {
	g := NewWithT(t)
	clock := awssim.NewManualClock()
	sim := awssim.New(awssim.Options{Clock: clock})
	sim.AddNodeType(awssim.NodeType{Name: "cache.r6g.large", MemoryMiB: 13384})
	g.Expect(sim.AddReplicationGroup(awssim.ReplicationGroupSpec{ID: "sessions", NodeType: "cache.r6g.large",
		Zones: []string{"us-east-1a", "us-east-1b", "us-east-1c"}, MultiAZ: true, AutomaticFailover: true, UsedMemoryMiB: 100})).To(Succeed())
	srv := awssim.Serve(sim)
	t.Cleanup(srv.Close)
	clock.Step(10 * time.Minute)
	cfg := srv.SDKConfig()
	awsclient.Instrument(&cfg, awsclient.Options{RequestsPerSecond: 1000, MaxBackoff: 5 * time.Millisecond})
	return srv, clock, awsclient.NewClients(cfg).CloudWatch
}

func members() []cloudwatchgates.Subject {
	var out []cloudwatchgates.Subject
	for i, id := range []string{"sessions-001", "sessions-002", "sessions-003"} {
		out = append(out, cloudwatchgates.Subject{InstanceID: id, Dimensions: map[string]string{"CacheClusterId": id}, Primary: i == 0})
	}
	return out
}

func actions(srv *awssim.Server) []string {
	var out []string
	for _, c := range srv.Calls() {
		out = append(out, c.Action)
	}
	return out
}

func TestEveryGateOfEveryNodeIsOneGetMetricDataAndTheAlarmsOneDescribeAlarms(t *testing.T) {
	g := NewWithT(t)
	srv, clock, cw := account(t)
	g.Expect(srv.AddAlarm(awssim.AlarmSpec{Name: "sessions-latency", State: awssim.AlarmStateOK})).To(Succeed())
	g.Expect(srv.SetAlarm("sessions-evictions", awssim.AlarmStateAlarm, "Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (0.0).")).To(Succeed())
	srv.SetMetric("AWS/ElastiCache", "DatabaseMemoryUsagePercentage", map[string]string{"CacheClusterId": "sessions-003"}, 81)
	srv.SetMetric("Team/Cache", "Evictions", map[string]string{"Cluster": "sessions"}, 0)
	clock.Step(time.Minute)
	srv.ResetCalls()

	spec := &v1.CloudWatchHealth{
		Metrics: []v1.CloudWatchMetricGate{
			{Name: "ReplicationLag", MetricName: "ReplicationLag", Below: "5", SkipPrimaries: true},
			{Name: "Memory", MetricName: "DatabaseMemoryUsagePercentage", Below: "70"},
			{Name: "Evictions", Namespace: "Team/Cache", MetricName: "Evictions", Scope: v1.ScopeGroup, Below: "1", Dimensions: []v1.MetricDimension{{Name: "Cluster", Value: "sessions"}}},
		},
		Alarms: []string{"sessions-latency", "sessions-evictions"},
	}
	obs, err := cloudwatchgates.Read(ctx, cw, cloudwatchgates.Request{Health: spec, DefaultNamespace: v1.DefaultElastiCacheMetricsSpace,
		Nodes: members(), Groups: []cloudwatchgates.Subject{{}}, Now: clock.Now()})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(actions(srv)).To(ConsistOf("GetMetricData", "DescribeAlarms"), "one call each, whatever the number of nodes and gates")

	g.Expect(obs.Cluster).To(HaveLen(2))
	g.Expect(obs.Cluster[0].Reason).To(Equal(health.ReasonAlarmFiring), "the alarms come first")
	g.Expect(obs.Cluster[0].Message).To(ContainSubstring("alarm sessions-evictions is in ALARM"))
	g.Expect(obs.Cluster[1]).To(HaveField("Gate", "Evictions"))
	g.Expect(obs.Cluster[1].OK).To(BeTrue(), obs.Cluster[1].Message)

	g.Expect(obs.Nodes["sessions-001"]).To(HaveLen(1), "the primary publishes no ReplicationLag and is left out of that gate")
	g.Expect(obs.Nodes["sessions-001"][0]).To(HaveField("Gate", "Memory"))
	for _, id := range []string{"sessions-001", "sessions-002"} {
		for _, r := range obs.Nodes[id] {
			g.Expect(r.OK).To(BeTrue(), "%s %s: %s", id, r.Gate, r.Message)
		}
	}
	failing, _ := health.FirstFailure(obs.Nodes["sessions-003"])
	g.Expect(failing).To(HaveField("Gate", "Memory"))
	g.Expect(failing.InstanceID).To(Equal("sessions-003"))
	g.Expect(failing.Reason).To(Equal(health.ReasonThresholdCrossed))
	g.Expect(failing.Message).To(ContainSubstring("AWS/ElastiCache DatabaseMemoryUsagePercentage {CacheClusterId=sessions-003} (Maximum per 1m) was 81 at"))
}

func TestAMetricWithoutDatapointsIsMissingForItsNodeAlone(t *testing.T) {
	g := NewWithT(t)
	srv, clock, cw := account(t)
	srv.SetMetricMissing("AWS/ElastiCache", "EngineCPUUtilization", map[string]string{"CacheClusterId": "sessions-002"})
	clock.Step(6 * time.Minute)
	spec := &v1.CloudWatchHealth{Metrics: []v1.CloudWatchMetricGate{{Name: "EngineCPU", MetricName: "EngineCPUUtilization", Below: "90"}}}
	obs, err := cloudwatchgates.Read(ctx, cw, cloudwatchgates.Request{Health: spec, DefaultNamespace: v1.DefaultElastiCacheMetricsSpace, Nodes: members(), Now: clock.Now()})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(obs.Nodes["sessions-001"][0].OK).To(BeTrue())
	g.Expect(obs.Nodes["sessions-002"][0].Reason).To(Equal(health.ReasonMetricMissing))
	g.Expect(obs.Nodes["sessions-002"][0].Message).To(Equal("AWS/ElastiCache EngineCPUUtilization {CacheClusterId=sessions-002} (Maximum per 1m) has no datapoint in the last 5m"))
}

func TestTheWindowEndsAtTheTimeGivenNotAtTheCallersClock(t *testing.T) {
	g := NewWithT(t)
	srv, clock, cw := account(t)
	srv.SetMetric("AWS/ElastiCache", "EngineCPUUtilization", map[string]string{"CacheClusterId": "sessions-002"}, 99)
	clock.Step(3 * time.Minute)
	spec := &v1.CloudWatchHealth{Metrics: []v1.CloudWatchMetricGate{{Name: "EngineCPU", MetricName: "EngineCPUUtilization", Below: "90"}}}
	read := func(now time.Time) health.Result {
		obs, err := cloudwatchgates.Read(ctx, cw, cloudwatchgates.Request{Health: spec, DefaultNamespace: v1.DefaultElastiCacheMetricsSpace, Nodes: members()[1:2], Now: now})
		g.Expect(err).NotTo(HaveOccurred())
		return obs.Nodes["sessions-002"][0]
	}
	g.Expect(read(clock.Now()).Reason).To(Equal(health.ReasonThresholdCrossed))
	g.Expect(read(clock.Now().Add(-4*time.Minute)).OK).To(BeTrue(), "a window that ends before the spike does not see it")
}

func TestExtraQueriesShareTheCallAndComeBackInTheirWindow(t *testing.T) {
	g := NewWithT(t)
	srv, clock, cw := account(t)
	srv.SetCacheClusterUsedMemory("sessions-001", 300)
	clock.Step(2 * time.Minute)
	srv.ResetCalls()
	extra := []awsclient.MetricQuery{{Namespace: "AWS/ElastiCache", MetricName: "BytesUsedForCache", Dimensions: map[string]string{"CacheClusterId": "sessions-001"},
		Stat: "Maximum", Period: time.Minute}}
	spec := &v1.CloudWatchHealth{Metrics: []v1.CloudWatchMetricGate{{Name: "EngineCPU", MetricName: "EngineCPUUtilization", Below: "90", Window: &metav1.Duration{Duration: time.Hour}}}}
	obs, err := cloudwatchgates.Read(ctx, cw, cloudwatchgates.Request{Health: spec, DefaultNamespace: v1.DefaultElastiCacheMetricsSpace, Nodes: members(),
		Extra: extra, ExtraWindow: 3 * time.Minute, Now: clock.Now()})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(actions(srv)).To(Equal([]string{"GetMetricData"}))
	g.Expect(obs.Extra).To(HaveLen(1))
	g.Expect(obs.Extra[0]).To(HaveLen(3), "the extra's own 3 minutes, not the gate's hour")
	g.Expect(obs.Extra[0][2].Value).To(Equal(300.0 * (1 << 20)))
}

func TestNothingToAskIsNoCall(t *testing.T) {
	g := NewWithT(t)
	srv, clock, cw := account(t)
	srv.ResetCalls()
	obs, err := cloudwatchgates.Read(ctx, cw, cloudwatchgates.Request{Nodes: members(), Now: clock.Now()})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(obs.Cluster).To(BeEmpty())
	g.Expect(srv.Calls()).To(BeEmpty())
}
