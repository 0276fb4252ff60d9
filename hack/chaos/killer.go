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
	"math/rand"
	"sync"
	"time"

	"github.com/cache-remediator/cache-remediator/test/envtestutil"
)

// span is a range of real durations a random one is drawn from.
type span struct{ min, max time.Duration }

func (s span) draw(rng *rand.Rand) time.Duration {
	return s.min + time.Duration(rng.Int63n(int64(s.max-s.min)+1))
}

// kill is one SIGKILL of the manager.
type kill struct {
	// at is when, from the start of the roll; lived how long that manager had run.
	at, lived time.Duration
	// during is the AWS call the manager was killed in (AWS applies it, the manager never hears back), or
	// "" for a kill at a random moment.
	during string
}

// managerKiller runs the manager binary for a roll and kills it with SIGKILL, again and again: each manager
// lives a random time drawn from lifetime, then is killed wherever it is (starting up, observing, between
// recording a step and acting on it, mid-call), and a new one starts after a random downtime. The draws come
// from the roll's seeded generator in a fixed order, so a seed replays the same lifetimes; where in the
// controller's work each kill lands depends on timing and cannot be replayed exactly.
type managerKiller struct {
	bin      string
	opts     envtestutil.ManagerProcessOptions
	rng      *rand.Rand
	lifetime span
	downtime span
	started  time.Time

	mu      sync.Mutex
	current *envtestutil.ManagerProcess
	born    time.Time
	kills   []kill
	// exits counts managers that ended without being killed: a crash of the controller itself.
	exits     []string
	inCall    map[string]bool // the actions a manager was already killed in
	stop      chan struct{}
	stopOnce  sync.Once
	stopped   chan struct{}
	startErrs []error
}

func newManagerKiller(bin string, opts envtestutil.ManagerProcessOptions, rng *rand.Rand, lifetime, downtime span, started time.Time) *managerKiller {
	return &managerKiller{bin: bin, opts: opts, rng: rng, lifetime: lifetime, downtime: downtime, started: started,
		inCall: map[string]bool{}, stop: make(chan struct{}), stopped: make(chan struct{})}
}

// run keeps a manager running and kills it until finish is called.
func (k *managerKiller) run() {
	defer close(k.stopped)
	for {
		p := k.startManager()
		lifetime, downtime := k.lifetime.draw(k.rng), k.downtime.draw(k.rng)
		var done <-chan struct{}
		if p != nil {
			done = p.Done()
		}
		select {
		case <-k.stop:
			return
		case <-time.After(lifetime):
			k.killCurrent("")
		case <-done:
			k.noteExit(p)
		}
		select {
		case <-k.stop:
			return
		case <-time.After(downtime):
		}
	}
}

func (k *managerKiller) startManager() *envtestutil.ManagerProcess {
	k.mu.Lock()
	defer k.mu.Unlock()
	fmt.Fprintf(k.opts.Log, "\n===== chaos: manager started at +%s\n", k.since(time.Now()))
	p, err := envtestutil.StartManagerProcess(k.bin, k.opts)
	if err != nil {
		k.startErrs = append(k.startErrs, err)
		return nil
	}
	k.current, k.born = p, time.Now()
	return p
}

// killCurrent SIGKILLs the running manager, if any, and records it.
func (k *managerKiller) killCurrent(during string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.current == nil {
		return
	}
	now := time.Now()
	k.current.Kill()
	k.kills = append(k.kills, kill{at: k.since(now), lived: now.Sub(k.born), during: during})
	k.current = nil
}

// KillDuring kills the manager while AWS processes its call of action, the first time it makes one:
// called from the simulator's BeforeCall hook, so the call still takes effect.
func (k *managerKiller) KillDuring(action string) {
	k.mu.Lock()
	first := !k.inCall[action]
	k.inCall[action] = true
	k.mu.Unlock()
	if first {
		k.killCurrent(action)
	}
}

// noteExit records a manager that ended without being killed.
func (k *managerKiller) noteExit(p *envtestutil.ManagerProcess) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.current != p {
		return // killed by KillDuring meanwhile
	}
	k.exits = append(k.exits, fmt.Sprintf("+%s after %s", k.since(time.Now()), time.Since(k.born).Round(time.Millisecond)))
	k.current = nil
}

// finish stops killing and leaves one manager running, which it returns; again, it returns that manager.
func (k *managerKiller) finish() *envtestutil.ManagerProcess {
	k.stopOnce.Do(func() { close(k.stop) })
	<-k.stopped
	k.mu.Lock()
	current := k.current
	k.mu.Unlock()
	if current == nil {
		current = k.startManager()
	}
	return current
}

// Kills are the kills so far, in order.
func (k *managerKiller) Kills() []kill {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]kill(nil), k.kills...)
}

// Exits are the managers that ended on their own, and the managers that could not be started.
func (k *managerKiller) Exits() (exits []string, startErrs []error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.exits...), append([]error(nil), k.startErrs...)
}

func (k *managerKiller) since(t time.Time) time.Duration {
	return t.Sub(k.started).Round(time.Millisecond)
}
