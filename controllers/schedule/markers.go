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
	"strings"
)

// The CRD's admission rules. No webhook exists, so the apiserver checks windows with these CEL rules and
// the schema's limits; together they admit exactly the windows Validate accepts.
const (
	// CronCELRule admits the cron expressions ValidateCron accepts.
	CronCELRule = "self.matches('" + CronPattern + "')"
	// CronCELMessage is CronCELRule's message. The apiserver shows it after the value.
	CronCELMessage = "must be a five-field cron expression, minute hour day-of-month month day-of-week, such as '0 2 * * MON-FRI': " +
		"each field *, a value, or a range low-high, optionally with /step, in lists a,b; " +
		"minute 0-59, hour 0-23, day-of-month 1-31, month 1-12 or JAN-DEC, day-of-week 0-7 or SUN-SAT; " +
		"no seconds field, @descriptor, ? or TZ= prefix"
	// DurationCELRule admits durations from MinDuration to MaxDuration. A string that is not a duration
	// fails the rule's evaluation, which rejects it too.
	DurationCELRule = "duration(self) >= duration('1m') && duration(self) <= duration('168h')"
	// DurationCELMessage is DurationCELRule's message.
	DurationCELMessage = "must be a duration from 1m to 168h (7 days), such as 4h or 90m"
)

// KubebuilderMarkers returns the API types with the markers they should carry, as Go source to paste
// into the API package (rename the types to taste; keep the markers as they are). It reads:
//
//	type MaintenanceSchedule struct {
//		// +kubebuilder:validation:MinItems=1
//		// +kubebuilder:validation:MaxItems=10
//		// +listType=atomic
//		Windows []MaintenanceWindow `json:"windows"`
//	}
//
//	type MaintenanceWindow struct {
//		// +kubebuilder:validation:MinLength=1
//		// +kubebuilder:validation:MaxLength=100
//		// +kubebuilder:validation:XValidation:rule="self.matches('<CronPattern>')",message="<CronCELMessage>"
//		Cron string `json:"cron"`
//		// +kubebuilder:validation:XValidation:rule="<DurationCELRule>",message="<DurationCELMessage>"
//		Duration metav1.Duration `json:"duration"`
//		// +optional
//		// +kubebuilder:default=UTC
//		// +kubebuilder:validation:MaxLength=64
//		// +kubebuilder:validation:XValidation:rule="self in <TimeZoneCELList()>",message="<TimeZoneCELMessage>"
//		TimeZone string `json:"timeZone,omitempty"`
//	}
//
// with the placeholders filled in (the pattern is about 8 KB, the zone list about 11 KB); print it with
// go run ./hack/gen-timezones -print-markers. MaxItems keeps the CEL cost estimate of the per-window rules
// small (about 80,000 a window, 0.8M for ten, of the apiserver's 100M a CRD); a list of schedules would
// multiply it again. Convert a window with Window{Cron, Duration.Duration, TimeZone}.
//
// With these markers the apiserver admits exactly the windows ValidateWindow accepts, with one difference
// that does not arise in practice: an explicit timeZone: "" is refused at admission (leave the field out
// to get UTC; a Go client with omitempty does), while ValidateTimeZone takes "" as UTC.
func KubebuilderMarkers() string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("// MaintenanceSchedule limits when a rollout may start a new step: only while one of its windows is open.")
	line("type MaintenanceSchedule struct {")
	line("\t// Windows are the maintenance windows; a new step may start only while at least one is open.")
	line("\t// +kubebuilder:validation:MinItems=1")
	line("\t// +kubebuilder:validation:MaxItems=%d", MaxWindows)
	line("\t// +listType=atomic")
	line("\tWindows []MaintenanceWindow `json:\"windows\"`")
	line("}")
	line("")
	line("// MaintenanceWindow opens at each match of its cron expression in its time zone, for its duration.")
	line("type MaintenanceWindow struct {")
	line("\t// Cron is a standard five-field cron expression: minute hour day-of-month month day-of-week,")
	line("\t// such as \"0 2 * * MON-FRI\".")
	line("\t// +kubebuilder:validation:MinLength=1")
	line("\t// +kubebuilder:validation:MaxLength=%d", MaxCronLength)
	line("\t// +kubebuilder:validation:XValidation:rule=%q,message=%q", CronCELRule, CronCELMessage)
	line("\tCron string `json:\"cron\"`")
	line("\t// Duration is how long the window stays open after each start, in elapsed time: 1m to 168h.")
	line("\t// +kubebuilder:validation:XValidation:rule=%q,message=%q", DurationCELRule, DurationCELMessage)
	line("\tDuration metav1.Duration `json:\"duration\"`")
	line("\t// TimeZone is the IANA time zone the cron expression is read in, such as Europe/Berlin.")
	line("\t// +optional")
	line("\t// +kubebuilder:default=%s", DefaultTimeZone)
	line("\t// +kubebuilder:validation:MaxLength=%d", maxTimeZoneLength)
	line("\t// +kubebuilder:validation:XValidation:rule=%q,message=%q", TimeZoneCELRule(), TimeZoneCELMessage)
	line("\tTimeZone string `json:\"timeZone,omitempty\"`")
	line("}")
	return b.String()
}

// maxTimeZoneLength bounds the timeZone field; the longest name is 32 characters
// (America/Argentina/ComodRivadavia).
const maxTimeZoneLength = 64
