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

package awsclient

import (
	"context"
	"sync"
	"time"
)

// ServerClock remembers what time AWS said it was (the Date of its answers) in the calls made with a
// context that carries it (see WithServerClock). A question about "the last five minutes" of CloudWatch
// is asked in AWS's time: a controller whose clock is off would otherwise look at the wrong minutes, and
// miss the newest datapoints or call a live metric missing.
type ServerClock struct {
	mu     sync.Mutex
	latest time.Time
}

// Now is the latest time AWS gave, or fallback when no answer carried one (a client built without
// Instrument, or no call made yet). AWS dates answers to the second.
func (c *ServerClock) Now(fallback time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.latest.IsZero() {
		return fallback
	}
	return c.latest
}

func (c *ServerClock) saw(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if at.After(c.latest) {
		c.latest = at
	}
}

type serverClockKey struct{}

// WithServerClock returns a context whose AWS calls tell the returned ServerClock what time AWS said.
func WithServerClock(ctx context.Context) (context.Context, *ServerClock) {
	c := &ServerClock{}
	return context.WithValue(ctx, serverClockKey{}, c), c
}

func serverClockFrom(ctx context.Context) *ServerClock {
	c, _ := ctx.Value(serverClockKey{}).(*ServerClock)
	return c
}
