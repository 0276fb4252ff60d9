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

package asgplanner

import (
	"fmt"
	"sort"
	"strings"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/asgobservation"
)

// defaultReplicaPriority is Redis' replica-priority when a replica does not report one.
const defaultReplicaPriority = 100

// SentinelCandidate predicts the replica Sentinel promotes when asked to fail primaryID over, ranking them
// as Sentinel does: only healthy replicas whose replica-priority is not 0, the lowest priority first, then
// the most data (replication offset), then the smallest run id. Sentinel ranks by the offsets it read last
// (every 10 s by default), so the prediction may miss; the hand-off's message then says whom it promoted.
func SentinelCandidate(c *asgobservation.Cluster, primaryID string) (asgobservation.Node, bool) {
	var candidates []asgobservation.Node
	for _, n := range c.Nodes {
		if n.InstanceID != primaryID && n.Role() == v1.RoleReplica && n.Healthy() && !n.Redis.NeverPromoted {
			candidates = append(candidates, n)
		}
	}
	if len(candidates) == 0 {
		return asgobservation.Node{}, false
	}
	priority := func(n asgobservation.Node) int {
		if n.Redis.ReplicaPriority == 0 {
			return defaultReplicaPriority
		}
		return n.Redis.ReplicaPriority
	}
	sort.SliceStable(candidates, func(i, j int) bool {
		a, b := candidates[i], candidates[j]
		if priority(a) != priority(b) {
			return priority(a) < priority(b)
		}
		if a.Redis.ReplOffset != b.Redis.ReplOffset {
			return a.Redis.ReplOffset > b.Redis.ReplOffset
		}
		if ra, rb := strings.ToLower(a.Redis.RunID), strings.ToLower(b.Redis.RunID); ra != rb {
			return ra < rb
		}
		return a.InstanceID < b.InstanceID
	})
	return candidates[0], true
}

// planSentinelHandOff watches a primary's hand-off through Sentinel. The engine holds the primary's writes,
// waits until its replicas have every one, and asks a Sentinel to fail over; Sentinel promotes a replica of
// its choice and re-points the other replicas. Sentinel's own demotion of the old primary would wait behind
// the held writes, so once the Sentinels name the promoted node and it reports itself primary, the engine
// makes the old primary its replica and releases the writes (they fail with READONLY; clients ask Sentinel
// again). The step ends, and the old node is replaced, only when every Sentinel names the new primary, the
// old one is a healthy, caught-up replica of it and every other replica follows it. A failover Sentinel
// refuses or aborts is asked again, a bounded number of times; the old primary is never terminated while it
// is the primary.
func planSentinelHandOff(in Input, step *v1.StepStatus) Decision {
	c := in.Cluster
	masterName := in.Spec.Health.RedisSentinel().MasterName
	node, ok := c.Node(step.InstanceID)
	if !ok || node.Leaving() {
		// The node went away on its own; nothing left to hand off or replace.
		return done(in, step)
	}
	promoted, moved := c.SentinelPromoted(node)
	moved = moved && promoted.Role() == v1.RolePrimary
	switch {
	case moved && node.Role() == v1.RolePrimary:
		// Acted on even when paused or being deleted: the old primary holds its writes until it is demoted.
		step.Message = fmt.Sprintf("Sentinel promoted %s%s; making %s a replica of it and releasing its held writes", promoted.InstanceID, predicted(step, promoted), node.InstanceID)
		return act(in, step, ActionDemoteOldPrimary)
	case moved && node.Role() == v1.RoleReplica && node.Healthy() && node.Redis.MasterHost == promoted.PrivateIP:
		if all, agreed := c.SentinelPrimary(); !agreed || all.InstanceID != promoted.InstanceID {
			step.Message = fmt.Sprintf("waiting for every Sentinel to name %s as the primary of %s", promoted.InstanceID, masterName)
			return started(in, step, ActionNone)
		}
		if stray := c.ReplicasNotFollowingPrimary(); len(stray) > 0 {
			step.Message = fmt.Sprintf("waiting for Sentinel to re-point replica %s at the new primary %s", stray[0].InstanceID, promoted.InstanceID)
			return started(in, step, ActionNone)
		}
		step.Message = fmt.Sprintf("Sentinel moved the primary role of %s from %s to %s%s", masterName, node.InstanceID, promoted.InstanceID, predicted(step, promoted))
		if in.holdsBack() {
			// The hand-off is complete and safe to stop at; replacing the node would be a new step.
			return done(in, step)
		}
		d := replace(in, node, "former primary, "+node.Zone)
		d.Completed = step
		return d
	case moved || node.Role() != v1.RolePrimary:
		step.Message = fmt.Sprintf("waiting for %s to become a healthy replica of the primary Sentinel names", node.InstanceID)
		return started(in, step, ActionNone)
	}
	// The node is still the primary and no Sentinel names another node: not asked yet, failing over, or the
	// failover did not go through.
	if step.ActionTaken && c.SentinelFailoverRunning() {
		step.Message = fmt.Sprintf("waiting for Sentinel to promote a replica of %s; %s holds its writes meanwhile", masterName, node.InstanceID)
		d := started(in, step, ActionNone)
		d.RequeueAfter = in.Timings.Transition / 10
		return d
	}
	if in.holdsBack() {
		return dropped(in)
	}
	if target, ok := c.Node(step.HandOffTo); !ok || target.Role() != v1.RoleReplica || !target.Healthy() {
		target, ok = SentinelCandidate(c, node.InstanceID)
		if !ok {
			d := started(in, step, ActionNone)
			d.Phase, d.Reason, d.RequeueAfter = v1.PhaseBlocked, v1.ReasonGateBlocked, in.Timings.Blocked
			d.Message = noHandOffTarget(in, node)
			return d
		}
		step.HandOffTo = target.InstanceID
	}
	if !step.ActionTaken {
		return act(in, step, ActionSentinelFailover)
	}
	why := "its failover ended without promoting a replica"
	if step.ASG != nil && step.ASG.HandOffRefusal != "" {
		why = step.ASG.HandOffRefusal
	}
	if step.Attempts >= MaxHandOffAttempts {
		return fail(in, step, v1.ReasonHandOffFailed, fmt.Sprintf("Sentinel did not move the primary role of %s off %s in %d attempts (the last: %s); %s is still the primary",
			masterName, node.InstanceID, step.Attempts, why, node.InstanceID))
	}
	step.Message = fmt.Sprintf("Sentinel did not move the primary role of %s off %s (%s); asking again (attempt %d of %d)",
		masterName, node.InstanceID, why, step.Attempts+1, MaxHandOffAttempts)
	d := act(in, step, ActionSentinelFailover)
	if d.Action != ActionNone {
		d.Reason, d.Message = v1.ReasonHandOffAborted, step.Message
	}
	return d
}

// predicted says how Sentinel's choice compares with the replica the step predicted.
func predicted(step *v1.StepStatus, promoted asgobservation.Node) string {
	if step.HandOffTo == "" || step.HandOffTo == promoted.InstanceID {
		return ", as predicted"
	}
	return fmt.Sprintf(" (the prediction was %s: Sentinel ranks replicas by the replication offsets it last read from them)", step.HandOffTo)
}
