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
	"time"

	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
	"github.com/cache-remediator/cache-remediator/test/redisload"
)

// asgPolicyName is the policy (and cluster) of the Auto Scaling rolls.
const asgPolicyName = "sessions"

// settle is how long the cluster may take to be healthy: at the start (the replicas' first sync) and at
// the end, once the faults are gone.
const settle = 30 * time.Second

// runASGRoll rolls a Redis cluster on Auto Scaling groups to a new AMI and type under write load, with the
// manager killed again and again, the AWS faults, and the data-plane faults; then checks the invariants.
func (c *campaign) runASGRoll(ctx context.Context, spec rollSpec) (*report, error) {
	ns := namespace(spec)
	sc, groups := asgAccount(ns, asgPolicyName, c.o.nodesPerGroup)
	r, err := c.startRoll(spec, sc)
	if err != nil {
		return nil, err
	}
	defer r.close()
	monitor := startMonitor(r.srv, groups)
	defer monitor.Stop()
	if !waitUntil(ctx, settle, func() bool { return len(monitor.Last().failing) == 0 }) {
		return nil, fmt.Errorf("the cluster was not healthy before the roll: %v", monitor.Last().failing)
	}
	start := groupStates(r.srv, groups)
	original := map[string]bool{}
	for _, n := range monitor.Last().nodes {
		original[n.ID] = true
	}
	serving := len(original)
	writes := redisload.Start(asgPolicyName, monitor.PrimaryAddr)
	terms := &terminationLog{monitor: monitor, goal: func(i awssim.Instance) bool { return i.ImageID == amiNew && i.InstanceType == typeNew }}
	err = r.begin(asgPolicy(ns, asgPolicyName, groups, spec.strategy), func(k *managerKiller, call awssim.Call) {
		terms.observe(call)
		switch call.Action {
		case "TerminateInstanceInAutoScalingGroup", "UpdateAutoScalingGroup":
			k.KillDuring(call.Action)
		}
	})
	if err != nil {
		_, _ = writes.Finish()
		return nil, err
	}
	faults := &dataPlaneFaults{srv: r.srv, procs: r.procs, monitor: monitor, rng: r.stream(), original: original,
		ready: r.canaryBaked, finished: r.finished}
	faultsDone := make(chan struct{})
	go func() { defer close(faultsDone); faults.run(ctx) }()
	watchErr := r.watch(ctx, func() bool { return isClosed(faultsDone) })
	took := time.Since(r.started)
	r.stopChaos()
	<-faultsDone

	healthy := waitUntil(ctx, settle, func() bool { return len(monitor.Last().failing) == 0 })
	final := monitor.Last()
	load, loadErr := writes.Finish()
	rep := &report{spec: spec, took: took, started: r.started, kills: r.killer.Kills(), logDir: r.dir}
	policy := r.Latest()
	rep.phase = describe(policy)
	calls := r.srv.Calls()
	timeline := r.srv.Timeline()
	rep.faults = append(faultCounts(calls), dataPlaneSummary(faults))
	exits, startErrs := r.killer.Exits()
	rep.checks = append(rep.checks, checkKills(rep.kills, c.o.killsPerRoll, exits, startErrs)...)
	if watchErr != nil {
		rep.checks = append(rep.checks, violation("roll ended", time.Now(), "%v; last: %s", watchErr, rep.phase))
	}
	var unhealthy []string
	if !healthy {
		for k, v := range final.failing {
			unhealthy = append(unhealthy, k+": "+v)
		}
	}
	rep.checks = append(rep.checks,
		checkInService(timeline, r.simStart, serving, spec.strategy, r.realTime),
		checkTerminatedOnce(timeline, calls, r.realTime),
		checkGatesAtTerminations(terms.All()),
		checkHeldAfterOutages(terms.All(), faults.Outages()),
		checkPrimaryLast(terms.All(), monitor.Primaries(), faults.Failovers(), original, r.started),
		checkCapacityRestored(start, groupStates(r.srv, groups)),
		checkWrites(load, loadErr),
		checkEnd(policy, unhealthy),
	)
	rep.events = append(rep.events, faults.Events()...)
	r.end(rep)
	return rep, nil
}

// dataPlaneSummary says what the data-plane faults did.
func dataPlaneSummary(d *dataPlaneFaults) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return fmt.Sprintf("redis-server crashes: replacement %s (restarted by its supervisor); primary %s (failover to %s, then restarted as its replica)",
		orNotReached(d.replacementKilled), orNotReached(d.primaryKilled), orNotReached(d.promoted))
}

func orNotReached(s string) string {
	if s == "" {
		return "not reached"
	}
	return s
}

// groupStates reads the groups' desired capacity and max size.
func groupStates(srv *awssim.Server, groups []string) map[string]awssim.Group {
	out := map[string]awssim.Group{}
	for _, g := range groups {
		out[g], _ = srv.GroupState(g)
	}
	return out
}

// waitUntil polls cond every 100ms for up to d; it says whether cond came true.
func waitUntil(ctx context.Context, d time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); ; {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
