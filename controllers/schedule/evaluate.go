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
)

const (
	// LookAhead is how far ahead Evaluate searches for the next opening, or for the end of an open period.
	LookAhead = 400 * 24 * time.Hour
	// maxChain bounds the openings Evaluate follows to find where an open period ends, when each opening
	// starts before the previous one closes ("* * * * *" for 1m never closes); past it, Evaluate reports the
	// window open until at least the point reached.
	maxChain = 1000
)

// Status is what a schedule says at one instant.
type Status struct {
	// Open reports whether a new rollout step may start: at least one window is open.
	Open bool
	// OpensAt, when the schedule is closed, is when the next window opens: the earliest next start over
	// all windows. Zero when no window opens before CheckedUntil (a cron such as "0 0 30 2 *" never does).
	OpensAt time.Time
	// ClosesAt, when the schedule is open, is when it next closes: the end of the open period, following
	// windows (or later openings of the same window) that open before the current one closes, so the
	// schedule is open throughout [now, ClosesAt) and closed at ClosesAt. Zero when the open period goes
	// on past CheckedUntil.
	ClosesAt time.Time
	// CheckedUntil is how far Evaluate looked. When OpensAt or ClosesAt (whichever applies) is zero, Open
	// holds at least until CheckedUntil: evaluate again then.
	CheckedUntil time.Time
	// Window is the index of the window whose opening gives OpensAt or ClosesAt, or -1.
	Window int
	// TimeZone is that window's time zone name ("UTC" if it names none, or if Window is -1). OpensAt,
	// ClosesAt and CheckedUntil are in this zone, so they print with its offset.
	TimeZone string
}

// Evaluate says whether the schedule is open at now, and when that changes; see the package
// documentation for the rules. It looks ahead LookAhead at most.
func (s *Schedule) Evaluate(now time.Time) Status {
	limit := now.Add(LookAhead)
	st := Status{Window: -1, TimeZone: DefaultTimeZone}

	// The openings in progress: for each window its latest start s with now-duration < s <= now.
	closeAt, who := time.Time{}, -1
	for i, w := range s.windows {
		if start, ok := w.latestStart(now.Add(-w.duration), now); ok {
			if end := start.Add(w.duration); end.After(closeAt) {
				closeAt, who = end, i
			}
		}
	}
	if who >= 0 {
		st.Open = true
		for n := 0; ; n++ {
			if n == maxChain || closeAt.After(limit) {
				// Open for as far as we followed it.
				return st.at(s, who, time.Time{}, time.Time{}, closeAt)
			}
			extended := false
			for i, w := range s.windows {
				// An opening that starts by closeAt and ends after it keeps the schedule open.
				lo := closeAt.Add(-w.duration)
				if lo.Before(now) {
					lo = now
				}
				if start, ok := w.latestStart(lo, closeAt); ok {
					if end := start.Add(w.duration); end.After(closeAt) {
						closeAt, who, extended = end, i, true
					}
				}
			}
			if !extended {
				return st.at(s, who, time.Time{}, closeAt, closeAt)
			}
		}
	}

	opensAt := time.Time{}
	for i, w := range s.windows {
		if start, ok := w.nextStart(now, limit); ok && (who < 0 || start.Before(opensAt)) {
			opensAt, who = start, i
		}
	}
	if who < 0 {
		return st.at(s, -1, time.Time{}, time.Time{}, limit)
	}
	return st.at(s, who, opensAt, time.Time{}, opensAt)
}

// at fills in the times, in window who's zone.
func (st Status) at(s *Schedule, who int, opensAt, closesAt, checkedUntil time.Time) Status {
	loc := time.UTC
	if who >= 0 {
		loc = s.windows[who].loc
		st.TimeZone = loc.String()
	}
	st.Window = who
	in := func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		return t.In(loc)
	}
	st.OpensAt, st.ClosesAt, st.CheckedUntil = in(opensAt), in(closesAt), in(checkedUntil)
	return st
}

// NextChange is when Open may next change: ClosesAt if open, OpensAt if closed, or CheckedUntil if
// that one is zero.
func (st Status) NextChange() time.Time {
	switch {
	case st.Open && !st.ClosesAt.IsZero():
		return st.ClosesAt
	case !st.Open && !st.OpensAt.IsZero():
		return st.OpensAt
	}
	return st.CheckedUntil
}

// MinRequeue is the shortest wait RequeueAfter returns, so a status evaluated a moment before its
// boundary does not make the controller spin: a step starts at most this late, never early.
const MinRequeue = time.Second

// RequeueAfter is how long after now the controller should reconcile again to see the schedule change
// (NextChange), so that it needs no polling: at least MinRequeue. Pass the now given to Evaluate.
func (st Status) RequeueAfter(now time.Time) time.Duration {
	return max(st.NextChange().Sub(now), MinRequeue)
}

// Message says in one line what the status means, for a condition message or an event:
//
//	inside the maintenance window until 2026-11-24T06:00:00+01:00 (Europe/Berlin)
//	outside the maintenance window; the next one opens at 2026-11-24T02:00:00+01:00 (Europe/Berlin)
func (st Status) Message() string {
	switch {
	case st.Open && !st.ClosesAt.IsZero():
		return fmt.Sprintf("inside the maintenance window until %s (%s)", st.ClosesAt.Format(time.RFC3339), st.TimeZone)
	case st.Open:
		return fmt.Sprintf("inside the maintenance window; it stays open at least until %s (%s)",
			st.CheckedUntil.Format(time.RFC3339), st.TimeZone)
	case !st.OpensAt.IsZero():
		return fmt.Sprintf("outside the maintenance window; the next one opens at %s (%s)",
			st.OpensAt.Format(time.RFC3339), st.TimeZone)
	}
	return fmt.Sprintf("outside the maintenance window; no window opens in the next %d days (before %s): "+
		"check the windows' cron expressions", int(LookAhead/(24*time.Hour)), st.CheckedUntil.Format(time.RFC3339))
}

// nextStart returns the window's first start after `after` and not after limit.
//
// robfig/cron parsed the expression; the starts are found here rather than by its SpecSchedule.Next,
// which starts a repeated wall-clock time twice and misses starts where clocks change by half an hour
// (Australia/Lord_Howe). The search walks wall-clock readings in order, and a reading's instant is its
// first occurrence; readings are in the same order as their first occurrences.
func (w window) nextStart(after, limit time.Time) (time.Time, bool) {
	a := after.In(w.loc)
	// Instants after `after` read later than it does, unless clocks go back soon after it: by the step
	// back less the time until then. (Zones do not step back twice within hours.)
	var back time.Duration
	if _, end := a.ZoneBounds(); !end.IsZero() {
		_, before := a.Zone()
		_, next := end.Zone()
		back = max(0, time.Duration(before-next)*time.Second-end.Sub(a))
	}
	floor := wallClock(a).Add(-back).Truncate(time.Minute)
	// A civil date's instants lie within about a day of its wall-clock readings taken as UTC.
	last := wallClock(limit.In(w.loc)).Add(48 * time.Hour)
	spec := w.spec
	for day := time.Date(floor.Year(), floor.Month(), floor.Day(), 0, 0, 0, 0, time.UTC); !day.After(last); day = day.AddDate(0, 0, 1) {
		if spec.Month&(1<<uint(day.Month())) == 0 || !dayMatches(spec, day) {
			continue
		}
		for h := 0; h < 24; h++ {
			if spec.Hour&(1<<uint(h)) == 0 || day.Add(time.Duration(h+1)*time.Hour).Before(floor) {
				continue
			}
			for m := 0; m < 60; m++ {
				if spec.Minute&(1<<uint(m)) == 0 {
					continue
				}
				wall := day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
				if wall.Before(floor) {
					continue
				}
				s, ok := firstInstant(wall, w.loc)
				if !ok || !s.After(after) {
					continue
				}
				if s.After(limit) {
					return time.Time{}, false
				}
				return s, true
			}
		}
	}
	return time.Time{}, false
}

// dayMatches is robfig/cron's rule: when day-of-month or day-of-week starts with "*", a day must match
// both; otherwise either. day is a civil date (in UTC, whose weekday is the date's).
func dayMatches(s *cron.SpecSchedule, day time.Time) bool {
	const star = 1 << 63
	dom := s.Dom&(1<<uint(day.Day())) != 0
	dow := s.Dow&(1<<uint(day.Weekday())) != 0
	if s.Dom&star != 0 || s.Dow&star != 0 {
		return dom && dow
	}
	return dom || dow
}

// wallClock returns t's wall-clock reading as the instant that reads the same in UTC.
func wallClock(t time.Time) time.Time {
	y, mo, d := t.Date()
	h, mi, sec := t.Clock()
	return time.Date(y, mo, d, h, mi, sec, t.Nanosecond(), time.UTC)
}

// firstInstant returns the first instant whose reading in loc is wall (a reading taken as UTC), or
// false if clocks in loc skip that reading.
func firstInstant(wall time.Time, loc *time.Location) (time.Time, bool) {
	t := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, loc)
	if !wallClock(t).Equal(wall) {
		return time.Time{}, false
	}
	// time.Date may pick either occurrence of a repeated reading: take the first.
	if start, _ := t.ZoneBounds(); !start.IsZero() {
		_, offset := t.Zone()
		_, before := start.Add(-time.Nanosecond).Zone()
		if fold := time.Duration(before-offset) * time.Second; fold > 0 && t.Before(start.Add(fold)) {
			return t.Add(-fold), true
		}
	}
	return t, true
}

// latestStart returns the window's last start s with lo < s <= hi.
func (w window) latestStart(lo, hi time.Time) (time.Time, bool) {
	best, ok := w.nextStart(lo, hi)
	if !ok {
		return time.Time{}, false
	}
	// Starts fall on whole seconds (minutes, in fact), and nextStart is monotonic: bisect on seconds
	// between the latest start known and hi for a later one.
	b, h := best.Unix(), hi.Unix()
	if hi.Before(time.Unix(h, 0)) { // hi before 1970 has a negative fraction
		h--
	}
	for b < h {
		m := b + (h-b+1)/2
		if s, ok := w.nextStart(time.Unix(m-1, 0), hi); ok {
			best, b = s, s.Unix()
		} else {
			h = m - 1
		}
	}
	return best, true
}
