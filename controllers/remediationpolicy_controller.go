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

// Package controllers holds the RemediationPolicy reconciler. It stays thin: it fetches the policy, keeps
// the finalizer, and patches status once per reconcile; what to do next is decided by the engine.
package controllers

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
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

	remediationv1alpha1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
)

// Engine moves one policy's cluster one step toward its goal. It reads and writes policy.Status (the
// in-flight step, the ledger, gate results) and returns when to look again. Implementations are per target
// kind; a nil Engine means the controller only validates and reports.
type Engine interface {
	Reconcile(ctx context.Context, policy *remediationv1alpha1.RemediationPolicy) (ctrl.Result, error)
	// SafeToForget says whether the policy may be deleted now: no replacement is half-way.
	SafeToForget(ctx context.Context, policy *remediationv1alpha1.RemediationPolicy) (bool, ctrl.Result, error)
}

// RemediationPolicyReconciler reconciles RemediationPolicy objects.
type RemediationPolicyReconciler struct {
	client.Client
	Recorder events.EventRecorder
	Clock    clock.PassiveClock
	// Engine does the remediation; nil until one is wired (the policy then stays Pending).
	Engine Engine
	// Options tune the controller (tests that restart managers in one process skip the name check).
	Options controller.Options
}

// +kubebuilder:rbac:groups=remediation.cache-remediator.io,resources=remediationpolicies,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=remediation.cache-remediator.io,resources=remediationpolicies/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=remediation.cache-remediator.io,resources=remediationpolicies/finalizers,verbs=update
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get

// Reconcile fetches the policy, ensures the finalizer, runs the delete or the normal path and patches status
// once, in a defer. observedGeneration moves only when the reconcile succeeded.
func (r *RemediationPolicyReconciler) Reconcile(ctx context.Context, req ctrl.Request) (res ctrl.Result, reterr error) {
	policy := &remediationv1alpha1.RemediationPolicy{}
	if err := r.Get(ctx, req.NamespacedName, policy); err != nil {
		// A deleted policy needs nothing more: the finalizer already ran.
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	log := ctrl.LoggerFrom(ctx).WithValues("RemediationPolicy", klog.KObj(policy))
	ctx = ctrl.LoggerInto(ctx, log)

	if policy.DeletionTimestamp.IsZero() && !controllerutil.ContainsFinalizer(policy, remediationv1alpha1.Finalizer) {
		patch := client.MergeFrom(policy.DeepCopy())
		controllerutil.AddFinalizer(policy, remediationv1alpha1.Finalizer)
		// Carry on in this reconcile: a finalizer-only update does not pass the predicates.
		if err := r.Patch(ctx, policy, patch); err != nil {
			return ctrl.Result{}, err
		}
	}

	// Status is patched once, here, on both paths: the delete path watches an in-flight step too, and
	// what it learns (the replacement, since when it is healthy) must survive to the next reconcile.
	before := policy.DeepCopy()
	defer func() {
		setStatusSummary(policy)
		if reterr == nil {
			policy.Status.ObservedGeneration = policy.Generation
		}
		if err := r.patchStatus(ctx, before, policy); err != nil {
			reterr = kerrors.NewAggregate([]error{reterr, err})
		}
	}()

	if !policy.DeletionTimestamp.IsZero() {
		return r.reconcileDelete(ctx, policy)
	}
	return r.reconcileNormal(ctx, policy)
}

func (r *RemediationPolicyReconciler) reconcileNormal(ctx context.Context, policy *remediationv1alpha1.RemediationPolicy) (ctrl.Result, error) {
	if r.Engine == nil {
		markPending(policy)
		// Nothing to watch for until the spec changes, which triggers reconciliation.
		return ctrl.Result{}, nil
	}
	return r.Engine.Reconcile(ctx, policy)
}

// reconcileDelete removes the finalizer once no replacement is half-way, so deleting a policy mid-rollout
// never leaves a node out of service.
func (r *RemediationPolicyReconciler) reconcileDelete(ctx context.Context, policy *remediationv1alpha1.RemediationPolicy) (ctrl.Result, error) {
	if r.Engine != nil {
		safe, res, err := r.Engine.SafeToForget(ctx, policy)
		if err != nil || !safe {
			return res, err
		}
	}
	patch := client.MergeFrom(policy.DeepCopy())
	controllerutil.RemoveFinalizer(policy, remediationv1alpha1.Finalizer)
	if err := r.Patch(ctx, policy, patch); err != nil && !apierrors.IsNotFound(err) {
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, nil
}

func (r *RemediationPolicyReconciler) patchStatus(ctx context.Context, before, after *remediationv1alpha1.RemediationPolicy) error {
	if statusEqual(before, after) {
		return nil
	}
	return client.IgnoreNotFound(r.Status().Patch(ctx, after, client.MergeFrom(before)))
}

// SetupWithManager registers the reconciler. Status-only updates do not trigger a reconcile (the engine
// requeues itself while it waits); spec changes and annotation changes (pause, retry) do.
func (r *RemediationPolicyReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Clock == nil {
		r.Clock = clock.RealClock{}
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&remediationv1alpha1.RemediationPolicy{}, builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Named("remediationpolicy").
		WithOptions(r.Options).
		Complete(r)
}
