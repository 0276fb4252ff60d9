/*
Copyright 2026 The cache-remediator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package asgengine

import (
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/health"
	"github.com/cache-remediator/cache-remediator/controllers/observation"
	"github.com/cache-remediator/cache-remediator/controllers/planner"
)

// outcome is what a reconcile concluded, for status.
type outcome struct {
	phase   v1.Phase
	reason  string
	message string
	// degraded: the rollout is halted until something changes (a bad target, a failure).
	degraded bool
	// transient: an error that will be retried; the phase stays.
	transient bool
	cluster   *observation.Cluster
}

func timePtr(t time.Time) *metav1.Time {
	mt := metav1.NewTime(t)
	return &mt
}

// report writes the outcome into status: phase, conditions, ledger, gates and what blocks, with an event
// when the policy becomes blocked, fails or succeeds.
func (e *Engine) report(policy *v1.RemediationPolicy, o outcome, now time.Time) {
	st := &policy.Status
	if o.cluster != nil {
		setLedger(policy, o.cluster, now)
		setGates(policy, o.cluster, now)
		st.UpdatedNodes = int32(o.cluster.Updated(policy.Spec.Desired.Goal()))
		st.TotalNodes = int32(clusterSize(o.cluster, st.CurrentStep))
		if st.LastGood == nil {
			st.LastGood = uniformGoal(o.cluster)
		}
	}
	if o.transient {
		setCondition(policy, v1.ConditionReady, metav1.ConditionFalse, o.reason, o.message)
		return
	}
	previous := st.Phase
	st.Phase = o.phase
	defer recordPolicyMetrics(policy)
	blockedBefore := st.BlockedBy
	st.BlockedBy = ""
	if previous == v1.PhaseBlocked && o.phase != v1.PhaseBlocked {
		if ready := meta.FindStatusCondition(st.Conditions, v1.ConditionReady); ready != nil {
			blockedDuration.WithLabelValues(ready.Reason).Observe(now.Sub(ready.LastTransitionTime.Time).Seconds())
		}
	}
	if o.phase == v1.PhaseBlocked || o.phase == v1.PhaseFailed || o.phase == v1.PhasePaused || o.phase == v1.PhaseRolledBack || o.phase == v1.PhasePending {
		st.BlockedBy = o.reason + ": " + o.message
	}
	switch {
	case o.phase == v1.PhaseBlocked && st.BlockedBy != blockedBefore:
		e.event(policy, corev1.EventTypeWarning, o.reason, "Block", o.message)
	case o.phase == v1.PhaseRolledBack && previous != v1.PhaseRolledBack:
		e.event(policy, corev1.EventTypeWarning, v1.ReasonRolledBack, "Rollback", o.message)
		rolloutsTotal.WithLabelValues("rolled_back").Inc()
	case o.phase == v1.PhaseSucceeded && previous != v1.PhaseSucceeded:
		goal := policy.Spec.Desired.Goal()
		st.LastGood = &goal
		e.event(policy, corev1.EventTypeNormal, "RolloutSucceeded", "Complete", o.message)
		rolloutsTotal.WithLabelValues("succeeded").Inc()
	}

	ready, readyReason := metav1.ConditionFalse, o.reason
	if o.phase == v1.PhaseSucceeded {
		ready = metav1.ConditionTrue
	}
	setCondition(policy, v1.ConditionReady, ready, readyReason, o.message)
	if o.phase == v1.PhaseProgressing || o.phase == v1.PhaseRollingBack {
		setCondition(policy, v1.ConditionProgressing, metav1.ConditionTrue, o.reason, o.message)
	} else {
		setCondition(policy, v1.ConditionProgressing, metav1.ConditionFalse, o.reason, "no step is in flight")
	}
	switch f := st.FailedTarget; {
	case o.degraded || o.phase == v1.PhaseFailed:
		setCondition(policy, v1.ConditionDegraded, metav1.ConditionTrue, o.reason, o.message)
	case (o.phase == v1.PhaseRollingBack || o.phase == v1.PhaseRolledBack) && f != nil:
		// The rollback is the consequence; Degraded says what failed.
		setCondition(policy, v1.ConditionDegraded, metav1.ConditionTrue, f.Reason, fmt.Sprintf("%s failed: %s", f.Goal, f.Message))
	default:
		setCondition(policy, v1.ConditionDegraded, metav1.ConditionFalse, v1.ReasonAsExpected, "nothing has failed")
	}
}

// clusterSize is the number of nodes the user sized the cluster to: the extra node a SurgeFirst step runs
// for a while is not one of them, so UPDATED reads 1/3 during a surge, not 1/4.
func clusterSize(c *observation.Cluster, step *v1.StepStatus) int {
	total := c.DesiredNodes()
	if step == nil || step.Type != v1.StepSurgeNode || step.OriginalCapacity == nil {
		return total
	}
	if g, ok := c.Group(step.Group); ok && g.Desired > int64(step.OriginalCapacity.Desired) {
		total -= int(g.Desired - int64(step.OriginalCapacity.Desired))
	}
	return total
}

func setCondition(policy *v1.RemediationPolicy, t string, status metav1.ConditionStatus, reason, message string) {
	if reason == "" {
		reason = v1.ReasonAsExpected
	}
	meta.SetStatusCondition(&policy.Status.Conditions, metav1.Condition{Type: t, Status: status, Reason: reason, Message: message, ObservedGeneration: policy.Generation})
}

// uniformGoal is the AMI and type every node runs, when they all run the same and are healthy: the
// last-good state a rollback returns to.
func uniformGoal(c *observation.Cluster) *v1.ImageAndType {
	var goal *v1.ImageAndType
	for _, n := range c.Nodes {
		if n.Leaving() {
			continue
		}
		g := v1.ImageAndType{ImageID: n.ImageID, InstanceType: n.InstanceType}
		if !n.Healthy() || (goal != nil && *goal != g) {
			return nil
		}
		goal = &g
	}
	return goal
}

// setLedger lists every node of the cluster with its state, keeping what earlier reconciles learned
// (which instance a node replaced, when it was updated).
func setLedger(policy *v1.RemediationPolicy, c *observation.Cluster, now time.Time) {
	previous := map[string]v1.NodeStatus{}
	for _, n := range policy.Status.Nodes {
		previous[n.InstanceID] = n
	}
	goal := policy.Spec.Desired.Goal()
	step := policy.Status.CurrentStep
	var ledger []v1.NodeStatus
	for _, n := range c.Nodes {
		entry := v1.NodeStatus{InstanceID: n.InstanceID, Group: n.Group, Zone: n.Zone, PrivateIP: n.PrivateIP, Role: n.Role(),
			ImageID: n.ImageID, InstanceType: n.InstanceType, LifecycleState: n.LifecycleState, Healthy: n.Healthy()}
		if !n.LaunchedAt.IsZero() {
			entry.LaunchedAt = timePtr(n.LaunchedAt)
		}
		if p, ok := previous[n.InstanceID]; ok {
			entry.ReplacedInstanceID, entry.UpdatedAt = p.ReplacedInstanceID, p.UpdatedAt
		}
		switch {
		case n.Leaving():
			entry.State = v1.NodeTerminating
		case step != nil && step.InstanceID == n.InstanceID:
			entry.State = v1.NodeReplacing
		case step != nil && step.ReplacementInstanceID == n.InstanceID, !n.InService():
			entry.State = v1.NodeLaunching
		case n.Runs(goal):
			entry.State = v1.NodeUpdated
		default:
			entry.State = v1.NodeOutdated
		}
		ledger = append(ledger, entry)
	}
	sort.SliceStable(ledger, func(i, j int) bool { return ledger[i].Group < ledger[j].Group })
	policy.Status.Nodes = ledger
}

// setGates writes every gate result; a result keeps its since time while its status does not change, which
// is how stableFor is measured across reconciles.
func setGates(policy *v1.RemediationPolicy, c *observation.Cluster, now time.Time) {
	previous := map[string]v1.GateResult{}
	for _, g := range policy.Status.Gates {
		previous[planner.GateKey(g.Name, g.InstanceID)] = g
	}
	var gates []v1.GateResult
	for _, r := range c.AllGates() {
		gates = append(gates, gateResult(r, previous[planner.GateKey(r.Gate, r.InstanceID)], now))
	}
	if len(gates) > 256 {
		gates = gates[:256]
	}
	policy.Status.Gates = gates
}

func gateResult(r health.Result, previous v1.GateResult, now time.Time) v1.GateResult {
	status := metav1.ConditionFalse
	if r.OK {
		status = metav1.ConditionTrue
	}
	out := v1.GateResult{Name: r.Gate, InstanceID: r.InstanceID, Status: status, Reason: r.Reason, Message: truncate(r.Message, 1024), Since: timePtr(now)}
	if previous.Status == status && previous.Since != nil {
		out.Since = previous.Since
	}
	return out
}

// heldSince maps the gates that hold to since when they have held.
func heldSince(gates []v1.GateResult) map[string]time.Time {
	out := map[string]time.Time{}
	for _, g := range gates {
		if g.Status == metav1.ConditionTrue && g.Since != nil {
			out[planner.GateKey(g.Name, g.InstanceID)] = g.Since.Time
		}
	}
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

// stepReason is the event reason for starting a step.
func stepReason(t v1.StepType) string {
	switch t {
	case v1.StepPrepareLaunchTemplate:
		return "PreparingLaunchTemplate"
	case v1.StepHandOffPrimary:
		return "HandingOffPrimary"
	}
	return fmt.Sprintf("%sStarted", t)
}
