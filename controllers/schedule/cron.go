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
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/robfig/cron/v3"
)

// cronField describes one of the five fields of a cron expression.
type cronField struct {
	name     string
	min, max int
	// names maps lower-case names to values (months and days of the week only).
	names map[string]int
	// namesHelp says which names the field takes, for messages.
	namesHelp string
}

var cronFields = [5]cronField{
	{name: "minute", min: 0, max: 59},
	{name: "hour", min: 0, max: 23},
	{name: "day-of-month", min: 1, max: 31},
	{name: "month", min: 1, max: 12, names: monthNames, namesHelp: "JAN-DEC"},
	// 7 is Sunday as well as 0, as in Vixie cron; robfig/cron knows only 0-6, so normalizeCron rewrites it.
	{name: "day-of-week", min: 0, max: 7, names: weekdayNames, namesHelp: "SUN-SAT"},
}

const dowField = 4

var monthNames = map[string]int{
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
	"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}

var weekdayNames = map[string]int{
	"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6,
}

// descriptorEquivalents are robfig/cron's "@" descriptors this package refuses, with the expression to write instead.
var descriptorEquivalents = map[string]string{
	"@yearly":   "0 0 1 1 *",
	"@annually": "0 0 1 1 *",
	"@monthly":  "0 0 1 * *",
	"@weekly":   "0 0 * * 0",
	"@daily":    "0 0 * * *",
	"@midnight": "0 0 * * *",
	"@hourly":   "0 * * * *",
}

// cronParser is robfig/cron's parser for the standard five fields, without descriptors.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// item is one comma-separated element of a field after checking: the values it covers are
// start, start+step, ... up to end.
type item struct {
	star             bool
	start, end, step int
	hasRange         bool // "a-b"
	hasStep          bool // "/n"
}

// ValidateCron reports whether expr is a cron expression this package accepts: exactly five fields
// (minute hour day-of-month month day-of-week) separated by spaces, each a comma-separated list of
// "*", a value or a range "a-b" (a <= b), optionally followed by "/step"; values are numbers of one or
// two digits in the field's range, or, for month and day-of-week, three-letter English names in any case;
// day-of-week 7 is Sunday, like 0; "N/step" means N to the field's maximum by step (robfig/cron's reading),
// and is not accepted for day-of-week 7. Descriptors (@daily, @every 1h), a seconds field, "?", "L", "W",
// "#" and a TZ= prefix are refused. The error says what is wrong in words; it does not repeat expr.
//
// CronPattern accepts exactly the expressions ValidateCron accepts.
func ValidateCron(expr string) error {
	_, err := checkCron(expr)
	return err
}

// checkCron validates expr and returns its fields' items.
func checkCron(expr string) ([5][]item, error) {
	var out [5][]item
	switch {
	case expr == "":
		return out, errors.New("must not be empty; write a five-field expression such as \"0 2 * * MON-FRI\"")
	case strings.HasPrefix(expr, "@"):
		word, _, _ := strings.Cut(expr, " ")
		if eq, ok := descriptorEquivalents[strings.ToLower(word)]; ok && word == expr {
			return out, fmt.Errorf("descriptors such as %s are not supported; write %q instead", word, eq)
		}
		return out, fmt.Errorf("descriptors such as %s are not supported; write a five-field expression "+
			"(minute hour day-of-month month day-of-week) and set the window's duration", word)
	case strings.HasPrefix(expr, "TZ=") || strings.HasPrefix(expr, "CRON_TZ="):
		return out, errors.New("a TZ= or CRON_TZ= prefix is not supported; set the window's timeZone instead")
	case strings.TrimLeft(expr, " ") != expr || strings.TrimRight(expr, " ") != expr:
		return out, errors.New("must not begin or end with a space")
	}
	for _, r := range expr {
		if !(r == ' ' || r == '*' || r == ',' || r == '-' || r == '/' ||
			('0' <= r && r <= '9') || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z')) {
			if r == '?' {
				return out, errors.New("\"?\" is not supported; use \"*\"")
			}
			return out, fmt.Errorf("%q is not allowed: a field holds only digits, names, and the characters * , - /; "+
				"fields are separated by spaces", r)
		}
	}
	fields := strings.Fields(expr)
	if len(fields) != 5 {
		msg := fmt.Sprintf("must have exactly 5 fields (minute hour day-of-month month day-of-week), found %d", len(fields))
		if len(fields) == 6 {
			msg += "; a seconds field or a year field is not supported"
		}
		return out, errors.New(msg)
	}
	for i, text := range fields {
		items, err := checkField(cronFields[i], i == dowField, text)
		if err != nil {
			return out, fmt.Errorf("%s field %q: %w", cronFields[i].name, text, err)
		}
		out[i] = items
	}
	return out, nil
}

func checkField(f cronField, dow bool, text string) ([]item, error) {
	parts := strings.Split(text, ",")
	items := make([]item, 0, len(parts))
	for _, p := range parts {
		if p == "" {
			return nil, errors.New("empty list element; commas separate values, ranges or steps")
		}
		it, err := checkItem(f, dow, p)
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, nil
}

func checkItem(f cronField, dow bool, text string) (item, error) {
	var it item
	body, stepText, hasStep := strings.Cut(text, "/")
	if hasStep {
		if strings.Contains(stepText, "/") {
			return it, fmt.Errorf("%q has more than one \"/\"", text)
		}
		step, err := number(stepText)
		if err != nil {
			return it, fmt.Errorf("step %q: %w", stepText, err)
		}
		// A step beyond the field's largest value could only ever reach the first value: a mistake.
		if step < 1 || step > f.max {
			return it, fmt.Errorf("step %d is out of range 1-%d", step, f.max)
		}
		it.step, it.hasStep = step, true
	} else {
		it.step = 1
	}
	if body == "*" {
		it.star, it.start, it.end = true, f.min, f.max
		if dow {
			it.end = 6 // "*" is 0-6 (robfig/cron's reading), so "*/2" does not list Sunday twice.
		}
		return it, nil
	}
	if strings.Contains(body, "*") {
		return it, fmt.Errorf("%q: \"*\" stands alone, or as \"*/step\"", text)
	}
	lowText, highText, isRange := strings.Cut(body, "-")
	if isRange && strings.Contains(highText, "-") {
		return it, fmt.Errorf("%q has more than one \"-\"", text)
	}
	low, err := value(f, lowText)
	if err != nil {
		return it, err
	}
	it.start, it.end = low, low
	if isRange {
		high, err := value(f, highText)
		if err != nil {
			return it, err
		}
		if high < low {
			return it, fmt.Errorf("range %q goes backwards: %d comes after %d; write the smaller value first", body, low, high)
		}
		it.end, it.hasRange = high, true
	} else if hasStep {
		// "N/step" is N to the maximum by step, as robfig/cron reads it.
		it.end = f.max
		if dow {
			if low == 7 {
				return it, fmt.Errorf("%q: 7/step is not supported; write 0/step or a range", text)
			}
			it.end = 6
		}
	}
	return it, nil
}

// value parses a number or, for fields with names, a name.
func value(f cronField, text string) (int, error) {
	if text == "" {
		return 0, errors.New("a range needs a value on each side of \"-\"")
	}
	if c := text[0]; 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
		if f.names == nil {
			return 0, fmt.Errorf("%q is not a number; names are allowed only in the month and day-of-week fields", text)
		}
		v, ok := f.names[strings.ToLower(text)]
		if !ok {
			return 0, fmt.Errorf("%q is not a %s name (%s) or a number %d-%d", text, f.name, f.namesHelp, f.min, f.max)
		}
		return v, nil
	}
	v, err := number(text)
	if err != nil {
		return 0, err
	}
	if v < f.min || v > f.max {
		return 0, fmt.Errorf("%d is out of range %d-%d", v, f.min, f.max)
	}
	return v, nil
}

// number parses one or two decimal digits.
func number(text string) (int, error) {
	if text == "" {
		return 0, errors.New("a number is missing")
	}
	for _, r := range text {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("%q is not a number", text)
		}
	}
	if len(text) > 2 {
		return 0, fmt.Errorf("%q has more than two digits", text)
	}
	v, err := strconv.Atoi(text)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", text)
	}
	return v, nil
}

// parseCron validates expr and returns robfig/cron's schedule for it, in UTC until the caller sets its location.
func parseCron(expr string) (*cron.SpecSchedule, error) {
	fields, err := checkCron(expr)
	if err != nil {
		return nil, err
	}
	spec := normalizeCron(expr, fields)
	sched, err := cronParser.Parse(spec)
	if err != nil {
		// checkCron accepts only what robfig/cron parses; this is a bug in this package.
		return nil, fmt.Errorf("internal error: robfig/cron refused %q (from %q): %w", spec, expr, err)
	}
	ss, ok := sched.(*cron.SpecSchedule)
	if !ok {
		return nil, fmt.Errorf("internal error: robfig/cron returned a %T for %q", sched, expr)
	}
	return ss, nil
}

// normalizeCron rewrites the day-of-week items that use 7 (Sunday) into values robfig/cron takes (0-6);
// every other item is passed to robfig/cron as written.
func normalizeCron(expr string, fields [5][]item) string {
	texts := strings.Fields(expr)
	dowTexts := strings.Split(texts[dowField], ",")
	for i, it := range fields[dowField] {
		if it.star || it.end != 7 {
			continue
		}
		var vals []string
		for v := it.start; v <= it.end; v += it.step {
			vals = append(vals, strconv.Itoa(v%7))
		}
		dowTexts[i] = strings.Join(vals, ",")
	}
	texts[dowField] = strings.Join(dowTexts, ",")
	return strings.Join(texts, " ")
}
