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

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Alarm states, as CloudWatch names them.
const (
	AlarmStateOK               = "OK"
	AlarmStateAlarm            = "ALARM"
	AlarmStateInsufficientData = "INSUFFICIENT_DATA"
)

var (
	alarmStates         = []string{AlarmStateOK, AlarmStateAlarm, AlarmStateInsufficientData}
	comparisonOperators = map[string]string{
		"GreaterThanThreshold":          "greater than",
		"GreaterThanOrEqualToThreshold": "greater than or equal to",
		"LessThanThreshold":             "less than",
		"LessThanOrEqualToThreshold":    "less than or equal to",
	}
	treatMissingData = []string{"missing", "breaching", "notBreaching", "ignore"}
)

// AlarmSpec describes a metric alarm.
type AlarmSpec struct {
	Name        string
	Description string
	// The metric the alarm watches; an alarm without one (SetAlarm's) only has the state it is given.
	Namespace  string
	MetricName string
	Dimensions map[string]string
	// Statistic is Average (the default), Sum, Minimum, Maximum, SampleCount or a percentile (p99).
	Statistic string
	// Period is the length of one evaluated period (default 1m; a multiple of 1m, or 10s or 30s).
	Period time.Duration
	// EvaluationPeriods (default 1) are evaluated; DatapointsToAlarm of them (default all) must breach.
	EvaluationPeriods int
	DatapointsToAlarm int
	Threshold         float64
	// ComparisonOperator is GreaterThanThreshold (the default), GreaterThanOrEqualToThreshold,
	// LessThanThreshold or LessThanOrEqualToThreshold.
	ComparisonOperator string
	// TreatMissingData is missing (the default), breaching, notBreaching or ignore.
	TreatMissingData string
	// State and Reason are the alarm's state at first (INSUFFICIENT_DATA by default).
	State  string
	Reason string
	// Evaluate makes the alarm follow its metric: at the end of every period its state is decided from
	// the last EvaluationPeriods periods of the simulated metric, as CloudWatch does. Without it the alarm
	// keeps the state it is given (SetAlarm, SetAlarmState), which is what most tests want.
	Evaluate bool
}

// AlarmStatus is an alarm's state as DescribeAlarms answers it.
type AlarmStatus struct {
	Name           string
	State          string
	Reason         string
	UpdatedAt      time.Time // StateUpdatedTimestamp
	TransitionedAt time.Time // StateTransitionedTimestamp: the last change of State
}

type alarm struct {
	spec                  AlarmSpec
	state, reason         string
	reasonData            string
	updated, transitioned time.Time
	configured            time.Time
	// evaluated is the end of the last period the alarm was evaluated at (or its state set in).
	evaluated time.Time
}

// validateAlarm fills in an alarm's defaults and checks it.
func validateAlarm(spec *AlarmSpec) error {
	if spec.Name == "" {
		return fmt.Errorf("an alarm needs a name")
	}
	if spec.Statistic == "" {
		spec.Statistic = "Average"
	}
	if spec.Period == 0 {
		spec.Period = time.Minute
	}
	if spec.EvaluationPeriods == 0 {
		spec.EvaluationPeriods = 1
	}
	if spec.DatapointsToAlarm == 0 {
		spec.DatapointsToAlarm = spec.EvaluationPeriods
	}
	if spec.ComparisonOperator == "" {
		spec.ComparisonOperator = "GreaterThanThreshold"
	}
	if spec.TreatMissingData == "" {
		spec.TreatMissingData = "missing"
	}
	if spec.State == "" {
		spec.State = AlarmStateInsufficientData
	}
	if spec.Reason == "" {
		spec.Reason = "Unchecked: Initial alarm creation"
	}
	switch {
	case !contains(alarmStates, spec.State):
		return fmt.Errorf("alarm %s: state %q is not one of %v", spec.Name, spec.State, alarmStates)
	case comparisonOperators[spec.ComparisonOperator] == "":
		return fmt.Errorf("alarm %s: comparison %q is not supported", spec.Name, spec.ComparisonOperator)
	case !contains(treatMissingData, spec.TreatMissingData):
		return fmt.Errorf("alarm %s: treatMissingData %q is not one of %v", spec.Name, spec.TreatMissingData, treatMissingData)
	case spec.Period%time.Minute != 0 && spec.Period != 10*time.Second && spec.Period != 30*time.Second:
		return fmt.Errorf("alarm %s: period %s is not 10s, 30s or a multiple of 1m", spec.Name, spec.Period)
	case spec.EvaluationPeriods < 1 || spec.DatapointsToAlarm < 1 || spec.DatapointsToAlarm > spec.EvaluationPeriods:
		return fmt.Errorf("alarm %s: datapointsToAlarm must be between 1 and evaluationPeriods", spec.Name)
	case spec.Evaluate && (spec.Namespace == "" || spec.MetricName == ""):
		return fmt.Errorf("alarm %s: an evaluated alarm needs a namespace and a metric", spec.Name)
	}
	if _, ok := parseStat(spec.Statistic); !ok {
		return fmt.Errorf("alarm %s: statistic %q is not supported", spec.Name, spec.Statistic)
	}
	return nil
}

// AddAlarm creates (or replaces) a metric alarm.
func (s *Sim) AddAlarm(spec AlarmSpec) error {
	if err := validateAlarm(&spec); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addAlarmLocked(spec, s.beginCloudWatchLocked())
	return nil
}

func (s *Sim) addAlarmLocked(spec AlarmSpec, now time.Time) {
	s.cw.alarms[spec.Name] = &alarm{spec: spec, state: spec.State, reason: spec.Reason, updated: now, transitioned: now, configured: now,
		evaluated: alignDown(now, spec.Period)}
}

// SetAlarm sets an alarm's state and reason now, as SetAlarmState does, creating an alarm without a
// metric if there is none of that name. An evaluated alarm keeps the state until its next evaluation.
func (s *Sim) SetAlarm(name, state, reason string) error {
	if !contains(alarmStates, state) {
		return fmt.Errorf("state %q is not one of %v", state, alarmStates)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.beginCloudWatchLocked()
	if s.cw.alarms[name] == nil {
		spec := AlarmSpec{Name: name, State: state, Reason: reason}
		if err := validateAlarm(&spec); err != nil {
			return err
		}
		s.addAlarmLocked(spec, now)
	}
	s.cw.alarms[name].setState(state, reason, "", now)
	return nil
}

// Alarm returns an alarm's state.
func (s *Sim) Alarm(name string) (AlarmStatus, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	s.advanceLocked(now)
	s.sampleMetricsLocked(now)
	a := s.cloudWatchLocked().alarms[name]
	if a == nil {
		return AlarmStatus{}, false
	}
	return AlarmStatus{Name: name, State: a.state, Reason: a.reason, UpdatedAt: a.updated, TransitionedAt: a.transitioned}, true
}

// setState changes the alarm's state, as SetAlarmState does: the state holds until the next evaluation.
func (a *alarm) setState(state, reason, data string, now time.Time) {
	if state != a.state {
		a.transitioned = now
	}
	a.state, a.reason, a.reasonData, a.updated = state, reason, data, now
	a.evaluated = alignDown(now, a.spec.Period)
}

// evaluateAlarmsLocked evaluates the alarms that follow their metric, at the end of the latest period
// that ended by now, over the EvaluationPeriods periods before it (as of that end, so the result does not
// depend on when the simulator gets to it).
func (s *Sim) evaluateAlarmsLocked(now time.Time) {
	for _, name := range sortedKeys(s.cw.alarms) {
		a := s.cw.alarms[name]
		at := alignDown(now, a.spec.Period)
		if !a.spec.Evaluate || !at.After(a.evaluated) {
			continue
		}
		a.evaluated = at
		sp := a.spec
		st, _ := parseStat(sp.Statistic)
		from := at.Add(-time.Duration(sp.EvaluationPeriods) * sp.Period)
		buckets := s.metricBucketsLocked(sp.Namespace, sp.MetricName, sp.Dimensions, "", sp.Period, from, at, at)
		var breaching, present int
		var shown []string
		for _, b := range buckets {
			v, ok := b.agg.stat(st)
			if !ok {
				switch sp.TreatMissingData {
				case "breaching":
					breaching++
					present++
				case "notBreaching":
					present++
				}
				continue
			}
			present++
			if breaches(sp.ComparisonOperator, v, sp.Threshold) {
				breaching++
			}
			shown = append(shown, fmt.Sprintf("%s (%s)", formatValue(v), b.start.UTC().Format("02/01/06 15:04:05")))
		}
		state, reason := a.state, a.reason
		switch {
		case present == 0 && sp.TreatMissingData == "ignore":
			continue
		case present == 0:
			state = AlarmStateInsufficientData
			reason = fmt.Sprintf("Insufficient Data: %d datapoint%s %s unknown.", len(buckets), plural(len(buckets)), wasWere(len(buckets)))
		case breaching >= sp.DatapointsToAlarm:
			state = AlarmStateAlarm
			reason = thresholdReason(len(shown), shown, "", sp)
		default:
			state = AlarmStateOK
			reason = thresholdReason(len(shown), shown, "not ", sp)
		}
		if state != a.state {
			a.state, a.reason, a.reasonData, a.updated, a.transitioned = state, reason, "", at, at
		}
	}
}

func breaches(op string, v, threshold float64) bool {
	switch op {
	case "GreaterThanThreshold":
		return v > threshold
	case "GreaterThanOrEqualToThreshold":
		return v >= threshold
	case "LessThanThreshold":
		return v < threshold
	default:
		return v <= threshold
	}
}

// thresholdReason words a state change as CloudWatch does ("Threshold Crossed: 1 datapoint [95.0
// (01/01/26 00:04:00)] was greater than the threshold (80.0).").
func thresholdReason(n int, shown []string, not string, sp AlarmSpec) string {
	return fmt.Sprintf("Threshold Crossed: %d datapoint%s [%s] %s %s%s the threshold (%s).", n, plural(n), strings.Join(shown, ", "),
		wasWere(n), not, comparisonOperators[sp.ComparisonOperator], formatValue(sp.Threshold))
}

func formatValue(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%g", v)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func wasWere(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

// applyCloudWatch creates a scenario's alarms and sets its metrics.
func (s *Sim) applyCloudWatch(sc *ScenarioCloudWatch) error {
	for _, al := range sc.Alarms {
		spec := AlarmSpec{Name: al.Name, Description: al.Description, Namespace: al.Namespace, MetricName: al.Metric, Dimensions: al.Dimensions,
			Statistic: al.Statistic, EvaluationPeriods: al.EvaluationPeriods, DatapointsToAlarm: al.DatapointsToAlarm, Threshold: al.Threshold,
			ComparisonOperator: al.Comparison, TreatMissingData: al.TreatMissingData, State: al.State, Reason: al.Reason, Evaluate: al.Evaluate}
		if al.Period != "" {
			d, err := time.ParseDuration(al.Period)
			if err != nil {
				return fmt.Errorf("alarm %s: period: %w", al.Name, err)
			}
			spec.Period = d
		}
		if err := s.AddAlarm(spec); err != nil {
			return err
		}
	}
	for _, m := range sc.Metrics {
		if m.Namespace == "" || m.Metric == "" {
			return fmt.Errorf("a cloudWatch metric needs a namespace and a metric")
		}
		switch {
		case m.Missing && m.Value != nil:
			return fmt.Errorf("metric %s/%s: value and missing are exclusive", m.Namespace, m.Metric)
		case m.Missing:
			s.SetMetricMissing(m.Namespace, m.Metric, m.Dimensions)
		case m.Value != nil:
			s.setMetricOverride(m.Namespace, m.Metric, m.Dimensions, override{value: *m.Value, unit: m.Unit})
		default:
			return fmt.Errorf("metric %s/%s: give a value or missing: true", m.Namespace, m.Metric)
		}
	}
	return nil
}
