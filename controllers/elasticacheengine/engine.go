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

// Package elasticacheengine remediates ElastiCache (Redis OSS / Valkey) replication groups. ElastiCache
// replaces the nodes itself; the engine decides when it is safe to start (every preflight gate holds), makes
// one change at a time (a node type change, a service update) after checking that the policy owns the group,
// and watches every member until ElastiCache is done, telling a change it reverted from one it made. It
// never writes the policy's status; the reconciler derives the status from the outcome.
package elasticacheengine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
	eo "github.com/cache-remediator/cache-remediator/controllers/elasticacheobservation"
	planner "github.com/cache-remediator/cache-remediator/controllers/elasticacheplanner"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
)

// DefaultTestFailoverQuota is how many node groups ElastiCache lets an account fail over with TestFailover
// in a rolling 24 hours (it was 5 before mid-2024).
const DefaultTestFailoverQuota = 15

// testFailoverRefusalWait is how long the controller waits before asking for a TestFailover again after
// ElastiCache refused one for the account's quota.
const testFailoverRefusalWait = time.Hour

// Engine remediates replication groups.
type Engine struct {
	// Client reads policies (conflicts, the account's TestFailover budget) and Secrets (Redis credentials).
	Client      client.Reader
	ElastiCache awsclient.ElastiCacheAPI
	Observer    *eo.Builder
	Timings     rollout.Timings
	// TestFailoverQuota is the account's TestFailover limit (default DefaultTestFailoverQuota).
	TestFailoverQuota int
}

var _ rollout.Engine = (*Engine)(nil)

// Reconcile moves the policy's replication group one step.
func (e *Engine) Reconcile(ctx context.Context, req rollout.Request) (rollout.Outcome, error) {
	policy, now, timings := req.Policy, req.Now, e.Timings.OrDefault()
	credentials, stop, err := req.RedisCredentials(ctx, e.Client, timings.Blocked)
	if stop != nil {
		return *stop, err
	}
	cluster, err := e.Observer.Observe(ctx, policy.Spec, credentials, policy.Status.CurrentStep, now)
	if err != nil {
		if awsclient.IsRefusal(err) {
			return req.BadTarget(v1.ReasonAWSError, "observing the replication group was refused: "+awsclient.Explain(err), timings.Blocked), nil
		}
		return rollout.Transient(err), err
	}
	if cluster.Missing {
		o := req.BadTarget(v1.ReasonReplicationGroupNotFound, fmt.Sprintf("replication group %s does not exist (in this region)", policy.Spec.Target.ElastiCache.ReplicationGroupID), timings.Blocked)
		if req.Stopping {
			o.Step = nil // nothing is left to finish
		}
		return o, nil
	}
	if conflict, err := rollout.CheckConflict(ctx, e.Client, policy); err != nil || conflict != nil {
		if err != nil {
			return rollout.Transient(err), err
		}
		o := req.BadTarget(v1.ReasonConflict, conflict.Message("replication group", ""), timings.Blocked)
		if req.Stopping {
			o.Step = nil
		}
		return o, nil
	}
	gates := rollout.RememberGates(policy.Status).Update(cluster.AllGates(), now)
	ecStatus := policy.Status.ElastiCache.DeepCopy()
	if ecStatus == nil {
		ecStatus = &v1.ElastiCacheStatus{}
	}
	if cluster.UsedMemory >= 0 {
		used := cluster.UsedMemory
		ecStatus.UsedMemoryBytes = &used
	}
	paused, pausedBy := policy.IsPaused()
	window, err := rollout.MaintenanceWindow(policy.Spec, now)
	if err != nil {
		return req.BadTarget(v1.ReasonInvalidSpec, err.Error(), timings.Blocked), nil
	}
	if req.Stopping {
		pausedBy = "Deleting"
	}
	in := planner.Input{
		Spec: policy.Spec, Generation: policy.Generation, Cluster: cluster, Step: policy.Status.CurrentStep,
		FailedTarget: policy.Status.FailedTarget, LastGood: policy.Status.LastGood, Record: policy.Status.Rollout, Gates: gates,
		Paused: paused, PausedBy: pausedBy, Window: window, Stopping: req.Stopping, Now: now, Timings: timings,
	}
	if policy.Spec.Target.ElastiCache.TestFailover {
		if in.TestFailoverBudget, err = e.testFailoverBudget(ctx, policy, ecStatus, now); err != nil {
			return rollout.Transient(err), err
		}
		if until := ecStatus.TestFailoverRefusedUntil; until != nil {
			if now.Before(until.Time) {
				in.TestFailoverBudget = 0 // ElastiCache said the account's quota is used up
			} else {
				ecStatus.TestFailoverRefusedUntil = nil
			}
		}
		budget := int32(in.TestFailoverBudget)
		ecStatus.TestFailoverBudget = &budget
	}
	d := planner.Plan(in)
	if d.Action != planner.ActionNone {
		if blocked, err := e.optedIn(ctx, req, cluster); err != nil || blocked != nil {
			if err != nil {
				return rollout.Transient(err), err
			}
			blocked.Observed = observed(policy, cluster, gates, d.Step)
			return *blocked, nil
		}
		if err := e.recordAndAct(ctx, req, cluster, &d, ecStatus); err != nil {
			return rollout.Transient(err), err
		}
		if d.Step != nil && d.Step.RetryAt != nil {
			in.Step = d.Step
			if until := ecStatus.TestFailoverRefusedUntil; until != nil && now.Before(until.Time) {
				in.TestFailoverBudget = 0
			}
			d = planner.Plan(in)
		}
	}
	o := rollout.Outcome{Phase: d.Phase, Reason: d.Reason, Message: d.Message, Degraded: d.Degraded, Step: d.Step, Completed: d.Completed,
		FailedTarget: d.FailedTarget, Record: d.Record, RequeueAfter: d.RequeueAfter, Observed: observed(policy, cluster, gates, d.Step)}
	if !equality.Semantic.DeepEqual(ecStatus, policy.Status.ElastiCache) && !equality.Semantic.DeepEqual(ecStatus, &v1.ElastiCacheStatus{}) {
		o.ElastiCache = ecStatus
	}
	o.Plan = planner.Remaining(after(in, d))
	if req.Stopping && d.Step == nil {
		o.Leftover = fmt.Sprintf("replication group %s runs %s (%s)", cluster.Group.ID, cluster.Group.NodeType, cluster.Group.Status)
	}
	return o, nil
}

// after is the planner's input as the decision leaves it: its step in flight, its record and failure.
func after(in planner.Input, d planner.Decision) planner.Input {
	in.Step = d.Step
	if d.Record != nil {
		in.Record = d.Record
	}
	if d.FailedTarget != nil {
		in.FailedTarget = d.FailedTarget
	}
	return in
}

// optedIn reads the group's opt-in tag right before a mutation. ElastiCache answers only while the group is
// available, which a mutation needs anyway.
func (e *Engine) optedIn(ctx context.Context, req rollout.Request, c *eo.Cluster) (*rollout.Outcome, error) {
	timings := e.Timings.OrDefault()
	tags, err := awsclient.ResourceTags(ctx, e.ElastiCache, c.Group.ARN)
	switch {
	case awsclient.IsRefusal(err):
		o := req.BadTarget(v1.ReasonAWSError, "reading the replication group's tags was refused: "+awsclient.Explain(err), timings.Blocked)
		return &o, nil
	case err != nil:
		return nil, err
	}
	if got := tags[v1.OptInTagKey]; got != req.Policy.OptInTagValue() {
		o := req.BadTarget(v1.ReasonNotOptedIn, fmt.Sprintf("replication group %s does not carry the tag %s=%s (it has %q); tag it to let this policy act on it",
			c.Group.ID, v1.OptInTagKey, req.Policy.OptInTagValue(), got), timings.Blocked)
		return &o, nil
	}
	return nil, nil
}

// recordAndAct checkpoints the step (when new or changed) before its call, makes the call, and records on
// the step what happened. It returns only errors worth retrying with backoff.
func (e *Engine) recordAndAct(ctx context.Context, req rollout.Request, c *eo.Cluster, d *planner.Decision, st *v1.ElastiCacheStatus) error {
	if d.Action == planner.ActionTestFailover {
		// Counted before the call: a call whose answer is lost still used the account's budget.
		st.TestFailovers = append(recent(st.TestFailovers, req.Now), metav1.Time{Time: req.Now})
	}
	if d.Action == planner.ActionSnapshot {
		st.Snapshots = append(st.Snapshots, d.Step.ElastiCache.Snapshot)
		if len(st.Snapshots) > 10 {
			st.Snapshots = st.Snapshots[len(st.Snapshots)-10:]
		}
	}
	stored := req.Policy.Status
	if !equality.Semantic.DeepEqual(stored.CurrentStep, d.Step) || !equality.Semantic.DeepEqual(stored.ElastiCache, st) || d.FailedTarget != nil || d.Record != nil {
		if err := req.Checkpoint(ctx, rollout.Progress{Phase: d.Phase, Step: d.Step, FailedTarget: d.FailedTarget, Record: d.Record, ElastiCache: st}); err != nil {
			return err
		}
	}
	unprocessed, err := e.act(ctx, c, d)
	step := d.Step
	switch {
	case err == nil && unprocessed == "":
		step.ActionTaken, step.RetryAt = true, nil
		step.Attempts++
		return nil
	case awsclient.IsTestFailoverQuota(err):
		// Others used the account's quota: the budget is 0 for an hour, then the test is asked for again
		// (the quota is a rolling window, so some of it frees up over time).
		zero, until := int32(0), metav1.NewTime(req.Now.Add(testFailoverRefusalWait))
		st.TestFailoverBudget, st.TestFailoverRefusedUntil = &zero, &until
		step.Attempts++
		step.RetryAt = &until
		step.Message = fmt.Sprintf("%s was refused by ElastiCache: %s", d.Action, awsclient.Explain(err))
		return nil
	case awsclient.IsRefusal(err) || unprocessed != "":
		why := unprocessed
		if err != nil {
			why = awsclient.Explain(err)
		}
		step.Attempts++
		step.RetryAt = &metav1.Time{Time: req.Now.Add(e.Timings.Backoff(step.Attempts))}
		step.Message = fmt.Sprintf("%s was refused by ElastiCache: %s", d.Action, why)
		return nil
	case awsclient.Classify(err) == awsclient.KindInProgress:
		// The group or a member became busy between the look and the call (a backup started): a wait, not
		// an error; the step is issued again once they are available.
		step.Message = fmt.Sprintf("%s waits: %s", d.Action, awsclient.Explain(err))
		return nil
	}
	return err
}

// act makes the decision's call, through the audit log. A service update ElastiCache does not take comes
// back as unprocessed (its reason), not as an error.
func (e *Engine) act(ctx context.Context, c *eo.Cluster, d *planner.Decision) (unprocessed string, err error) {
	id := c.Group.ID
	step := d.Step
	resources := []any{"ReplicationGroup", id}
	switch d.Action {
	case planner.ActionEnableFailover:
		return "", rollout.Mutate(ctx, string(d.Action), resources, func(ctx context.Context) error {
			return awsclient.EnableAutomaticFailover(ctx, e.ElastiCache, id)
		})
	case planner.ActionSnapshot:
		return "", rollout.Mutate(ctx, string(d.Action), append(resources, "snapshot", step.ElastiCache.Snapshot), func(ctx context.Context) error {
			return awsclient.CreateSnapshot(ctx, e.ElastiCache, id, step.ElastiCache.Snapshot)
		})
	case planner.ActionTestFailover:
		return "", rollout.Mutate(ctx, string(d.Action), append(resources, "nodeGroup", step.ElastiCache.NodeGroup), func(ctx context.Context) error {
			return awsclient.TestFailover(ctx, e.ElastiCache, id, step.ElastiCache.NodeGroup)
		})
	case planner.ActionModify:
		return "", rollout.Mutate(ctx, string(d.Action), append(resources, "from", c.Group.NodeType, "to", step.Goal.InstanceType), func(ctx context.Context) error {
			return awsclient.ModifyNodeType(ctx, e.ElastiCache, id, step.Goal.InstanceType)
		})
	case planner.ActionApplyUpdate:
		name := step.ElastiCache.ServiceUpdates[0]
		err := rollout.Mutate(ctx, string(d.Action), append(resources, "serviceUpdate", name), func(ctx context.Context) error {
			var err error
			_, unprocessed, err = awsclient.ApplyUpdateAction(ctx, e.ElastiCache, id, name)
			return err
		})
		return unprocessed, err
	}
	return "", nil
}

// testFailoverBudget is how many node groups the account may still fail over in the rolling 24 hours:
// the quota less the TestFailover calls every policy of this controller made in that window. The policy's
// own calls are counted from its status as this reconcile has it (the listed copy may lag behind it).
func (e *Engine) testFailoverBudget(ctx context.Context, policy *v1.RemediationPolicy, own *v1.ElastiCacheStatus, now time.Time) (int, error) {
	var all v1.RemediationPolicyList
	if err := e.Client.List(ctx, &all); err != nil {
		return 0, err
	}
	quota := e.TestFailoverQuota
	if quota == 0 {
		quota = DefaultTestFailoverQuota
	}
	used := len(recent(own.TestFailovers, now))
	for _, p := range all.Items {
		if p.Namespace == policy.Namespace && p.Name == policy.Name || accountOf(p.Spec) != accountOf(policy.Spec) {
			continue
		}
		if p.Status.ElastiCache != nil {
			used += len(recent(p.Status.ElastiCache.TestFailovers, now))
		}
	}
	return max(0, quota-used), nil
}

// accountOf is the account a policy's calls are made in as far as the spec says: its role's, or "" for
// the controller's own. The quota is the account's, so policies of other accounts do not use it up; a role
// in the controller's own account is counted apart from it (ElastiCache's refusal of an exhausted quota
// still stops that case, for an hour, without a retry loop).
func accountOf(spec v1.RemediationPolicySpec) string {
	if spec.AWS == nil || spec.AWS.RoleARN == "" {
		return ""
	}
	if parts := strings.SplitN(spec.AWS.RoleARN, ":", 6); len(parts) == 6 {
		return parts[4]
	}
	return spec.AWS.RoleARN
}

// recent keeps the times of the last 24 hours.
func recent(times []metav1.Time, now time.Time) []metav1.Time {
	return slices.DeleteFunc(slices.Clone(times), func(t metav1.Time) bool { return now.Sub(t.Time) >= 24*time.Hour })
}
