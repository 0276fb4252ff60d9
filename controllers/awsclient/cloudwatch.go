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

package awsclient

import (
	"context"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// CloudWatch's limits on one call.
const (
	// MaxMetricQueriesPerCall is how many queries one GetMetricData call may carry.
	MaxMetricQueriesPerCall = 500
	// maxAlarmNamesPerCall is how many alarm names one DescribeAlarms call may carry.
	maxAlarmNamesPerCall = 100
)

// MetricQuery is one statistic of one metric to read, per period.
type MetricQuery struct {
	// ID names the query in the answer (CloudWatch wants ^[a-z][a-zA-Z0-9_]*$).
	ID         string
	Namespace  string
	MetricName string
	// Dimensions must be the metric's exact dimension set: CloudWatch matches them exactly.
	Dimensions map[string]string
	// Stat is Average, Maximum, Minimum, Sum, SampleCount or a percentile such as p99.
	Stat   string
	Period time.Duration
}

// Datapoint is one period's statistic: when the period started, and the value.
type Datapoint struct {
	Start time.Time
	Value float64
}

// GetMetricData reads every query's datapoints between start and end, oldest first, by query id: one call
// for up to 500 queries (GetMetricData's limit; more queries take one call per 500), each followed
// through its pages. A query with no datapoints has none in the answer.
func GetMetricData(ctx context.Context, api CloudWatchAPI, queries []MetricQuery, start, end time.Time) (map[string][]Datapoint, error) {
	out := map[string][]Datapoint{}
	for len(queries) > 0 {
		batch := queries[:min(len(queries), MaxMetricQueriesPerCall)]
		queries = queries[len(batch):]
		in := &cloudwatch.GetMetricDataInput{StartTime: aws.Time(start), EndTime: aws.Time(end), ScanBy: cwtypes.ScanByTimestampAscending}
		for _, q := range batch {
			in.MetricDataQueries = append(in.MetricDataQueries, metricDataQuery(q))
		}
		p := cloudwatch.NewGetMetricDataPaginator(api, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			for _, r := range page.MetricDataResults {
				id := aws.ToString(r.Id)
				for i := range min(len(r.Timestamps), len(r.Values)) {
					out[id] = append(out[id], Datapoint{Start: r.Timestamps[i].UTC(), Value: r.Values[i]})
				}
			}
		}
	}
	for id := range out {
		sort.SliceStable(out[id], func(i, j int) bool { return out[id][i].Start.Before(out[id][j].Start) })
	}
	return out, nil
}

func metricDataQuery(q MetricQuery) cwtypes.MetricDataQuery {
	names := make([]string, 0, len(q.Dimensions))
	for name := range q.Dimensions {
		names = append(names, name)
	}
	sort.Strings(names)
	dims := make([]cwtypes.Dimension, 0, len(names))
	for _, name := range names {
		dims = append(dims, cwtypes.Dimension{Name: aws.String(name), Value: aws.String(q.Dimensions[name])})
	}
	return cwtypes.MetricDataQuery{Id: aws.String(q.ID), MetricStat: &cwtypes.MetricStat{
		Metric: &cwtypes.Metric{Namespace: aws.String(q.Namespace), MetricName: aws.String(q.MetricName), Dimensions: dims},
		Period: aws.Int32(int32(q.Period / time.Second)), Stat: aws.String(q.Stat)}}
}

// Alarm is a CloudWatch alarm's state.
type Alarm struct {
	Name string
	// State is OK, ALARM or INSUFFICIENT_DATA.
	State  string
	Reason string
	// Since is when the alarm last changed state.
	Since time.Time
}

// DescribeAlarms describes the named alarms, metric and composite alike, by name: one call for up to 100
// names (DescribeAlarms' limit), followed through its pages. A name CloudWatch does not know is not in the
// answer.
func DescribeAlarms(ctx context.Context, api CloudWatchAPI, names []string) (map[string]Alarm, error) {
	out := map[string]Alarm{}
	for len(names) > 0 {
		batch := names[:min(len(names), maxAlarmNamesPerCall)]
		names = names[len(batch):]
		// Without AlarmTypes CloudWatch answers metric alarms only, and a composite alarm named in the spec
		// would look missing. Pages hold 50 alarms unless asked for 100, which makes 100 names one page.
		p := cloudwatch.NewDescribeAlarmsPaginator(api, &cloudwatch.DescribeAlarmsInput{AlarmNames: batch, MaxRecords: aws.Int32(maxAlarmNamesPerCall),
			AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm, cwtypes.AlarmTypeCompositeAlarm}})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			for _, a := range page.MetricAlarms {
				out[aws.ToString(a.AlarmName)] = alarm(a.AlarmName, a.StateValue, a.StateReason, a.StateTransitionedTimestamp, a.StateUpdatedTimestamp)
			}
			for _, a := range page.CompositeAlarms {
				out[aws.ToString(a.AlarmName)] = alarm(a.AlarmName, a.StateValue, a.StateReason, a.StateTransitionedTimestamp, a.StateUpdatedTimestamp)
			}
		}
	}
	return out, nil
}

func alarm(name *string, state cwtypes.StateValue, reason *string, transitioned, updated *time.Time) Alarm {
	since := aws.ToTime(transitioned)
	if since.IsZero() {
		since = aws.ToTime(updated)
	}
	return Alarm{Name: aws.ToString(name), State: string(state), Reason: aws.ToString(reason), Since: since.UTC()}
}
