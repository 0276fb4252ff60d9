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

package rollout

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/schedule"
)

// MaintenanceWindow evaluates spec.schedule at now: nil when the policy has none. The error, for a
// schedule the API admitted but the controller cannot read (an older CRD's), names the field.
func MaintenanceWindow(spec v1.RemediationPolicySpec, now time.Time) (*schedule.Status, error) {
	if spec.Schedule == nil {
		return nil, nil
	}
	windows := make([]schedule.Window, len(spec.Schedule.Windows))
	for i, w := range spec.Schedule.Windows {
		windows[i] = schedule.Window{Cron: w.Cron, Duration: w.Duration.Duration, TimeZone: w.TimeZone}
	}
	sched, err := schedule.New(field.NewPath("spec", "schedule", "windows"), windows)
	if err != nil {
		return nil, err
	}
	st := sched.Evaluate(now)
	return &st, nil
}

// ScheduleStatus is status.schedule for the window's state; nil without a schedule.
func ScheduleStatus(w *schedule.Status) *v1.ScheduleStatus {
	if w == nil {
		return nil
	}
	st := &v1.ScheduleStatus{Open: w.Open}
	at := func(t time.Time) *metav1.Time {
		if t.IsZero() {
			return nil
		}
		return &metav1.Time{Time: t}
	}
	switch {
	case w.Open:
		st.ClosesAt = at(w.ClosesAt)
		st.Window = "open"
		if st.ClosesAt != nil {
			st.Window = "open until " + w.ClosesAt.Format(time.RFC3339)
		}
	default:
		st.OpensAt = at(w.OpensAt)
		st.Window = "closed"
		if st.OpensAt != nil {
			st.Window = "opens " + w.OpensAt.Format(time.RFC3339)
		}
	}
	return st
}

// Held is the decision, in parts, for a step the schedule does not let start now: the policy waits,
// phase Paused, until the next window opens (or the idle requeue, whichever comes first), and says what
// would start then.
func Held(w *schedule.Status, now time.Time, next string, idle time.Duration) (phase v1.Phase, reason, message string, requeue time.Duration) {
	return v1.PhasePaused, v1.ReasonOutsideMaintenanceWindow, fmt.Sprintf("%s; then: %s", w.Message(), next), min(idle, w.RequeueAfter(now))
}
