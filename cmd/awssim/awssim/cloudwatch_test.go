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

package awssim_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/smithy-go"
	"github.com/fxamacker/cbor/v2"
	. "github.com/onsi/gomega"

	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
)

// cwClient is a CloudWatch client on the fixture's simulator that makes one attempt per call.
func (f *fixture) cw() *cloudwatch.Client {
	return cloudwatch.NewFromConfig(oneAttempt(f.srv))
}

func metricQuery(id, namespace, name string, dims map[string]string, stat string, period int32) cwtypes.MetricDataQuery {
	var ds []cwtypes.Dimension
	for k, v := range dims {
		ds = append(ds, cwtypes.Dimension{Name: str(k), Value: str(v)})
	}
	return cwtypes.MetricDataQuery{Id: str(id), MetricStat: &cwtypes.MetricStat{
		Metric: &cwtypes.Metric{Namespace: str(namespace), MetricName: str(name), Dimensions: ds}, Period: aws.Int32(period), Stat: str(stat)}}
}

// at is a time so many minutes after the simulator's epoch.
func at(minutes float64) time.Time {
	return awssim.SimEpoch.Add(time.Duration(minutes * float64(time.Minute)))
}

// series asks for one metric, oldest datapoint first.
func series(g Gomega, cw *cloudwatch.Client, q cwtypes.MetricDataQuery, from, to time.Time) cwtypes.MetricDataResult {
	out, err := cw.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{MetricDataQueries: []cwtypes.MetricDataQuery{q},
		StartTime: aws.Time(from), EndTime: aws.Time(to), ScanBy: cwtypes.ScanByTimestampAscending})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.MetricDataResults).To(HaveLen(1))
	return out.MetricDataResults[0]
}

func minutesOf(ts []time.Time) []float64 {
	var out []float64
	for _, t := range ts {
		out = append(out, t.Sub(awssim.SimEpoch).Minutes())
	}
	return out
}

func repeat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func byID(results []cwtypes.MetricDataResult) map[string]cwtypes.MetricDataResult {
	out := map[string]cwtypes.MetricDataResult{}
	for _, r := range results {
		out[aws.ToString(r.Id)] = r
	}
	return out
}

func TestGetMetricDataAnswersSeveralQueriesInOneCallAndPages(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	cw := f.cw()
	f.step(10 * time.Minute)
	inst := f.srv.GroupInstances("cache-a")[0].ID
	in := &cloudwatch.GetMetricDataInput{StartTime: aws.Time(at(0)), EndTime: aws.Time(at(12)), MetricDataQueries: []cwtypes.MetricDataQuery{
		metricQuery("cpu", "AWS/EC2", "CPUUtilization", map[string]string{"InstanceId": inst}, "Average", 60),
		metricQuery("mem", "AWS/ElastiCache", "DatabaseMemoryUsagePercentage", map[string]string{"CacheClusterId": "sessions-001", "CacheNodeId": "0001"}, "Maximum", 60),
		metricQuery("lag", "AWS/ElastiCache", "ReplicationLag", map[string]string{"CacheClusterId": "sessions-002"}, "Maximum", 300),
		metricQuery("primarylag", "AWS/ElastiCache", "ReplicationLag", map[string]string{"CacheClusterId": "sessions-001"}, "Maximum", 60),
	}}

	f.srv.ResetCalls()
	out, err := cw.GetMetricData(ctx, in)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(f.srv.Calls()).To(HaveLen(1), "four queries, one call")
	g.Expect(out.NextToken).To(BeNil())
	res := byID(out.MetricDataResults)
	g.Expect(res).To(HaveLen(4))
	// Newest first, one datapoint a minute stamped on the minute, up to now (minute 10).
	g.Expect(minutesOf(res["cpu"].Timestamps)).To(Equal([]float64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0}))
	g.Expect(res["cpu"].Values).To(Equal(repeat(10, 11)))
	g.Expect(res["cpu"].StatusCode).To(Equal(cwtypes.StatusCodeComplete))
	g.Expect(aws.ToString(res["cpu"].Label)).To(Equal("CPUUtilization"))
	g.Expect(res["mem"].Values).To(HaveLen(11))
	g.Expect(res["mem"].Values[0]).To(BeNumerically("~", 100*4000.0/(13000*0.75), 1e-9), "used_memory over maxmemory (the node type's memory less the 25% reserve)")
	g.Expect(minutesOf(res["lag"].Timestamps)).To(Equal([]float64{10, 5, 0}), "5-minute periods aligned to period boundaries")
	g.Expect(res["lag"].Values).To(Equal([]float64{0, 0, 0}))
	g.Expect(res["primarylag"].Values).To(BeEmpty(), "a primary has no ReplicationLag")
	g.Expect(res["primarylag"].StatusCode).To(Equal(cwtypes.StatusCodeComplete))

	// The same request, four datapoints a page: the pages add up to the single answer, even when time
	// moves on between pages (a token keeps the time of its first page).
	f.srv.ResetCalls()
	paged := *in
	paged.MaxDatapoints = aws.Int32(4)
	p := cloudwatch.NewGetMetricDataPaginator(cw, &paged)
	values := map[string][]float64{}
	stamps := map[string][]time.Time{}
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		g.Expect(err).NotTo(HaveOccurred())
		pages++
		n := 0
		for _, r := range page.MetricDataResults {
			id := aws.ToString(r.Id)
			values[id] = append(values[id], r.Values...)
			stamps[id] = append(stamps[id], r.Timestamps...)
			n += len(r.Values)
			if page.NextToken == nil {
				g.Expect(r.StatusCode).To(Equal(cwtypes.StatusCodeComplete))
			}
		}
		g.Expect(n).To(BeNumerically("<=", 4))
		if pages == 1 {
			g.Expect(byID(page.MetricDataResults)["cpu"].StatusCode).To(Equal(cwtypes.StatusCodePartialData))
			f.step(time.Minute)
		}
	}
	g.Expect(pages).To(Equal(7), "25 datapoints, 4 a page")
	g.Expect(f.srv.Calls()).To(HaveLen(7))
	for id, r := range res {
		g.Expect(values[id]).To(HaveLen(len(r.Values)), id)
		if len(r.Values) > 0 {
			g.Expect(values[id]).To(Equal(r.Values), id)
			g.Expect(stamps[id]).To(Equal(r.Timestamps), id)
		}
	}

	// A token from another request is refused.
	page1, err := cw.GetMetricData(ctx, &paged)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(page1.NextToken).NotTo(BeNil())
	_, err = cw.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{StartTime: aws.Time(at(0)), EndTime: aws.Time(at(5)),
		MetricDataQueries: in.MetricDataQueries[:1], NextToken: page1.NextToken})
	var bad *cwtypes.InvalidNextToken
	g.Expect(errors.As(err, &bad)).To(BeTrue(), "%v", err)
}

func TestElastiCacheMemoryPercentageFollowsUsedMemoryAndNodeType(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	cw := f.cw()
	mem := func(cluster string, to time.Time) []float64 {
		return series(g, cw, metricQuery("m", "AWS/ElastiCache", "DatabaseMemoryUsagePercentage",
			map[string]string{"CacheClusterId": cluster, "CacheNodeId": "0001"}, "Maximum", 60), at(0), to).Values
	}
	before := 100 * 4000.0 / (13000 * 0.75)
	f.step(5 * time.Minute)
	g.Expect(mem("sessions-002", at(6))).To(Equal(repeat(before, 6)))

	f.srv.SetCacheClusterUsedMemory("sessions-002", 6500)
	f.step(5 * time.Minute)
	g.Expect(mem("sessions-002", at(11))).To(Equal(append(repeat(before, 5), repeat(100*6500.0/(13000*0.75), 6)...)), "from the change on, the past unchanged")
	g.Expect(mem("sessions-003", at(11))).To(Equal(repeat(before, 11)), "the other members did not change")
	bytes := series(g, cw, metricQuery("b", "AWS/ElastiCache", "BytesUsedForCache", map[string]string{"CacheClusterId": "sessions-002"}, "Maximum", 60), at(10), at(11))
	g.Expect(bytes.Values).To(Equal([]float64{6500 << 20}))

	// A node type change made through the ElastiCache API is one whole-group operation: every member has
	// twice the memory once it ends, none before.
	_, err := f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("sessions"), CacheNodeType: str(cacheNew), ApplyImmediately: aws.Bool(true)})
	g.Expect(err).NotTo(HaveOccurred())
	f.step(awssim.DefaultDelays.ModifyGroup - time.Minute)
	_, members, _ := f.srv.ReplicationGroupState("sessions")
	g.Expect(members[1].NodeType).To(Equal(cacheOld), "still modifying")
	f.step(2 * time.Minute)
	_, members, _ = f.srv.ReplicationGroupState("sessions")
	g.Expect(members[1].NodeType).To(Equal(cacheNew))
	end := 11 + int((awssim.DefaultDelays.ModifyGroup+time.Minute)/time.Minute)
	latest := mem("sessions-002", at(float64(end)))
	g.Expect(latest[end-3]).To(BeNumerically("~", 100*6500.0/(13000*0.75), 1e-9))
	g.Expect(latest[end-1]).To(BeNumerically("~", 100*6500.0/(26000*0.75), 1e-9), "6500 MiB of a 26000 MiB node, 25% of it reserved")
	g.Expect(mem("sessions-003", at(float64(end)))[end-1]).To(BeNumerically("~", 100*4000.0/(26000*0.75), 1e-9))
}

func TestANewInstanceHasNoDatapointsBeforeItsLaunch(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	cw := f.cw()
	f.step(10*time.Minute + 30*time.Second)
	_, err := f.asg.SetDesiredCapacity(ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: str("cache-a"), DesiredCapacity: aws.Int32(2)})
	g.Expect(err).NotTo(HaveOccurred())
	f.step(4*time.Minute + 30*time.Second)
	insts := f.srv.GroupInstances("cache-a")
	g.Expect(insts).To(HaveLen(2))
	old, fresh := insts[0], insts[1]
	g.Expect(fresh.LaunchedAt).To(Equal(at(10.5)))

	cpu := func(id string, from, to time.Time) cwtypes.MetricDataResult {
		return series(g, cw, metricQuery("c", "AWS/EC2", "CPUUtilization", map[string]string{"InstanceId": id}, "Average", 60), from, to)
	}
	g.Expect(minutesOf(cpu(fresh.ID, at(0), at(16)).Timestamps)).To(Equal([]float64{11, 12, 13, 14, 15}), "from the first minute after its launch")
	missing := cpu(fresh.ID, at(0), at(10))
	g.Expect(missing.Values).To(BeEmpty(), "missing data is an empty answer")
	g.Expect(missing.Timestamps).To(BeEmpty())
	g.Expect(missing.StatusCode).To(Equal(cwtypes.StatusCodeComplete))
	g.Expect(cpu(old.ID, at(0), at(16)).Values).To(HaveLen(16))

	count := series(g, cw, metricQuery("n", "AWS/EC2", "CPUUtilization", map[string]string{"AutoScalingGroupName": "cache-a"}, "SampleCount", 60), at(0), at(16))
	g.Expect(count.Values).To(Equal(append(repeat(1, 11), repeat(2, 5)...)), "the group's aggregate counts its instances of each minute")
}

func TestATerminatedInstanceHasNoDatapointsAfterItWent(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	cw := f.cw()
	f.step(5 * time.Minute)
	id := f.srv.GroupInstances("cache-b")[0].ID
	_, err := f.asg.TerminateInstanceInAutoScalingGroup(ctx, &autoscaling.TerminateInstanceInAutoScalingGroupInput{InstanceId: str(id), ShouldDecrementDesiredCapacity: aws.Bool(true)})
	g.Expect(err).NotTo(HaveOccurred())
	f.step(5 * time.Minute)
	inst, _ := f.srv.Instance(id)
	g.Expect(inst.LifecycleState).To(Equal(awssim.StateTerminated))
	got := series(g, cw, metricQuery("c", "AWS/EC2", "StatusCheckFailed", map[string]string{"InstanceId": id}, "Maximum", 60), at(0), at(11))
	g.Expect(minutesOf(got.Timestamps)).To(Equal([]float64{0, 1, 2, 3, 4, 5}), "terminated 30s after minute 5")
	group := series(g, cw, metricQuery("g", "AWS/EC2", "CPUUtilization", map[string]string{"AutoScalingGroupName": "cache-b"}, "Average", 60), at(6), at(11))
	g.Expect(group.Values).To(BeEmpty(), "the group has no instance left")
}

func TestAMetricOverriddenAsMissingHasNoDatapointsUntilCleared(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	cw := f.cw()
	id := f.srv.GroupInstances("cache-a")[0].ID
	dims := map[string]string{"InstanceId": id}
	cpu := func(from, to time.Time) cwtypes.MetricDataResult {
		return series(g, cw, metricQuery("c", "AWS/EC2", "CPUUtilization", dims, "Average", 60), from, to)
	}
	f.step(5 * time.Minute)
	g.Expect(cpu(at(0), at(6)).Values).To(HaveLen(6))

	f.srv.SetMetricMissing("AWS/EC2", "CPUUtilization", dims)
	f.step(5 * time.Minute)
	g.Expect(minutesOf(cpu(at(0), at(11)).Timestamps)).To(Equal([]float64{0, 1, 2, 3, 4}), "no datapoints from minute 5 on")
	gap := cpu(at(5), at(11))
	g.Expect(gap.Values).To(BeEmpty())
	g.Expect(gap.StatusCode).To(Equal(cwtypes.StatusCodeComplete))
	other := series(g, cw, metricQuery("s", "AWS/EC2", "StatusCheckFailed", dims, "Maximum", 60), at(0), at(11))
	g.Expect(other.Values).To(HaveLen(11), "only the overridden metric is missing")

	f.srv.ClearMetric("AWS/EC2", "CPUUtilization", dims)
	f.step(2 * time.Minute)
	f.srv.SetMetric("AWS/EC2", "CPUUtilization", dims, 95)
	f.step(time.Minute)
	got := cpu(at(0), at(14))
	g.Expect(minutesOf(got.Timestamps)).To(Equal([]float64{0, 1, 2, 3, 4, 10, 11, 12, 13}))
	g.Expect(got.Values).To(Equal([]float64{10, 10, 10, 10, 10, 10, 10, 95, 95}), "derived again, then the value set")
}

func TestStatusCheckFailedFollowsAnImpairedInstance(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	cw := f.cw()
	id := f.srv.GroupInstances("cache-c")[0].ID
	f.step(3 * time.Minute)
	_, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{}) // CloudWatch in use from here
	g.Expect(err).NotTo(HaveOccurred())
	// SetImpaired is not an API call: the change is seen at the next call or Advance.
	f.srv.SetImpaired(id, true)
	f.srv.Advance()
	f.step(2 * time.Minute)
	got := series(g, cw, metricQuery("s", "AWS/EC2", "StatusCheckFailed", map[string]string{"InstanceId": id}, "Maximum", 60), at(0), at(6))
	g.Expect(got.Values).To(Equal([]float64{0, 0, 0, 1, 1, 1}))
	other := series(g, cw, metricQuery("s", "AWS/EC2", "StatusCheckFailed", map[string]string{"InstanceId": f.srv.GroupInstances("cache-a")[0].ID}, "Maximum", 60), at(0), at(6))
	g.Expect(other.Values).To(Equal(repeat(0, 6)))
}

func TestPutMetricDataIsAggregatedByPeriodAndStatistic(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	cw := f.cw()
	f.step(10 * time.Minute)
	dims := []cwtypes.Dimension{{Name: str("Cluster"), Value: str("sessions")}}
	_, err := cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: str("Cache/Rollouts"), MetricData: []cwtypes.MetricDatum{
		{MetricName: str("WriteLatency"), Dimensions: dims, Timestamp: aws.Time(at(1)), Value: aws.Float64(4), Unit: cwtypes.StandardUnitMilliseconds},
		{MetricName: str("WriteLatency"), Dimensions: dims, Timestamp: aws.Time(at(1.5)), Values: []float64{1, 2, 3}, Counts: []float64{1, 1, 2}, Unit: cwtypes.StandardUnitMilliseconds},
		{MetricName: str("WriteLatency"), Dimensions: dims, Timestamp: aws.Time(at(6)), StatisticValues: &cwtypes.StatisticSet{
			SampleCount: aws.Float64(10), Sum: aws.Float64(50), Minimum: aws.Float64(1), Maximum: aws.Float64(20)}, Unit: cwtypes.StandardUnitMilliseconds},
	}})
	g.Expect(err).NotTo(HaveOccurred())
	m := map[string]string{"Cluster": "sessions"}
	q := func(id, stat string) cwtypes.MetricDataQuery {
		return metricQuery(id, "Cache/Rollouts", "WriteLatency", m, stat, 300)
	}
	out, err := cw.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{StartTime: aws.Time(at(0)), EndTime: aws.Time(at(10)), ScanBy: cwtypes.ScanByTimestampAscending,
		MetricDataQueries: []cwtypes.MetricDataQuery{q("n", "SampleCount"), q("sum", "Sum"), q("avg", "Average"), q("hi", "Maximum"), q("lo", "Minimum"), q("median", "p50")}})
	g.Expect(err).NotTo(HaveOccurred())
	res := byID(out.MetricDataResults)
	g.Expect(minutesOf(res["n"].Timestamps)).To(Equal([]float64{0, 5}))
	g.Expect(res["n"].Values).To(Equal([]float64{5, 10}))
	g.Expect(res["sum"].Values).To(Equal([]float64{4 + 1 + 2 + 6, 50}))
	g.Expect(res["avg"].Values).To(Equal([]float64{13.0 / 5, 5}))
	g.Expect(res["hi"].Values).To(Equal([]float64{4, 20}))
	g.Expect(res["lo"].Values).To(Equal([]float64{1, 1}))
	g.Expect(res["median"].Values).To(Equal([]float64{3}), "no percentile of a statistic set")

	// The unit filters (CloudWatch does not convert units).
	wrong := metricQuery("w", "Cache/Rollouts", "WriteLatency", m, "Sum", 300)
	wrong.MetricStat.Unit = cwtypes.StandardUnitSeconds
	g.Expect(series(g, cw, wrong, at(0), at(10)).Values).To(BeEmpty())

	// A custom metric a test sets has a value a minute from now on.
	f.srv.SetMetric("Cache/Rollouts", "Canary", map[string]string{"Cluster": "sessions"}, 1)
	f.step(2 * time.Minute)
	got := series(g, cw, metricQuery("c", "Cache/Rollouts", "Canary", m, "Maximum", 60), at(0), at(13))
	g.Expect(minutesOf(got.Timestamps)).To(Equal([]float64{10, 11, 12}))
}

func TestDescribeAlarmsByNameAndState(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	cw := f.cw()
	g.Expect(f.srv.AddAlarm(awssim.AlarmSpec{Name: "sessions-memory", Namespace: "AWS/ElastiCache", MetricName: "DatabaseMemoryUsagePercentage",
		Dimensions: map[string]string{"CacheClusterId": "sessions-001"}, Statistic: "Maximum", Threshold: 80, State: awssim.AlarmStateOK})).To(Succeed())
	g.Expect(f.srv.SetAlarm("sessions-latency", awssim.AlarmStateAlarm, "p99 above 5 ms")).To(Succeed())
	g.Expect(f.srv.SetAlarm("cache-cpu", awssim.AlarmStateInsufficientData, "no data")).To(Succeed())

	out, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"sessions-memory", "sessions-latency", "nope"}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.MetricAlarms).To(HaveLen(2))
	mem, lat := out.MetricAlarms[1], out.MetricAlarms[0]
	g.Expect(aws.ToString(mem.AlarmName)).To(Equal("sessions-memory"))
	g.Expect(mem.StateValue).To(Equal(cwtypes.StateValueOk))
	g.Expect(aws.ToString(mem.MetricName)).To(Equal("DatabaseMemoryUsagePercentage"))
	g.Expect(aws.ToString(mem.Namespace)).To(Equal("AWS/ElastiCache"))
	g.Expect(mem.Dimensions).To(Equal([]cwtypes.Dimension{{Name: str("CacheClusterId"), Value: str("sessions-001")}}))
	g.Expect(aws.ToFloat64(mem.Threshold)).To(Equal(80.0))
	g.Expect(mem.Statistic).To(Equal(cwtypes.StatisticMaximum))
	g.Expect(mem.ComparisonOperator).To(Equal(cwtypes.ComparisonOperatorGreaterThanThreshold))
	g.Expect(aws.ToInt32(mem.Period)).To(Equal(int32(60)))
	g.Expect(aws.ToString(mem.AlarmArn)).To(Equal("arn:aws:cloudwatch:us-east-1:111122223333:alarm:sessions-memory"))
	g.Expect(aws.ToTime(mem.StateUpdatedTimestamp)).To(BeTemporally("==", awssim.SimEpoch))
	g.Expect(aws.ToString(lat.AlarmName)).To(Equal("sessions-latency"))
	g.Expect(lat.StateValue).To(Equal(cwtypes.StateValueAlarm))
	g.Expect(aws.ToString(lat.StateReason)).To(Equal("p99 above 5 ms"))

	byState, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{StateValue: cwtypes.StateValueAlarm})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(byState.MetricAlarms).To(HaveLen(1))
	g.Expect(aws.ToString(byState.MetricAlarms[0].AlarmName)).To(Equal("sessions-latency"))
	byPrefix, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: str("sessions-")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(byPrefix.MetricAlarms).To(HaveLen(2))
	composite, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeCompositeAlarm}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(composite.MetricAlarms).To(BeEmpty(), "only composite alarms were asked for")

	pages, names := 0, []string{}
	p := cloudwatch.NewDescribeAlarmsPaginator(cw, &cloudwatch.DescribeAlarmsInput{MaxRecords: aws.Int32(1)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		g.Expect(err).NotTo(HaveOccurred())
		pages++
		for _, a := range page.MetricAlarms {
			names = append(names, aws.ToString(a.AlarmName))
		}
	}
	g.Expect(pages).To(Equal(3))
	g.Expect(names).To(Equal([]string{"cache-cpu", "sessions-latency", "sessions-memory"}))
}

func TestSetAlarmStateFlipsTheStateAndItsTimestamps(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	cw := f.cw()
	g.Expect(f.srv.SetAlarm("sessions-memory", awssim.AlarmStateOK, "fine")).To(Succeed())
	f.step(2 * time.Minute)
	_, err := cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: str("sessions-memory"), StateValue: cwtypes.StateValueAlarm,
		StateReason: str("testing the rollout gate"), StateReasonData: str(`{"version":"1.0"}`)})
	g.Expect(err).NotTo(HaveOccurred())
	out, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"sessions-memory"}})
	g.Expect(err).NotTo(HaveOccurred())
	a := out.MetricAlarms[0]
	g.Expect(a.StateValue).To(Equal(cwtypes.StateValueAlarm))
	g.Expect(aws.ToString(a.StateReason)).To(Equal("testing the rollout gate"))
	g.Expect(aws.ToString(a.StateReasonData)).To(Equal(`{"version":"1.0"}`))
	g.Expect(aws.ToTime(a.StateUpdatedTimestamp)).To(BeTemporally("==", at(2)))
	g.Expect(aws.ToTime(a.StateTransitionedTimestamp)).To(BeTemporally("==", at(2)))
	g.Expect(aws.ToTime(a.AlarmConfigurationUpdatedTimestamp)).To(BeTemporally("==", at(0)))
	st, ok := f.srv.Alarm("sessions-memory")
	g.Expect(ok).To(BeTrue())
	g.Expect(st.State).To(Equal(awssim.AlarmStateAlarm))

	// The same state again moves the update time, not the transition time.
	f.step(time.Minute)
	_, err = cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: str("sessions-memory"), StateValue: cwtypes.StateValueAlarm, StateReason: str("still")})
	g.Expect(err).NotTo(HaveOccurred())
	st, _ = f.srv.Alarm("sessions-memory")
	g.Expect(st.UpdatedAt).To(BeTemporally("==", at(3)))
	g.Expect(st.TransitionedAt).To(BeTemporally("==", at(2)))

	_, err = cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: str("nope"), StateValue: cwtypes.StateValueOk, StateReason: str("x")})
	var nf *cwtypes.ResourceNotFound
	g.Expect(errors.As(err, &nf)).To(BeTrue(), "%v", err)
	g.Expect(nf.ErrorCode()).To(Equal("ResourceNotFound"))
	_, err = cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: str("sessions-memory"), StateValue: cwtypes.StateValueOk, StateReason: str("x"), StateReasonData: str("{not json")})
	var format *cwtypes.InvalidFormatFault
	g.Expect(errors.As(err, &format)).To(BeTrue(), "%v", err)
	st, _ = f.srv.Alarm("sessions-memory")
	g.Expect(st.State).To(Equal(awssim.AlarmStateAlarm), "a refused call changes nothing")
}

func TestAnEvaluatedAlarmFiresFromADerivedMetric(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	cw := f.cw()
	g.Expect(f.srv.AddAlarm(awssim.AlarmSpec{Name: "sessions-002-memory", Namespace: "AWS/ElastiCache", MetricName: "DatabaseMemoryUsagePercentage",
		Dimensions: map[string]string{"CacheClusterId": "sessions-002"}, Statistic: "Maximum", Threshold: 80, Evaluate: true})).To(Succeed())
	state := func() cwtypes.MetricAlarm {
		out, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"sessions-002-memory"}})
		g.Expect(err).NotTo(HaveOccurred())
		return out.MetricAlarms[0]
	}
	g.Expect(state().StateValue).To(Equal(cwtypes.StateValueInsufficientData), "a new alarm, not evaluated yet")
	f.step(2 * time.Minute)
	g.Expect(state().StateValue).To(Equal(cwtypes.StateValueOk))

	f.srv.SetCacheClusterUsedMemory("sessions-002", 12000) // 92% of the node
	g.Expect(state().StateValue).To(Equal(cwtypes.StateValueOk), "evaluated at the end of the period")
	f.step(time.Minute)
	a := state()
	g.Expect(a.StateValue).To(Equal(cwtypes.StateValueAlarm))
	g.Expect(aws.ToTime(a.StateUpdatedTimestamp)).To(BeTemporally("==", at(3)))
	g.Expect(aws.ToString(a.StateReason)).To(ContainSubstring("was greater than the threshold (80.0)"))

	// SetAlarmState holds until the next evaluation, as in CloudWatch.
	_, err := cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: str("sessions-002-memory"), StateValue: cwtypes.StateValueOk, StateReason: str("test")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(state().StateValue).To(Equal(cwtypes.StateValueOk))
	f.step(time.Minute)
	g.Expect(state().StateValue).To(Equal(cwtypes.StateValueAlarm))

	// No data is INSUFFICIENT_DATA (treatMissingData: missing).
	f.srv.SetMetricMissing("AWS/ElastiCache", "DatabaseMemoryUsagePercentage", map[string]string{"CacheClusterId": "sessions-002"})
	f.step(time.Minute)
	g.Expect(state().StateValue).To(Equal(cwtypes.StateValueInsufficientData))
}

func TestCloudWatchThrottlingIsRetriedAndInvalidParameterValueIsNot(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	cfg := f.srv.SDKConfig()
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 3
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		})
	}
	cw := cloudwatch.NewFromConfig(cfg)

	f.srv.Inject(awssim.Fault{Service: awssim.CloudWatchService, Action: "DescribeAlarms", Count: 2, Code: "Throttling"})
	_, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{})
	g.Expect(err).NotTo(HaveOccurred())
	var codes []string
	var attempts []int
	for _, c := range f.srv.Calls() {
		codes = append(codes, c.Error)
		attempts = append(attempts, c.Attempt)
	}
	g.Expect(codes).To(Equal([]string{"Throttling", "Throttling", ""}), "two throttled attempts, then success")
	g.Expect(attempts).To(Equal([]int{1, 2, 3}))

	f.srv.ResetCalls()
	f.srv.FailNext(awssim.CloudWatchService, "DescribeAlarms", http.StatusBadRequest, "InvalidParameterValue")
	_, err = cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{})
	var invalid *cwtypes.InvalidParameterValueException
	g.Expect(errors.As(err, &invalid)).To(BeTrue(), "%v", err)
	g.Expect(invalid.ErrorCode()).To(Equal("InvalidParameterValue"))
	g.Expect(f.srv.Calls()).To(HaveLen(1), "not retried")

	// With one attempt the throttle reaches the caller with its query code; a 500 is retried too.
	f.srv.FailNext(awssim.CloudWatchService, "GetMetricData", http.StatusBadRequest, "Throttling")
	_, err = f.cw().GetMetricData(ctx, &cloudwatch.GetMetricDataInput{StartTime: aws.Time(at(0)), EndTime: aws.Time(at(1)),
		MetricDataQueries: []cwtypes.MetricDataQuery{metricQuery("c", "AWS/EC2", "CPUUtilization", map[string]string{"InstanceId": "i-x"}, "Average", 60)}})
	var apiErr smithy.APIError
	g.Expect(errors.As(err, &apiErr)).To(BeTrue(), "%v", err)
	g.Expect(apiErr.ErrorCode()).To(Equal("Throttling"))
	g.Expect(retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err)).To(Equal(aws.TrueTernary))
	f.srv.Inject(awssim.Fault{Service: awssim.CloudWatchService, Action: "DescribeAlarms", Count: 1, Status: http.StatusInternalServerError, Code: "InternalServiceError"})
	_, err = cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{})
	g.Expect(err).NotTo(HaveOccurred())
}

func TestCloudWatchValidationErrorsDecodeWithTheirCodes(t *testing.T) {
	f := newFixture(t)
	cw := f.cw()
	ok := metricQuery("c", "AWS/EC2", "CPUUtilization", map[string]string{"InstanceId": "i-x"}, "Average", 60)
	gmd := func(mutate func(*cloudwatch.GetMetricDataInput)) func() error {
		return func() error {
			q := ok
			ms := *q.MetricStat
			q.MetricStat = &ms
			in := &cloudwatch.GetMetricDataInput{StartTime: aws.Time(at(0)), EndTime: aws.Time(at(5)), MetricDataQueries: []cwtypes.MetricDataQuery{q}}
			mutate(in)
			_, err := cw.GetMetricData(ctx, in)
			return err
		}
	}
	put := func(ns string, d cwtypes.MetricDatum) func() error {
		return func() error {
			_, err := cw.PutMetricData(ctx, &cloudwatch.PutMetricDataInput{Namespace: str(ns), MetricData: []cwtypes.MetricDatum{d}})
			return err
		}
	}
	many := make([]cwtypes.MetricDataQuery, 501)
	for i := range many {
		many[i] = ok
		many[i].Id = str(fmt.Sprintf("q%d", i))
	}
	cases := []struct {
		name   string
		call   func() error
		code   string
		typed  any
		status int
	}{
		{"a period that is not a multiple of 60", gmd(func(in *cloudwatch.GetMetricDataInput) { in.MetricDataQueries[0].MetricStat.Period = aws.Int32(90) }),
			"InvalidParameterValue", new(*cwtypes.InvalidParameterValueException), 400},
		{"more than 500 queries", gmd(func(in *cloudwatch.GetMetricDataInput) { in.MetricDataQueries = many }),
			"InvalidParameterValue", new(*cwtypes.InvalidParameterValueException), 400},
		{"an Id not starting with a lower-case letter", gmd(func(in *cloudwatch.GetMetricDataInput) { in.MetricDataQueries[0].Id = str("Cpu") }),
			"ValidationError", new(*cwtypes.ValidationException), 400},
		{"StartTime equal to EndTime", gmd(func(in *cloudwatch.GetMetricDataInput) { in.EndTime = in.StartTime }),
			"ValidationError", new(*cwtypes.ValidationException), 400},
		{"a metric without a name", gmd(func(in *cloudwatch.GetMetricDataInput) {
			in.MetricDataQueries[0].MetricStat.Metric = &cwtypes.Metric{Namespace: str("AWS/EC2")}
		}),
			"MissingParameter", new(*cwtypes.MissingRequiredParameterException), 400},
		{"an unknown statistic", gmd(func(in *cloudwatch.GetMetricDataInput) { in.MetricDataQueries[0].MetricStat.Stat = str("Median") }),
			"InvalidParameterValue", new(*cwtypes.InvalidParameterValueException), 400},
		{"both MetricStat and Expression", gmd(func(in *cloudwatch.GetMetricDataInput) { in.MetricDataQueries[0].Expression = str("c*2") }),
			"InvalidParameterCombination", new(*cwtypes.InvalidParameterCombinationException), 400},
		{"a token from nowhere", gmd(func(in *cloudwatch.GetMetricDataInput) { in.NextToken = str("bogus") }),
			"InvalidNextToken", new(*cwtypes.InvalidNextToken), 400},
		{"a value and a statistic set", put("Cache/Test", cwtypes.MetricDatum{MetricName: str("m"), Value: aws.Float64(1),
			StatisticValues: &cwtypes.StatisticSet{SampleCount: aws.Float64(1), Sum: aws.Float64(1), Minimum: aws.Float64(1), Maximum: aws.Float64(1)}}),
			"InvalidParameterCombination", new(*cwtypes.InvalidParameterCombinationException), 400},
		{"a datum without a value", put("Cache/Test", cwtypes.MetricDatum{MetricName: str("m")}),
			"MissingParameter", new(*cwtypes.MissingRequiredParameterException), 400},
		{"a storage resolution of 5", put("Cache/Test", cwtypes.MetricDatum{MetricName: str("m"), Value: aws.Float64(1), StorageResolution: aws.Int32(5)}),
			"InvalidParameterValue", new(*cwtypes.InvalidParameterValueException), 400},
		{"an AWS/ namespace", put("AWS/EC2", cwtypes.MetricDatum{MetricName: str("m"), Value: aws.Float64(1)}),
			"InvalidParameterValue", new(*cwtypes.InvalidParameterValueException), 400},
		{"a timestamp three weeks old", put("Cache/Test", cwtypes.MetricDatum{MetricName: str("m"), Value: aws.Float64(1), Timestamp: aws.Time(at(-3 * 7 * 24 * 60))}),
			"InvalidParameterValue", new(*cwtypes.InvalidParameterValueException), 400},
		{"alarm names with a prefix", func() error {
			_, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"a"}, AlarmNamePrefix: str("a")})
			return err
		}, "InvalidParameterCombination", new(*cwtypes.InvalidParameterCombinationException), 400},
		{"a page of 101 alarms", func() error {
			_, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{MaxRecords: aws.Int32(101)})
			return err
		}, "InvalidParameterValue", new(*cwtypes.InvalidParameterValueException), 400},
		{"an alarm page token from nowhere", func() error {
			_, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{NextToken: str("bogus")})
			return err
		}, "InvalidNextToken", new(*cwtypes.InvalidNextToken), 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			err := c.call()
			g.Expect(err).To(HaveOccurred())
			var apiErr smithy.APIError
			g.Expect(errors.As(err, &apiErr)).To(BeTrue(), "%v", err)
			g.Expect(apiErr.ErrorCode()).To(Equal(c.code), "%v", err)
			g.Expect(apiErr.ErrorFault()).To(Equal(smithy.FaultClient))
			g.Expect(errors.As(err, c.typed)).To(BeTrue(), "decodes to %T: %v", c.typed, err)
			var resp *awshttp.ResponseError
			g.Expect(errors.As(err, &resp)).To(BeTrue())
			g.Expect(resp.HTTPStatusCode()).To(Equal(c.status))
		})
	}
}

func TestTheCallLogRecordsCloudWatchCalls(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	cw := f.cw()
	g.Expect(f.srv.SetAlarm("sessions-memory", awssim.AlarmStateOK, "fine")).To(Succeed())
	var hooked []string
	f.srv.SetHooks(nil, func(c awssim.Call) { hooked = append(hooked, c.Service+" "+c.Action) })
	f.step(time.Minute)
	f.srv.ResetCalls()
	_, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"sessions-memory", "other"}, StateValue: cwtypes.StateValueOk})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = cw.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{StartTime: aws.Time(at(0)), EndTime: aws.Time(at(1)),
		MetricDataQueries: []cwtypes.MetricDataQuery{metricQuery("c", "AWS/EC2", "CPUUtilization", map[string]string{"InstanceId": "i-x"}, "Average", 60)}})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: str("sessions-memory"), StateValue: cwtypes.StateValueAlarm, StateReason: str("test")})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = cw.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: str("missing"), StateValue: cwtypes.StateValueAlarm, StateReason: str("test")})
	g.Expect(err).To(HaveOccurred())

	calls := f.srv.Calls()
	g.Expect(calls).To(HaveLen(4))
	for _, c := range calls {
		g.Expect(c.Service).To(Equal("monitoring"))
		g.Expect(c.Time).To(Equal(at(1)))
		g.Expect(c.Attempt).To(Equal(1))
	}
	g.Expect([]string{calls[0].Action, calls[1].Action, calls[2].Action, calls[3].Action}).To(Equal([]string{"DescribeAlarms", "GetMetricData", "SetAlarmState", "SetAlarmState"}))
	g.Expect(calls[0].Params.Get("AlarmNames.member.1")).To(Equal("sessions-memory"))
	g.Expect(calls[0].Params.Get("AlarmNames.member.2")).To(Equal("other"))
	g.Expect(calls[0].Params.Get("StateValue")).To(Equal("OK"))
	g.Expect(calls[1].Params.Get("MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value")).To(Equal("i-x"))
	g.Expect(calls[1].Params.Get("StartTime")).To(Equal("2026-01-01T00:00:00.000Z"))
	g.Expect(calls[0].Mutating()).To(BeFalse(), "reads are not mutations")
	g.Expect(calls[1].Mutating()).To(BeFalse())
	g.Expect(calls[2].Mutating()).To(BeTrue())
	g.Expect(calls[2].Error).To(BeEmpty())
	g.Expect(calls[3].Error).To(Equal("ResourceNotFound"))
	g.Expect(hooked).To(ContainElement("monitoring GetMetricData"))
}

func TestCloudWatchSpeaksRPCv2CBOROnTheWire(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	post := func(path string, header map[string]string) *http.Response {
		req, err := http.NewRequest(http.MethodPost, f.srv.URL+path, http.NoBody)
		g.Expect(err).NotTo(HaveOccurred())
		req.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
		req.Header.Set("Accept", "application/cbor")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		g.Expect(err).NotTo(HaveOccurred())
		_ = resp.Body.Close()
		return resp
	}
	resp := post("/service/GraniteServiceVersion20100801/operation/DescribeAlarms", nil)
	g.Expect(resp.StatusCode).To(Equal(http.StatusOK))
	g.Expect(resp.Header.Get("Smithy-Protocol")).To(Equal("rpc-v2-cbor"))
	g.Expect(resp.Header.Get("Content-Type")).To(Equal("application/cbor"))
	g.Expect(post("/service/com.amazonaws.cloudwatch.GraniteServiceVersion20100801/operation/DescribeAlarms", nil).StatusCode).To(Equal(http.StatusOK),
		"the absolute service ID is accepted")
	unknown := post("/service/GraniteServiceVersion20100801/operation/PutDashboard", nil)
	g.Expect(unknown.StatusCode).To(Equal(http.StatusNotFound))
	g.Expect(unknown.Header.Get("X-Amzn-Query-Error")).To(Equal("UnknownOperationException;Sender"))
	g.Expect(post("/service/GraniteServiceVersion20100801/operation/DescribeAlarms", map[string]string{"X-Amz-Target": "GraniteServiceVersion20100801.DescribeAlarms"}).StatusCode).
		To(Equal(http.StatusBadRequest), "an rpc-v2-cbor request with X-Amz-Target is refused")
	_, err := cloudwatch.NewFromConfig(f.srv.SDKConfig()).SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: str("x"), StateValue: cwtypes.StateValueOk, StateReason: str("x")})
	var resp404 *awshttp.ResponseError
	g.Expect(errors.As(err, &resp404)).To(BeTrue())
	g.Expect(resp404.HTTPStatusCode()).To(Equal(http.StatusNotFound), "ResourceNotFound is a 404")

	// The other services still answer on the same port.
	_, err = f.asg.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{})
	g.Expect(err).NotTo(HaveOccurred())
}

func TestEndpointEnvPointsTheCloudWatchClientAtTheSimulator(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	g.Expect(f.srv.EndpointEnv()).To(ContainElement("AWS_ENDPOINT_URL_CLOUDWATCH=" + f.srv.URL))
	for _, kv := range f.srv.EndpointEnv() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	g.Expect(f.srv.SetAlarm("from-env", awssim.AlarmStateOK, "ok")).To(Succeed())
	cfg, err := config.LoadDefaultConfig(ctx)
	g.Expect(err).NotTo(HaveOccurred())
	cw := cloudwatch.NewFromConfig(cfg)
	out, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.MetricAlarms).To(HaveLen(1), "the client reached the simulator through AWS_ENDPOINT_URL_CLOUDWATCH")
}

func TestAScenarioDefinesAlarmsAndMetrics(t *testing.T) {
	g := NewWithT(t)
	path := t.TempDir() + "/scenario.yaml"
	g.Expect(writeFile(path, `
nodeTypes: [{name: cache.r6g.large, memoryMiB: 13000}]
replicationGroups:
- {id: sessions, nodeType: cache.r6g.large, zones: [us-east-1a, us-east-1b], usedMemoryMiB: 12000}
cloudWatch:
  alarms:
  - name: sessions-002-memory
    namespace: AWS/ElastiCache
    metric: DatabaseMemoryUsagePercentage
    dimensions: {CacheClusterId: sessions-002}
    statistic: Maximum
    threshold: 90
    comparison: GreaterThanOrEqualToThreshold
    state: OK
    evaluate: true
  - name: canary-errors
    state: ALARM
    reason: set by the scenario
  metrics:
  - {namespace: Cache/Rollouts, metric: Errors, dimensions: {Cluster: sessions}, value: 3, unit: Count}
  - {namespace: AWS/ElastiCache, metric: ReplicationLag, dimensions: {CacheClusterId: sessions-002}, missing: true}
`)).To(Succeed())
	sc, err := awssim.LoadScenario(path)
	g.Expect(err).NotTo(HaveOccurred())
	srv, clock := serveScenario(t, sc)
	cw := cloudwatch.NewFromConfig(oneAttempt(srv))

	out, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{})
	g.Expect(err).NotTo(HaveOccurred())
	alarms := map[string]cwtypes.MetricAlarm{}
	for _, a := range out.MetricAlarms {
		alarms[aws.ToString(a.AlarmName)] = a
	}
	g.Expect(alarms["sessions-002-memory"].StateValue).To(Equal(cwtypes.StateValueOk), "the state the scenario gives")
	g.Expect(alarms["sessions-002-memory"].ComparisonOperator).To(Equal(cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold))
	g.Expect(alarms["canary-errors"].StateValue).To(Equal(cwtypes.StateValueAlarm))
	g.Expect(aws.ToString(alarms["canary-errors"].StateReason)).To(Equal("set by the scenario"))

	clock.Step(time.Minute)
	srv.Advance()
	st, _ := srv.Alarm("sessions-002-memory")
	g.Expect(st.State).To(Equal(awssim.AlarmStateAlarm), "12000 of 13000 MiB is over 90%")
	errs := series(g, cw, metricQuery("e", "Cache/Rollouts", "Errors", map[string]string{"Cluster": "sessions"}, "Sum", 60), at(0), at(2))
	g.Expect(errs.Values).To(Equal([]float64{3, 3}))
	lag := series(g, cw, metricQuery("l", "AWS/ElastiCache", "ReplicationLag", map[string]string{"CacheClusterId": "sessions-002"}, "Maximum", 60), at(0), at(2))
	g.Expect(lag.Values).To(BeEmpty(), "missing by the scenario")

	g.Expect(writeFile(path, "cloudWatch: {alarms: [{name: a, treshold: 1}]}\n")).To(Succeed())
	_, err = awssim.LoadScenario(path)
	g.Expect(err).To(HaveOccurred(), "unknown fields are refused")
	bad := &awssim.Scenario{CloudWatch: &awssim.ScenarioCloudWatch{Alarms: []awssim.ScenarioAlarm{{Name: "a", Comparison: "Sideways"}}}}
	_, _, err = bad.Build(awssim.NewManualClock(), t.TempDir())
	g.Expect(err).To(MatchError(ContainSubstring("comparison")))
}

func TestRedisMetricsAreSampledFromTheServersInfoWhenAsked(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("no redis-server")
	}
	g := NewWithT(t)
	sc := &awssim.Scenario{
		Redis:           true,
		Images:          []awssim.ScenarioImage{{ID: amiOld}},
		InstanceTypes:   []awssim.ScenarioInstanceType{{Name: typeOld, Architectures: []string{"x86_64"}, MemoryMiB: 1024}},
		LaunchTemplates: []awssim.ScenarioLaunchTemplate{{Name: "redis", Versions: []awssim.ScenarioTemplateVersion{{ImageID: amiOld, InstanceType: typeOld}}}},
		Clusters: []awssim.ScenarioCluster{{Name: "sessions", Groups: []awssim.ScenarioGroup{
			{Name: "sessions-a", Zone: "us-east-1a", Size: 1, LaunchTemplate: "redis"},
			{Name: "sessions-b", Zone: "us-east-1b", Size: 1, LaunchTemplate: "redis"},
		}}},
	}
	srv, clock := serveScenario(t, sc)
	primary, replica := srv.GroupInstances("sessions-a")[0], srv.GroupInstances("sessions-b")[0]
	g.Eventually(func() map[string]string { return replication(redisAt(t, replica.PrivateIP)) }).WithTimeout(10 * time.Second).Should(
		HaveKeyWithValue("master_link_status", "up"))
	cw := cloudwatch.NewFromConfig(oneAttempt(srv))
	get := func(metric, stat string, dims map[string]string, from, to time.Time) []float64 {
		return series(g, cw, metricQuery("r", awssim.NamespaceRedis, metric, dims, stat, 60), from, to).Values
	}
	onPrimary := map[string]string{"InstanceId": primary.ID}
	onReplica := map[string]string{"InstanceId": replica.ID}

	before := get("BytesUsedForCache", "Maximum", onPrimary, at(0), at(1))
	g.Expect(before).To(HaveLen(1), "sampled when asked")
	g.Expect(before[0]).To(BeNumerically(">", 0))
	g.Expect(get("IsMaster", "Maximum", onPrimary, at(0), at(1))).To(Equal([]float64{1}))
	g.Expect(get("IsMaster", "Maximum", onReplica, at(0), at(1))).To(Equal([]float64{0}))
	g.Expect(get("ReplicationLag", "Maximum", onPrimary, at(0), at(1))).To(BeEmpty(), "a primary has no lag")
	g.Expect(get("ReplicationLag", "Maximum", onReplica, at(0), at(1))).To(ConsistOf(BeNumerically("<=", 10)))
	pct := get("DatabaseMemoryUsagePercentage", "Maximum", onPrimary, at(0), at(1))
	g.Expect(pct).To(HaveLen(1))
	g.Expect(pct[0]).To(BeNumerically(">", 0))
	g.Expect(pct[0]).To(BeNumerically("<", 100*before[0]/(1024<<20)+1), "of the instance type's memory (no maxmemory set)")

	g.Expect(redisAt(t, primary.PrivateIP).Set(ctx, "blob", strings.Repeat("x", 4<<20), 0).Err()).To(Succeed())
	clock.Step(time.Minute)
	after := get("BytesUsedForCache", "Maximum", onPrimary, at(0), at(2))
	g.Expect(after).To(HaveLen(2))
	g.Expect(after[0]).To(Equal(before[0]), "the past keeps its sample")
	g.Expect(after[1]).To(BeNumerically(">=", before[0]+4<<20), "the write is in the next sample")
	g.Expect(get("IsMaster", "Sum", map[string]string{"AutoScalingGroupName": "sessions-b"}, at(1), at(2))).To(Equal([]float64{0}))

	// A client that skips the SDK's checks gets the service's answer, not a crash.
	body, err := cbor.Marshal(map[string]any{"StartTime": at(0), "EndTime": at(1),
		"MetricDataQueries": []any{map[string]any{"Id": "a", "MetricStat": map[string]any{"Period": 60, "Stat": "Average"}}}})
	g.Expect(err).NotTo(HaveOccurred())
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/service/GraniteServiceVersion20100801/operation/GetMetricData", bytes.NewReader(body))
	g.Expect(err).NotTo(HaveOccurred())
	req.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
	req.Header.Set("Content-Type", "application/cbor")
	resp, err := http.DefaultClient.Do(req)
	g.Expect(err).NotTo(HaveOccurred())
	_ = resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusBadRequest))
	g.Expect(resp.Header.Get("X-Amzn-Query-Error")).To(Equal("MissingParameter;Sender"))
}
