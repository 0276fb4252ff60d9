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

// Command manager runs the cache-remediator controller.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	remediationv1alpha1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
	"github.com/cache-remediator/cache-remediator/controllers/sharding"
)

// options are the manager's flags, parsed.
type options struct {
	metricsAddr, probeAddr string
	leaderElect, fastPoll  bool
	// leaderElectionID is the Lease the replicas elect a leader with: --leader-election-id, else one per
	// shard (see sharding.LeaderElectionID).
	leaderElectionID  string
	awsRPS            float64
	testFailoverQuota int
	// watchSelector restricts the policies this manager reconciles (nil: all of them).
	watchSelector labels.Selector
	zap           zap.Options
}

// parseFlags parses args with the manager's flags defined on fs (flag.CommandLine in main, which also holds
// controller-runtime's --kubeconfig). It refuses a --watch-label-selector that is not a label selector:
// a manager started with a typo in its shard must not start at all, rather than reconcile some other set
// of policies than the one meant.
func parseFlags(fs *flag.FlagSet, args []string) (options, error) {
	var o options
	var watchSelector string
	fs.StringVar(&o.metricsAddr, "metrics-bind-address", ":8080", "The address the metrics endpoint binds to; 0 disables it.")
	fs.StringVar(&o.probeAddr, "health-probe-bind-address", ":8081", "The address the health and readiness probes bind to.")
	fs.BoolVar(&o.leaderElect, "leader-elect", false, "Elect a leader so that only one replica acts at a time.")
	fs.StringVar(&o.leaderElectionID, "leader-election-id", "", "The name of the Lease the replicas elect a leader with (default: "+controllers.LeaderElectionID+
		", or with --watch-label-selector one derived from the selector, so that each shard elects its own leader).")
	fs.StringVar(&watchSelector, "watch-label-selector", "", "Reconcile only the RemediationPolicies this label selector matches, e.g. '"+
		sharding.Key+" in (shard1)' for a shard and '"+sharding.Key+" notin (shard1, shard2)' for the main instance (default: every policy).")
	fs.Float64Var(&o.awsRPS, "aws-requests-per-second", 10, "Client-side rate limit of AWS API calls per service.")
	fs.IntVar(&o.testFailoverQuota, "test-failover-quota", 15, "The account's ElastiCache TestFailover limit, in node groups per rolling 24 hours.")
	fs.BoolVar(&o.fastPoll, "fast-poll", false, "Look again every second while a node changes (for simulators that run faster than real time).")
	o.zap.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	var err error
	if o.watchSelector, err = sharding.ParseSelector(watchSelector); err != nil {
		return o, err
	}
	if o.leaderElectionID == "" {
		o.leaderElectionID = sharding.LeaderElectionID(controllers.LeaderElectionID, o.watchSelector)
	}
	return o, nil
}

func main() {
	o, err := parseFlags(flag.CommandLine, os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "manager:", err)
		os.Exit(2)
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&o.zap)))
	log := ctrl.Log.WithName("setup")
	if o.watchSelector != nil {
		log.Info("Sharded: reconciling only the policies the selector matches", "watchLabelSelector", o.watchSelector.String(), "leaderElectionID", o.leaderElectionID)
	}

	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(remediationv1alpha1.AddToScheme(scheme))

	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: o.metricsAddr},
		HealthProbeBindAddress: o.probeAddr,
		LeaderElection:         o.leaderElect,
		LeaderElectionID:       o.leaderElectionID,
		Cache:                  sharding.CacheOptions(cache.Options{}, o.watchSelector),
		Client:                 controllers.ClientOptions(),
	})
	if err != nil {
		log.Error(err, "Unable to create manager")
		os.Exit(1)
	}
	awsConfig, err := awsclient.LoadConfig(context.Background())
	if err != nil {
		log.Error(err, "Unable to load the AWS configuration")
		os.Exit(1)
	}
	timings := rollout.DefaultTimings
	if o.fastPoll {
		timings = rollout.FastTimings
	}
	if _, err := controllers.Setup(mgr, controllers.Config{AWS: awsConfig, AWSOptions: awsclient.Options{RequestsPerSecond: o.awsRPS}, Timings: timings, TestFailoverQuota: o.testFailoverQuota}); err != nil {
		log.Error(err, "Unable to set up controller", "controller", "RemediationPolicy")
		os.Exit(1)
	}
	utilruntime.Must(mgr.AddHealthzCheck("healthz", healthz.Ping))
	utilruntime.Must(mgr.AddReadyzCheck("readyz", healthz.Ping))

	log.Info("Starting manager")
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		log.Error(err, "Manager exited with an error")
		os.Exit(1)
	}
}
