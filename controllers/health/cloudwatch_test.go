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

package health_test

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/cache-remediator/cache-remediator/controllers/health"
)

var now = time.Date(2026, 11, 21, 12, 0, 30, 0, time.UTC)

// minutesAgo are datapoints of one-minute periods starting that many whole minutes before 12:00.
func minutesAgo(values map[int]float64) []health.Datapoint {
	var out []health.Datapoint
	for ago, v := range values {
		out = append(out, health.Datapoint{Start: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC).Add(-time.Duration(ago) * time.Minute), Value: v})
	}
	return out
}

func TestMetricGate(t *testing.T) {
	lag := health.MetricThreshold{Gate: "ReplicationLag", Series: "AWS/ElastiCache ReplicationLag {CacheClusterId=sessions-002} (Maximum per 1m)",
		Limit: 5, Period: time.Minute, Window: 5 * time.Minute}
	freeable := health.MetricThreshold{Gate: "FreeableMemory", Series: "AWS/ElastiCache FreeableMemory", Limit: 1000, Above: true, Period: time.Minute, Window: 5 * time.Minute}
	cases := []struct {
		name      string
		threshold health.MetricThreshold
		points    []health.Datapoint
		reason    string // "" when it holds
		message   string
	}{
		{"every datapoint of the window below the limit holds", lag, minutesAgo(map[int]float64{0: 1, 1: 4.9, 2: 0, 3: 2}), "", ""},
		{"one datapoint above a below-limit fails and names it", lag, minutesAgo(map[int]float64{0: 1, 2: 12, 3: 2}), health.ReasonThresholdCrossed,
			"ReplicationLag {CacheClusterId=sessions-002} (Maximum per 1m) was 12 at 2026-11-21T11:58:00Z; it must stay below 5 over the last 5m"},
		{"a datapoint equal to the limit is not below it", lag, minutesAgo(map[int]float64{0: 5}), health.ReasonThresholdCrossed, "was 5 at"},
		{"the worst of several breaches is the one named", lag, minutesAgo(map[int]float64{0: 7, 1: 30, 4: 8}), health.ReasonThresholdCrossed, "was 30 at"},
		{"every datapoint above an above-limit holds", freeable, minutesAgo(map[int]float64{0: 5000, 1: 1001}), "", ""},
		{"a datapoint below an above-limit fails and the lowest is named", freeable, minutesAgo(map[int]float64{0: 900, 1: 10, 2: 2000}), health.ReasonThresholdCrossed,
			"was 10 at 2026-11-21T11:59:00Z; it must stay above 1000"},
		{"a breach that ended before the window no longer counts", lag, minutesAgo(map[int]float64{0: 1, 1: 1, 6: 90}), "", ""},
		{"the period that straddles the window's start still counts", lag, minutesAgo(map[int]float64{0: 1, 5: 90}), health.ReasonThresholdCrossed, "was 90"},
		{"no datapoint at all is missing data, never a pass", lag, nil, health.ReasonMetricMissing,
			"AWS/ElastiCache ReplicationLag {CacheClusterId=sessions-002} (Maximum per 1m) has no datapoint in the last 5m"},
		{"datapoints only before the window are missing data too", lag, minutesAgo(map[int]float64{7: 1, 8: 1}), health.ReasonMetricMissing, "no datapoint"},
		{"a longer window reaches older datapoints", health.MetricThreshold{Gate: "Lag", Series: "lag", Limit: 5, Period: time.Minute, Window: 10 * time.Minute},
			minutesAgo(map[int]float64{8: 40}), health.ReasonThresholdCrossed, "was 40"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			r := health.MetricGate(c.threshold, "sessions-002", c.points, now)
			g.Expect(r.Gate).To(Equal(c.threshold.Gate))
			g.Expect(r.InstanceID).To(Equal("sessions-002"))
			expectVerdict(g, r, c.reason, c.message)
		})
	}
}

func TestAlarmsGate(t *testing.T) {
	since := time.Date(2026, 11, 21, 11, 55, 0, 0, time.UTC)
	ok := health.Alarm{State: health.AlarmStateOK, Reason: "Threshold Crossed: 1 datapoint [1.0] was not greater than the threshold (5.0).", Since: since}
	firing := health.Alarm{State: health.AlarmStateAlarm, Reason: "Threshold Crossed: 1 datapoint [9.0] was greater than the threshold (5.0).", Since: since}
	insufficient := health.Alarm{State: health.AlarmStateInsufficientData, Reason: "Insufficient Data: 1 datapoint was unknown.", Since: since}
	cases := []struct {
		name    string
		names   []string
		alarms  map[string]health.Alarm
		reason  string // "" when it holds
		message string
	}{
		{"every alarm OK holds", []string{"latency", "evictions"}, map[string]health.Alarm{"latency": ok, "evictions": ok}, "", ""},
		{"an alarm in ALARM fails, named with since when and why", []string{"latency", "evictions"}, map[string]health.Alarm{"latency": ok, "evictions": firing},
			health.ReasonAlarmFiring, "alarm evictions is in ALARM since 2026-11-21T11:55:00Z: Threshold Crossed: 1 datapoint [9.0] was greater than the threshold (5.0)."},
		{"several alarms in ALARM are all named", []string{"latency", "evictions"}, map[string]health.Alarm{"latency": firing, "evictions": firing},
			health.ReasonAlarmFiring, "alarm evictions (and latency) is in ALARM"},
		{"an alarm in INSUFFICIENT_DATA cannot vouch for the cluster", []string{"latency"}, map[string]health.Alarm{"latency": insufficient},
			health.ReasonAlarmInsufficientData, "alarm latency is in INSUFFICIENT_DATA since 2026-11-21T11:55:00Z: Insufficient Data"},
		{"an alarm CloudWatch does not know fails", []string{"latency", "typo"}, map[string]health.Alarm{"latency": ok}, health.ReasonAlarmNotFound,
			"CloudWatch has no alarm named typo"},
		{"ALARM is reported before a missing alarm and INSUFFICIENT_DATA", []string{"a", "b", "c"}, map[string]health.Alarm{"a": insufficient, "c": firing},
			health.ReasonAlarmFiring, "alarm c is in ALARM"},
		{"a missing alarm is reported before INSUFFICIENT_DATA", []string{"a", "b"}, map[string]health.Alarm{"a": insufficient}, health.ReasonAlarmNotFound, "no alarm named b"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			r := health.AlarmsGate(c.names, c.alarms)
			g.Expect(r.Gate).To(Equal(health.GateCloudWatchAlarms))
			g.Expect(r.InstanceID).To(BeEmpty(), "a cluster gate")
			g.Expect(health.AlarmFiring(r)).To(Equal(c.reason == health.ReasonAlarmFiring))
			expectVerdict(g, r, c.reason, c.message)
		})
	}
}

func TestShortDuration(t *testing.T) {
	g := NewWithT(t)
	for d, want := range map[time.Duration]string{time.Minute: "1m", 5 * time.Minute: "5m", 90 * time.Minute: "1h30m", 3 * time.Hour: "3h", 90 * time.Second: "1m30s", 10 * time.Second: "10s"} {
		g.Expect(health.ShortDuration(d)).To(Equal(want))
	}
}

// expectVerdict expects r to hold when reason is empty, else to fail with reason and a message containing
// message.
func expectVerdict(g Gomega, r health.Result, reason, message string) {
	if reason == "" {
		g.Expect(r.OK).To(BeTrue(), r.Message)
		return
	}
	g.Expect(r.OK).To(BeFalse())
	g.Expect(r.Reason).To(Equal(reason))
	g.Expect(r.Message).To(ContainSubstring(message))
}
