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

package rollouttest

import (
	"time"

	"github.com/cache-remediator/cache-remediator/controllers/health"
)

// AlarmName is the alarm AlarmGate evaluates.
const AlarmName = "sessions-latency"

// AlarmGate is the CloudWatch alarms gate's result when alarm AlarmName is in state (OK, ALARM,
// INSUFFICIENT_DATA), or does not exist when state is empty: for planner tests, evaluated as the
// observation evaluates it.
func AlarmGate(state string) health.Result {
	found := map[string]health.Alarm{}
	if state != "" {
		found[AlarmName] = health.Alarm{State: state, Reason: "Threshold Crossed: 1 datapoint [9.0] was greater than the threshold (5.0).",
			Since: time.Date(2026, 11, 21, 11, 55, 0, 0, time.UTC)}
	}
	return health.AlarmsGate([]string{AlarmName}, found)
}
