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
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTimeZonesAreSortedUniqueAndLoad(t *testing.T) {
	zones := TimeZones()
	if !slices.IsSorted(zones) {
		t.Error("TimeZones is not sorted")
	}
	if len(slices.Compact(slices.Clone(zones))) != len(zones) {
		t.Error("TimeZones has duplicates")
	}
	for _, want := range []string{"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Etc/GMT+5"} {
		if !slices.Contains(zones, want) {
			t.Errorf("TimeZones lacks %s", want)
		}
	}
	for _, unwanted := range []string{"Factory", "Local", ""} {
		if slices.Contains(zones, unwanted) {
			t.Errorf("TimeZones has %q", unwanted)
		}
	}
	for _, z := range zones {
		if _, err := time.LoadLocation(z); err != nil {
			t.Errorf("TimeZones lists %s, which does not load: %v", z, err)
		}
		if strings.ContainsAny(z, `'"\ `) {
			t.Errorf("zone name %q would need quoting in CEL", z)
		}
	}
	zones[0] = "changed"
	if TimeZones()[0] == "changed" {
		t.Error("TimeZones returns the package's own slice")
	}
}

func TestTimeZoneCELListIsSmallEnoughForACRD(t *testing.T) {
	list := TimeZoneCELList()
	if !strings.HasPrefix(list, "['Africa/Abidjan', ") || !strings.HasSuffix(list, ", 'Zulu']") {
		t.Errorf("TimeZoneCELList = %.40s...%s", list, list[len(list)-20:])
	}
	if got := strings.Count(list, "'") / 2; got != len(TimeZones()) {
		t.Errorf("TimeZoneCELList has %d names, TimeZones %d", got, len(TimeZones()))
	}
	// A CRD is stored whole in etcd (1.5 MiB at most); the rule appears once per version served.
	if len(list) > 16<<10 {
		t.Errorf("TimeZoneCELList is %d bytes", len(list))
	}
	t.Logf("%d zone names (tzdata %s); the CEL list literal is %d bytes, the rule %d", len(TimeZones()),
		TimeZoneDataVersion, len(list), len(TimeZoneCELRule()))
}

func TestValidateTimeZone(t *testing.T) {
	for _, tc := range []struct {
		name, zone, want string // want "" for valid
	}{
		{"an empty zone is UTC", "", ""},
		{"UTC is a zone", "UTC", ""},
		{"an IANA name is a zone", "Europe/Berlin", ""},
		{"a zone with three parts is a zone", "America/Argentina/Buenos_Aires", ""},
		{"an old backward-compatible name is a zone", "US/Eastern", ""},
		{"a wrongly capitalised name is refused with the right spelling", "europe/berlin", `unknown time zone; did you mean "Europe/Berlin"? (names are case-sensitive)`},
		{"utc in lower case is refused with the right spelling", "utc", `did you mean "UTC"?`},
		{"Local is refused, since it depends on the controller's machine", "Local", `"Local" is not allowed: name the zone`},
		{"an abbreviation is refused", "CEST", "unknown time zone; use an IANA time zone name such as Europe/Berlin, America/New_York or UTC"},
		{"Factory is refused", "Factory", "unknown time zone"},
		{"a UTC offset is refused", "+01:00", "unknown time zone"},
		{"a path is refused", "../../etc/passwd", "unknown time zone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateTimeZone(tc.zone)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("ValidateTimeZone(%q) = %v, want nil", tc.zone, err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("ValidateTimeZone(%q) = %v, want an error containing %q", tc.zone, err, tc.want)
			}
			if IsTimeZone(tc.zone) != (tc.want == "" && tc.zone != "") {
				t.Errorf("IsTimeZone(%q) = %v", tc.zone, IsTimeZone(tc.zone))
			}
		})
	}
}
