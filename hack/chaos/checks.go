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
	"strings"
	"time"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
	"github.com/cache-remediator/cache-remediator/test/redisload"
)

// check is one invariant of a roll: held or not, with what was seen, and, for a violation, the moment to
// show the roll's events around.
type check struct {
	name   string
	ok     bool
	detail string
	at     time.Time
}

func pass(name, format string, args ...any) check {
	return check{name: name, ok: true, detail: fmt.Sprintf(format, args...)}
}

func violation(name string, at time.Time, format string, args ...any) check {
	return check{name: name, at: at, detail: fmt.Sprintf(format, args...)}
}

// checkKills: the manager was killed at least want times during the roll, and never died on its own.
func checkKills(kills []kill, want int, exits []string, startErrs []error) []check {
	var inCalls []string
	for _, k := range kills {
		if k.during != "" {
			inCalls = append(inCalls, k.during)
		}
	}
	name := fmt.Sprintf("manager SIGKILLed >= %d times", want)
	detail := fmt.Sprintf("%d kills, %d of them inside an AWS call (%s)", len(kills), len(inCalls), orNone(strings.Join(inCalls, ", ")))
	out := []check{pass(name, "%s", detail)}
	if len(kills) < want {
		out[0] = violation(name, time.Time{}, "only %s: the roll ended first; raise -rolls' cluster size or lower -kills-per-roll", detail)
	}
	alive := pass("manager never died by itself", "every manager ran until it was killed")
	if len(exits) > 0 || len(startErrs) > 0 {
		alive = violation(alive.name, time.Time{}, "exited on its own: %s; failed to start: %v", orNone(strings.Join(exits, ", ")), startErrs)
	}
	return append(out, alive)
}

// checkInService replays the simulator's timeline from the start of the roll: TerminateFirst may have one
// node out of service at a time, SurgeFirst none (it launches before it terminates).
func checkInService(timeline []awssim.Transition, rollStart time.Time, serving int, strategy v1.ReplacementStrategy, realTime func(time.Time) time.Time) check {
	floor, name := serving-1, "never more than one node out of service"
	if strategy == v1.SurgeFirst {
		floor, name = serving, fmt.Sprintf("never fewer than the %d nodes in service at the start", serving)
	}
	inService := map[string]bool{}
	low, lowAt := serving, time.Time{}
	for _, tr := range timeline {
		switch {
		case tr.To == awssim.StateInService:
			inService[tr.InstanceID] = true
		case tr.From == awssim.StateInService:
			delete(inService, tr.InstanceID)
		}
		if tr.Time.Before(rollStart) {
			continue
		}
		if len(inService) < low {
			low, lowAt = len(inService), tr.Time
		}
	}
	if low < floor {
		return violation(name, realTime(lowAt), "%d of %d nodes in service at the worst moment", low, serving)
	}
	return pass(name, "at least %d of %d nodes in service throughout", low, serving)
}

// decisions is what the controller decided about one resource with one action: a first attempt is a
// decision, the SDK's retries (attempt 2 and up) belong to it.
type decisions struct {
	applied      int       // decisions AWS applied (some attempt of them)
	afterApplied int       // decisions made after one was applied
	firstAfter   time.Time // when the first of those was made
}

// decide groups the calls of action by key into decisions.
func decide(calls []awssim.Call, action string, key func(awssim.Call) string) map[string]*decisions {
	out := map[string]*decisions{}
	current := map[string]bool{} // whether the key's current decision has been applied
	for _, c := range calls {
		if c.Action != action {
			continue
		}
		k := key(c)
		d := out[k]
		if d == nil {
			d = &decisions{}
			out[k] = d
		}
		if c.Attempt <= 1 {
			if d.applied > 0 {
				d.afterApplied++
				if d.firstAfter.IsZero() {
					d.firstAfter = c.Time
				}
			}
			current[k] = false
		}
		if c.Applied && !current[k] {
			d.applied++
			current[k] = true
		}
	}
	return out
}

// checkTerminatedOnce: no instance goes to Terminating twice, and no termination is decided again for an
// instance AWS already terminated (an SDK retry of the same call, meeting the instance terminating, is not a
// new decision).
func checkTerminatedOnce(timeline []awssim.Transition, calls []awssim.Call, realTime func(time.Time) time.Time) check {
	const name = "no instance terminated twice"
	count := map[string]int{}
	for _, tr := range timeline {
		if tr.To == awssim.StateTerminating {
			count[tr.InstanceID]++
			if count[tr.InstanceID] > 1 {
				return violation(name, realTime(tr.Time), "%s went to Terminating twice", tr.InstanceID)
			}
		}
	}
	byInstance := decide(calls, "TerminateInstanceInAutoScalingGroup", func(c awssim.Call) string { return c.Params.Get("InstanceId") })
	for id, d := range byInstance {
		if d.afterApplied > 0 {
			return violation(name, realTime(d.firstAfter), "the controller decided %d more time(s) to terminate %s after AWS had terminated it", d.afterApplied, id)
		}
	}
	return pass(name, "%d terminations, each decided once", len(count))
}

// checkGatesAtTerminations: no termination while a gate of another node, or of the cluster, had been
// failing for longer than decisionGrace.
func checkGatesAtTerminations(terms []termination) check {
	const name = "no termination while a gate was failing"
	for _, t := range terms {
		if len(t.failing) > 0 {
			return violation(name, t.at, "%s terminated while %s", t.instanceID, strings.Join(t.failing, "; "))
		}
	}
	return pass(name, "every gate held at each of %d terminations (looked at as AWS received them)", len(terms))
}

// stableForSlop allows for the monitor seeing a recovery up to one look late.
const stableForSlop = 2 * monitorInterval

// checkHeldAfterOutages: after each crash, no termination before the cluster had been whole again for
// stableFor. A controller that was dead or not looking while a node was down must not take the gates for
// having held all along.
func checkHeldAfterOutages(terms []termination, outages []outage) check {
	name := fmt.Sprintf("gates held %s after each crash before a termination", stableFor)
	for _, t := range terms {
		for _, o := range outages {
			if t.at.After(o.killed.Add(decisionGrace)) && t.at.Before(o.healthy.Add(stableFor-stableForSlop)) {
				return violation(name, t.at, "%s terminated %s after the cluster was whole again from the crash of %s's redis-server (%s before that)",
					t.instanceID, t.at.Sub(o.healthy).Round(time.Millisecond), o.instanceID, o.healthy.Sub(o.killed).Round(time.Millisecond))
			}
		}
	}
	if len(outages) == 0 {
		return violation(name, time.Time{}, "no crash healed during the roll: nothing to check")
	}
	return pass(name, "%d crash(es), no termination from the crash until the cluster had held %s", len(outages), stableFor)
}

// checkPrimaryLast: a node is never terminated as the primary; a node that was the primary since the last
// failover the campaign made (or since the roll started) is replaced only after its role was handed off,
// and after every other outdated node unless its role went to a node already on the goal (a failover that
// promoted a node whose replacement had already launched: the controller hands the role to that
// replacement, one hand-off as in a roll without the failover, where "primary last" exists to avoid a
// second one); and if that primary was outdated, it was replaced.
func checkPrimaryLast(terms []termination, primaries []primaryChange, failovers []time.Time, original map[string]bool, rollStart time.Time) check {
	const name = "the primary replaced last, after its hand-off"
	lastFrom := rollStart
	replaced := map[string]bool{}
	for _, t := range terms {
		if t.role == "master" {
			return violation(name, t.at, "%s was terminated while it was the primary", t.instanceID)
		}
		from := lastFailover(failovers, rollStart, t.at)
		if !heldPrimary(primaries, t.instanceID, from, t.at) {
			continue
		}
		replaced[t.instanceID] = true
		if len(t.outdatedLeft) > 0 && !t.primaryOnGoal {
			return violation(name, t.at, "former primary %s was terminated before outdated node(s) %s, its role on an outdated node", t.instanceID, strings.Join(t.outdatedLeft, ", "))
		}
	}
	if len(failovers) > 0 {
		lastFrom = failovers[len(failovers)-1]
	}
	primary := firstPrimaryFrom(primaries, lastFrom)
	switch {
	case original[primary] && !replaced[primary]:
		return violation(name, time.Time{}, "the primary %s (on the old AMI) was never handed off and replaced", primary)
	case !original[primary]:
		return pass(name, "no primary terminated; the failover made %s, already on the goal, the primary, so there was no primary left to replace", orNone(primary))
	}
	return pass(name, "%s, the primary since %s, was replaced last, as a replica, after its role moved", primary, startOrFailover(len(failovers)))
}

func startOrFailover(failovers int) string {
	if failovers == 0 {
		return "the start"
	}
	return "the failover"
}

// lastFailover is the latest failover before t, or the roll's start.
func lastFailover(failovers []time.Time, rollStart, t time.Time) time.Time {
	from := rollStart
	for _, f := range failovers {
		if f.Before(t) && f.After(from) {
			from = f
		}
	}
	return from
}

// firstPrimaryFrom is the first node that was the one primary at or after from.
func firstPrimaryFrom(primaries []primaryChange, from time.Time) string {
	for i, p := range primaries {
		ends := i+1 == len(primaries) || primaries[i+1].at.After(from)
		if p.instanceID != "" && ends {
			return p.instanceID
		}
	}
	return ""
}

// heldPrimary says whether the instance was the primary at some moment of [from, to).
func heldPrimary(primaries []primaryChange, id string, from, to time.Time) bool {
	for i, p := range primaries {
		end := to
		if i+1 < len(primaries) {
			end = primaries[i+1].at
		}
		if p.instanceID == id && p.at.Before(to) && end.After(from) {
			return true
		}
	}
	return false
}

// checkCapacityRestored: every group's desired capacity and max size are back to what they were.
func checkCapacityRestored(start, end map[string]awssim.Group) check {
	const name = "every group's desired/max back to its start"
	var diffs []string
	for g, s := range start {
		e := end[g]
		if e.Desired != s.Desired || e.Max != s.Max {
			diffs = append(diffs, fmt.Sprintf("%s desired %d->%d max %d->%d", g, s.Desired, e.Desired, s.Max, e.Max))
		}
	}
	if len(diffs) > 0 {
		return violation(name, time.Time{}, "%s", strings.Join(diffs, "; "))
	}
	return pass(name, "%d groups as they started", len(start))
}

// checkWrites: every acknowledged write can be read from the final primary.
func checkWrites(res redisload.Result, err error) check {
	const name = "every acknowledged write readable at the end"
	switch {
	case err != nil:
		return violation(name, time.Time{}, "could not read the writes back: %v", err)
	case res.Lost > 0:
		first := res.LostWrites[0]
		return violation(name, first.At, "%d of %d acknowledged writes missing from the final primary (first: %s, acknowledged by %s)", res.Lost, res.Acknowledged, first.Key, first.By)
	}
	return pass(name, "%d acknowledged writes, all on the final primary; longest gap %s", res.Acknowledged, res.LongestGap.Round(time.Millisecond))
}

// checkEnd: the policy succeeded; or it failed where a fault made success impossible, with the cluster
// healthy.
func checkEnd(p *v1.RemediationPolicy, healthy []string) check {
	const name = "policy Succeeded (or Failed, cluster healthy)"
	detail := fmt.Sprintf("%s %s: %s", p.Status.Phase, p.Status.Updated, p.Status.BlockedBy)
	switch {
	case p.Status.Phase == v1.PhaseSucceeded && len(healthy) == 0:
		return pass(name, "Succeeded, %s updated", p.Status.Updated)
	case p.Status.Phase == v1.PhaseFailed && len(healthy) == 0:
		return pass(name, "%s", detail)
	case len(healthy) > 0:
		return violation(name, time.Time{}, "%s; the cluster is not healthy: %s", detail, strings.Join(healthy, "; "))
	}
	return violation(name, time.Time{}, "%s", detail)
}

// checkIssuedOnce: the action was applied by exactly one decision of the controller, and never decided
// again after that (however often the manager died around it).
func checkIssuedOnce(calls []awssim.Call, action string, realTime func(time.Time) time.Time) check {
	name := action + " issued exactly once"
	d := decide(calls, action, func(awssim.Call) string { return "" })[""]
	switch {
	case d == nil || d.applied == 0:
		return violation(name, time.Time{}, "never applied")
	case d.applied > 1 || d.afterApplied > 0:
		return violation(name, realTime(d.firstAfter), "applied by %d decision(s), decided %d more time(s) after it was applied", d.applied, d.afterApplied)
	}
	attempts := 0
	for _, c := range calls {
		if c.Action == action {
			attempts++
		}
	}
	return pass(name, "one decision applied (%d attempt(s) in all)", attempts)
}
