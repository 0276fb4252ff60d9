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
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
	"github.com/cache-remediator/cache-remediator/test/redisload"
)

// The checks must be able to fail: each is fed a timeline, a call log or a load result with the violation it
// exists for, and one without.

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

func identity(t time.Time) time.Time { return t }

// startTimeline has three nodes coming into service before the roll starts at t0.
func startTimeline() []awssim.Transition {
	var out []awssim.Transition
	for _, id := range []string{"i-1", "i-2", "i-3"} {
		out = append(out, awssim.Transition{Time: at(-10), InstanceID: id, From: awssim.StatePending, To: awssim.StateInService})
	}
	return out
}

func tr(s int, id, from, to string) awssim.Transition {
	return awssim.Transition{Time: at(s), InstanceID: id, From: from, To: to}
}

func call(s int, action, id string, attempt int, applied bool, errCode string) awssim.Call {
	return awssim.Call{Time: at(s), Action: action, Params: url.Values{"InstanceId": {id}}, Attempt: attempt, Applied: applied, Error: errCode}
}

func wantResult(t *testing.T, c check, ok bool, detail string) {
	t.Helper()
	if c.ok != ok || !strings.Contains(c.detail, detail) {
		t.Errorf("%s: ok=%t %q; want ok=%t with %q", c.name, c.ok, c.detail, ok, detail)
	}
}

func TestCheckInService(t *testing.T) {
	oneAtATime := append(startTimeline(),
		tr(1, "i-1", awssim.StateInService, awssim.StateTerminating), tr(2, "i-4", "", awssim.StatePending),
		tr(5, "i-4", awssim.StatePending, awssim.StateInService),
		tr(6, "i-2", awssim.StateInService, awssim.StateTerminating), tr(7, "i-5", "", awssim.StatePending),
		tr(9, "i-5", awssim.StatePending, awssim.StateInService))
	wantResult(t, checkInService(oneAtATime, t0, 3, v1.TerminateFirst, identity), true, "at least 2 of 3")
	// SurgeFirst may not lose one: the same timeline is a violation there.
	wantResult(t, checkInService(oneAtATime, t0, 3, v1.SurgeFirst, identity), false, "2 of 3 nodes in service")

	twoOut := append(startTimeline(),
		tr(1, "i-1", awssim.StateInService, awssim.StateTerminating), tr(2, "i-4", "", awssim.StatePending),
		tr(3, "i-2", awssim.StateInService, awssim.StateTerminating))
	c := checkInService(twoOut, t0, 3, v1.TerminateFirst, identity)
	wantResult(t, c, false, "1 of 3 nodes in service")
	if !c.at.Equal(at(3)) {
		t.Errorf("violation at %s, want %s", c.at, at(3))
	}

	surge := append(startTimeline(),
		tr(1, "i-4", "", awssim.StatePending), tr(3, "i-4", awssim.StatePending, awssim.StateInService),
		tr(4, "i-1", awssim.StateInService, awssim.StateTerminating))
	wantResult(t, checkInService(surge, t0, 3, v1.SurgeFirst, identity), true, "at least 3 of 3")
}

func TestCheckTerminatedOnce(t *testing.T) {
	const term = "TerminateInstanceInAutoScalingGroup"
	once := append(startTimeline(), tr(1, "i-1", awssim.StateInService, awssim.StateTerminating))
	// The answer to the first call was lost; the SDK's retry meets the instance terminating: one decision.
	calls := []awssim.Call{call(1, term, "i-1", 1, true, "InternalFailure"), call(2, term, "i-1", 2, false, "ValidationError")}
	wantResult(t, checkTerminatedOnce(once, calls, identity), true, "1 terminations")
	// A 5xx before AWS acted, then a new decision that AWS applies: still one termination.
	calls = []awssim.Call{call(1, term, "i-1", 1, false, "InternalFailure"), call(3, term, "i-1", 1, true, "")}
	wantResult(t, checkTerminatedOnce(once, calls, identity), true, "each decided once")

	// A restarted controller decides again to terminate what AWS already terminated.
	calls = []awssim.Call{call(1, term, "i-1", 1, true, ""), call(4, term, "i-1", 1, false, "ValidationError")}
	c := checkTerminatedOnce(once, calls, identity)
	wantResult(t, c, false, "decided 1 more time(s) to terminate i-1")
	if !c.at.Equal(at(4)) {
		t.Errorf("violation at %s, want %s", c.at, at(4))
	}
	twice := append(once, tr(5, "i-1", awssim.StateInService, awssim.StateTerminating))
	wantResult(t, checkTerminatedOnce(twice, nil, identity), false, "i-1 went to Terminating twice")
}

func TestCheckGatesAtTerminations(t *testing.T) {
	clean := []termination{{at: at(1), instanceID: "i-1"}, {at: at(5), instanceID: "i-2"}}
	wantResult(t, checkGatesAtTerminations(clean), true, "2 terminations")
	failing := append(clean, termination{at: at(9), instanceID: "i-3", failing: []string{"Redis/i-4 (redis-server does not answer, for 3s)"}})
	wantResult(t, checkGatesAtTerminations(failing), false, "i-3 terminated while Redis/i-4")
}

func TestCheckHeldAfterOutages(t *testing.T) {
	crash := []outage{{instanceID: "i-4", killed: at(10), healthy: at(14)}}
	ok := []termination{{at: at(5), instanceID: "i-1"}, {at: at(14).Add(stableFor), instanceID: "i-2"}}
	wantResult(t, checkHeldAfterOutages(ok, crash), true, "1 crash(es)")
	// A termination while the node was down, or before the healed cluster held stableFor.
	for _, when := range []time.Time{at(12), at(14).Add(stableFor / 10)} {
		bad := append(ok, termination{at: when, instanceID: "i-3"})
		wantResult(t, checkHeldAfterOutages(bad, crash), false, "i-3 terminated")
	}
	wantResult(t, checkHeldAfterOutages(ok, nil), false, "nothing to check")
}

func TestCheckPrimaryLast(t *testing.T) {
	original := map[string]bool{"i-1": true, "i-2": true, "i-3": true}
	primaries := []primaryChange{{at: at(-10), instanceID: "i-1"}, {at: at(20), instanceID: "i-4"}}
	good := []termination{
		{at: at(1), instanceID: "i-2", role: "slave", outdatedLeft: []string{"i-1", "i-3"}},
		{at: at(10), instanceID: "i-3", role: "slave", outdatedLeft: []string{"i-1"}},
		{at: at(21), instanceID: "i-1", role: "slave"},
	}
	wantResult(t, checkPrimaryLast(good, primaries, nil, original, t0), true, "i-1, the primary since the start")

	asPrimary := append(good[:2:2], termination{at: at(15), instanceID: "i-1", role: "master"})
	wantResult(t, checkPrimaryLast(asPrimary, primaries, nil, original, t0), false, "i-1 was terminated while it was the primary")

	early := []termination{{at: at(21), instanceID: "i-1", role: "slave", outdatedLeft: []string{"i-3"}}}
	wantResult(t, checkPrimaryLast(early, primaries, nil, original, t0), false, "former primary i-1 was terminated before outdated node(s) i-3")

	wantResult(t, checkPrimaryLast(good[:2], []primaryChange{{at: at(-10), instanceID: "i-1"}}, nil, original, t0), false,
		"the primary i-1 (on the old AMI) was never handed off and replaced")

	// A failover at +12 made i-3 the primary: it is the one to be replaced last, i-1 no longer is.
	failedOver := []primaryChange{{at: at(-10), instanceID: "i-1"}, {at: at(11), instanceID: ""}, {at: at(12), instanceID: "i-3"}, {at: at(30), instanceID: "i-4"}}
	afterFailover := []termination{
		{at: at(1), instanceID: "i-2", role: "slave", outdatedLeft: []string{"i-1", "i-3"}},
		{at: at(20), instanceID: "i-1", role: "slave", outdatedLeft: []string{"i-3"}},
		{at: at(31), instanceID: "i-3", role: "slave"},
	}
	wantResult(t, checkPrimaryLast(afterFailover, failedOver, []time.Time{at(12)}, original, t0), true, "i-3, the primary since the failover")
	// The failover promoted i-3 while its replacement was already up: its role went to that replacement, on
	// the goal, before i-3 went; i-1 is left, but no second hand-off is needed.
	toGoal := []termination{
		{at: at(1), instanceID: "i-2", role: "slave", outdatedLeft: []string{"i-1", "i-3"}},
		{at: at(31), instanceID: "i-3", role: "slave", outdatedLeft: []string{"i-1"}, primaryOnGoal: true},
	}
	wantResult(t, checkPrimaryLast(toGoal, failedOver, []time.Time{at(12)}, original, t0), true, "i-3, the primary since the failover")
	wrongOrder := []termination{
		{at: at(1), instanceID: "i-2", role: "slave", outdatedLeft: []string{"i-1", "i-3"}},
		{at: at(31), instanceID: "i-3", role: "slave", outdatedLeft: []string{"i-1"}},
	}
	wantResult(t, checkPrimaryLast(wrongOrder, failedOver, []time.Time{at(12)}, original, t0), false, "former primary i-3 was terminated before outdated node(s) i-1, its role on an outdated node")
}

func TestCheckCapacityRestored(t *testing.T) {
	start := map[string]awssim.Group{"a": {Desired: 2, Max: 2}, "b": {Desired: 2, Max: 2}}
	wantResult(t, checkCapacityRestored(start, map[string]awssim.Group{"a": {Desired: 2, Max: 2}, "b": {Desired: 2, Max: 2}}), true, "2 groups")
	wantResult(t, checkCapacityRestored(start, map[string]awssim.Group{"a": {Desired: 2, Max: 2}, "b": {Desired: 3, Max: 3}}), false, "b desired 2->3 max 2->3")
}

func TestCheckWrites(t *testing.T) {
	wantResult(t, checkWrites(redisload.Result{Acknowledged: 100}, nil), true, "100 acknowledged writes")
	lost := redisload.Result{Acknowledged: 100, Lost: 2, LostWrites: []redisload.Write{{Key: "sessions-41", At: at(3), By: "127.0.1.1:6379"}}}
	c := checkWrites(lost, nil)
	wantResult(t, c, false, "2 of 100 acknowledged writes missing from the final primary (first: sessions-41, acknowledged by 127.0.1.1:6379)")
	if !c.at.Equal(at(3)) {
		t.Errorf("violation at %s, want %s", c.at, at(3))
	}
	wantResult(t, checkWrites(redisload.Result{}, errors.New("no primary")), false, "no primary")
}

func TestCheckEnd(t *testing.T) {
	policy := func(phase v1.Phase) *v1.RemediationPolicy {
		p := &v1.RemediationPolicy{}
		p.Status.Phase, p.Status.Updated = phase, "6/6"
		return p
	}
	wantResult(t, checkEnd(policy(v1.PhaseSucceeded), nil), true, "Succeeded")
	wantResult(t, checkEnd(policy(v1.PhaseFailed), nil), true, "Failed")
	wantResult(t, checkEnd(policy(v1.PhaseSucceeded), []string{"Redis/i-4: redis-server does not answer"}), false, "not healthy: Redis/i-4")
	wantResult(t, checkEnd(policy(v1.PhaseFailed), []string{"SinglePrimary: 0 primaries"}), false, "not healthy")
	wantResult(t, checkEnd(policy(v1.PhaseProgressing), nil), false, "Progressing")
}

func TestCheckIssuedOnce(t *testing.T) {
	const modify = "ModifyReplicationGroup"
	ec := func(s, attempt int, applied bool, errCode string) awssim.Call {
		return awssim.Call{Time: at(s), Action: modify, Attempt: attempt, Applied: applied, Error: errCode}
	}
	// Applied with the answer lost; the SDK's retry is refused (the group is modifying): one decision.
	wantResult(t, checkIssuedOnce([]awssim.Call{ec(1, 1, true, "InternalFailure"), ec(2, 2, false, "InvalidReplicationGroupState")}, modify, identity),
		true, "one decision applied (2 attempt(s) in all)")
	// A 5xx before AWS acted, then a second decision: one applied.
	wantResult(t, checkIssuedOnce([]awssim.Call{ec(1, 1, false, "InternalFailure"), ec(3, 1, true, "")}, modify, identity), true, "one decision applied")

	// A restarted manager issues it again after it was applied: a violation even when AWS refuses it.
	wantResult(t, checkIssuedOnce([]awssim.Call{ec(1, 1, true, ""), ec(5, 1, false, "InvalidReplicationGroupState")}, modify, identity),
		false, "decided 1 more time(s) after it was applied")
	wantResult(t, checkIssuedOnce([]awssim.Call{ec(1, 1, true, ""), ec(5, 1, true, "")}, modify, identity), false, "applied by 2 decision(s)")
	wantResult(t, checkIssuedOnce([]awssim.Call{ec(1, 1, false, "InternalFailure")}, modify, identity), false, "never applied")
	wantResult(t, checkIssuedOnce(nil, modify, identity), false, "never applied")
}

func TestCheckKills(t *testing.T) {
	kills := []kill{{at: time.Second}, {at: 2 * time.Second, during: "UpdateAutoScalingGroup"}, {at: 3 * time.Second}}
	got := checkKills(kills, 3, nil, nil)
	wantResult(t, got[0], true, "3 kills, 1 of them inside an AWS call (UpdateAutoScalingGroup)")
	wantResult(t, got[1], true, "every manager ran")
	got = checkKills(kills, 20, []string{"+5s after 1.2s"}, nil)
	wantResult(t, got[0], false, "only 3 kills")
	wantResult(t, got[1], false, "exited on its own: +5s after 1.2s")
}
