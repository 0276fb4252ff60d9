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

	"k8s.io/apimachinery/pkg/util/validation/field"
)

var windowsPath = field.NewPath("schedule", "windows")

func TestValidateSaysWhichFieldOfWhichWindowIsWrong(t *testing.T) {
	ok := Window{Cron: "0 2 * * MON-FRI", Duration: 4 * time.Hour, TimeZone: "Europe/Berlin"}
	with := func(f func(*Window)) []Window {
		w := ok
		f(&w)
		return []Window{ok, w}
	}
	for _, tc := range []struct {
		name    string
		windows []Window
		want    []string // the whole messages, in order
	}{
		{"a valid window passes", []Window{ok}, nil},
		{"a window without a time zone is in UTC and passes", with(func(w *Window) { w.TimeZone = "" }), nil},
		{"a window of exactly 7 days passes", with(func(w *Window) { w.Duration = 7 * 24 * time.Hour }), nil},
		{"a window of exactly 1 minute passes", with(func(w *Window) { w.Duration = time.Minute }), nil},
		{"a schedule without windows is refused", nil,
			[]string{"schedule.windows: Required value: a schedule needs at least one window"}},
		{"a schedule with more than ten windows is refused", make11(ok),
			[]string{"schedule.windows: Too many: 11: must have at most 10 items"}},
		{"an out-of-range hour names the window, the field and the value", with(func(w *Window) { w.Cron = "0 25 * * *" }),
			[]string{`schedule.windows[1].cron: Invalid value: "0 25 * * *": hour field "25": 25 is out of range 0-23`}},
		{"six fields are refused", with(func(w *Window) { w.Cron = "0 0 2 * * *" }),
			[]string{`schedule.windows[1].cron: Invalid value: "0 0 2 * * *": must have exactly 5 fields (minute hour day-of-month month day-of-week), found 6; a seconds field or a year field is not supported`}},
		{"an unknown name is refused", with(func(w *Window) { w.Cron = "0 2 * * MON-FRY" }),
			[]string{`schedule.windows[1].cron: Invalid value: "0 2 * * MON-FRY": day-of-week field "MON-FRY": "FRY" is not a day-of-week name (SUN-SAT) or a number 0-7`}},
		{"@every is refused", with(func(w *Window) { w.Cron = "@every 4h" }),
			[]string{`schedule.windows[1].cron: Invalid value: "@every 4h": descriptors such as @every are not supported; write a five-field expression (minute hour day-of-month month day-of-week) and set the window's duration`}},
		{"@daily is refused with its five-field form", with(func(w *Window) { w.Cron = "@daily" }),
			[]string{`schedule.windows[1].cron: Invalid value: "@daily": descriptors such as @daily are not supported; write "0 0 * * *" instead`}},
		{"an overlong cron expression is refused before it is parsed", with(func(w *Window) { w.Cron = strings.Repeat("1,", 60) + "1 * * * *" }),
			[]string{`schedule.windows[1].cron: Too long: may not be more than 100 bytes`}},
		{"an unknown time zone is refused", with(func(w *Window) { w.TimeZone = "Mars/Olympus_Mons" }),
			[]string{`schedule.windows[1].timeZone: Invalid value: "Mars/Olympus_Mons": unknown time zone; use an IANA time zone name such as Europe/Berlin, America/New_York or UTC`}},
		{"a zero duration is refused", with(func(w *Window) { w.Duration = 0 }),
			[]string{`schedule.windows[1].duration: Invalid value: "0s": must be positive: how long the window stays open after each start, such as 4h`}},
		{"a negative duration is refused", with(func(w *Window) { w.Duration = -time.Hour }),
			[]string{`schedule.windows[1].duration: Invalid value: "-1h0m0s": must be positive: how long the window stays open after each start, such as 4h`}},
		{"a duration under a minute is refused", with(func(w *Window) { w.Duration = 30 * time.Second }),
			[]string{`schedule.windows[1].duration: Invalid value: "30s": must be at least 1m`}},
		{"a duration over 7 days is refused", with(func(w *Window) { w.Duration = 7*24*time.Hour + time.Second }),
			[]string{`schedule.windows[1].duration: Invalid value: "168h0m1s": must be at most 168h (7 days)`}},
		{"every problem of a window is reported, each at its own path",
			[]Window{{Cron: "0 2 * * * *", Duration: 0, TimeZone: "Berlin"}},
			[]string{
				`schedule.windows[0].cron: Invalid value: "0 2 * * * *": must have exactly 5 fields (minute hour day-of-month month day-of-week), found 6; a seconds field or a year field is not supported`,
				`schedule.windows[0].duration: Invalid value: "0s": must be positive: how long the window stays open after each start, such as 4h`,
				`schedule.windows[0].timeZone: Invalid value: "Berlin": unknown time zone; use an IANA time zone name such as Europe/Berlin, America/New_York or UTC`,
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := Validate(windowsPath, tc.windows)
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("Validate:\n got %q\nwant %q", got, tc.want)
			}
			s, err := New(windowsPath, tc.windows)
			if (err == nil) != (len(tc.want) == 0) || (err == nil) != (s != nil) {
				t.Errorf("New = %v, %v; Validate = %v", s, err, errs)
			}
			if err != nil && len(tc.want) == 1 && err.Error() != tc.want[0] {
				t.Errorf("New's error = %q, want %q", err, tc.want[0])
			}
		})
	}
}

func make11(w Window) []Window {
	ws := make([]Window, 11)
	for i := range ws {
		ws[i] = w
	}
	return ws
}
