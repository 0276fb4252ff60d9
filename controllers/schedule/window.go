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
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const (
	// MaxWindows is the most windows a schedule may list. It bounds the CEL cost of the rules on each window.
	MaxWindows = 10
	// MinDuration is the shortest window: cron's resolution is a minute, and a shorter window is almost
	// certainly a typo (30s for 30m).
	MinDuration = time.Minute
	// MaxDuration is the longest window, 7 days: a window open for longer than its cron's period is a
	// schedule that is always open, better said by leaving the schedule out; and Evaluate looks back at
	// most this far for an opening still in progress.
	MaxDuration = 7 * 24 * time.Hour
	// MaxCronLength is the longest cron expression accepted; it bounds the CEL cost of matching the pattern.
	MaxCronLength = 100
	// DefaultTimeZone is the zone of a window that names none.
	DefaultTimeZone = "UTC"
)

// Window is one maintenance window, as the API declares it.
type Window struct {
	// Cron is a standard five-field cron expression (see ValidateCron); each time it matches, in TimeZone,
	// the window opens.
	Cron string
	// Duration is how long the window stays open after each start, in elapsed time.
	Duration time.Duration
	// TimeZone is an IANA time zone name such as Europe/Berlin; empty means UTC.
	TimeZone string
}

// Validate checks a schedule's windows: at least one and at most MaxWindows, each valid as ValidateWindow
// says. path is the windows list's path, such as field.NewPath("spec", "schedule", "windows"); errors read
// like `spec.schedule.windows[0].cron: Invalid value: "0 25 * * *": hour field "25": 25 is out of range 0-23`.
func Validate(path *field.Path, windows []Window) field.ErrorList {
	var errs field.ErrorList
	switch {
	case len(windows) == 0:
		errs = append(errs, field.Required(path, "a schedule needs at least one window"))
	case len(windows) > MaxWindows:
		errs = append(errs, field.TooMany(path, len(windows), MaxWindows))
	}
	for i, w := range windows {
		errs = append(errs, ValidateWindow(path.Index(i), w)...)
	}
	return errs
}

// ValidateWindow checks one window: its cron expression (ValidateCron), its duration (MinDuration to
// MaxDuration) and its time zone (ValidateTimeZone). path is the window's path, such as
// field.NewPath("spec", "schedule", "windows").Index(0).
func ValidateWindow(path *field.Path, w Window) field.ErrorList {
	var errs field.ErrorList
	if len(w.Cron) > MaxCronLength {
		errs = append(errs, field.TooLong(path.Child("cron"), w.Cron, MaxCronLength))
	} else if err := ValidateCron(w.Cron); err != nil {
		errs = append(errs, field.Invalid(path.Child("cron"), w.Cron, err.Error()))
	}
	switch {
	case w.Duration <= 0:
		errs = append(errs, field.Invalid(path.Child("duration"), w.Duration.String(),
			"must be positive: how long the window stays open after each start, such as 4h"))
	case w.Duration < MinDuration:
		errs = append(errs, field.Invalid(path.Child("duration"), w.Duration.String(),
			fmt.Sprintf("must be at least %s", formatDuration(MinDuration))))
	case w.Duration > MaxDuration:
		errs = append(errs, field.Invalid(path.Child("duration"), w.Duration.String(),
			fmt.Sprintf("must be at most %s (7 days)", formatDuration(MaxDuration))))
	}
	if err := ValidateTimeZone(w.TimeZone); err != nil {
		errs = append(errs, field.Invalid(path.Child("timeZone"), w.TimeZone, err.Error()))
	}
	return errs
}

// Schedule is a validated set of windows, ready to evaluate. It is immutable and safe for concurrent use.
type Schedule struct {
	windows []window
}

type window struct {
	spec     *cron.SpecSchedule
	duration time.Duration
	loc      *time.Location
}

// New validates windows (see Validate; path is the windows list's path) and compiles them.
// The error, if any, is a field.ErrorList's aggregate: every problem, one per path.
func New(path *field.Path, windows []Window) (*Schedule, error) {
	if errs := Validate(path, windows); len(errs) > 0 {
		return nil, errs.ToAggregate()
	}
	s := &Schedule{windows: make([]window, len(windows))}
	for i, w := range windows {
		spec, err := parseCron(w.Cron)
		if err != nil {
			return nil, field.ErrorList{field.InternalError(path.Index(i).Child("cron"), err)}.ToAggregate()
		}
		loc, err := loadLocation(w.TimeZone)
		if err != nil {
			return nil, field.ErrorList{field.InternalError(path.Index(i).Child("timeZone"), err)}.ToAggregate()
		}
		spec.Location = loc
		s.windows[i] = window{spec: spec, duration: w.Duration, loc: loc}
	}
	return s, nil
}

func loadLocation(name string) (*time.Location, error) {
	if name == "" {
		name = DefaultTimeZone
	}
	return time.LoadLocation(name)
}

// formatDuration writes 168h0m0s as 168h and 1m0s as 1m.
func formatDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}
