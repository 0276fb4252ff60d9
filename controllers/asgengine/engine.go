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

// Package asgengine rolls a self-managed cache cluster (Auto Scaling groups of Redis or Dynomite nodes) one
// node at a time: validate the target, observe, let the planner decide, record the step, act, report.
package asgengine

import (
	"context"
	"fmt"
	"math/rand"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
	"github.com/cache-remediator/cache-remediator/controllers/health"
	"github.com/cache-remediator/cache-remediator/controllers/observation"
	"github.com/cache-remediator/cache-remediator/controllers/planner"
)

// Engine rolls ASG-backed clusters.
type Engine struct {
	Client   client.Client
	Recorder events.EventRecorder
	Clock    clock.PassiveClock
	AWS      awsclient.Clients
	Observer *observation.Builder
	Timings  planner.Timings
	// ValidationTTL is how long a successful target validation is trusted while the goal is unchanged.
	ValidationTTL time.Duration

	mu        sync.Mutex
	validated map[string]time.Time     // policy UID + goal -> when validated
	counters  map[string]*callsPerNode // policy UID -> AWS calls since its last replaced node
}

type callsPerNode struct {
	counter awsclient.CallCounter
	mark    int
}

// New returns an engine with default timings.
func New(c client.Client, recorder events.EventRecorder, clk clock.PassiveClock, aws awsclient.Clients) *Engine {
	return &Engine{
		Client: c, Recorder: recorder, Clock: clk, AWS: aws, Timings: planner.DefaultTimings, ValidationTTL: 10 * time.Minute,
		Observer: &observation.Builder{AutoScaling: aws.AutoScaling, EC2: aws.EC2, HTTP: health.HTTPProber{},
			NewRedis: func(password string) observation.RedisProber { return health.RedisProber{Password: password} }},
	}
}

// Reconcile moves the policy's cluster one step.
func (e *Engine) Reconcile(ctx context.Context, policy *v1.RemediationPolicy) (ctrl.Result, error) {
	return e.reconcile(ctx, policy, false)
}

// reconcile moves the cluster one step; stopping starts no new step (a deleted policy).
func (e *Engine) reconcile(ctx context.Context, policy *v1.RemediationPolicy, stopping bool) (ctrl.Result, error) {
	now := e.Clock.Now()
	if policy.Spec.Target.AutoScalingGroups == nil {
		e.report(policy, outcome{phase: v1.PhasePending, reason: v1.ReasonEngineNotImplemented,
			message: "the ElastiCache remediation path is not implemented in this build; the policy is validated but nothing is touched"}, now)
		// Nothing to look at until the spec changes, which triggers reconciliation.
		return ctrl.Result{}, nil
	}
	e.handleRetryAnnotation(policy)
	ctx = awsclient.WithCallCounter(ctx, &e.counterFor(policy).counter)

	password, blocked, err := e.redisPassword(ctx, policy)
	if err != nil {
		return ctrl.Result{}, err
	}
	if blocked != nil {
		e.report(policy, *blocked, now)
		return e.requeue(e.timings().Blocked), nil
	}

	cluster, err := e.Observer.Observe(ctx, policy.Spec, password, now)
	if err != nil {
		if blocked := refusal("observing the cluster", err); blocked != nil {
			e.report(policy, *blocked, now)
			return e.requeue(e.timings().Blocked), nil
		}
		e.report(policy, outcome{phase: policy.Status.Phase, reason: v1.ReasonAWSError, message: err.Error(), transient: true}, now)
		return ctrl.Result{}, err
	}
	if len(cluster.MissingGroups) > 0 {
		e.report(policy, badTarget(v1.ReasonGroupNotFound, fmt.Sprintf("auto scaling group %s does not exist", cluster.MissingGroups[0])), now)
		return e.requeue(e.timings().Blocked), nil
	}

	paused, pausedBy := policy.IsPaused()
	if stopping {
		paused, pausedBy = true, "Deleting"
	}
	decision := planner.Plan(planner.Input{
		Spec: policy.Spec, Generation: policy.Generation, Goal: policy.Spec.Desired.Goal(), Cluster: cluster,
		Step: policy.Status.CurrentStep, FailedTarget: policy.Status.FailedTarget, LastGood: policy.Status.LastGood, Record: policy.Status.Rollout,
		HeldSince: heldSince(policy.Status.Gates),
		Paused:    paused, PausedBy: pausedBy, Now: now, Timings: e.timings(),
	})
	// The target is checked before a new step's first AWS mutation, not on every look: an idle policy
	// only observes, which keeps it to a few describes per idle interval.
	if policy.Status.CurrentStep == nil && decision.Action != planner.ActionNone {
		blocked, err := e.validate(ctx, policy, now)
		if err != nil {
			if blocked = refusal("checking the target", err); blocked == nil {
				return ctrl.Result{}, err
			}
		}
		if blocked != nil {
			e.report(policy, *blocked, now)
			return e.requeue(e.timings().Blocked), nil
		}
	}
	if err := e.apply(ctx, policy, cluster, decision, now); err != nil {
		return ctrl.Result{}, err
	}
	return e.requeue(decision.RequeueAfter), nil
}

// apply records the decision, checkpointing a new step before its action, and performs the action.
func (e *Engine) apply(ctx context.Context, policy *v1.RemediationPolicy, cluster *observation.Cluster, d planner.Decision, now time.Time) error {
	if d.Completed != nil {
		e.completed(policy, d.Completed, now)
	}
	if d.FailedTarget != nil {
		e.failed(policy, d.FailedTarget)
	}
	if d.Record != nil {
		policy.Status.Rollout = d.Record
	}
	started := d.Step != nil && (policy.Status.CurrentStep == nil || !sameStep(policy.Status.CurrentStep, d.Step))
	policy.Status.CurrentStep = d.Step
	if started {
		e.event(policy, corev1.EventTypeNormal, stepReason(d.Step.Type), "Start", d.Step.Message)
	}
	if d.Action != planner.ActionNone {
		// The step is on the API server before its AWS call: a controller that dies during the call resumes
		// the step instead of starting another.
		setLedger(policy, cluster, now)
		// While the call is made kubectl shows the step's phase with nothing blocking it, not the phase of
		// the previous reconcile. report still compares with that previous phase to tell transitions.
		previous, blockedBy := policy.Status.Phase, policy.Status.BlockedBy
		policy.Status.Phase, policy.Status.BlockedBy = d.Phase, ""
		if err := e.checkpoint(ctx, policy); err != nil {
			return err
		}
		err := e.act(ctx, policy, cluster, d)
		policy.Status.Phase, policy.Status.BlockedBy = previous, blockedBy
		if err != nil {
			return e.actionFailed(policy, d, err, now)
		}
		policy.Status.CurrentStep.ActionTaken = true
	}
	e.report(policy, outcome{phase: d.Phase, reason: d.Reason, message: d.Message, cluster: cluster}, now)
	return nil
}

func sameStep(a, b *v1.StepStatus) bool {
	return a.Type == b.Type && a.InstanceID == b.InstanceID && a.Goal == b.Goal && a.Purpose == b.Purpose
}

func (e *Engine) timings() planner.Timings {
	if e.Timings == (planner.Timings{}) {
		return planner.DefaultTimings
	}
	return e.Timings
}

// requeue adds up to 10% jitter so that a fleet of policies does not poll AWS in lockstep.
func (e *Engine) requeue(d time.Duration) ctrl.Result {
	if d <= 0 {
		d = e.timings().Transition
	}
	return ctrl.Result{RequeueAfter: d + time.Duration(rand.Int63n(int64(d)/10+1))}
}

// checkpoint writes the status now, in the middle of a reconcile.
func (e *Engine) checkpoint(ctx context.Context, policy *v1.RemediationPolicy) error {
	latest := &v1.RemediationPolicy{}
	if err := e.Client.Get(ctx, client.ObjectKeyFromObject(policy), latest); err != nil {
		return err
	}
	patch := client.MergeFrom(latest.DeepCopy())
	latest.Status = *policy.Status.DeepCopy()
	return e.Client.Status().Patch(ctx, latest, patch)
}

func (e *Engine) event(policy *v1.RemediationPolicy, eventType, reason, action, note string) {
	if e.Recorder != nil {
		e.Recorder.Eventf(policy, nil, eventType, reason, action, "%s", note)
	}
}

// SafeToForget lets a policy go once no step is half-way, so that deleting a policy mid-rollout never
// leaves a node out: an in-flight replacement is watched to completion first, and no new step starts.
func (e *Engine) SafeToForget(ctx context.Context, policy *v1.RemediationPolicy) (bool, ctrl.Result, error) {
	step := policy.Status.CurrentStep
	// A bake or a cleanup can stop anywhere; a replacement or a surge must finish (never a node out, never
	// a group left one bigger). Whether its action happened is decided from AWS, not from actionTaken: the
	// cached policy may predate the reconcile that acted. A step whose action did not happen is dropped.
	if step == nil || step.Type == v1.StepPrepareLaunchTemplate || step.Type == v1.StepBake || step.Type == v1.StepCleanup {
		forgetPolicyMetrics(policy)
		return true, ctrl.Result{}, nil
	}
	res, err := e.reconcile(ctx, policy, true)
	if err != nil {
		return false, res, err
	}
	if policy.Status.CurrentStep == nil {
		e.event(policy, corev1.EventTypeNormal, "Released", "Delete", "the in-flight step finished; the policy can be deleted")
		forgetPolicyMetrics(policy)
		return true, ctrl.Result{}, nil
	}
	return false, res, nil
}

func (e *Engine) counterFor(policy *v1.RemediationPolicy) *callsPerNode {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.counters == nil {
		e.counters = map[string]*callsPerNode{}
	}
	c := e.counters[string(policy.UID)]
	if c == nil {
		c = &callsPerNode{}
		e.counters[string(policy.UID)] = c
	}
	return c
}

// handleRetryAnnotation forgets the failed target when the user sets a new retry annotation value.
func (e *Engine) handleRetryAnnotation(policy *v1.RemediationPolicy) {
	value := policy.Annotations[v1.AnnotationRetry]
	if value == "" || value == policy.Status.LastHandledRetry {
		return
	}
	policy.Status.LastHandledRetry = value
	if policy.Status.FailedTarget != nil {
		e.event(policy, corev1.EventTypeNormal, "Retrying", "Retry", fmt.Sprintf("retrying %s as asked by annotation %s=%s", policy.Status.FailedTarget.Goal, v1.AnnotationRetry, value))
		policy.Status.FailedTarget = nil
	}
}
