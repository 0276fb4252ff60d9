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

package controllers

import (
	"context"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	kerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/tools/events"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
)

// TargetKind names the kind of a policy's target; each kind has its engine.
type TargetKind string

const (
	// KindAutoScalingGroups is a self-managed cluster run by Auto Scaling groups.
	KindAutoScalingGroups TargetKind = "AutoScalingGroups"
	// KindElastiCache is an ElastiCache replication group.
	KindElastiCache TargetKind = "ElastiCache"
)

// KindOf is the kind of a policy's target.
func KindOf(t v1.TargetSpec) TargetKind {
	if t.ElastiCache != nil {
		return KindElastiCache
	}
	return KindAutoScalingGroups
}

// RemediationPolicyReconciler reconciles RemediationPolicy objects. It owns the status: it dispatches on the
// target kind to an engine, and derives the status, the events and the metrics from the engine's outcome in
// one place (remediationpolicy_status.go).
type RemediationPolicyReconciler struct {
	client.Client
	Recorder events.EventRecorder
	Clock    clock.PassiveClock
	// Engines by target kind; a kind without one is reported Pending with reason EngineNotImplemented.
	Engines map[TargetKind]rollout.Engine
	// AWSTargets, when set, has the engines of the policies that name a region or a role (spec.aws); without
	// it every policy uses Engines.
	AWSTargets *TargetEngines
	Timings    rollout.Timings
	// Validation is the engines' cache of validated goals, forgotten when a policy goes.
	Validation *rollout.ValidationCache
	// Options tune the controller (tests that restart managers in one process skip the name check).
	Options controller.Options

	mu    sync.Mutex
	calls map[types.UID]*callsPerNode // AWS calls since each policy's last replaced node
}

// +kubebuilder:rbac:groups=remediation.cache-remediator.io,resources=remediationpolicies,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=remediation.cache-remediator.io,resources=remediationpolicies/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=remediation.cache-remediator.io,resources=remediationpolicies/finalizers,verbs=update
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get

// Reconcile fetches the policy, ensures the finalizer, runs the delete or the normal path and patches status
// once, in a defer. observedGeneration moves only when the reconcile succeeded.
func (r *RemediationPolicyReconciler) Reconcile(ctx context.Context, req ctrl.Request) (res ctrl.Result, reterr error) {
	policy := &v1.RemediationPolicy{}
	if err := r.Get(ctx, req.NamespacedName, policy); err != nil {
		// A deleted policy needs nothing more: the finalizer already ran. Nor does a policy relabelled out
		// of this manager's shard (it is gone from the cache), but its gauges would go on saying what this
		// manager last saw, next to what its new owner exports: they go.
		if apierrors.IsNotFound(err) {
			forgetPolicyMetrics(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	log := ctrl.LoggerFrom(ctx).WithValues("RemediationPolicy", klog.KObj(policy))
	if t := TargetOf(policy.Spec); !t.IsDefault() {
		// Every line, the audit log of each mutation first, says which account and region it acted in.
		log = log.WithValues("awsRegion", t.Region, "awsRole", t.RoleARN)
	}
	ctx = ctrl.LoggerInto(ctx, log)

	if policy.DeletionTimestamp.IsZero() && !controllerutil.ContainsFinalizer(policy, v1.Finalizer) {
		patch := client.MergeFrom(policy.DeepCopy())
		controllerutil.AddFinalizer(policy, v1.Finalizer)
		// Carry on in this reconcile: a finalizer-only update does not pass the predicates.
		if err := r.Patch(ctx, policy, patch); err != nil {
			return ctrl.Result{}, err
		}
	}

	// Status is patched once, here, on both paths, against a baseline that every mid-reconcile checkpoint
	// moves: the final patch can never drop or undo what a checkpoint stored. start is the policy as the
	// reconcile found it, what transitions are told from.
	start := policy.DeepCopy()
	before := policy.DeepCopy()
	checkpoint := func(ctx context.Context, p rollout.Progress) error {
		applyProgress(policy, p)
		if err := r.patchStatus(ctx, before, policy); err != nil {
			return err
		}
		before = policy.DeepCopy()
		return nil
	}
	defer func() {
		if reterr == nil {
			policy.Status.ObservedGeneration = policy.Generation
		}
		if err := r.patchStatus(ctx, before, policy); err != nil {
			reterr = kerrors.NewAggregate([]error{reterr, err})
		}
	}()

	request := rollout.Request{Now: r.Clock.Now(), Checkpoint: checkpoint}
	if !policy.DeletionTimestamp.IsZero() {
		return r.reconcileDelete(ctx, policy, start, request)
	}
	return r.reconcileNormal(ctx, policy, start, request)
}

func (r *RemediationPolicyReconciler) reconcileNormal(ctx context.Context, policy, start *v1.RemediationPolicy, req rollout.Request) (ctrl.Result, error) {
	r.handleRetryAnnotation(policy)
	engine, stop, err := r.engineFor(ctx, policy, req)
	if stop != nil {
		r.applyOutcome(ctx, policy, start, *stop, req.Now)
		return ctrl.Result{RequeueAfter: r.Timings.Jitter(stop.RequeueAfter)}, err
	}
	if engine == nil {
		r.applyOutcome(ctx, policy, start, engineNotImplemented(policy), req.Now)
		// Nothing to look at until the spec changes, which triggers reconciliation.
		return ctrl.Result{}, nil
	}
	req.Policy = policy.DeepCopy()
	o, err := engine.Reconcile(awsclient.WithCallCounter(ctx, &r.callsFor(policy).counter), req)
	r.applyOutcome(ctx, policy, start, o, req.Now)
	if err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: r.Timings.Jitter(o.RequeueAfter)}, nil
}

// reconcileDelete lets the policy go once no step is in flight: a replacement is watched to its end first
// (never a node left out of service, never a group left bigger), a bake or a cleanup stops at once. It
// does not put the groups back: the release event and log say exactly what the policy leaves behind.
func (r *RemediationPolicyReconciler) reconcileDelete(ctx context.Context, policy, start *v1.RemediationPolicy, req rollout.Request) (ctrl.Result, error) {
	engine, stop, err := r.engineFor(ctx, policy, req)
	if stop != nil && policy.Status.CurrentStep != nil {
		// A step is in flight and cannot be watched without the role: the policy is kept until it can.
		r.applyOutcome(ctx, policy, start, *stop, req.Now)
		return ctrl.Result{RequeueAfter: r.Timings.Jitter(stop.RequeueAfter)}, err
	}
	if engine != nil {
		req.Policy = policy.DeepCopy()
		o, released, err := rollout.Finish(awsclient.WithCallCounter(ctx, &r.callsFor(policy).counter), engine, req)
		r.applyOutcome(ctx, policy, start, o, req.Now)
		if err != nil || !released {
			return ctrl.Result{RequeueAfter: r.Timings.Jitter(o.RequeueAfter)}, err
		}
		note := "no step is in flight; the policy is let go and nothing is rolled back"
		if o.Leftover != "" {
			note += ": " + o.Leftover
		}
		r.event(ctx, policy, corev1.EventTypeNormal, "Released", "Delete", note)
	}
	r.forget(policy)
	patch := client.MergeFrom(policy.DeepCopy())
	controllerutil.RemoveFinalizer(policy, v1.Finalizer)
	if err := r.Patch(ctx, policy, patch); err != nil && !apierrors.IsNotFound(err) {
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, nil
}

// engineFor is the engine of the policy's target kind, acting in the policy's region as its role. When the
// role cannot be assumed it returns, instead, the outcome to report: nothing is called with the role. STS
// refusing (AccessDenied: no such role, no trust, another external ID) blocks with the blocked interval,
// never in a tight loop; a network error or throttling is retried with backoff.
func (r *RemediationPolicyReconciler) engineFor(ctx context.Context, policy *v1.RemediationPolicy, req rollout.Request) (rollout.Engine, *rollout.Outcome, error) {
	engines := r.Engines
	if t := TargetOf(policy.Spec); !t.IsDefault() && r.AWSTargets != nil {
		var err error
		if engines, err = r.AWSTargets.For(ctx, t); err != nil {
			if awsclient.IsRefusal(err) {
				req.Policy = policy
				o := req.BadTarget(v1.ReasonAssumeRoleFailed, awsclient.ExplainAssumeRole(t, err), r.Timings.OrDefault().Blocked)
				return nil, &o, nil
			}
			o := rollout.Transient(err)
			return nil, &o, err
		}
	}
	return engines[KindOf(policy.Spec.Target)], nil, nil
}

// handleRetryAnnotation forgets the failed target when the user sets a new retry annotation value.
func (r *RemediationPolicyReconciler) handleRetryAnnotation(policy *v1.RemediationPolicy) {
	value, ok := rollout.RetryRequested(policy)
	if !ok {
		return
	}
	policy.Status.LastHandledRetry = value
	if f := policy.Status.FailedTarget; f != nil {
		policy.Status.FailedTarget = nil
		r.event(context.Background(), policy, corev1.EventTypeNormal, "Retrying", "Retry",
			"retrying "+f.Goal.String()+" as asked by annotation "+v1.AnnotationRetry+"="+value)
	}
}

func (r *RemediationPolicyReconciler) patchStatus(ctx context.Context, before, after *v1.RemediationPolicy) error {
	if statusEqual(before, after) {
		return nil
	}
	return client.IgnoreNotFound(r.Status().Patch(ctx, after, client.MergeFrom(before)))
}

func (r *RemediationPolicyReconciler) callsFor(policy *v1.RemediationPolicy) *callsPerNode {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.calls == nil {
		r.calls = map[types.UID]*callsPerNode{}
	}
	c := r.calls[policy.UID]
	if c == nil {
		c = &callsPerNode{}
		r.calls[policy.UID] = c
	}
	return c
}

// forget drops what the controller keeps in memory about a policy that goes.
func (r *RemediationPolicyReconciler) forget(policy *v1.RemediationPolicy) {
	r.mu.Lock()
	delete(r.calls, policy.UID)
	r.mu.Unlock()
	if r.Validation != nil {
		r.Validation.Forget(policy.UID)
	}
	forgetPolicyMetrics(client.ObjectKeyFromObject(policy))
}

// SetupWithManager registers the reconciler and the index its engines' conflict checks use. Status-only
// updates do not trigger a reconcile (the engine requeues itself while it waits); spec changes and
// annotation changes (pause, retry) do.
func (r *RemediationPolicyReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	if err := rollout.IndexTargets(context.Background(), mgr.GetFieldIndexer()); err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1.RemediationPolicy{}, builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Named("remediationpolicy").
		WithOptions(r.Options).
		Complete(r)
}
