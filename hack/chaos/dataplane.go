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
	"context"
	"fmt"
	"math/rand"
	"sync"
	"time"

	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
	"github.com/cache-remediator/cache-remediator/test/redisload"
)

// Real-time waits of the data-plane faults: long enough for the controller (polling every second or two,
// and dead part of the time) to see the cluster broken, short enough for a roll to go on.
var (
	// beforeReplacementKill: from a replacement being healthy to its crash.
	beforeReplacementKill = span{0, 1500 * time.Millisecond}
	// supervisorRestart: from a crash to the supervisor starting the process again.
	supervisorRestart = span{2 * time.Second, 4 * time.Second}
	// beforePrimaryKill: from the replacement's recovery to the primary's crash.
	beforePrimaryKill = span{500 * time.Millisecond, 2 * time.Second}
	// failoverDelay: from the primary's crash to the failover (Sentinel's down-after-milliseconds and its
	// election, in the campaign's time).
	failoverDelay = span{2 * time.Second, 4 * time.Second}
)

// event is something the campaign did or saw, at a real time.
type event struct {
	at   time.Time
	what string
}

// dataPlaneFaults crashes redis-servers of an Auto Scaling cluster during a roll, and plays the parts that
// heal a cluster on real machines, which the controller neither is nor waits for:
//
//   - a replacement's redis-server is killed once, a moment after the replacement came up healthy, and its
//     supervisor (systemd) starts it again a few seconds later, empty: it syncs from the primary again;
//   - then the primary's redis-server is killed once, by nobody's plan. A few seconds later a failover
//     (what Redis Sentinel does) promotes the most caught-up replica and points every other node at it, and
//     the supervisor starts the old primary's process again, which comes back as a replica of the new
//     primary. The failover comes before that restart: a primary without persistence that restarts first
//     comes back empty and its replicas copy the emptiness.
//
// The controller must not terminate anything while either process is down or the cluster has no primary,
// must never issue a hand-off to a dead primary, and once the cluster has healed must carry on from the
// roles as they are now, not as they were: the new primary is replaced last, after a hand-off of its own.
type dataPlaneFaults struct {
	srv     *awssim.Server
	procs   *awssim.ProcessNodes
	monitor *clusterMonitor
	rng     *rand.Rand
	// original are the instances the roll started with; a replacement is any other.
	original map[string]bool
	// ready says when the roll has got far enough for the faults to start: after the canary's bake, which
	// any gate failure ends (GateFailedDuringBake), as it must.
	ready func() bool
	// finished says the roll is over: no fault starts after that.
	finished func() bool

	mu     sync.Mutex
	events []event
	// failovers are the moments the campaign promoted a replica.
	failovers []time.Time
	// outages are the crashes, each from the kill to the moment no gate failed any more.
	outages []outage
	// replacementKilled and primaryKilled are the instances crashed ("" when the roll ended first).
	replacementKilled, primaryKilled, promoted string
}

// run injects both faults in turn; it returns when both have healed or the roll ended before one started.
func (d *dataPlaneFaults) run(ctx context.Context) {
	victim, ok := d.waitFor(ctx, func() (string, bool) {
		if !d.ready() {
			return "", false
		}
		v := d.monitor.Last()
		for _, n := range v.nodes {
			_, failing := v.failing["Redis/"+n.ID]
			if !d.original[n.ID] && n.LifecycleState == awssim.StateInService && n.role == "slave" && !failing {
				return n.ID, true
			}
		}
		return "", false
	})
	if !ok || !d.sleep(ctx, beforeReplacementKill.draw(d.rng)) {
		return
	}
	killed := d.crashAndRestart(ctx, victim)
	if !d.healed(ctx, victim, killed) || !d.sleep(ctx, beforePrimaryKill.draw(d.rng)) || d.finished() {
		return
	}
	if primary, killed, ok := d.crashPrimary(ctx); ok {
		d.healed(ctx, primary, killed)
	}
}

// outage is a crash of a node's redis-server, from the kill to the moment the cluster was whole again.
type outage struct {
	instanceID      string
	killed, healthy time.Time
}

// healed waits for the cluster to be whole again after the crash of id at killed, and records the outage.
func (d *dataPlaneFaults) healed(ctx context.Context, id string, killed time.Time) bool {
	if !d.waitHealthy(ctx) {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.outages = append(d.outages, outage{instanceID: id, killed: killed, healthy: time.Now()})
	return true
}

// crashAndRestart kills a replica's redis-server and has its supervisor start it again; it returns when it
// killed it.
func (d *dataPlaneFaults) crashAndRestart(ctx context.Context, id string) time.Time {
	killed := time.Now()
	d.procs.KillRedis(id)
	d.mu.Lock()
	d.replacementKilled = id
	d.mu.Unlock()
	d.note("redis-server of replacement %s killed", id)
	d.sleep(ctx, supervisorRestart.draw(d.rng))
	d.note("redis-server of %s restarted by its supervisor (started: %t)", id, d.procs.RestartRedis(id))
	return killed
}

// crashPrimary kills the primary's redis-server, fails over to the most caught-up replica, and restarts
// the old primary's process as a replica of the new one. It returns which node it killed and when.
func (d *dataPlaneFaults) crashPrimary(ctx context.Context) (string, time.Time, bool) {
	p, ok := d.monitor.Last().primary()
	if !ok {
		d.note("no primary to kill")
		return "", time.Time{}, false
	}
	killed := time.Now()
	d.procs.KillRedis(p.ID)
	d.mu.Lock()
	d.primaryKilled = p.ID
	d.mu.Unlock()
	d.note("redis-server of primary %s killed", p.ID)
	d.sleep(ctx, failoverDelay.draw(d.rng))
	promoted, err := d.failover(p.ID)
	if err != nil {
		d.note("failover failed: %v", err)
	} else {
		d.note("failover: %s promoted, every other node replicates from it", promoted)
	}
	d.sleep(ctx, supervisorRestart.draw(d.rng))
	d.note("redis-server of the old primary %s restarted by its supervisor (started: %t)", p.ID, d.procs.RestartRedis(p.ID))
	return p.ID, killed, true
}

// failover promotes the reachable replica with the highest replication offset (the most caught-up, as
// Sentinel picks it) and points every other reachable node at it, including one that came up as a primary
// of its own while the cluster had none. Sentinel breaks a tie by run id, as good as at random; the
// campaign breaks it toward a node still on the old AMI, which makes the controller hand off a primary it
// did not choose.
func (d *dataPlaneFaults) failover(dead string) (string, error) {
	v := d.monitor.look()
	var best node
	for _, n := range v.nodes {
		if n.ID == dead || !n.reachable || n.role != "slave" {
			continue
		}
		if best.ID == "" || n.offset > best.offset || (n.offset == best.offset && d.original[n.ID] && !d.original[best.ID]) {
			best = n
		}
	}
	if best.ID == "" {
		return "", fmt.Errorf("no reachable replica")
	}
	if err := redisCommand(best.addr(), "REPLICAOF", "NO", "ONE"); err != nil {
		return "", err
	}
	d.mu.Lock()
	d.promoted = best.ID
	d.failovers = append(d.failovers, time.Now())
	d.mu.Unlock()
	for _, n := range v.nodes {
		if n.ID != dead && n.ID != best.ID && n.reachable {
			if err := redisCommand(n.addr(), "REPLICAOF", best.PrivateIP, "6379"); err != nil {
				return best.ID, err
			}
		}
	}
	return best.ID, nil
}

func redisCommand(addr string, args ...any) error {
	c := redisload.Client(addr)
	defer c.Close()
	return c.Do(context.Background(), args...).Err()
}

// waitHealthy waits until no gate fails (or the roll ends); it says whether it got there.
func (d *dataPlaneFaults) waitHealthy(ctx context.Context) bool {
	_, ok := d.waitFor(ctx, func() (string, bool) { return "", len(d.monitor.Last().failing) == 0 })
	return ok
}

// waitFor polls cond until it holds (true), the roll finishes or ctx ends (false).
func (d *dataPlaneFaults) waitFor(ctx context.Context, cond func() (string, bool)) (string, bool) {
	for {
		if v, ok := cond(); ok {
			return v, true
		}
		if d.finished() || !d.sleep(ctx, monitorInterval) {
			return "", false
		}
	}
}

func (d *dataPlaneFaults) sleep(ctx context.Context, t time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(t):
		return true
	}
}

func (d *dataPlaneFaults) note(format string, args ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.events = append(d.events, event{at: time.Now(), what: fmt.Sprintf(format, args...)})
}

// Events are what the faults did, in order.
func (d *dataPlaneFaults) Events() []event {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]event(nil), d.events...)
}

// Outages are the crashes that healed, in order.
func (d *dataPlaneFaults) Outages() []outage {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]outage(nil), d.outages...)
}

// Failovers are the moments a replica was promoted by the campaign, not the controller.
func (d *dataPlaneFaults) Failovers() []time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]time.Time(nil), d.failovers...)
}
