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
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/robfig/cron/v3"
)

var cronRegexp = regexp.MustCompile(CronPattern)

// validCrons are expressions ValidateCron accepts; the pattern must match them all.
var validCrons = []string{
	"0 2 * * MON-FRI",
	"* * * * *",
	"*/15 * * * *",
	"0 0 1 1 *",
	"59 23 31 12 7",
	"0 2 * * mon-fri",
	"0 2 * * Mon-Fri",
	"0 2 * jan,JUL Sun",
	"00 02 01 01 00",
	"05 2 * * *",
	"0-59 0-23 1-31 1-12 0-7",
	"0,15,30,45 */2 1-15/2 */3 1-5",
	"5/15 * * * *",
	"0 2 * * 0/2",
	"0 2 * * SAT/1",
	"0 2 * * 5-7",
	"0 2 * * 7",
	"0 2 * * 07",
	"0 2 * * 7-7",
	"0 2 * * 1-7/2",
	"0 2 * * SUN-7",
	"0 2 * FEB-12 *",
	"0 2 * 1-DEC *",
	"0 0 30 2 *",
	"0 2  *   * *",
	"*/59 */23 */31 */12 */7",
	"5-5 5 5 5 5",
	"0 2 * * MON,7,TUE-WED/1",
	"0 0 29 2 *",
}

// invalidCrons are expressions ValidateCron refuses, with a part of the message it must give.
var invalidCrons = []struct {
	name, expr, want string
}{
	{"an empty expression is refused", "", "must not be empty"},
	{"the @daily descriptor is refused with the expression to write instead", "@daily", `descriptors such as @daily are not supported; write "0 0 * * *" instead`},
	{"the @hourly descriptor in capitals is refused the same way", "@HOURLY", `write "0 * * * *" instead`},
	{"the @every descriptor is refused with a hint to use a duration", "@every 1h", "descriptors such as @every are not supported; write a five-field expression"},
	{"an unknown descriptor is refused", "@reboot", "descriptors such as @reboot are not supported"},
	{"a TZ= prefix is refused in favour of timeZone", "TZ=Europe/Berlin 0 2 * * *", "set the window's timeZone instead"},
	{"a CRON_TZ= prefix is refused in favour of timeZone", "CRON_TZ=UTC 0 2 * * *", "a TZ= or CRON_TZ= prefix is not supported"},
	{"a TZ= prefix without a space does not crash robfig/cron's parser", "TZ=UTC", "prefix is not supported"},
	{"a leading space is refused", " 0 2 * * *", "must not begin or end with a space"},
	{"a trailing space is refused", "0 2 * * * ", "must not begin or end with a space"},
	{"a question mark is refused with a hint to use a star", "0 2 ? * MON", `"?" is not supported; use "*"`},
	{"a tab between fields is refused", "0\t2 * * *", `'\t' is not allowed`},
	{"Quartz's # is refused", "0 2 * * MON#1", `'#' is not allowed`},
	{"four fields are refused", "0 2 * *", "must have exactly 5 fields (minute hour day-of-month month day-of-week), found 4"},
	{"six fields are refused with a hint about seconds", "0 0 2 * * *", "found 6; a seconds field or a year field is not supported"},
	{"seven fields are refused", "0 0 2 * * * 2026", "found 7"},
	{"an empty list element is refused", "0,,30 2 * * *", `minute field "0,,30": empty list element`},
	{"a leading comma is refused", "0 ,2 * * *", `hour field ",2": empty list element`},
	{"two slashes are refused", "*/5/2 * * * *", `"*/5/2" has more than one "/"`},
	{"a step that is not a number is refused", "*/x * * * *", `step "x": "x" is not a number`},
	{"a missing step is refused", "*/ * * * *", `step "": a number is missing`},
	{"a step of three digits is refused", "*/005 * * * *", `step "005": "005" has more than two digits`},
	{"a zero step is refused", "*/0 * * * *", "step 0 is out of range 1-59"},
	{"a step beyond the field's maximum is refused", "0 */24 * * *", "hour field \"*/24\": step 24 is out of range 1-23"},
	{"a day-of-week step of 8 is refused", "0 2 * * */8", "step 8 is out of range 1-7"},
	{"a star in a range is refused", "*-5 * * * *", `"*-5": "*" stands alone, or as "*/step"`},
	{"a range ending in a star is refused", "5-* * * * *", `"*" stands alone`},
	{"two hyphens are refused", "1-2-3 * * * *", `"1-2-3" has more than one "-"`},
	{"a range without a start is refused", "-5 * * * *", `a range needs a value on each side of "-"`},
	{"a range without an end is refused", "5- * * * *", `a range needs a value on each side of "-"`},
	{"a name in the minute field is refused", "MON 2 * * *", `"MON" is not a number; names are allowed only in the month and day-of-week fields`},
	{"Quartz's L is refused", "0 2 L * *", `day-of-month field "L": "L" is not a number`},
	{"an unknown month name is refused", "0 2 * FOO *", `month field "FOO": "FOO" is not a month name (JAN-DEC) or a number 1-12`},
	{"a full month name is refused", "0 2 * January *", `"January" is not a month name (JAN-DEC)`},
	{"a weekday name in the month field is refused", "0 2 * MON *", `"MON" is not a month name`},
	{"an unknown weekday name is refused", "0 2 * * MOM", `day-of-week field "MOM": "MOM" is not a day-of-week name (SUN-SAT) or a number 0-7`},
	{"a number with a letter is refused", "1a 2 * * *", `"1a" is not a number`},
	{"a plus sign is refused", "+5 2 * * *", `'+' is not allowed`},
	{"a number of three digits is refused", "005 2 * * *", `"005" has more than two digits`},
	{"minute 60 is refused", "60 2 * * *", `minute field "60": 60 is out of range 0-59`},
	{"hour 24 is refused", "0 24 * * *", `hour field "24": 24 is out of range 0-23`},
	{"hour 25 is refused", "0 25 * * *", "25 is out of range 0-23"},
	{"day-of-month 0 is refused", "0 2 0 * *", `day-of-month field "0": 0 is out of range 1-31`},
	{"day-of-month 32 is refused", "0 2 32 * *", "32 is out of range 1-31"},
	{"month 0 is refused", "0 2 * 0 *", `month field "0": 0 is out of range 1-12`},
	{"month 13 is refused", "0 2 * 13 *", "13 is out of range 1-12"},
	{"day-of-week 8 is refused", "0 2 * * 8", `day-of-week field "8": 8 is out of range 0-7`},
	{"a backwards range is refused", "0 2 * * 5-1", `range "5-1" goes backwards: 5 comes after 1; write the smaller value first`},
	{"a backwards named range is refused", "0 2 * * FRI-MON", `range "FRI-MON" goes backwards`},
	{"a range from Sunday 7 back to Sunday 0 is refused", "0 2 * * 7-SUN", "goes backwards"},
	{"a backwards hour range is refused", "0 22-2 * * *", `hour field "22-2": range "22-2" goes backwards`},
	{"7/step in day-of-week is refused", "0 2 * * 7/2", `"7/2": 7/step is not supported`},
	{"a negative number is refused", "0 2 * * -1", "a range needs a value on each side"},
}

func TestValidateCronAcceptsStandardExpressions(t *testing.T) {
	for _, expr := range validCrons {
		if err := ValidateCron(expr); err != nil {
			t.Errorf("ValidateCron(%q) = %v, want nil", expr, err)
		}
		if !cronRegexp.MatchString(expr) {
			t.Errorf("CronPattern does not match %q, which ValidateCron accepts", expr)
		}
	}
}

func TestValidateCronRefusesWithAMessageAPersonUnderstands(t *testing.T) {
	for _, tc := range invalidCrons {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateCron(tc.expr)
			if err == nil {
				t.Fatalf("ValidateCron(%q) = nil, want an error containing %q", tc.expr, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ValidateCron(%q) = %q, want it to contain %q", tc.expr, err, tc.want)
			}
			if cronRegexp.MatchString(tc.expr) {
				t.Errorf("CronPattern matches %q, which ValidateCron refuses", tc.expr)
			}
		})
	}
}

// The expressions ValidateCron accepts reach robfig/cron unchanged (except day-of-week 7) and mean to it
// what they mean to us: the schedule built from the normalised expression equals robfig/cron's own
// reading of the original, and day-of-week 7 lands on Sunday.
func TestParseCronMeansWhatRobfigCronMeans(t *testing.T) {
	std := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)
	for _, expr := range validCrons {
		got, err := parseCron(expr)
		if err != nil {
			t.Fatalf("parseCron(%q): %v", expr, err)
		}
		fields := strings.Fields(expr)
		if !strings.Contains(fields[dowField], "7") {
			s, err := std.Parse(expr)
			if err != nil {
				t.Fatalf("robfig/cron refuses %q: %v", expr, err)
			}
			if want := s.(*cron.SpecSchedule); *got != *want {
				t.Errorf("parseCron(%q) = %+v, robfig/cron reads %+v", expr, *got, *want)
			}
		}
	}
	for _, tc := range []struct {
		name, expr string
		days       []int // the weekdays the day-of-week field holds
	}{
		{"7 alone is Sunday", "0 2 * * 7", []int{0}},
		{"a range ending in 7 includes Sunday", "0 2 * * 5-7", []int{0, 5, 6}},
		{"0-7 is every day once", "0 2 * * 0-7", []int{0, 1, 2, 3, 4, 5, 6}},
		{"a stepped range reaching 7 includes Sunday", "0 2 * * 1-7/2", []int{0, 1, 3, 5}},
		{"a stepped range stopping short of 7 leaves Sunday out", "0 2 * * 2-7/2", []int{2, 4, 6}},
		{"7 in a list beside other items", "0 2 * * MON,7", []int{0, 1}},
		{"the step form of a name runs to Saturday, as robfig/cron reads it", "0 2 * * FRI/1", []int{5, 6}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := parseCron(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			var want uint64
			for _, d := range tc.days {
				want |= 1 << d
			}
			if got := s.Dow &^ (1 << 63); got != want {
				t.Errorf("parseCron(%q).Dow = %b, want %b", tc.expr, got, want)
			}
		})
	}
}

// The pattern and ValidateCron agree on many generated strings, most of them near misses.
func TestCronPatternAgreesWithValidateCronOnGeneratedExpressions(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	accepted := 0
	n := samples(100000)
	for i := 0; i < n; i++ {
		expr := randomCron(r)
		ok := ValidateCron(expr) == nil
		if ok {
			accepted++
			if _, err := parseCron(expr); err != nil {
				t.Fatalf("ValidateCron accepts %q, but robfig/cron does not: %v", expr, err)
			}
		}
		if cronRegexp.MatchString(expr) != ok {
			t.Fatalf("CronPattern matches %q: %v; ValidateCron accepts it: %v (%v)",
				expr, !ok, ok, ValidateCron(expr))
		}
	}
	// Both sides of the line must be exercised.
	if accepted < n/4 || accepted > n*3/4 {
		t.Errorf("%d of %d generated expressions were valid; the generator is lopsided", accepted, n)
	}
	if testing.Verbose() {
		t.Logf("%d of %d generated expressions were valid", accepted, n)
	}
}

func FuzzCronPatternAgreesWithValidateCron(f *testing.F) {
	for _, expr := range validCrons {
		f.Add(expr)
	}
	for _, tc := range invalidCrons {
		f.Add(tc.expr)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		err := ValidateCron(expr)
		if cronRegexp.MatchString(expr) != (err == nil) {
			t.Fatalf("CronPattern matches %q: %v; ValidateCron: %v", expr, err != nil, err)
		}
		if err == nil {
			if _, err := parseCron(expr); err != nil {
				t.Fatalf("ValidateCron accepts %q, but robfig/cron does not: %v", expr, err)
			}
		}
	})
}

// randomCron builds a string that is usually close to a valid expression.
func randomCron(r *rand.Rand) string {
	n := 5
	switch r.IntN(20) {
	case 0:
		n = 4
	case 1:
		n = 6
	}
	fields := make([]string, n)
	for i := range fields {
		items := make([]string, 1+r.IntN(3))
		for j := range items {
			items[j] = randomItem(r, i)
		}
		fields[i] = strings.Join(items, ",")
	}
	sep := " "
	if r.IntN(30) == 0 {
		sep = "  "
	}
	s := strings.Join(fields, sep)
	if r.IntN(40) == 0 { // an odd character somewhere
		odd := []string{"?", "#", "L", "W", "\t", "@", "+", " ", ",", "-", "/", "*", "x"}
		pos := r.IntN(len(s) + 1)
		s = s[:pos] + odd[r.IntN(len(odd))] + s[pos:]
	}
	return s
}

func randomItem(r *rand.Rand, field int) string {
	f := cronFields[min(field, 4)]
	// Each expression has about ten items: keep each one's mistakes rare so that about half the
	// expressions are valid.
	rare := func(n int) bool { return r.IntN(8*n) == 0 }
	value := func() (int, string) {
		if f.names != nil && r.IntN(3) == 0 {
			names := []string{"jan", "FEB", "Mar", "dec"}
			if field == dowField {
				names = []string{"sun", "MON", "sAt", "Fri"}
			}
			if rare(8) {
				names = []string{"foo", "JANUARY", "mo", "SUN", "jan"}
			}
			name := names[r.IntN(len(names))]
			v, ok := f.names[strings.ToLower(name)]
			if !ok {
				v = -100
			}
			return v, name
		}
		v := f.min + r.IntN(f.max-f.min+1)
		switch {
		case rare(25):
			v = f.min - 1
		case rare(25):
			v = f.max + 1
		case rare(50):
			v = r.IntN(150)
		}
		s := itoa(v)
		if v < 10 && r.IntN(5) == 0 {
			s = "0" + s
		}
		if rare(60) {
			s = "00" + s
		}
		return v, s
	}
	var s string
	switch r.IntN(4) {
	case 0:
		s = "*"
	case 1:
		_, s = value()
	default:
		a, as := value()
		b, bs := value()
		if a > b && !rare(2) {
			as, bs = bs, as
		}
		s = as + "-" + bs
	}
	if r.IntN(3) == 0 {
		step := itoa(1 + r.IntN(f.max))
		switch {
		case rare(30):
			step = ""
		case rare(20):
			step = itoa(r.IntN(f.max + 40))
		}
		s += "/" + step
	}
	return s
}

func itoa(v int) string {
	if v < 0 {
		return "-" + itoa(-v)
	}
	if v < 10 {
		return string(rune('0' + v))
	}
	return itoa(v/10) + string(rune('0'+v%10))
}
