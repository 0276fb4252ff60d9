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
	"sort"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/health"
)

// GateMemory is how long gates have held, as the previous reconcile stored it: per node, since when every
// one of its gates has held (the ledger's healthySince), and per gate, the cluster-wide entry. It is what
// stableFor is measured with across reconciles, and it stays small for a cluster of any size: one time per
// node, one entry per gate.
type GateMemory struct {
	nodeSince map[string]time.Time
	gates     map[string]v1.GateResult
}

// RememberGates reads the memory from a policy's status.
func RememberGates(st v1.RemediationPolicyStatus) GateMemory {
	m := GateMemory{nodeSince: map[string]time.Time{}, gates: map[string]v1.GateResult{}}
	for _, n := range st.Nodes {
		if n.HealthySince != nil {
			m.nodeSince[n.InstanceID] = n.HealthySince.Time
		}
	}
	for _, g := range st.Gates {
		m.gates[g.Name] = g
	}
	return m
}

// GateState is this reconcile's gate results folded into the memory.
type GateState struct {
	// NodeSince is, for every node whose gates all hold now, since when they have.
	NodeSince map[string]time.Time
	// ClusterSince is, for every cluster gate (one with no node) that holds now, since when it has.
	ClusterSince map[string]time.Time
	// Gates are the results for the status, one per gate.
	Gates []v1.GateResult
	// results are this reconcile's results, in their order.
	results []health.Result
}

// Update folds this reconcile's results (every gate of every node, and the cluster gates) into the memory.
// A node or gate that holds now keeps its earlier since time if it held then too, else it starts now; a
// node's since time is never before its results' NotBefore (its process restarted since).
func (m GateMemory) Update(results []health.Result, now time.Time) GateState {
	s := GateState{NodeSince: map[string]time.Time{}, ClusterSince: map[string]time.Time{}, results: results}
	failing := map[string]bool{}
	notBefore := map[string]time.Time{}
	for _, r := range results {
		if r.InstanceID != "" && !r.OK {
			failing[r.InstanceID] = true
		}
		if r.InstanceID != "" && r.NotBefore.After(notBefore[r.InstanceID]) {
			notBefore[r.InstanceID] = r.NotBefore
		}
	}
	type aggregate struct {
		entry v1.GateResult
		first bool
	}
	byName := map[string]*aggregate{}
	var order []string
	for _, r := range results {
		if r.InstanceID != "" && !failing[r.InstanceID] {
			since, ok := m.nodeSince[r.InstanceID]
			if !ok {
				since = now
			}
			if nb := notBefore[r.InstanceID]; since.Before(nb) && !nb.After(now) {
				since = nb
			}
			s.NodeSince[r.InstanceID] = since
		}
		a := byName[r.Gate]
		if a == nil {
			a = &aggregate{entry: v1.GateResult{Name: r.Gate, Status: metav1.ConditionTrue}}
			byName[r.Gate] = a
			order = append(order, r.Gate)
		}
		if r.InstanceID != "" {
			a.entry.Nodes++
		}
		if !r.OK {
			if a.entry.Status == metav1.ConditionTrue {
				a.entry.Status, a.entry.InstanceID, a.entry.Reason, a.entry.Message = metav1.ConditionFalse, r.InstanceID, r.Reason, truncate(r.Message, 1024)
			}
			if r.InstanceID != "" {
				a.entry.FailingNodes++
			}
		}
	}
	for _, name := range order {
		e := byName[name].entry
		e.Since = &metav1.Time{Time: now}
		if previous, ok := m.gates[name]; ok && previous.Status == e.Status && previous.Since != nil {
			e.Since = previous.Since
		}
		if e.Status == metav1.ConditionTrue && e.Nodes == 0 {
			s.ClusterSince[name] = e.Since.Time
		}
		s.Gates = append(s.Gates, e)
	}
	return s
}

// HealthySince is since when every gate of the node has held, if they all hold now.
func (s GateState) HealthySince(instanceID string) *metav1.Time {
	since, ok := s.NodeSince[instanceID]
	if !ok {
		return nil
	}
	return &metav1.Time{Time: since}
}

// Stable checks that every gate holds and has held for stableFor, ignoring the results exempt says so of (a
// node a failed rollout left behind, which is what the next step replaces; a gate the next step fixes). It
// returns the first gate that fails, else the first that holds but not for long enough (Reason
// HoldingForStableFor).
func (s GateState) Stable(now time.Time, stableFor time.Duration, exempt func(health.Result) bool) (health.Result, bool) {
	var gates []health.Result
	for _, r := range s.results {
		if !exempt(r) {
			gates = append(gates, r)
		}
	}
	if r, failed := health.FirstFailure(gates); failed {
		return health.Result{Gate: r.Gate, InstanceID: r.InstanceID, Reason: r.Reason, Message: GateMessage(r)}, false
	}
	type held struct {
		gate, id string
		since    time.Time
	}
	var waits []held
	for _, r := range gates {
		since, ok := s.ClusterSince[r.Gate]
		if r.InstanceID != "" {
			since, ok = s.NodeSince[r.InstanceID]
		}
		if !ok {
			since = now
		}
		if now.Sub(since) < stableFor {
			waits = append(waits, held{r.Gate, r.InstanceID, since})
		}
	}
	if len(waits) == 0 {
		return health.Result{}, true
	}
	// The one that has held the shortest is what the wait is for.
	sort.SliceStable(waits, func(i, j int) bool { return waits[i].since.After(waits[j].since) })
	w := waits[0]
	return health.Result{Gate: w.gate, InstanceID: w.id, Reason: ReasonHoldingForStableFor,
		Message: fmt.Sprintf("waiting for every gate to hold for %s (%s on %s has held for %s)", stableFor, w.gate, OrCluster(w.id), now.Sub(w.since).Round(time.Second))}, false
}

// StableNodes is Stable for the gates of the nodes only, leaving out the cluster gates: whether the nodes
// of a cluster that reached its goal are healthy.
func (s GateState) StableNodes(now time.Time, stableFor time.Duration) (health.Result, bool) {
	return s.Stable(now, stableFor, func(r health.Result) bool { return r.InstanceID == "" })
}

// ReasonHoldingForStableFor is the reason Stable gives for a gate that holds but not for stableFor yet.
const ReasonHoldingForStableFor = "HoldingForStableFor"

// StableAt is when Stable can next hold if nothing fails meanwhile: the latest since time plus stableFor.
// The zero time when nothing has to wait.
func (s GateState) StableAt(stableFor time.Duration) time.Time {
	var latest time.Time
	for _, t := range s.NodeSince {
		if t.After(latest) {
			latest = t
		}
	}
	for _, t := range s.ClusterSince {
		if t.After(latest) {
			latest = t
		}
	}
	if latest.IsZero() {
		return latest
	}
	return latest.Add(stableFor)
}

// GateMessage says what a gate saw on which node.
func GateMessage(r health.Result) string {
	return fmt.Sprintf("%s on %s: %s", r.Gate, OrCluster(r.InstanceID), r.Message)
}

// OrCluster names a node, or the cluster for a cluster gate.
func OrCluster(id string) string {
	if id == "" {
		return "the cluster"
	}
	return id
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

// BlockReason is the reason a gate that does not hold blocks a new step with, and whether only the user can
// clear it: the CloudWatch gates have reasons of their own (an alarm in ALARM or INSUFFICIENT_DATA, an alarm
// that does not exist, a metric without datapoints), so do the Sentinel gates; every other gate blocks as
// GateBlocked.
func BlockReason(r health.Result) (reason string, degraded bool) {
	if reason, ok := sentinelReasons[r.Gate]; ok {
		return reason, false
	}
	switch r.Reason {
	case health.ReasonAlarmFiring:
		return v1.ReasonAlarmFiring, false
	case health.ReasonAlarmInsufficientData:
		return v1.ReasonAlarmInsufficientData, false
	case health.ReasonAlarmNotFound:
		return v1.ReasonAlarmNotFound, true
	case health.ReasonMetricMissing:
		return v1.ReasonMetricMissing, false
	}
	return v1.ReasonGateBlocked, false
}

// sentinelReasons are the condition reasons of the Sentinel gates: what to do about a Sentinel differs from
// what to do about a node, so each says which question the Sentinels did not answer as they should.
var sentinelReasons = map[string]string{
	health.GateSentinelReachable: v1.ReasonSentinelUnreachable,
	health.GateSentinelMonitors:  v1.ReasonSentinelMasterUnknown,
	health.GateSentinelQuorum:    v1.ReasonSentinelNoQuorum,
	health.GateSentinelAgrees:    v1.ReasonSentinelDisagrees,
}

// FiredAlarm returns the alarms gate's result when one of the policy's CloudWatch alarms is in ALARM.
func FiredAlarm(results []health.Result) (health.Result, bool) {
	for _, r := range results {
		if health.AlarmFiring(r) {
			return r, true
		}
	}
	return health.Result{}, false
}

// IgnoresAlarms says whether a gate result is the alarms gate's, which a rollback does not wait for: the
// rollback is what answers an alarm.
func IgnoresAlarms(purpose v1.StepPurpose, r health.Result) bool {
	return purpose == v1.PurposeRollback && r.Gate == health.GateCloudWatchAlarms
}
