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

// Package asgengine rolls a self-managed cache cluster (Auto Scaling groups of Redis or Dynomite nodes) one
// node at a time: observe, let the planner decide, check that the policy owns what it is about to touch,
// record the step, act, and say what it concluded. It never writes the policy's status; the reconciler
// derives the status from the outcome.
package asgengine

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/asgobservation"
	"github.com/cache-remediator/cache-remediator/controllers/asgplanner"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
	"github.com/cache-remediator/cache-remediator/controllers/probe"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
)

// RedisActions issues the commands of a primary's hand-off.
type RedisActions interface {
	Failover(ctx context.Context, primaryIP, targetIP string, port int32, timeout time.Duration) error
	ReplicaOf(ctx context.Context, ip, primaryIP string, port int32) error
	PauseWrites(ctx context.Context, ip string, port int32, d time.Duration) error
	UnpauseWrites(ctx context.Context, ip string, port int32) error
	ReplicationOffset(ctx context.Context, ip string, port int32) (int64, error)
}

// SentinelActions asks a Sentinel to fail a master over (a refusal is a *probe.FailoverRefusal).
type SentinelActions interface {
	Failover(ctx context.Context, address, masterName string) error
}

// Engine rolls ASG-backed clusters.
type Engine struct {
	// Client reads policies (for conflicts) and Secrets (Redis credentials).
	Client      client.Reader
	AutoScaling awsclient.AutoScalingAPI
	EC2         awsclient.EC2API
	Observer    *asgobservation.Builder
	// NewRedis returns the Redis actions, authenticating with a policy's credentials.
	NewRedis func(probe.RedisCredentials) RedisActions
	// NewSentinel returns the Sentinel actions, authenticating with a policy's Sentinel credentials.
	NewSentinel func(probe.RedisCredentials) SentinelActions
	Timings     rollout.Timings
	Validation  *rollout.ValidationCache
	// ReplicaCatchUp bounds how long a hand-off through Sentinel waits for the replicas to have the primary's
	// held writes before it gives the attempt up (default 5s, as FAILOVER's TIMEOUT).
	ReplicaCatchUp time.Duration
}

var _ rollout.Engine = (*Engine)(nil)

// Reconcile moves the policy's cluster one step.
func (e *Engine) Reconcile(ctx context.Context, req rollout.Request) (rollout.Outcome, error) {
	return e.reconcile(ctx, req, asgobservation.Options{Settled: settled(req.Policy)})
}

// settled says whether the policy's goal was met at its last reconcile, with nothing in flight or due:
// its next reconcile most likely finds the same, and needs no status checks to say so.
func settled(p *v1.RemediationPolicy) bool {
	st := p.Status
	return st.Phase == v1.PhaseSucceeded && st.ObservedGeneration == p.Generation && st.CurrentStep == nil &&
		(st.ASG == nil || !st.ASG.CleanupDue)
}

func (e *Engine) reconcile(ctx context.Context, req rollout.Request, opts asgobservation.Options) (rollout.Outcome, error) {
	policy, now, timings := req.Policy, req.Now, e.Timings.OrDefault()
	credentials, stop, err := e.credentials(ctx, req, timings.Blocked)
	if stop != nil {
		return *stop, err
	}
	cluster, err := e.Observer.Observe(ctx, policy.Spec, credentials, policy.Status.CurrentStep, now, opts)
	if err != nil {
		if awsclient.IsRefusal(err) {
			return req.BadTarget(v1.ReasonAWSError, "observing the cluster was refused: "+awsclient.Explain(err), timings.Blocked), nil
		}
		return rollout.Transient(err), err
	}
	if len(cluster.MissingGroups) > 0 {
		return req.BadTarget(v1.ReasonGroupNotFound, fmt.Sprintf("auto scaling group %s does not exist", cluster.MissingGroups[0]), timings.Blocked), nil
	}
	if blocked, err := e.owns(ctx, req, cluster); err != nil || blocked != nil {
		if err != nil {
			return rollout.Transient(err), err
		}
		if req.Stopping {
			// Not ours to finish: a policy being deleted that does not own its groups lets go at once.
			blocked.Step = nil
		}
		return *blocked, nil
	}
	gates := rollout.RememberGates(policy.Status).Update(cluster.AllGates(), now)
	asgStatus := policy.Status.ASG.DeepCopy()
	if asgStatus == nil {
		asgStatus = &v1.ASGStatus{}
	}
	paused, pausedBy := policy.IsPaused()
	window, err := rollout.MaintenanceWindow(policy.Spec, now)
	if err != nil {
		return req.BadTarget(v1.ReasonInvalidSpec, err.Error(), timings.Blocked), nil
	}
	if req.Stopping {
		pausedBy = "Deleting"
	}
	in := asgplanner.Input{
		Spec: policy.Spec, Generation: policy.Generation, Cluster: cluster, Step: policy.Status.CurrentStep,
		FailedTarget: policy.Status.FailedTarget, LastGood: policy.Status.LastGood, Record: policy.Status.Rollout,
		CleanupDue: asgStatus.CleanupDue, Gates: gates, Paused: paused, PausedBy: pausedBy, Window: window, Stopping: req.Stopping,
		Now: now, Timings: timings,
	}
	d := asgplanner.Plan(in)
	if d.Step != nil && opts.Settled {
		// Something changed since the goal was met: a step is due, and no step starts on a settled
		// observation (no status checks, launch template pointers up to an hour old). Nothing was
		// changed yet; observe again, in full.
		return e.reconcile(ctx, req, asgobservation.Options{})
	}
	if d.Action != asgplanner.ActionNone {
		if blocked, err := e.mayMutate(ctx, req, cluster, d); err != nil || blocked != nil {
			if err != nil {
				return rollout.Transient(err), err
			}
			blocked.Observed = observed(policy, cluster, gates, d.Step, nil, now)
			return *blocked, nil
		}
		if err := e.recordAndAct(ctx, req, cluster, credentials, &d, asgStatus); err != nil {
			return rollout.Transient(err), err
		}
		if d.Step != nil && d.Step.RetryAt != nil {
			// AWS refused the action: plan again with the refusal recorded, which blocks with backoff.
			in.Step = d.Step
			d = asgplanner.Plan(in)
		}
	}
	if d.CleanedUp {
		asgStatus.CleanupDue = false
	}
	o := rollout.Outcome{Phase: d.Phase, Reason: d.Reason, Message: d.Message, Degraded: d.Degraded, Step: d.Step, Completed: d.Completed,
		FailedTarget: d.FailedTarget, Record: d.Record, RequeueAfter: d.RequeueAfter}
	if !equality.Semantic.DeepEqual(asgStatus, policy.Status.ASG) && !(policy.Status.ASG == nil && equality.Semantic.DeepEqual(asgStatus, &v1.ASGStatus{})) {
		o.ASG = asgStatus
	}
	o.Observed = observed(policy, cluster, gates, d.Step, d.Completed, now)
	if req.Stopping && d.Step == nil {
		o.Leftover = leftover(cluster, policy.Spec.Desired.Goal())
	}
	o.Plan = asgplanner.Remaining(after(in, d, asgStatus))
	return o, nil
}

// after is the planner's input as the decision leaves it: its step in flight, its record and failure.
func after(in asgplanner.Input, d asgplanner.Decision, st *v1.ASGStatus) asgplanner.Input {
	in.Step, in.CleanupDue = d.Step, st.CleanupDue
	if d.Record != nil {
		in.Record = d.Record
	}
	if d.FailedTarget != nil {
		in.FailedTarget = d.FailedTarget
	}
	return in
}

// recordAndAct checkpoints the decision's step (when it is new or changed) before its action, performs the
// action, and records on the step what happened: done, or refused (with the time to try again). It returns
// only errors worth retrying with backoff (throttling, a server error, the API server).
func (e *Engine) recordAndAct(ctx context.Context, req rollout.Request, cluster *asgobservation.Cluster, credentials asgobservation.Credentials, d *asgplanner.Decision, asgStatus *v1.ASGStatus) error {
	if d.Action == asgplanner.ActionPrepareLaunchTemplate {
		// Before any group moves: what cleanup will have to delete is on the API server first.
		asgStatus.CleanupDue = true
		recordSupersededConfigurations(asgStatus, cluster, d.Step.Goal)
	}
	stored := req.Policy.Status
	if !equality.Semantic.DeepEqual(stored.CurrentStep, d.Step) || !equality.Semantic.DeepEqual(stored.ASG, asgStatus) || d.FailedTarget != nil || d.Record != nil {
		// The step is on the API server before its call: a controller that dies during the call resumes
		// the step instead of starting another.
		if err := req.Checkpoint(ctx, rollout.Progress{Phase: d.Phase, Step: d.Step, FailedTarget: d.FailedTarget, Record: d.Record, ASG: asgStatus}); err != nil {
			return err
		}
	}
	err := e.act(ctx, req.Policy, cluster, credentials, d, asgStatus)
	step := d.Step
	switch {
	case err == nil:
		step.ActionTaken, step.RetryAt = true, nil
		step.Attempts++
		return nil
	case awsclient.IsRefusal(err):
		step.Attempts++
		step.RetryAt = &metav1.Time{Time: req.Now.Add(e.Timings.Backoff(step.Attempts))}
		step.Message = truncate(fmt.Sprintf("%s was refused by AWS: %s", d.Action, awsclient.Explain(err)), 1024)
		return nil
	}
	return err
}

// credentials reads what the policy's nodes and Sentinels authenticate with, or the outcome to report
// instead.
func (e *Engine) credentials(ctx context.Context, req rollout.Request, blocked time.Duration) (asgobservation.Credentials, *rollout.Outcome, error) {
	nodes, stop, err := req.RedisCredentials(ctx, e.Client, blocked)
	if stop != nil {
		return asgobservation.Credentials{}, stop, err
	}
	sentinels, stop, err := req.SentinelCredentials(ctx, e.Client, nodes, blocked)
	return asgobservation.Credentials{Nodes: nodes, Sentinels: sentinels}, stop, err
}

// observed is the cluster as this reconcile saw it, for the status.
func observed(policy *v1.RemediationPolicy, c *asgobservation.Cluster, gates rollout.GateState, step, completed *v1.StepStatus, now time.Time) *rollout.Observed {
	goal := policy.Spec.Desired.Goal()
	return &rollout.Observed{
		Nodes: ledger(policy.Status.Nodes, c, gates, goal, step, completed, now), Gates: gates.Gates,
		Updated: c.Updated(goal), Total: clusterSize(c, step), Uniform: uniformGoal(c),
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}
