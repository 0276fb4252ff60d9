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

package awssim

// CloudWatch's operations: GetMetricData, DescribeAlarms, PutMetricData, SetAlarmState. The wire
// structures carry the member names of the CloudWatch model (schemas/schemas.go), which rpc-v2-cbor uses
// as map keys.

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"
)

type dimensionWire struct {
	Name  string `cbor:"Name"`
	Value string `cbor:"Value"`
}

type metricWire struct {
	Namespace  string          `cbor:"Namespace,omitempty"`
	MetricName string          `cbor:"MetricName,omitempty"`
	Dimensions []dimensionWire `cbor:"Dimensions,omitempty"`
}

func (m *metricWire) dimensionMap() map[string]string {
	out := map[string]string{}
	if m != nil {
		for _, d := range m.Dimensions {
			out[d.Name] = d.Value
		}
	}
	return out
}

func dimensionsWire(dims map[string]string) []dimensionWire {
	out := make([]dimensionWire, 0, len(dims))
	for _, k := range sortedKeys(dims) {
		out = append(out, dimensionWire{Name: k, Value: dims[k]})
	}
	return out
}

type metricStatWire struct {
	Metric *metricWire `cbor:"Metric"`
	Period *int32      `cbor:"Period"`
	Stat   string      `cbor:"Stat"`
	Unit   string      `cbor:"Unit,omitempty"`
}

type metricDataQueryWire struct {
	ID         string          `cbor:"Id"`
	MetricStat *metricStatWire `cbor:"MetricStat,omitempty"`
	Expression string          `cbor:"Expression,omitempty"`
	Label      string          `cbor:"Label,omitempty"`
	ReturnData *bool           `cbor:"ReturnData,omitempty"`
	Period     *int32          `cbor:"Period,omitempty"`
	AccountID  string          `cbor:"AccountId,omitempty"`
}

type getMetricDataInput struct {
	MetricDataQueries []metricDataQueryWire `cbor:"MetricDataQueries"`
	StartTime         *time.Time            `cbor:"StartTime"`
	EndTime           *time.Time            `cbor:"EndTime"`
	NextToken         string                `cbor:"NextToken,omitempty"`
	ScanBy            string                `cbor:"ScanBy,omitempty"`
	MaxDatapoints     *int32                `cbor:"MaxDatapoints,omitempty"`
	LabelOptions      *struct {
		Timezone string `cbor:"Timezone,omitempty"`
	} `cbor:"LabelOptions,omitempty"`
}

type messageWire struct {
	Code  string `cbor:"Code,omitempty"`
	Value string `cbor:"Value,omitempty"`
}

type metricDataResultWire struct {
	ID         string        `cbor:"Id"`
	Label      string        `cbor:"Label,omitempty"`
	Timestamps []time.Time   `cbor:"Timestamps"`
	Values     []float64     `cbor:"Values"`
	StatusCode string        `cbor:"StatusCode"`
	Messages   []messageWire `cbor:"Messages,omitempty"`
}

type getMetricDataOutput struct {
	MetricDataResults []metricDataResultWire `cbor:"MetricDataResults"`
	NextToken         string                 `cbor:"NextToken,omitempty"`
	Messages          []messageWire          `cbor:"Messages"`
}

// Limits of GetMetricData (API reference) and of the simulator.
const (
	maxMetricDataQueries  = 500
	defaultMaxDatapoints  = 100800
	maxPeriodsPerQuery    = 1000000 // the simulator's own bound on one query's periods
	maxDimensions         = 30
	maxMetricDataPerPut   = 1000
	maxValuesPerDatum     = 150
	maxAlarmNames         = 100
	defaultAlarmPageSize  = 50
	maxAlarmPageSize      = 100
	putMetricDataMaxAge   = 14 * 24 * time.Hour
	putMetricDataMaxAhead = 2 * time.Hour
)

var (
	metricIDPattern = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)
	standardUnits   = []string{"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
		"Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second",
		"Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second",
		"Count/Second", "None"}
)

// validPeriod says whether a period (seconds) is one CloudWatch accepts: a multiple of 60 (standard
// resolution) or 1, 5, 10, 30 (high resolution).
func validPeriod(p int32) bool {
	return p > 0 && (p%60 == 0 || p == 1 || p == 5 || p == 10 || p == 30)
}

func (s *Sim) validateMetricDataQueries(in *getMetricDataInput) *apiError {
	qs := in.MetricDataQueries
	switch {
	case len(qs) == 0:
		return cwError("MissingParameter", "The parameter MetricDataQueries is required.")
	case len(qs) > maxMetricDataQueries:
		return cwError("InvalidParameterValue", "The collection MetricDataQueries must not have a size greater than %d.", maxMetricDataQueries)
	case in.StartTime == nil:
		return cwError("MissingParameter", "The parameter StartTime is required.")
	case in.EndTime == nil:
		return cwError("MissingParameter", "The parameter EndTime is required.")
	case in.StartTime.Equal(*in.EndTime):
		return cwError("ValidationError", "The parameter StartTime must not equal parameter EndTime.")
	case in.StartTime.After(*in.EndTime):
		return cwError("ValidationError", "The parameter StartTime must be less than the parameter EndTime.")
	case in.ScanBy != "" && in.ScanBy != "TimestampDescending" && in.ScanBy != "TimestampAscending":
		return cwError("InvalidParameterValue", "The value %s for parameter ScanBy is not one of TimestampDescending, TimestampAscending.", in.ScanBy)
	case in.MaxDatapoints != nil && *in.MaxDatapoints <= 0:
		return cwError("InvalidParameterValue", "The parameter MaxDatapoints must be greater than 0.")
	}
	// Ids first, all of them in one answer, as CloudWatch words it.
	var badIDs []string
	seen := map[string]bool{}
	for i, q := range qs {
		field := fmt.Sprintf("MetricDataQueries.member.%d.Id", i+1)
		switch {
		case q.ID == "":
			return cwError("MissingParameter", "The parameter %s is required.", field)
		case !metricIDPattern.MatchString(q.ID):
			badIDs = append(badIDs, fmt.Sprintf("The value %s for parameter %s is not matching the expected pattern ^[a-z][a-zA-Z0-9_]*$.", q.ID, field))
		case seen[q.ID]:
			return cwError("ValidationError", "The value %s for parameter %s is used more than once.", q.ID, field)
		}
		seen[q.ID] = true
	}
	if len(badIDs) > 0 {
		return cwError("ValidationError", "%s", strings.Join(badIDs, "\n"))
	}
	for i, q := range qs {
		member := fmt.Sprintf("MetricDataQueries.member.%d", i+1)
		switch {
		case (q.MetricStat == nil) == (q.Expression == ""):
			return cwError("InvalidParameterCombination", "Exactly one of %[1]s.MetricStat and %[1]s.Expression must be specified.", member)
		case q.Expression != "":
			return cwError("InvalidParameterValue", "The simulator does not evaluate metric math or Metrics Insights expressions (%s.Expression).", member)
		}
		ms := q.MetricStat
		switch {
		case ms.Metric == nil:
			return cwError("MissingParameter", "The parameter %s.MetricStat.Metric is required.", member)
		case ms.Metric.Namespace == "":
			return cwError("MissingParameter", "The parameter %s.MetricStat.Metric.Namespace is required.", member)
		case ms.Metric.MetricName == "":
			return cwError("MissingParameter", "The parameter %s.MetricStat.Metric.MetricName is required.", member)
		case len(ms.Metric.Dimensions) > maxDimensions:
			return cwError("InvalidParameterValue", "The collection %s.MetricStat.Metric.Dimensions must not have a size greater than %d.", member, maxDimensions)
		case ms.Period == nil:
			return cwError("MissingParameter", "The parameter %s.MetricStat.Period is required.", member)
		case !validPeriod(*ms.Period):
			return cwError("InvalidParameterValue", "The parameter %s.MetricStat.Period must be a multiple of 60, or 1, 5, 10 or 30 for high-resolution metrics.", member)
		case ms.Stat == "":
			return cwError("MissingParameter", "The parameter %s.MetricStat.Stat is required.", member)
		case ms.Unit != "" && !contains(standardUnits, ms.Unit):
			return cwError("InvalidParameterValue", "The value %s for parameter %s.MetricStat.Unit is not a valid unit.", ms.Unit, member)
		}
		if _, ok := parseStat(ms.Stat); !ok {
			return cwError("InvalidParameterValue", "The value %s for parameter %s.MetricStat.Stat is not supported (the simulator knows SampleCount, Sum, Average, Minimum, Maximum and pNN).", ms.Stat, member)
		}
		if n := in.EndTime.Sub(*in.StartTime) / (time.Duration(*ms.Period) * time.Second); n > maxPeriodsPerQuery {
			return cwError("InvalidParameterValue", "%s asks for %d periods; the simulator answers at most %d per query.", member, n, maxPeriodsPerQuery)
		}
	}
	return nil
}

type datapoint struct {
	t time.Time
	v float64
}

func (s *Sim) getMetricData(body []byte, now time.Time) (any, *apiError) {
	var in getMetricDataInput
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	if err := s.validateMetricDataQueries(&in); err != nil {
		return nil, err
	}
	unpaged := in
	unpaged.NextToken = ""
	hash := requestHash(unpaged)
	tok := cloudWatchToken{Hash: hash, AsOf: now}
	if in.NextToken != "" {
		var err *apiError
		if tok, err = decodeCloudWatchToken(in.NextToken, hash); err != nil {
			return nil, err
		}
	}

	// Every query's datapoints, in the order asked for.
	var queries []metricDataQueryWire
	var points [][]datapoint
	for _, q := range in.MetricDataQueries {
		if q.ReturnData != nil && !*q.ReturnData {
			continue
		}
		ms := q.MetricStat
		period := time.Duration(*ms.Period) * time.Second
		// CloudWatch rounds StartTime down to the minute; datapoints are stamped with the start of their
		// period, a multiple of the period.
		from := alignDown(*in.StartTime, minute)
		if aligned := alignDown(from, period); aligned.Before(from) {
			from = aligned.Add(period)
		}
		st, _ := parseStat(ms.Stat)
		var dps []datapoint
		if from.Before(*in.EndTime) {
			for _, b := range s.metricBucketsLocked(ms.Metric.Namespace, ms.Metric.MetricName, ms.Metric.dimensionMap(), ms.Unit, period, from, *in.EndTime, tok.AsOf) {
				if v, ok := b.agg.stat(st); ok {
					dps = append(dps, datapoint{t: b.start, v: v})
				}
			}
		}
		if in.ScanBy != "TimestampAscending" {
			for i, j := 0, len(dps)-1; i < j; i, j = i+1, j-1 {
				dps[i], dps[j] = dps[j], dps[i]
			}
		}
		queries = append(queries, q)
		points = append(points, dps)
	}

	// One page of at most MaxDatapoints datapoints, counted across the queries in order.
	limit := defaultMaxDatapoints
	if in.MaxDatapoints != nil {
		limit = int(*in.MaxDatapoints)
	}
	total := 0
	for _, dps := range points {
		total += len(dps)
	}
	if tok.Offset > total {
		return nil, cwError("InvalidNextToken", "The service couldn't process the NextToken provided.")
	}
	pageEnd := min(tok.Offset+limit, total)
	out := &getMetricDataOutput{MetricDataResults: []metricDataResultWire{}}
	start := 0
	for i, q := range queries {
		end := start + len(points[i])
		lo, hi := max(start, tok.Offset), min(end, pageEnd)
		if tok.Offset == 0 || lo < hi {
			res := metricDataResultWire{ID: q.ID, Label: q.Label, StatusCode: "Complete", Timestamps: []time.Time{}, Values: []float64{}}
			if res.Label == "" {
				res.Label = q.MetricStat.Metric.MetricName
			}
			for _, dp := range points[i][max(lo-start, 0):max(hi-start, 0)] {
				res.Timestamps = append(res.Timestamps, dp.t)
				res.Values = append(res.Values, dp.v)
			}
			if end > pageEnd {
				res.StatusCode = "PartialData"
			}
			out.MetricDataResults = append(out.MetricDataResults, res)
		}
		start = end
	}
	if pageEnd < total {
		out.NextToken = cloudWatchToken{Hash: hash, AsOf: tok.AsOf, Offset: pageEnd}.encode()
	}
	return out, nil
}

type describeAlarmsInput struct {
	AlarmNames          []string `cbor:"AlarmNames,omitempty"`
	AlarmNamePrefix     string   `cbor:"AlarmNamePrefix,omitempty"`
	AlarmTypes          []string `cbor:"AlarmTypes,omitempty"`
	ChildrenOfAlarmName string   `cbor:"ChildrenOfAlarmName,omitempty"`
	ParentsOfAlarmName  string   `cbor:"ParentsOfAlarmName,omitempty"`
	StateValue          string   `cbor:"StateValue,omitempty"`
	ActionPrefix        string   `cbor:"ActionPrefix,omitempty"`
	MaxRecords          *int32   `cbor:"MaxRecords,omitempty"`
	NextToken           string   `cbor:"NextToken,omitempty"`
}

type metricAlarmWire struct {
	AlarmName                          string          `cbor:"AlarmName"`
	AlarmArn                           string          `cbor:"AlarmArn"`
	AlarmDescription                   string          `cbor:"AlarmDescription,omitempty"`
	AlarmConfigurationUpdatedTimestamp time.Time       `cbor:"AlarmConfigurationUpdatedTimestamp"`
	ActionsEnabled                     bool            `cbor:"ActionsEnabled"`
	OKActions                          []string        `cbor:"OKActions"`
	AlarmActions                       []string        `cbor:"AlarmActions"`
	InsufficientDataActions            []string        `cbor:"InsufficientDataActions"`
	StateValue                         string          `cbor:"StateValue"`
	StateReason                        string          `cbor:"StateReason"`
	StateReasonData                    string          `cbor:"StateReasonData,omitempty"`
	StateUpdatedTimestamp              time.Time       `cbor:"StateUpdatedTimestamp"`
	StateTransitionedTimestamp         time.Time       `cbor:"StateTransitionedTimestamp"`
	MetricName                         string          `cbor:"MetricName,omitempty"`
	Namespace                          string          `cbor:"Namespace,omitempty"`
	Statistic                          string          `cbor:"Statistic,omitempty"`
	ExtendedStatistic                  string          `cbor:"ExtendedStatistic,omitempty"`
	Dimensions                         []dimensionWire `cbor:"Dimensions"`
	Period                             int32           `cbor:"Period"`
	EvaluationPeriods                  int32           `cbor:"EvaluationPeriods"`
	DatapointsToAlarm                  int32           `cbor:"DatapointsToAlarm"`
	Threshold                          float64         `cbor:"Threshold"`
	ComparisonOperator                 string          `cbor:"ComparisonOperator"`
	TreatMissingData                   string          `cbor:"TreatMissingData"`
}

type describeAlarmsOutput struct {
	MetricAlarms    []metricAlarmWire `cbor:"MetricAlarms"`
	CompositeAlarms []struct{}        `cbor:"CompositeAlarms"`
	NextToken       string            `cbor:"NextToken,omitempty"`
}

func (s *Sim) describeAlarms(body []byte, _ time.Time) (any, *apiError) {
	var in describeAlarmsInput
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	switch {
	case len(in.AlarmNames) > maxAlarmNames:
		return nil, cwError("InvalidParameterValue", "The collection AlarmNames must not have a size greater than %d.", maxAlarmNames)
	case len(in.AlarmNames) > 0 && in.AlarmNamePrefix != "":
		return nil, cwError("InvalidParameterCombination", "AlarmNames and AlarmNamePrefix cannot be specified together.")
	case in.StateValue != "" && !contains(alarmStates, in.StateValue):
		return nil, cwError("InvalidParameterValue", "The value %s for parameter StateValue is not one of OK, ALARM, INSUFFICIENT_DATA.", in.StateValue)
	case in.MaxRecords != nil && (*in.MaxRecords < 1 || *in.MaxRecords > maxAlarmPageSize):
		return nil, cwError("InvalidParameterValue", "The parameter MaxRecords must be between 1 and %d.", maxAlarmPageSize)
	case (in.ChildrenOfAlarmName != "" || in.ParentsOfAlarmName != "") &&
		(len(in.AlarmNames) > 0 || in.AlarmNamePrefix != "" || in.StateValue != "" || in.ActionPrefix != ""):
		return nil, cwError("InvalidParameterCombination", "ChildrenOfAlarmName and ParentsOfAlarmName can only be combined with MaxRecords and NextToken.")
	}
	metric := len(in.AlarmTypes) == 0
	for _, t := range in.AlarmTypes {
		if t != "MetricAlarm" && t != "CompositeAlarm" && t != "LogAlarm" {
			return nil, cwError("InvalidParameterValue", "The value %s for parameter AlarmTypes is not one of MetricAlarm, CompositeAlarm, LogAlarm.", t)
		}
		metric = metric || t == "MetricAlarm"
	}
	cw := s.cloudWatchLocked()
	var names []string
	// Composite alarms, their children and parents, and alarm actions do not exist in the simulator.
	if metric && in.ChildrenOfAlarmName == "" && in.ParentsOfAlarmName == "" && in.ActionPrefix == "" {
		for _, name := range sortedKeys(cw.alarms) {
			a := cw.alarms[name]
			if (len(in.AlarmNames) > 0 && !contains(in.AlarmNames, name)) || !strings.HasPrefix(name, in.AlarmNamePrefix) ||
				(in.StateValue != "" && a.state != in.StateValue) {
				continue
			}
			names = append(names, name)
		}
	}
	size := 0
	if in.MaxRecords != nil {
		size = int(*in.MaxRecords)
	}
	start, end, next, err := page("DescribeAlarms", in.NextToken, size, defaultAlarmPageSize, maxAlarmPageSize, len(names))
	if err != nil {
		return nil, err
	}
	out := &describeAlarmsOutput{MetricAlarms: []metricAlarmWire{}, CompositeAlarms: []struct{}{}, NextToken: next}
	for _, name := range names[start:end] {
		out.MetricAlarms = append(out.MetricAlarms, s.alarmWire(cw.alarms[name]))
	}
	return out, nil
}

func (s *Sim) alarmWire(a *alarm) metricAlarmWire {
	sp := a.spec
	w := metricAlarmWire{
		AlarmName: sp.Name, AlarmArn: "arn:aws:cloudwatch:" + s.region + ":111122223333:alarm:" + sp.Name, AlarmDescription: sp.Description,
		AlarmConfigurationUpdatedTimestamp: milli(a.configured), ActionsEnabled: true, OKActions: []string{}, AlarmActions: []string{},
		InsufficientDataActions: []string{}, StateValue: a.state, StateReason: a.reason, StateReasonData: a.reasonData,
		StateUpdatedTimestamp: milli(a.updated), StateTransitionedTimestamp: milli(a.transitioned),
		MetricName: sp.MetricName, Namespace: sp.Namespace, Dimensions: dimensionsWire(sp.Dimensions),
		Period: int32(sp.Period / time.Second), EvaluationPeriods: int32(sp.EvaluationPeriods), DatapointsToAlarm: int32(sp.DatapointsToAlarm),
		Threshold: sp.Threshold, ComparisonOperator: sp.ComparisonOperator, TreatMissingData: sp.TreatMissingData,
	}
	if strings.HasPrefix(sp.Statistic, "p") {
		w.ExtendedStatistic = sp.Statistic
	} else {
		w.Statistic = sp.Statistic
	}
	return w
}

type statisticSetWire struct {
	SampleCount *float64 `cbor:"SampleCount"`
	Sum         *float64 `cbor:"Sum"`
	Minimum     *float64 `cbor:"Minimum"`
	Maximum     *float64 `cbor:"Maximum"`
}

type metricDatumWire struct {
	MetricName        string            `cbor:"MetricName"`
	Dimensions        []dimensionWire   `cbor:"Dimensions,omitempty"`
	Timestamp         *time.Time        `cbor:"Timestamp,omitempty"`
	Value             *float64          `cbor:"Value,omitempty"`
	StatisticValues   *statisticSetWire `cbor:"StatisticValues,omitempty"`
	Values            []float64         `cbor:"Values,omitempty"`
	Counts            []float64         `cbor:"Counts,omitempty"`
	Unit              string            `cbor:"Unit,omitempty"`
	StorageResolution *int32            `cbor:"StorageResolution,omitempty"`
}

type putMetricDataInput struct {
	Namespace        string            `cbor:"Namespace"`
	MetricData       []metricDatumWire `cbor:"MetricData,omitempty"`
	EntityMetricData []struct {
		MetricData []metricDatumWire `cbor:"MetricData,omitempty"`
	} `cbor:"EntityMetricData,omitempty"`
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// validateDatum checks one datum and turns it into a stored point.
func validateDatum(d metricDatumWire, field string, now time.Time) (storedPoint, *apiError) {
	p := storedPoint{at: now, unit: d.Unit}
	if p.unit == "" {
		p.unit = "None"
	}
	set := 0
	for _, given := range []bool{d.Value != nil, d.StatisticValues != nil, len(d.Values) > 0} {
		if given {
			set++
		}
	}
	switch {
	case d.MetricName == "":
		return p, cwError("MissingParameter", "The parameter %s.MetricName is required.", field)
	case len(d.Dimensions) > maxDimensions:
		return p, cwError("InvalidParameterValue", "The collection %s.Dimensions must not have a size greater than %d.", field, maxDimensions)
	case set == 0:
		return p, cwError("MissingParameter", "The parameter %s.Value is required.", field)
	case set > 1:
		return p, cwError("InvalidParameterCombination", "The parameters %[1]s.Value, %[1]s.Values and %[1]s.StatisticValues are mutually exclusive and you have specified more than one.", field)
	case !contains(standardUnits, p.unit):
		return p, cwError("InvalidParameterValue", "The value %s for parameter %s.Unit is not a valid unit.", d.Unit, field)
	case d.StorageResolution != nil && *d.StorageResolution != 1 && *d.StorageResolution != 60:
		return p, cwError("InvalidParameterValue", "The parameter %s.StorageResolution must be a value in the set [ 1, 60 ].", field)
	}
	if d.Timestamp != nil {
		p.at = *d.Timestamp
		switch {
		case p.at.Before(now.Add(-putMetricDataMaxAge)):
			return p, cwError("InvalidParameterValue", "The parameter %s.Timestamp must specify a time no more than two weeks in the past.", field)
		case p.at.After(now.Add(putMetricDataMaxAhead)):
			return p, cwError("InvalidParameterValue", "The parameter %s.Timestamp must specify a time no more than two hours in the future.", field)
		}
	}
	if d.StorageResolution == nil || *d.StorageResolution == 60 {
		p.at = alignDown(p.at, minute) // standard resolution is stored by the minute
	}
	switch {
	case d.Value != nil:
		v := *d.Value
		if !finite(v) {
			return p, cwError("InvalidParameterValue", "The value %v for parameter %s.Value is invalid.", v, field)
		}
		p.count, p.sum, p.min, p.max, p.values, p.counts = 1, v, v, v, []float64{v}, []float64{1}
	case d.StatisticValues != nil:
		sv := d.StatisticValues
		if sv.SampleCount == nil || sv.Sum == nil || sv.Minimum == nil || sv.Maximum == nil {
			return p, cwError("MissingParameter", "The parameters %s.StatisticValues.SampleCount, Sum, Minimum and Maximum are all required.", field)
		}
		if !finite(*sv.SampleCount) || !finite(*sv.Sum) || !finite(*sv.Minimum) || !finite(*sv.Maximum) || *sv.SampleCount <= 0 || *sv.Minimum > *sv.Maximum {
			return p, cwError("InvalidParameterValue", "The parameter %s.StatisticValues is not a valid statistic set.", field)
		}
		p.count, p.sum, p.min, p.max = *sv.SampleCount, *sv.Sum, *sv.Minimum, *sv.Maximum
	default:
		if len(d.Values) > maxValuesPerDatum {
			return p, cwError("InvalidParameterValue", "The collection %s.Values must not have a size greater than %d.", field, maxValuesPerDatum)
		}
		if d.Counts != nil && len(d.Counts) != len(d.Values) {
			return p, cwError("InvalidParameterValue", "The parameters %[1]s.Values and %[1]s.Counts must be of the same size.", field)
		}
		for i, v := range d.Values {
			c := 1.0
			if d.Counts != nil {
				c = d.Counts[i]
			}
			if !finite(v) || !finite(c) || c <= 0 {
				return p, cwError("InvalidParameterValue", "The value %v for parameter %s.Values (count %v) is invalid.", v, field, c)
			}
			if p.count == 0 || v < p.min {
				p.min = v
			}
			if p.count == 0 || v > p.max {
				p.max = v
			}
			p.count += c
			p.sum += v * c
			p.values = append(p.values, v)
			p.counts = append(p.counts, c)
		}
	}
	return p, nil
}

func (s *Sim) putMetricData(body []byte, now time.Time) (any, *apiError) {
	var in putMetricDataInput
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	type datum struct {
		field string
		d     metricDatumWire
	}
	var data []datum
	for i, d := range in.MetricData {
		data = append(data, datum{fmt.Sprintf("MetricData.member.%d", i+1), d})
	}
	for i, e := range in.EntityMetricData {
		for j, d := range e.MetricData {
			data = append(data, datum{fmt.Sprintf("EntityMetricData.member.%d.MetricData.member.%d", i+1, j+1), d})
		}
	}
	switch {
	case in.Namespace == "":
		return nil, cwError("MissingParameter", "The parameter Namespace is required.")
	case strings.HasPrefix(in.Namespace, "AWS/"):
		return nil, cwError("InvalidParameterValue", "The value AWS/ for parameter Namespace is invalid.")
	case len(data) == 0:
		return nil, cwError("MissingParameter", "The parameter MetricData is required.")
	case len(data) > maxMetricDataPerPut:
		return nil, cwError("InvalidParameterValue", "The collection MetricData must not have a size greater than %d.", maxMetricDataPerPut)
	}
	// All or nothing: every datum is checked before any is stored.
	points := make([]storedPoint, len(data))
	for i, d := range data {
		p, err := validateDatum(d.d, d.field, now)
		if err != nil {
			return nil, err
		}
		points[i] = p
	}
	cw := s.cloudWatchLocked()
	for i, d := range data {
		cw.store(seriesKey(in.Namespace, d.d.MetricName, (&metricWire{Dimensions: d.d.Dimensions}).dimensionMap()), points[i])
	}
	return nil, nil
}

type setAlarmStateInput struct {
	AlarmName       string `cbor:"AlarmName"`
	StateValue      string `cbor:"StateValue"`
	StateReason     string `cbor:"StateReason"`
	StateReasonData string `cbor:"StateReasonData,omitempty"`
}

func (s *Sim) setAlarmState(body []byte, now time.Time) (any, *apiError) {
	var in setAlarmStateInput
	if err := decodeInput(body, &in); err != nil {
		return nil, err
	}
	switch {
	case in.AlarmName == "":
		return nil, cwError("MissingParameter", "The parameter AlarmName is required.")
	case in.StateValue == "":
		return nil, cwError("MissingParameter", "The parameter StateValue is required.")
	case !contains(alarmStates, in.StateValue):
		return nil, cwError("InvalidParameterValue", "The value %s for parameter StateValue is not one of OK, ALARM, INSUFFICIENT_DATA.", in.StateValue)
	case in.StateReason == "":
		return nil, cwError("MissingParameter", "The parameter StateReason is required.")
	case in.StateReasonData != "" && !json.Valid([]byte(in.StateReasonData)):
		return nil, cwError("InvalidFormat", "The parameter StateReasonData is not valid JSON.")
	}
	a := s.cloudWatchLocked().alarms[in.AlarmName]
	if a == nil {
		return nil, cwError("ResourceNotFound", "Alarm %s not found", in.AlarmName)
	}
	a.setState(in.StateValue, in.StateReason, in.StateReasonData, now)
	return nil, nil
}
