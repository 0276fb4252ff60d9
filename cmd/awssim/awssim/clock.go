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

package awssim

import (
	"sync"
	"time"
)

// Clock tells the simulator what time it is.
type Clock interface {
	Now() time.Time
}

// ScaledClock runs Factor times faster than real time, from the real time it was made at. Tests and the demo use
// it to run a 90-second launch in a fraction of a second of wall time.
type ScaledClock struct {
	epoch  time.Time
	start  time.Time
	factor float64
}

// SimEpoch is the simulated time at which manual clocks start.
var SimEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// NewScaledClock returns a clock running factor times faster than real time.
func NewScaledClock(factor float64) *ScaledClock {
	// Simulated time starts at the real time, as AWS's clock agrees with a controller's: times the controller
	// sends (an event window from a step's start) and times AWS answers are then comparable; simulated time
	// runs ahead from there.
	now := time.Now()
	return &ScaledClock{epoch: now.Truncate(time.Millisecond), start: now, factor: factor}
}

// Now is the simulated time.
func (c *ScaledClock) Now() time.Time {
	return c.epoch.Add(time.Duration(float64(time.Since(c.start)) * c.factor))
}

// Factor is how much faster than real time the clock runs.
func (c *ScaledClock) Factor() float64 { return c.factor }

// RealDuration converts a simulated duration into wall time.
func (c *ScaledClock) RealDuration(d time.Duration) time.Duration {
	return time.Duration(float64(d) / c.factor)
}

// ManualClock only moves when a test advances it.
type ManualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewManualClock returns a clock stopped at SimEpoch.
func NewManualClock() *ManualClock { return &ManualClock{now: SimEpoch} }

// Now is the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Step moves the clock forward.
func (c *ManualClock) Step(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
