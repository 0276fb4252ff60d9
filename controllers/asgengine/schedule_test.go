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

package asgengine_test

import (
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
)

// interval is [from, to).
type interval struct{ from, to time.Time }

func (i interval) contains(t time.Time) bool { return !t.Before(i.from) && t.Before(i.to) }

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// stepStarts runs the engine from the clock's time until end, moving the clock by each requeue, and returns
// when each step started (its first checkpoint).
func (f *fixture) stepStarts(end time.Time) []time.Time {
	seen := len(f.Checkpoints)
	for f.Clock.Now().Before(end) {
		o := f.Reconcile()
		f.Step(min(max(o.RequeueAfter, time.Second), end.Sub(f.Clock.Now())+time.Second))
	}
	var starts []time.Time
	for _, c := range f.Checkpoints[seen:] {
		if c.Step != nil && !c.Step.ActionTaken && c.Step.Attempts == 0 && (len(starts) == 0 || !c.Step.StartedAt.Time.Equal(starts[len(starts)-1])) {
			starts = append(starts, c.Step.StartedAt.Time)
		}
	}
	return starts
}

// A one-minute window at 02:30 Berlin time: in 2026, 02:30 does not exist on 29 March (clocks jump from
// 02:00 to 03:00) and happens twice on 25 October (clocks fall back from 03:00 to 02:00). The windows
// allowed are written out in UTC here, independently of the schedule package.
func TestNoStepStartsOutsideTheWindowAcrossDaylightSavingChanges(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{})
	f.Policy.Spec.Schedule = &v1.MaintenanceSchedule{Windows: []v1.MaintenanceWindow{{Cron: "30 2 * * *", Duration: metav1.Duration{Duration: time.Minute}, TimeZone: "Europe/Berlin"}}}

	// Spring forward: no window on 29 March, the next on 30 March at 02:30 CEST.
	f.Step(utc("2026-03-28T12:00:00Z").Sub(f.Clock.Now()))
	o := f.Run(5, v1.PhasePaused) // once the gates have held for stableFor, a step is due
	g.Expect(o.Reason).To(Equal(v1.ReasonOutsideMaintenanceWindow))
	g.Expect(o.Message).To(ContainSubstring("the next one opens at 2026-03-30T02:30:00+02:00 (Europe/Berlin); then: pointing sessions-a"))
	starts := f.stepStarts(utc("2026-03-30T00:30:00Z"))
	g.Expect(starts).To(BeEmpty(), "nothing starts on 28 or 29 March")
	g.Expect(f.Mutations()).To(BeEmpty())

	allowed := []interval{}
	for day := 30; day <= 31; day++ { // 02:30 CEST is 00:30 UTC
		from := utc(fmt.Sprintf("2026-03-%02dT00:30:00Z", day))
		allowed = append(allowed, interval{from, from.Add(time.Minute)})
	}
	for day := 1; day <= 10; day++ {
		from := utc(fmt.Sprintf("2026-04-%02dT00:30:00Z", day))
		allowed = append(allowed, interval{from, from.Add(time.Minute)})
	}
	starts = f.stepStarts(utc("2026-04-10T12:00:00Z"))
	g.Expect(starts).NotTo(BeEmpty())
	for _, s := range starts {
		g.Expect(allowed).To(ContainElement(Satisfy(func(i interval) bool { return i.contains(s) })), "step started at %s, outside every window", s)
	}
	g.Expect(f.Policy.Status.Phase).To(Equal(v1.PhaseSucceeded), "a node a window: the rollout ends within ten days")
	firstDay := starts[0]
	g.Expect(firstDay).To(Equal(utc("2026-03-30T00:30:00Z")), "the first step starts as the first window opens")

	// Fall back: the window opens at the first 02:30 (CEST) on 25 October, not at the second (CET).
	f.Policy.Generation++
	f.Policy.Spec.Desired = v1.DesiredSpec{ImageID: amiOld, InstanceType: typeOld}
	f.Step(utc("2026-10-24T12:00:00Z").Sub(f.Clock.Now()))
	allowed = []interval{{utc("2026-10-25T00:30:00Z"), utc("2026-10-25T00:31:00Z")}} // 02:30 CEST
	for day := 26; day <= 31; day++ {                                                // 02:30 CET is 01:30 UTC
		from := utc(fmt.Sprintf("2026-10-%02dT01:30:00Z", day))
		allowed = append(allowed, interval{from, from.Add(time.Minute)})
	}
	starts = f.stepStarts(utc("2026-10-31T12:00:00Z"))
	g.Expect(starts).NotTo(BeEmpty())
	for _, s := range starts {
		g.Expect(s).NotTo(BeTemporally("~", utc("2026-10-25T01:30:00Z"), time.Minute), "the repeated 02:30 (CET) opens nothing")
		g.Expect(allowed).To(ContainElement(Satisfy(func(i interval) bool { return i.contains(s) })), "step started at %s, outside every window", s)
	}
	g.Expect(f.Policy.Status.Phase).To(Equal(v1.PhaseSucceeded))
}
