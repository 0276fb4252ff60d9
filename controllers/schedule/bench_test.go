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

package schedule

import (
	"testing"
	"time"
)

// Evaluate runs on every reconcile of a policy with a schedule.
func BenchmarkEvaluate(b *testing.B) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	for _, bc := range []struct {
		name    string
		windows []Window
	}{
		{"weekday window, closed", []Window{{Cron: "0 2 * * MON-FRI", Duration: 4 * time.Hour, TimeZone: berlin}}},
		{"weekday window, open", []Window{{Cron: "0 10 * * MON-FRI", Duration: 4 * time.Hour, TimeZone: berlin}}},
		{"three windows in three zones", []Window{
			{Cron: "0 2 * * MON-FRI", Duration: 4 * time.Hour, TimeZone: berlin},
			{Cron: "30 22 * * SAT,SUN", Duration: 2 * time.Hour, TimeZone: newYork},
			{Cron: "0 3 1 * *", Duration: 24 * time.Hour, TimeZone: "Asia/Tokyo"}}},
		{"a cron that never matches", []Window{{Cron: "0 0 30 2 *", Duration: time.Hour}}},
		{"worst case: always open, a minute at a time", []Window{{Cron: "* * * * *", Duration: time.Minute}}},
		{"worst case: always open, a week at a time", []Window{{Cron: "* * * * *", Duration: 7 * 24 * time.Hour}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := mustNew(b, bc.windows...)
			for b.Loop() {
				s.Evaluate(now)
			}
		})
	}
}
