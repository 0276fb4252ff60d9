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

// Package schedule decides when a rollout may start a new step: maintenance windows, each a cron
// expression, a duration and a time zone. It is pure (time comes in as an argument) and knows nothing of
// the API types or the controller, which use it like this:
//
//	sched, err := schedule.New(field.NewPath("spec", "schedule", "windows"), windows) // once per spec
//	st := sched.Evaluate(now)
//	if !st.Open { /* start no new step; a step in flight finishes */ }
//	condition.Message = st.Message()
//	return ctrl.Result{RequeueAfter: st.RequeueAfter(now)}, nil // wakes at the next opening or closing
//
// # When a window is open
//
// A window opens at each start time of its cron expression and stays open for its duration: it is open
// at instant t when some start s satisfies s <= t < s+duration (the start is inside, the end is not). The
// schedule is open when at least one window is. While open, Status.ClosesAt is when the schedule closes,
// following any opening (of any window) that starts before the current one ends; while closed,
// Status.OpensAt is the earliest next start over all windows. Evaluate looks LookAhead (400 days) ahead at
// most: a cron that never matches, such as "0 0 30 2 *", gives a closed status with no OpensAt, and a
// schedule that never closes one with no ClosesAt; both say how far they looked (CheckedUntil), and
// RequeueAfter wakes the controller then.
//
// # Time zones and daylight saving time
//
// Start times are wall-clock times in the window's zone (UTC if none is named): "0 2 * * MON-FRI" with
// Europe/Berlin starts when clocks in Berlin read 02:00 on a weekday. Precisely, an instant is a start
// when its wall-clock reading matches the cron expression and no earlier instant had that reading.
// Durations are elapsed time. So, on the days clocks change:
//
//   - Spring forward: a start whose wall-clock time does not exist that day does not happen, and the window
//     does not open that day. In Europe/Berlin clocks go from 02:00 to 03:00 on the last Sunday of March,
//     so "30 2 * * *" (and "0 2 * * *") does not open then; it opens as usual the day before and after, and
//     Status says when it opens next. This is what robfig/cron, and so Kubernetes CronJobs, do; ISC cron
//     would run the start at 03:00 instead. A window that starts before the change and spans it closes
//     after its duration in elapsed time: 2h from 01:00 closes at 04:00 CEST, the wall clock having moved
//     three hours.
//   - Fall back: a wall-clock time that occurs twice starts the window once, at its first occurrence. In
//     Europe/Berlin clocks go from 03:00 back to 02:00 on the last Sunday of October, so "30 2 * * *"
//     starts at 02:30 CEST (00:30 UTC) and not again at 02:30 CET; for 2h it closes at 02:30 UTC, which
//     is 03:30 CET. An hourly "0 * * * *" starts at 02:00 CEST and 03:00 CET, not at the second 02:00.
//
// In both cases the schedule is open less, never more, than the wall clock suggests: for maintenance
// windows the safe side. The rule holds in zones whose clocks change by half an hour (Australia/Lord_Howe)
// or two hours (Antarctica/Troll), or at midnight (America/Santiago: "0 0 * * *" does not open on the day
// midnight is skipped); the tests check it around every change of 2026 in such zones.
//
// robfig/cron parses the expressions; this package finds the start times from the parsed fields itself,
// because robfig/cron's SpecSchedule.Next starts a repeated wall-clock time twice and misses starts in
// Lord Howe after its half-hour changes. In the other zones the tests check, robfig/cron's starts less
// the repeats are this package's.
//
// # Cron expressions
//
// Exactly five fields: minute (0-59), hour (0-23), day-of-month (1-31), month (1-12 or JAN-DEC), day-of-week
// (0-7 or SUN-SAT, 0 and 7 both Sunday), separated by spaces. A field is a comma-separated list of "*",
// a value, or a range "low-high" with low <= high, each optionally followed by "/step" (1 to the field's
// maximum); "value/step" means value to the field's maximum by step, except that day-of-week "7/step" is
// refused. Numbers have one or two digits; names are English three-letter abbreviations in any case.
// As in robfig/cron (and Vixie cron), when both day-of-month and day-of-week are restricted (neither
// starts with "*"), a day matches if either does: "0 2 1 * MON" is the 1st of the month and every Monday.
//
// Refused, with a message that says so: descriptors (@daily, @hourly, @every 1h — write "0 0 * * *" and
// set the duration: one way to write a window keeps the CRD's rule, the Go validator and the docs the same),
// a sixth field (seconds or year), "?", "L", "W", "#", a TZ= or CRON_TZ= prefix (use timeZone), empty list
// elements, and a reversed range such as "5-1".
//
// # Validation at admission
//
// ValidateCron, ValidateTimeZone, ValidateWindow and Validate check windows in Go. The CRD checks the
// same at admission with CEL rules (there is no webhook): CronPattern is a regular expression that accepts
// exactly what ValidateCron accepts, TimeZoneCELList the zone names IsTimeZone accepts, generated from Go's
// embedded tzdata by hack/gen-timezones. KubebuilderMarkers gives the markers to put on the API types.
// Duration limits: MinDuration (1m: cron's resolution) to MaxDuration (7 days, a week-long window on a
// weekly cron is already always open).
package schedule
