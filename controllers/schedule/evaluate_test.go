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
	"strings"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

const (
	berlin  = "Europe/Berlin"
	newYork = "America/New_York"
)

func mustNew(t testing.TB, windows ...Window) *Schedule {
	t.Helper()
	s, err := New(windowsPath, windows)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func at(t testing.TB, rfc3339 string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, rfc3339)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// format renders a status time for comparison: RFC 3339 with the offset, so a test sees both the
// instant and the zone the status reports it in; "" for zero.
func format(tm time.Time) string {
	if tm.IsZero() {
		return ""
	}
	return tm.Format(time.RFC3339Nano)
}

type evalCase struct {
	name     string
	windows  []Window
	now      string
	open     bool
	opensAt  string
	closesAt string
	window   int
}

func runEvalCases(t *testing.T, cases []evalCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clk := clocktesting.NewFakePassiveClock(at(t, tc.now))
			st := mustNew(t, tc.windows...).Evaluate(clk.Now())
			if st.Open != tc.open || format(st.OpensAt) != tc.opensAt || format(st.ClosesAt) != tc.closesAt || st.Window != tc.window {
				t.Errorf("Evaluate(%s) = open %v, opens %q, closes %q, window %d; want open %v, opens %q, closes %q, window %d\n%s",
					tc.now, st.Open, format(st.OpensAt), format(st.ClosesAt), st.Window,
					tc.open, tc.opensAt, tc.closesAt, tc.window, st.Message())
			}
		})
	}
}

func TestEvaluateAtTheBoundariesOfAWindow(t *testing.T) {
	weekdays := Window{Cron: "0 2 * * MON-FRI", Duration: 4 * time.Hour, TimeZone: berlin}
	w := []Window{weekdays}
	runEvalCases(t, []evalCase{
		{"a window is open at the very instant it starts", w, "2026-11-24T02:00:00+01:00",
			true, "", "2026-11-24T06:00:00+01:00", 0},
		{"a window is closed a nanosecond before it starts and says it opens then", w, "2026-11-24T01:59:59.999999999+01:00",
			false, "2026-11-24T02:00:00+01:00", "", 0},
		{"a window is still open a nanosecond before it ends", w, "2026-11-24T05:59:59.999999999+01:00",
			true, "", "2026-11-24T06:00:00+01:00", 0},
		{"a window is closed at the very instant it ends and says when it opens next", w, "2026-11-24T06:00:00+01:00",
			false, "2026-11-25T02:00:00+01:00", "", 0},
		{"the status is in the window's zone whatever the zone of now", w, "2026-11-24T02:30:00Z",
			true, "", "2026-11-24T06:00:00+01:00", 0},
		{"after Friday's window the next one opens on Monday", w, "2026-11-27T06:00:00+01:00",
			false, "2026-11-30T02:00:00+01:00", "", 0},
		{"on a Saturday the next window opens on Monday", w, "2026-11-28T03:00:00+01:00",
			false, "2026-11-30T02:00:00+01:00", "", 0},
	})
}

func TestEvaluateWithSeveralWindows(t *testing.T) {
	utc := func(cron string, d time.Duration) Window { return Window{Cron: cron, Duration: d} }
	runEvalCases(t, []evalCase{
		{"of two windows that both contain now, the one that closes later gives the close",
			[]Window{utc("0 1 * * *", 6*time.Hour), utc("0 2 * * *", 2*time.Hour)}, "2026-06-10T03:00:00Z",
			true, "", "2026-06-10T07:00:00Z", 0},
		{"a window that opens before the current one closes keeps the schedule open until it closes",
			[]Window{utc("0 2 * * *", 4*time.Hour), utc("0 5 * * *", 4*time.Hour)}, "2026-06-10T03:00:00Z",
			true, "", "2026-06-10T09:00:00Z", 1},
		{"a window that opens at the instant the current one closes continues it",
			[]Window{utc("0 2 * * *", 2*time.Hour), utc("0 4 * * *", 2*time.Hour)}, "2026-06-10T03:00:00Z",
			true, "", "2026-06-10T06:00:00Z", 1},
		{"a window that opens a minute after the current one closes does not continue it",
			[]Window{utc("0 2 * * *", 2*time.Hour), utc("1 4 * * *", 2*time.Hour)}, "2026-06-10T03:00:00Z",
			true, "", "2026-06-10T04:00:00Z", 0},
		{"a chain of three windows closes with the last",
			[]Window{utc("0 1 * * *", 2*time.Hour), utc("0 2 * * *", 2*time.Hour), utc("30 3 * * *", 90*time.Minute)}, "2026-06-10T01:30:00Z",
			true, "", "2026-06-10T05:00:00Z", 2},
		{"minute-long openings every minute of four hours make one window",
			[]Window{utc("* 2-5 * * *", time.Minute)}, "2026-06-10T02:30:30Z",
			true, "", "2026-06-10T06:00:00Z", 0},
		{"the earliest next opening wins when windows are in different zones",
			[]Window{
				{Cron: "0 2 * * *", Duration: time.Hour, TimeZone: berlin},        // 01:00Z in winter
				{Cron: "0 19 * * *", Duration: time.Hour, TimeZone: newYork},      // 00:00Z
				{Cron: "30 9 * * *", Duration: time.Hour, TimeZone: "Asia/Tokyo"}, // 00:30Z
			}, "2026-01-15T12:00:00Z",
			false, "2026-01-15T19:00:00-05:00", "", 1},
		{"a window in another zone is open while the others are closed",
			[]Window{
				{Cron: "0 4 * * *", Duration: time.Hour, TimeZone: berlin},
				{Cron: "30 9 * * *", Duration: time.Hour, TimeZone: "Asia/Tokyo"},
			}, "2026-01-15T00:45:00Z",
			true, "", "2026-01-15T10:30:00+09:00", 1},
		{"a window in another zone that opens before the current one closes keeps the schedule open",
			[]Window{
				{Cron: "0 2 * * *", Duration: time.Hour, TimeZone: berlin},        // 01:00Z to 02:00Z
				{Cron: "30 9 * * *", Duration: time.Hour, TimeZone: "Asia/Tokyo"}, // 00:30Z to 01:30Z
			}, "2026-01-15T00:45:00Z",
			true, "", "2026-01-15T03:00:00+01:00", 0},
		{"a zone half an hour off UTC opens on its own half hour",
			[]Window{{Cron: "0 2 * * *", Duration: time.Hour, TimeZone: "Asia/Kolkata"}}, "2026-01-15T00:00:00Z",
			false, "2026-01-16T02:00:00+05:30", "", 0},
		{"two windows opening at the same instant: the first listed is named",
			[]Window{utc("0 3 * * *", time.Hour), {Cron: "0 4 * * *", Duration: time.Hour, TimeZone: "Europe/London"}}, "2026-01-15T00:00:00Z",
			false, "2026-01-15T03:00:00Z", "", 0},
	})
}

func TestEvaluateAcrossMonthsAndYears(t *testing.T) {
	runEvalCases(t, []evalCase{
		{"a monthly window on the 1st opens next month",
			[]Window{{Cron: "0 2 1 * *", Duration: 4 * time.Hour, TimeZone: berlin}}, "2026-01-15T12:00:00+01:00",
			false, "2026-02-01T02:00:00+01:00", "", 0},
		{"a daily window after the last one of the year opens on New Year's Day",
			[]Window{{Cron: "0 2 * * *", Duration: 4 * time.Hour, TimeZone: berlin}}, "2026-12-31T23:00:00+01:00",
			false, "2027-01-01T02:00:00+01:00", "", 0},
		{"a yearly window opens next January",
			[]Window{{Cron: "0 0 1 JAN *", Duration: 24 * time.Hour, TimeZone: newYork}}, "2026-06-01T00:00:00Z",
			false, "2027-01-01T00:00:00-05:00", "", 0},
		{"a window on the 31st skips the months without one",
			[]Window{{Cron: "0 2 31 * *", Duration: time.Hour}}, "2026-04-01T00:00:00Z",
			false, "2026-05-31T02:00:00Z", "", 0},
		{"a window open over midnight on New Year's Eve closes the next year",
			[]Window{{Cron: "0 22 31 12 *", Duration: 4 * time.Hour}}, "2026-12-31T23:59:00Z",
			true, "", "2027-01-01T02:00:00Z", 0},
		{"a leap-day window within the look-ahead opens on 29 February",
			[]Window{{Cron: "0 0 29 2 *", Duration: time.Hour}}, "2027-06-01T00:00:00Z",
			false, "2028-02-29T00:00:00Z", "", 0},
		{"a window on the 1st or on Mondays opens on whichever comes first (either day field matches)",
			[]Window{{Cron: "0 2 1 * MON", Duration: time.Hour}}, "2026-11-24T12:00:00Z",
			false, "2026-11-30T02:00:00Z", "", 0},
	})
}

func TestEvaluateWhenACronNeverMatches(t *testing.T) {
	now := at(t, "2026-11-24T12:00:00Z")
	never := Window{Cron: "0 0 30 2 *", Duration: time.Hour}
	st := mustNew(t, never).Evaluate(now)
	if st.Open || !st.OpensAt.IsZero() || !st.ClosesAt.IsZero() || st.Window != -1 {
		t.Errorf("a cron that never matches: %+v", st)
	}
	if want := now.Add(LookAhead); !st.CheckedUntil.Equal(want) {
		t.Errorf("CheckedUntil = %v, want %v", st.CheckedUntil, want)
	}
	if got, want := st.Message(), "outside the maintenance window; no window opens in the next 400 days (before 2027-12-29T12:00:00Z): check the windows' cron expressions"; got != want {
		t.Errorf("Message() = %q, want %q", got, want)
	}
	if got := st.RequeueAfter(now); got != LookAhead {
		t.Errorf("RequeueAfter = %v, want the look-ahead %v", got, LookAhead)
	}

	st = mustNew(t, never, Window{Cron: "0 3 * * *", Duration: time.Hour}).Evaluate(now)
	if st.Open || format(st.OpensAt) != "2026-11-25T03:00:00Z" || st.Window != 1 {
		t.Errorf("a cron that never matches beside one that does: %+v", st)
	}

	st = mustNew(t, Window{Cron: "0 0 29 2 *", Duration: time.Hour}).Evaluate(now)
	if st.Open || !st.OpensAt.IsZero() {
		t.Errorf("a leap-day window more than 400 days ahead is not found: %+v", st)
	}
}

func TestEvaluateWhenTheScheduleNeverCloses(t *testing.T) {
	now := at(t, "2026-11-24T12:00:30Z")
	for _, tc := range []struct {
		name string
		w    Window
	}{
		{"a window of a minute every minute is always open", Window{Cron: "* * * * *", Duration: time.Minute}},
		{"a week-long window every week is always open", Window{Cron: "0 0 * * MON", Duration: 7 * 24 * time.Hour}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := mustNew(t, tc.w).Evaluate(now)
			if !st.Open || !st.ClosesAt.IsZero() || !st.CheckedUntil.After(now) || st.Window != 0 {
				t.Fatalf("Evaluate = %+v", st)
			}
			if got := st.RequeueAfter(now); got != st.CheckedUntil.Sub(now) {
				t.Errorf("RequeueAfter = %v, want until CheckedUntil", got)
			}
			t.Log(st.Message())
		})
	}
}

// Daylight saving time, Europe/Berlin: clocks go from 02:00 CET to 03:00 CEST on 29 March 2026 and
// from 03:00 CEST back to 02:00 CET on 25 October 2026.
func TestEvaluateAroundDaylightSavingTimeInBerlin(t *testing.T) {
	w := func(cron string, d time.Duration) []Window {
		return []Window{{Cron: cron, Duration: d, TimeZone: berlin}}
	}
	runEvalCases(t, []evalCase{
		{"spring forward: a 02:30 start, which does not exist that day, is skipped until the next day",
			w("30 2 * * *", time.Hour), "2026-03-29T00:00:00+01:00",
			false, "2026-03-30T02:30:00+02:00", "", 0},
		{"spring forward: at 03:30 CEST the skipped 02:30 window is not open",
			w("30 2 * * *", 4*time.Hour), "2026-03-29T03:30:00+02:00",
			false, "2026-03-30T02:30:00+02:00", "", 0},
		{"spring forward: the window of the day before opened as usual",
			w("30 2 * * *", time.Hour), "2026-03-28T02:45:00+01:00",
			true, "", "2026-03-28T03:30:00+01:00", 0},
		{"spring forward: a 02:00 start is skipped too",
			w("0 2 * * *", 4*time.Hour), "2026-03-29T01:59:00+01:00",
			false, "2026-03-30T02:00:00+02:00", "", 0},
		{"spring forward: a 2h window from 01:00 closes 2 elapsed hours later, at 04:00 CEST",
			w("0 1 * * *", 2*time.Hour), "2026-03-29T03:30:00+02:00",
			true, "", "2026-03-29T04:00:00+02:00", 0},
		{"spring forward: that window is closed at 04:00 CEST",
			w("0 1 * * *", 2*time.Hour), "2026-03-29T04:00:00+02:00",
			false, "2026-03-30T01:00:00+02:00", "", 0},
		{"spring forward: a 03:00 start, the first instant after the gap, happens",
			w("0 3 * * *", time.Hour), "2026-03-29T01:59:00+01:00",
			false, "2026-03-29T03:00:00+02:00", "", 0},
		{"fall back: at the second 02:30 the window from the first 02:30 is still open, and closes after 2 elapsed hours",
			w("30 2 * * *", 2*time.Hour), "2026-10-25T02:30:00+01:00",
			true, "", "2026-10-25T03:30:00+01:00", 0},
		{"fall back: a 30m window does not open again at the second 02:30",
			w("30 2 * * *", 30*time.Minute), "2026-10-25T02:30:00+01:00",
			false, "2026-10-26T02:30:00+01:00", "", 0},
		{"fall back: the 02:30 window opens at its first occurrence, in summer time",
			w("30 2 * * *", 30*time.Minute), "2026-10-25T01:00:00+02:00",
			false, "2026-10-25T02:30:00+02:00", "", 0},
		{"fall back: an hourly window does not open at the second 02:00",
			w("0 * * * *", 30*time.Minute), "2026-10-25T02:00:00+01:00",
			false, "2026-10-25T03:00:00+01:00", "", 0},
		{"fall back: a 3h window from 01:00 CEST spans the change and closes at 03:00 CET, 3 elapsed hours later",
			w("0 1 * * *", 3*time.Hour), "2026-10-25T02:59:59+01:00",
			true, "", "2026-10-25T03:00:00+01:00", 0},
	})
}

// Daylight saving time, America/New_York: clocks go from 02:00 EST to 03:00 EDT on 8 March 2026 and
// from 02:00 EDT back to 01:00 EST on 1 November 2026.
func TestEvaluateAroundDaylightSavingTimeInNewYork(t *testing.T) {
	w := func(cron string, d time.Duration) []Window {
		return []Window{{Cron: cron, Duration: d, TimeZone: newYork}}
	}
	runEvalCases(t, []evalCase{
		{"spring forward: a 02:30 start, which does not exist that day, is skipped until the next day",
			w("30 2 * * *", time.Hour), "2026-03-08T01:00:00-05:00",
			false, "2026-03-09T02:30:00-04:00", "", 0},
		{"spring forward: a 2h window from 01:00 EST closes at 04:00 EDT, 2 elapsed hours later",
			w("0 1 * * *", 2*time.Hour), "2026-03-08T03:59:00-04:00",
			true, "", "2026-03-08T04:00:00-04:00", 0},
		{"fall back: a 1h window from the first 01:30 (EDT) closes at the second 01:30 (EST)",
			w("30 1 * * *", time.Hour), "2026-11-01T01:29:00-05:00",
			true, "", "2026-11-01T01:30:00-05:00", 0},
		{"fall back: the window does not open again at the second 01:30",
			w("30 1 * * *", time.Hour), "2026-11-01T01:30:00-05:00",
			false, "2026-11-02T01:30:00-05:00", "", 0},
		{"fall back: a 25h window from midnight spans the change and closes 25 elapsed hours later, at 00:00 the next day",
			w("0 0 1 11 *", 25*time.Hour), "2026-11-01T23:59:00-05:00",
			true, "", "2026-11-02T00:00:00-05:00", 0},
	})
}

func TestMessage(t *testing.T) {
	now := at(t, "2026-11-24T00:30:00Z")
	s := mustNew(t, Window{Cron: "0 2 * * MON-FRI", Duration: 4 * time.Hour, TimeZone: berlin})
	if got, want := s.Evaluate(now).Message(),
		"outside the maintenance window; the next one opens at 2026-11-24T02:00:00+01:00 (Europe/Berlin)"; got != want {
		t.Errorf("closed: Message() = %q, want %q", got, want)
	}
	if got, want := s.Evaluate(now.Add(time.Hour)).Message(),
		"inside the maintenance window until 2026-11-24T06:00:00+01:00 (Europe/Berlin)"; got != want {
		t.Errorf("open: Message() = %q, want %q", got, want)
	}
	utc := mustNew(t, Window{Cron: "0 0 * * MON", Duration: 7 * 24 * time.Hour})
	if got, want := utc.Evaluate(now).Message(),
		"inside the maintenance window; it stays open at least until 2028-01-03T00:00:00Z (UTC)"; got != want {
		t.Errorf("open for good: Message() = %q, want %q", got, want)
	}
}

func TestRequeueAfter(t *testing.T) {
	now := at(t, "2026-11-24T00:30:00Z")
	s := mustNew(t, Window{Cron: "0 2 * * MON-FRI", Duration: 4 * time.Hour, TimeZone: berlin})
	st := s.Evaluate(now)
	for _, tc := range []struct {
		name string
		now  time.Time
		want time.Duration
	}{
		{"the controller wakes when the window opens", now, 30 * time.Minute},
		{"a status evaluated a moment before its boundary waits the minimum, not zero", now.Add(30*time.Minute - time.Millisecond), MinRequeue},
		{"a status past its boundary waits the minimum", now.Add(time.Hour), MinRequeue},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := st.RequeueAfter(tc.now); got != tc.want {
				t.Errorf("RequeueAfter = %v, want %v", got, tc.want)
			}
		})
	}
	if got := s.Evaluate(now.Add(time.Hour)).RequeueAfter(now.Add(time.Hour)); got != 3*time.Hour+30*time.Minute {
		t.Errorf("open at 02:30: RequeueAfter = %v, want until the close at 06:00, 3h30m", got)
	}
}

// A controller that sleeps until RequeueAfter, on a fake clock, wakes exactly at each opening and each
// closing and at no other time, through weekends and a daylight saving change; and the schedule does
// not change between two wake-ups.
func TestRequeueAfterWakesTheControllerAtEachBoundaryOnly(t *testing.T) {
	s := mustNew(t,
		Window{Cron: "0 2 * * MON-FRI", Duration: 4 * time.Hour, TimeZone: berlin},
		Window{Cron: "30 5 * * SAT", Duration: 2 * time.Hour, TimeZone: newYork},
	)
	clk := clocktesting.NewFakeClock(at(t, "2026-10-19T12:00:07.5Z")) // a Monday, two weeks before both changes
	end := at(t, "2026-11-09T00:00:00Z")
	state := map[bool]string{true: "open", false: "closed"}
	var wakes []string
	for clk.Now().Before(end) {
		now := clk.Now()
		st := s.Evaluate(now)
		wakes = append(wakes, now.UTC().Format(time.RFC3339Nano)+" "+state[st.Open])
		// Nothing changes before the next wake-up: sample the minutes in between.
		next := now.Add(st.RequeueAfter(now))
		for m := now.Truncate(time.Minute).Add(time.Minute); m.Before(next); m = m.Add(7 * time.Minute) {
			if s.Evaluate(m).Open != st.Open {
				t.Fatalf("woke at %s (%s) and next at %s, but at %s the schedule is open=%v",
					format(now), st.Message(), format(next), format(m), !st.Open)
			}
		}
		clk.Step(st.RequeueAfter(now))
	}
	want := []string{"2026-10-19T12:00:07.5Z closed"}
	for _, d := range []string{"20", "21", "22", "23"} {
		want = append(want, "2026-10-"+d+"T02:00:00+02:00 open", "2026-10-"+d+"T06:00:00+02:00 closed")
	}
	want = append(want, "2026-10-24T05:30:00-04:00 open", "2026-10-24T07:30:00-04:00 closed")
	for _, d := range []string{"26", "27", "28", "29", "30"} { // Berlin is on CET from the 25th
		want = append(want, "2026-10-"+d+"T02:00:00+01:00 open", "2026-10-"+d+"T06:00:00+01:00 closed")
	}
	want = append(want, "2026-10-31T05:30:00-04:00 open", "2026-10-31T07:30:00-04:00 closed")
	for _, d := range []string{"02", "03", "04", "05", "06"} {
		want = append(want, "2026-11-"+d+"T02:00:00+01:00 open", "2026-11-"+d+"T06:00:00+01:00 closed")
	}
	want = append(want, "2026-11-07T05:30:00-05:00 open", "2026-11-07T07:30:00-05:00 closed") // New York on EST
	if len(wakes) != len(want) {
		t.Fatalf("woke %d times, want %d:\n%q", len(wakes), len(want), wakes)
	}
	for i := range want {
		when, what, _ := strings.Cut(want[i], " ")
		want[i] = at(t, when).UTC().Format(time.RFC3339Nano) + " " + what
		if wakes[i] != want[i] {
			t.Errorf("wake-up %d at %s, want %s", i, wakes[i], want[i])
		}
	}
}
