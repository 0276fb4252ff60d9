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

package envtestutil

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"k8s.io/utils/clock"

	"github.com/cache-remediator/cache-remediator/controllers"
	"github.com/cache-remediator/cache-remediator/controllers/asgengine"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
	"github.com/cache-remediator/cache-remediator/controllers/sharding"
)

// ManagerOptions says how an in-process manager (the reconciler and the ASG engine) runs.
type ManagerOptions struct {
	// Namespace is the only namespace the manager caches: policies of earlier tests stay in the API
	// server and point at simulators that are gone.
	Namespace string
	// AWS is the SDK configuration, pointed at a simulator; AWSOptions instrument it.
	AWS        aws.Config
	AWSOptions awsclient.Options
	// Timings are the engine's requeue intervals.
	Timings rollout.Timings
	// Identity is who the manager is to the API server (default: the envtest admin).
	Identity *rest.Config
	// LeaderElectionNamespace, when set, makes the manager elect a leader with a Lease there.
	LeaderElectionNamespace string
	// LeaderElectionID names that Lease (default: as cmd/manager names it, one per WatchLabelSelector).
	LeaderElectionID string
	// WatchLabelSelector, when set, makes the manager one shard: it reconciles only the policies the
	// selector matches, as cmd/manager's --watch-label-selector does.
	WatchLabelSelector labels.Selector
	// WrapRedisActions wraps the hand-off's Redis commands (see controllers.Config).
	WrapRedisActions func(asgengine.RedisActions) asgengine.RedisActions
	// Clock is the reconciler's clock (default: the real one).
	Clock clock.PassiveClock
}

// Manager is a running in-process manager.
type Manager struct {
	Reconciler *controllers.RemediationPolicyReconciler
	cancel     context.CancelFunc
	stopped    chan struct{}
	err        error
}

// StartManager starts a manager wired by controllers.Setup, as cmd/manager's is, with the options' AWS and
// identity.
func (e *Env) StartManager(o ManagerOptions) (*Manager, error) {
	identity := e.Config
	if o.Identity != nil {
		identity = o.Identity
	}
	leaderElectionID := o.LeaderElectionID
	if leaderElectionID == "" {
		leaderElectionID = sharding.LeaderElectionID(controllers.LeaderElectionID, o.WatchLabelSelector)
	}
	mgr, err := ctrl.NewManager(identity, ctrl.Options{
		Scheme: e.Client.Scheme(), Metrics: metricsserver.Options{BindAddress: "0"},
		Controller:       config.Controller{SkipNameValidation: ptr.To(true)},
		Cache:            sharding.CacheOptions(cache.Options{DefaultNamespaces: map[string]cache.Config{o.Namespace: {}}}, o.WatchLabelSelector),
		Client:           controllers.ClientOptions(),
		LeaderElection:   o.LeaderElectionNamespace != "",
		LeaderElectionID: leaderElectionID, LeaderElectionNamespace: o.LeaderElectionNamespace,
	})
	if err != nil {
		return nil, err
	}
	reconciler, err := controllers.Setup(mgr, controllers.Config{AWS: o.AWS, AWSOptions: o.AWSOptions, Timings: o.Timings,
		Controller: controller.Options{SkipNameValidation: ptr.To(true)}, WrapRedisActions: o.WrapRedisActions, Clock: o.Clock})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &Manager{Reconciler: reconciler, cancel: cancel, stopped: make(chan struct{})}
	go func() {
		defer close(m.stopped)
		m.err = mgr.Start(ctx)
	}()
	// Ready when its informers have synced, as a long-running controller is: a policy created before
	// that waits for the sync, which would count against whatever a test or benchmark measures.
	if !mgr.GetCache().WaitForCacheSync(ctx) {
		_ = m.Stop()
		return nil, fmt.Errorf("the manager's cache did not sync")
	}
	return m, nil
}

// Cancel tells the manager to stop and returns at once, as a controller killed mid-call would.
func (m *Manager) Cancel() { m.cancel() }

// Stopped is closed once the manager has stopped.
func (m *Manager) Stopped() <-chan struct{} { return m.stopped }

// Stop stops the manager and returns what its Start returned.
func (m *Manager) Stop() error {
	m.cancel()
	<-m.stopped
	return m.err
}
