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
	"math/rand/v2"
	"time"
)

// Timings are how long the controller waits before looking again.
type Timings struct {
	// Transition: while a node boots, syncs or hands off.
	Transition time.Duration
	// Blocked: while a gate does not hold.
	Blocked time.Duration
	// Idle: when there is nothing to do.
	Idle time.Duration
}

// DefaultTimings suit real AWS: launches take minutes.
var DefaultTimings = Timings{Transition: 10 * time.Second, Blocked: 30 * time.Second, Idle: 20 * time.Minute}

// OrDefault is t, or DefaultTimings when t is unset.
func (t Timings) OrDefault() Timings {
	if t == (Timings{}) {
		return DefaultTimings
	}
	return t
}

// Jitter adds up to 10% to a wait of the blocked interval or longer, so that a fleet of waiting or idle
// policies does not poll AWS in lockstep. A shorter wait is a moving policy looking when something is due
// (a replacement expected healthy, a stableFor ending): it is kept exact, since a late look is time added
// to the rollout. A non-positive d becomes the transition interval.
func (t Timings) Jitter(d time.Duration) time.Duration {
	t = t.OrDefault()
	if d <= 0 {
		d = t.Transition
	}
	if d < t.Blocked {
		return d
	}
	return d + time.Duration(rand.Int64N(int64(d)/10+1))
}

// Backoff is how long to wait before trying a refused action again: the blocked interval, doubled with
// every attempt, at most the idle interval. A refusal (AccessDenied) is not a tight retry loop.
func (t Timings) Backoff(attempts int32) time.Duration {
	t = t.OrDefault()
	d := t.Blocked
	for i := int32(1); i < attempts && d < t.Idle; i++ {
		d *= 2
	}
	return min(d, t.Idle)
}

// FastTimings look again every second while a node changes: for simulators that run faster than real time.
var FastTimings = Timings{Transition: time.Second, Blocked: 2 * time.Second, Idle: time.Minute}
