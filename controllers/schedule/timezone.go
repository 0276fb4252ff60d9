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
	"slices"
	"strings"

	// The zone database is built into the binary, so a zone the CRD admits loads on any image
	// (distroless has none of its own) with the rules of the Go release that built the controller.
	_ "time/tzdata"
)

// TimeZones returns the time zone names a window may use, sorted: the IANA names of Go's embedded time
// zone database (hack/gen-timezones lists them into zz_generated_timezones.go), including UTC, without
// "Factory" (a placeholder, not a zone). The CRD's rule admits the same list (TimeZoneCELList).
func TimeZones() []string {
	return slices.Clone(timeZoneNames[:])
}

// IsTimeZone reports whether name is one of TimeZones. The match is exact, as the apiserver's is.
func IsTimeZone(name string) bool {
	_, found := slices.BinarySearch(timeZoneNames[:], name)
	return found
}

// ValidateTimeZone reports whether name is a zone a window may use: empty (UTC) or one of TimeZones.
func ValidateTimeZone(name string) error {
	if name == "" || IsTimeZone(name) {
		return nil
	}
	if name == "Local" {
		return fmt.Errorf("%q is not allowed: name the zone, such as Europe/Berlin or UTC", name)
	}
	for _, z := range timeZoneNames {
		if strings.EqualFold(z, name) {
			return fmt.Errorf("unknown time zone; did you mean %q? (names are case-sensitive)", z)
		}
	}
	return fmt.Errorf("unknown time zone; use an IANA time zone name such as Europe/Berlin, America/New_York or UTC")
}

// TimeZoneCELRule is the CRD's rule for a window's time zone: it admits the names of TimeZones,
// "self in ['Africa/Abidjan', ...]". TimeZoneCELMessage is its message.
func TimeZoneCELRule() string {
	return "self in " + TimeZoneCELList()
}

// TimeZoneCELMessage is TimeZoneCELRule's message.
const TimeZoneCELMessage = "must be an IANA time zone name, such as Europe/Berlin, America/New_York or UTC (names are case-sensitive)"

// TimeZoneCELList renders TimeZones as a CEL list literal, ['Africa/Abidjan', ..., 'Zulu'], for a rule
// "self in [...]" (see TimeZoneCELRule).
func TimeZoneCELList() string {
	var b strings.Builder
	b.WriteByte('[')
	for i, z := range timeZoneNames {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("'" + z + "'")
	}
	b.WriteByte(']')
	return b.String()
}
