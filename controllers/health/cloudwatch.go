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

package health

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// GateCloudWatchAlarms is the one gate of a policy's CloudWatch alarms, on the cluster as a whole. Each
// metric gate is named by the spec.
const GateCloudWatchAlarms = "CloudWatchAlarms"

// Reasons of the CloudWatch gates' results.
const (
	// ReasonThresholdCrossed: a datapoint of the window is on the wrong side of the threshold.
	ReasonThresholdCrossed = "ThresholdCrossed"
	// ReasonMetricMissing: the window has no datapoint; missing data is never taken for good news.
	ReasonMetricMissing = "MetricMissing"
	// ReasonAlarmFiring: an alarm is in ALARM.
	ReasonAlarmFiring = "AlarmFiring"
	// ReasonAlarmNotFound: CloudWatch does not know an alarm of that name.
	ReasonAlarmNotFound = "AlarmNotFound"
	// ReasonAlarmInsufficientData: an alarm is in INSUFFICIENT_DATA: it cannot vouch for the cluster.
	ReasonAlarmInsufficientData = "AlarmInsufficientData"
)

// Datapoint is one period's statistic of a metric: when the period started, and the value.
type Datapoint struct {
	Start time.Time
	Value float64
}

// MetricThreshold is a metric gate on one node or group: which series must stay on which side of which
// number, over which window.
type MetricThreshold struct {
	Gate string
	// Series names the metric, its dimensions and statistic, for messages.
	Series string
	Limit  float64
	// Above: the datapoints must be above Limit; otherwise below it.
	Above  bool
	Period time.Duration
	Window time.Duration
}

// MetricGate evaluates a threshold at now on a series' datapoints. It holds when the window (every period
// that ends after now less the window) has a datapoint and every one is strictly on the threshold's side;
// otherwise it names the worst datapoint, or says that none came (MetricMissing).
func MetricGate(t MetricThreshold, instanceID string, points []Datapoint, now time.Time) Result {
	var worst Datapoint
	seen := false
	for _, p := range InWindow(points, t.Period, t.Window, now) {
		if !seen || t.worse(p.Value, worst.Value) {
			worst, seen = p, true
		}
	}
	switch {
	case !seen:
		return fail(t.Gate, instanceID, ReasonMetricMissing, fmt.Sprintf("%s has no datapoint in the last %s", t.Series, ShortDuration(t.Window)))
	case t.holds(worst.Value):
		return pass(t.Gate, instanceID)
	}
	return fail(t.Gate, instanceID, ReasonThresholdCrossed, fmt.Sprintf("%s was %s at %s; it must stay %s over the last %s",
		t.Series, number(worst.Value), worst.Start.UTC().Format(time.RFC3339), t.side(), ShortDuration(t.Window)))
}

// InWindow keeps the datapoints of the periods that end after now less the window (and began by now).
func InWindow(points []Datapoint, period, window time.Duration, now time.Time) []Datapoint {
	from := now.Add(-window)
	var out []Datapoint
	for _, p := range points {
		if p.Start.Add(period).After(from) && !p.Start.After(now) {
			out = append(out, p)
		}
	}
	return out
}

// ShortDuration writes a duration of whole minutes or hours as 5m or 3h, not 5m0s or 3h0m0s.
func ShortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func (t MetricThreshold) holds(v float64) bool {
	if t.Above {
		return v > t.Limit
	}
	return v < t.Limit
}

// worse says whether a is further on the wrong side than b.
func (t MetricThreshold) worse(a, b float64) bool {
	if t.Above {
		return a < b
	}
	return a > b
}

func (t MetricThreshold) side() string {
	if t.Above {
		return "above " + number(t.Limit)
	}
	return "below " + number(t.Limit)
}

func number(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// Alarm states, as CloudWatch names them.
const (
	AlarmStateOK               = "OK"
	AlarmStateAlarm            = "ALARM"
	AlarmStateInsufficientData = "INSUFFICIENT_DATA"
)

// Alarm is a CloudWatch alarm as CloudWatch described it.
type Alarm struct {
	State  string
	Reason string
	// Since is when it last changed state.
	Since time.Time
}

// AlarmsGate is the one result of the alarms named: it fails on alarms in ALARM first (AlarmFiring, each
// named), then on names CloudWatch does not know (AlarmNotFound), then on alarms in INSUFFICIENT_DATA; it
// holds when every alarm is OK.
func AlarmsGate(names []string, alarms map[string]Alarm) Result {
	var firing, missing, insufficient []string
	for _, name := range names {
		a, found := alarms[name]
		switch {
		case !found:
			missing = append(missing, name)
		case a.State == AlarmStateAlarm:
			firing = append(firing, name)
		case a.State != AlarmStateOK:
			insufficient = append(insufficient, name)
		}
	}
	describe := func(list []string, state string) string {
		sort.Strings(list)
		a := alarms[list[0]]
		more := ""
		if len(list) > 1 {
			more = fmt.Sprintf(" (and %s)", strings.Join(list[1:], ", "))
		}
		return fmt.Sprintf("alarm %s%s is in %s since %s: %s", list[0], more, state, a.Since.UTC().Format(time.RFC3339), a.Reason)
	}
	switch {
	case len(firing) > 0:
		return fail(GateCloudWatchAlarms, "", ReasonAlarmFiring, describe(firing, AlarmStateAlarm))
	case len(missing) > 0:
		return fail(GateCloudWatchAlarms, "", ReasonAlarmNotFound, fmt.Sprintf("CloudWatch has no alarm named %s", strings.Join(missing, ", ")))
	case len(insufficient) > 0:
		return fail(GateCloudWatchAlarms, "", ReasonAlarmInsufficientData, describe(insufficient, AlarmStateInsufficientData))
	}
	return pass(GateCloudWatchAlarms, "")
}

// AlarmFiring says whether a result is the alarms gate finding an alarm in ALARM.
func AlarmFiring(r Result) bool {
	return r.Gate == GateCloudWatchAlarms && r.Reason == ReasonAlarmFiring
}
