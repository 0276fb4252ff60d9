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

package main

import (
	"fmt"
	"strings"
)

// The grammar cronPattern spells out, the one schedule.ValidateCron checks:
//
//	expr  = field " "+ field " "+ field " "+ field " "+ field
//	field = item ("," item)*
//	item  = ("*" | value | value "-" value) ["/" step]    where the range's first value <= its second
//	value = one or two digits in the field's range, or (month, day-of-week) a three-letter name in any case
//	step  = one or two digits, 1 to the field's maximum
//
// Day-of-week is 0-7 (7 is Sunday), except that "7/step" is refused. The regular expression uses no
// backslash and no inline flag, so it can be pasted into a CEL string literal, a kubebuilder marker and
// an OpenAPI pattern (RE2 or ECMA-262) unchanged; ranges are checked for order by listing, for each first
// value, the second values allowed.

type patternField struct {
	min, max int
	names    []string // names[i] is the name of value min+i; nil for numeric fields
}

var patternFields = []patternField{
	{min: 0, max: 59},
	{min: 0, max: 23},
	{min: 1, max: 31},
	{min: 1, max: 12, names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
	{min: 0, max: 7, names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}},
}

// cronPattern returns the regular expression for the grammar above.
func cronPattern() string {
	parts := make([]string, len(patternFields))
	for i, f := range patternFields {
		it := itemPattern(f, i == len(patternFields)-1)
		parts[i] = it + "(," + it + ")*"
	}
	return "^" + strings.Join(parts, " +") + "$"
}

func itemPattern(f patternField, dow bool) string {
	step := "([/](" + numbers(1, f.max) + "))?"
	if !dow {
		return "([*]|" + ranges(f) + "|" + values(f, f.min, f.max) + ")" + step
	}
	// Day-of-week: 7 alone or as a range's end, never as "7/step".
	return "(([*]|" + ranges(f) + "|" + values(f, f.min, 6) + ")" + step + "|" + numbers(7, 7) + ")"
}

// values matches the values lo..hi of f, as numbers or names.
func values(f patternField, lo, hi int) string {
	alts := []string{numbers(lo, hi)}
	for v := lo; v <= hi; v++ {
		if n := name(f, v); n != "" {
			alts = append(alts, n)
		}
	}
	return strings.Join(alts, "|")
}

// ranges matches "a-b" with f.min <= a <= b <= f.max.
func ranges(f patternField) string {
	var alts []string
	if f.names != nil {
		// Few values: list each first value with the second values allowed after it.
		for a := f.min; a <= f.max; a++ {
			alts = append(alts, "("+values(f, a, a)+")-("+values(f, a, f.max)+")")
		}
		return strings.Join(alts, "|")
	}
	// Numeric fields: group the first values by their tens digit T. A second value with the same tens
	// digit needs a unit digit at least as large; one with a larger tens digit can follow any of them.
	for t := f.min / 10; t <= f.max/10; t++ {
		uLo, uHi := unitsOf(t, f.min, f.max)
		for u := uLo; u <= uHi; u++ {
			alts = append(alts, tensPrefix(t)+fmt.Sprint(u)+"-"+tensPrefix(t)+class(u, uHi))
		}
		if t < f.max/10 {
			alts = append(alts, tensPrefix(t)+class(uLo, uHi)+"-("+numbers(10*(t+1), f.max)+")")
		}
	}
	return strings.Join(alts, "|")
}

// numbers matches the integers lo..hi written with one or two digits (a leading zero is allowed below 10).
func numbers(lo, hi int) string {
	var alts []string
	for t := lo / 10; t <= hi/10; {
		uLo, uHi := unitsOf(t, lo, hi)
		if uLo == 0 && uHi == 9 && t > 0 {
			// Merge the run of complete tens t..t2 into one class.
			t2 := t
			for t2+1 <= hi/10 {
				if l, h := unitsOf(t2+1, lo, hi); l != 0 || h != 9 {
					break
				}
				t2++
			}
			alts = append(alts, class(t, t2)+"[0-9]")
			t = t2 + 1
			continue
		}
		alts = append(alts, tensPrefix(t)+class(uLo, uHi))
		t++
	}
	return strings.Join(alts, "|")
}

// unitsOf returns the unit digits of the numbers in lo..hi whose tens digit is t.
func unitsOf(t, lo, hi int) (int, int) {
	uLo, uHi := 0, 9
	if t == lo/10 {
		uLo = lo % 10
	}
	if t == hi/10 {
		uHi = hi % 10
	}
	return uLo, uHi
}

func tensPrefix(t int) string {
	if t == 0 {
		return "0?"
	}
	return fmt.Sprint(t)
}

func class(lo, hi int) string {
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("[%d-%d]", lo, hi)
}

// name returns the case-insensitive pattern of value v's name, or "" if it has none.
func name(f patternField, v int) string {
	i := v - f.min
	if f.names == nil || i >= len(f.names) {
		return ""
	}
	var b strings.Builder
	for _, r := range f.names[i] {
		fmt.Fprintf(&b, "[%c%c]", r, r-'A'+'a')
	}
	return b.String()
}
