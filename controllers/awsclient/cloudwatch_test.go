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

package awsclient_test

import (
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
)

// newCloudWatch is an empty simulated account on a manual clock whose CloudWatch is read through the
// instrumented SDK client.
func newCloudWatch(t *testing.T) (*awssim.Server, *awssim.ManualClock, awsclient.CloudWatchAPI) {
	clock := awssim.NewManualClock()
	srv := awssim.Serve(awssim.New(awssim.Options{Clock: clock}))
	t.Cleanup(srv.Close)
	cfg := srv.SDKConfig()
	awsclient.Instrument(&cfg, awsclient.Options{RequestsPerSecond: 1000, MaxBackoff: 5 * time.Millisecond})
	return srv, clock, awsclient.NewClients(cfg).CloudWatch
}

// nodeMetrics sets Custom/Lag {Node=n<i>} to i for n nodes and returns a query for each.
func nodeMetrics(srv *awssim.Server, n int) []awsclient.MetricQuery {
	var queries []awsclient.MetricQuery
	for i := range n {
		dims := map[string]string{"Node": fmt.Sprintf("n%d", i)}
		srv.SetMetric("Custom", "Lag", dims, float64(i))
		queries = append(queries, awsclient.MetricQuery{ID: fmt.Sprintf("q%d", i), Namespace: "Custom", MetricName: "Lag", Dimensions: dims, Stat: "Maximum", Period: time.Minute})
	}
	return queries
}

func TestGetMetricDataAsksForEveryQueryInOneCallUpTo500AndOldestFirst(t *testing.T) {
	g := NewWithT(t)
	srv, clock, cw := newCloudWatch(t)
	queries := nodeMetrics(srv, 3)
	clock.Step(5 * time.Minute)
	srv.SetMetric("Custom", "Lag", map[string]string{"Node": "n1"}, 50)
	clock.Step(time.Minute)
	srv.ResetCalls()

	now := clock.Now()
	got, err := awsclient.GetMetricData(ctx, cw, queries, now.Add(-3*time.Minute), now)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(firstAttempts(srv.Calls())).To(HaveLen(1))
	g.Expect(got).To(HaveLen(3))
	g.Expect(got["q1"]).To(Equal([]awsclient.Datapoint{
		{Start: now.Add(-3 * time.Minute), Value: 1}, {Start: now.Add(-2 * time.Minute), Value: 1}, {Start: now.Add(-time.Minute), Value: 50},
	}), "oldest first, each period stamped with its start")
	g.Expect(got["q2"]).To(HaveLen(3))
}

func TestGetMetricDataSplitsPast500QueriesAndFollowsPages(t *testing.T) {
	g := NewWithT(t)
	srv, clock, cw := newCloudWatch(t)
	queries := nodeMetrics(srv, 501)
	// 501 queries of 240 datapoints are more than the 100,800 datapoints of one page.
	clock.Step(4 * time.Hour)
	srv.ResetCalls()

	now := clock.Now()
	got, err := awsclient.GetMetricData(ctx, cw, queries, now.Add(-4*time.Hour), now)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got).To(HaveLen(501))
	for id, points := range got {
		g.Expect(points).To(HaveLen(240), id)
	}
	g.Expect(got["q500"][0].Value).To(Equal(500.0))
	var tokens int
	for _, c := range firstAttempts(srv.Calls()) {
		g.Expect(c.Action).To(Equal("GetMetricData"))
		if c.Params.Get("NextToken") != "" {
			tokens++
		}
	}
	g.Expect(firstAttempts(srv.Calls())).To(HaveLen(3), "500 queries, their second page, then the 501st")
	g.Expect(tokens).To(Equal(1))
}

func TestDescribeAlarmsAsksForMetricAndCompositeAlarmsByNameInCallsOf100(t *testing.T) {
	g := NewWithT(t)
	srv, clock, cw := newCloudWatch(t)
	var names []string
	for i := range 120 {
		name := fmt.Sprintf("alarm-%03d", i)
		names = append(names, name)
		g.Expect(srv.AddAlarm(awssim.AlarmSpec{Name: name, State: awssim.AlarmStateOK, Reason: "fine"})).To(Succeed())
	}
	clock.Step(time.Minute)
	g.Expect(srv.SetAlarm("alarm-110", awssim.AlarmStateAlarm, "latency above 5ms")).To(Succeed())
	srv.ResetCalls()

	got, err := awsclient.DescribeAlarms(ctx, cw, append(names, "nobody-made-me"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(got).To(HaveLen(120))
	g.Expect(got).NotTo(HaveKey("nobody-made-me"), "an alarm CloudWatch does not know is absent")
	g.Expect(got["alarm-110"]).To(Equal(awsclient.Alarm{Name: "alarm-110", State: awssim.AlarmStateAlarm, Reason: "latency above 5ms", Since: clock.Now()}))
	g.Expect(got["alarm-000"].State).To(Equal(awssim.AlarmStateOK))
	calls := firstAttempts(srv.Calls())
	g.Expect(calls).To(HaveLen(2), "121 names are two requests of at most 100")
	g.Expect(calls[0].Params["AlarmTypes.member.1"]).To(ConsistOf("MetricAlarm"))
	g.Expect(calls[0].Params["AlarmTypes.member.2"]).To(ConsistOf("CompositeAlarm"))
}

func TestAServerClockKnowsAWSsTimeFromTheAnswers(t *testing.T) {
	g := NewWithT(t)
	_, clock, cw := newCloudWatch(t)
	clock.Step(3*time.Hour + 1500*time.Millisecond)
	reconcileCtx, aws := awsclient.WithServerClock(ctx)
	local := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	g.Expect(aws.Now(local)).To(Equal(local), "before any answer, the controller's own time")

	_, err := awsclient.DescribeAlarms(reconcileCtx, cw, []string{"any"})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(aws.Now(local)).To(BeTemporally("==", awssim.SimEpoch.Add(3*time.Hour+time.Second)), "AWS's time, to the second")
}
