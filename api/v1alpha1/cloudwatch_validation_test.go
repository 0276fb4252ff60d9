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

package v1alpha1_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/test/envtestutil"
)

// lagGate is a valid metric gate: ReplicationLag of every replica below 5 seconds.
func lagGate() v1.CloudWatchMetricGate {
	return v1.CloudWatchMetricGate{Name: "ReplicationLag", MetricName: "ReplicationLag", Below: "5", SkipPrimaries: true}
}

func withMetrics(base func() *v1.RemediationPolicy, gates ...v1.CloudWatchMetricGate) func() *v1.RemediationPolicy {
	return func() *v1.RemediationPolicy {
		p := base()
		p.Spec.Health.CloudWatch = &v1.CloudWatchHealth{Metrics: gates}
		return p
	}
}

// metric changes the policy's first metric gate.
func metric(change func(m *v1.CloudWatchMetricGate)) func(*v1.RemediationPolicy) {
	return func(p *v1.RemediationPolicy) { change(&p.Spec.Health.CloudWatch.Metrics[0]) }
}

// builtInGateNames are the names of the gates the controller evaluates itself, read from the constants
// Gate* of the packages that define them, so that a gate added there is checked here too.
func builtInGateNames() []string {
	var names []string
	for _, dir := range []string{"controllers/health", "controllers/elasticacheobservation"} {
		pkgs, err := parser.ParseDir(token.NewFileSet(), filepath.Join(envtestutil.RepoRoot(), dir), nil, 0)
		Expect(err).NotTo(HaveOccurred())
		for _, pkg := range pkgs {
			ast.Inspect(pkg, func(n ast.Node) bool {
				spec, ok := n.(*ast.ValueSpec)
				if !ok || len(spec.Names) != 1 || !strings.HasPrefix(spec.Names[0].Name, "Gate") || len(spec.Values) != 1 {
					return true
				}
				if lit, ok := spec.Values[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					value, err := strconv.Unquote(lit.Value)
					Expect(err).NotTo(HaveOccurred())
					names = append(names, value)
				}
				return true
			})
		}
	}
	return names
}

var _ = Describe("Admission validation of CloudWatch gates", func() {
	DescribeTable("rejects a gate the controller could not evaluate, with a message a human understands", expectRejected,
		Entry("a cloudWatch section with neither metrics nor alarms", validElastiCachePolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Health.CloudWatch = &v1.CloudWatchHealth{}
		}, "health.cloudWatch must list metrics or alarms"),
		Entry("a metric gate with no threshold", withMetrics(validElastiCachePolicy, lagGate()), metric(func(m *v1.CloudWatchMetricGate) {
			m.Below = ""
		}), "a cloudWatch metric gate needs exactly one of below or above"),
		Entry("a metric gate both below and above", withMetrics(validElastiCachePolicy, lagGate()), metric(func(m *v1.CloudWatchMetricGate) {
			m.Above = "1"
		}), "a cloudWatch metric gate needs exactly one of below or above"),
		Entry("a threshold that is not a number", withMetrics(validElastiCachePolicy, lagGate()), metric(func(m *v1.CloudWatchMetricGate) {
			m.Below = "five"
		}), "spec.health.cloudWatch.metrics[0].below"),
		Entry("a window shorter than its period", withMetrics(validElastiCachePolicy, lagGate()), metric(func(m *v1.CloudWatchMetricGate) {
			m.Period, m.Window = duration("10m"), duration("5m")
		}), "a cloudWatch metric gate's window must be at least one period"),
		Entry("a period longer than the default window", withMetrics(validElastiCachePolicy, lagGate()), metric(func(m *v1.CloudWatchMetricGate) {
			m.Period = duration("10m")
		}), "a cloudWatch metric gate's window must be at least one period"),
		Entry("a period that is not whole minutes", withMetrics(validElastiCachePolicy, lagGate()), metric(func(m *v1.CloudWatchMetricGate) {
			m.Period = duration("90s")
		}), "period must be a whole number of minutes between 1m and 1h"),
		Entry("a window over three hours, whose datapoints would not fit one page", withMetrics(validElastiCachePolicy, lagGate()), metric(func(m *v1.CloudWatchMetricGate) {
			m.Window = duration("4h")
		}), "window must be between 1m and 3h"),
		Entry("a statistic CloudWatch does not compute", withMetrics(validElastiCachePolicy, lagGate()), metric(func(m *v1.CloudWatchMetricGate) {
			m.Statistic = "Median"
		}), "spec.health.cloudWatch.metrics[0].statistic"),
		Entry("a gate name with a space", withMetrics(validElastiCachePolicy, lagGate()), metric(func(m *v1.CloudWatchMetricGate) {
			m.Name = "replication lag"
		}), "spec.health.cloudWatch.metrics[0].name"),
		Entry("two gates of the same name", withMetrics(validElastiCachePolicy, lagGate(), lagGate()), func(*v1.RemediationPolicy) {},
			"Duplicate value"),
		Entry("more than 10 metric gates", validElastiCachePolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Health.CloudWatch = &v1.CloudWatchHealth{}
			for i := range 11 {
				m := lagGate()
				m.Name = fmt.Sprintf("Lag%d", i)
				p.Spec.Health.CloudWatch.Metrics = append(p.Spec.Health.CloudWatch.Metrics, m)
			}
		}, "must have at most 10 items"),
		Entry("a dimension the controller sets itself", withMetrics(validElastiCachePolicy, lagGate()), metric(func(m *v1.CloudWatchMetricGate) {
			m.Dimensions = []v1.MetricDimension{{Name: "CacheClusterId", Value: "sessions-001"}}
		}), "the controller sets InstanceId, CacheClusterId and AutoScalingGroupName itself"),
		Entry("skipPrimaries on a Group-scoped gate", withMetrics(validASGPolicy, lagGate()), metric(func(m *v1.CloudWatchMetricGate) {
			m.Scope = v1.ScopeGroup
		}), "skipPrimaries applies to Node scope only"),
		Entry("a Group-scoped gate of an ElastiCache target without dimensions", withMetrics(validElastiCachePolicy, lagGate()), metric(func(m *v1.CloudWatchMetricGate) {
			m.Scope, m.SkipPrimaries = v1.ScopeGroup, false
		}), "a Group-scoped cloudWatch metric of an elastiCache target needs dimensions"),
		Entry("more than 100 alarms, more than one DescribeAlarms call can name", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Health.CloudWatch = &v1.CloudWatchHealth{}
			for i := range 101 {
				p.Spec.Health.CloudWatch.Alarms = append(p.Spec.Health.CloudWatch.Alarms, fmt.Sprintf("alarm-%d", i))
			}
		}, "must have at most 100 items"),
		Entry("an empty alarm name", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Health.CloudWatch = &v1.CloudWatchHealth{Alarms: []string{""}}
		}, "spec.health.cloudWatch.alarms[0]"),
		Entry("an alarm named twice", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Health.CloudWatch = &v1.CloudWatchHealth{Alarms: []string{"latency", "latency"}}
		}, "Duplicate value"),
	)

	It("rejects every built-in gate's name as a metric gate's name", func() {
		names := builtInGateNames()
		Expect(names).To(ContainElements("InService", "EC2Status", "DataFits", "CloudWatchAlarms"), "the parser found the gate constants")
		for _, name := range names {
			policy := withMetrics(validElastiCachePolicy, lagGate())()
			policy.Spec.Health.CloudWatch.Metrics[0].Name = name
			err := env.Client.Create(ctx, policy)
			Expect(err).To(HaveOccurred(), "the gate name %s was accepted", name)
			Expect(err.Error()).To(ContainSubstring("must not take the name of a built-in gate"), name)
		}
	})

	It("accepts metric gates and alarms on both kinds of target", func() {
		memory := v1.CloudWatchMetricGate{Name: "Memory", MetricName: "DatabaseMemoryUsagePercentage", Below: "70", Statistic: "p99",
			Dimensions: []v1.MetricDimension{{Name: "CacheNodeId", Value: "0001"}}, Period: duration("1m"), Window: duration("10m")}
		policy := withMetrics(validElastiCachePolicy, lagGate(), memory)()
		policy.Spec.Health.CloudWatch.Alarms = []string{"sessions-latency", "sessions-evictions"}
		Expect(env.Client.Create(ctx, policy)).To(Succeed())

		cpu := v1.CloudWatchMetricGate{Name: "CPU", MetricName: "CPUUtilization", Scope: v1.ScopeGroup, Above: "-1.5", Statistic: "Average"}
		lag := lagGate()
		lag.Namespace = "Redis"
		policy = withMetrics(validASGPolicy, lag, cpu)()
		policy.Spec.Health.CloudWatch.Alarms = []string{"sessions-latency"}
		Expect(env.Client.Create(ctx, policy)).To(Succeed())

		custom := v1.CloudWatchMetricGate{Name: "Evictions", Namespace: "Team/Cache", MetricName: "Evictions", Scope: v1.ScopeGroup, Below: "1",
			Dimensions: []v1.MetricDimension{{Name: "Cluster", Value: "sessions"}}}
		Expect(env.Client.Create(ctx, withMetrics(validElastiCachePolicy, custom)())).To(Succeed(), "a Group-scoped ElastiCache gate with dimensions")
	})
})
