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
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	"github.com/cache-remediator/cache-remediator/controllers/asgengine"
	"github.com/cache-remediator/cache-remediator/controllers/asgobservation"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
	"github.com/cache-remediator/cache-remediator/controllers/elasticacheengine"
	"github.com/cache-remediator/cache-remediator/controllers/elasticacheobservation"
	"github.com/cache-remediator/cache-remediator/controllers/probe"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
)

// LeaderElectionID names the Lease the manager's replicas elect a leader with.
const LeaderElectionID = "cache-remediator.remediation.cache-remediator.io"

// ClientOptions are the options of the manager's client. Secrets (a policy's Redis password) are read
// straight from the API server, never cached: a cache would watch every Secret in the cluster, hold them
// all in memory and need list and watch on them; a direct read needs only get.
func ClientOptions() client.Options {
	return client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}}
}

// Config says how the controller runs: where AWS is, how calls are limited and retried, how often it looks
// again.
type Config struct {
	// AWS is the SDK configuration (credentials, region, endpoints); Setup instruments a copy of it with
	// AWSOptions (retries, rate limits, call accounting).
	AWS        aws.Config
	AWSOptions awsclient.Options
	Timings    rollout.Timings
	// ValidationTTL is how long a validated goal is trusted (default 10 minutes).
	ValidationTTL time.Duration
	// Controller tunes controller-runtime (tests that run several managers in one process skip the name
	// check).
	Controller controller.Options
	// TestFailoverQuota is the account's ElastiCache TestFailover limit, in node groups per rolling 24 hours
	// (default 15).
	TestFailoverQuota int
	// WrapRedisActions, when set, wraps the Redis commands of a hand-off (FAILOVER, REPLICAOF): a seam for
	// tests that must do something at the moment a command is issued (stall the replica it goes to).
	WrapRedisActions func(asgengine.RedisActions) asgengine.RedisActions
	// Clock is what the reconciler takes a reconcile's time from (default: the real clock); a benchmark
	// steps a fake one to pass an idle interval in seconds.
	Clock clock.PassiveClock
}

// Setup wires the whole controller into a manager: the AWS clients, the engine of each target kind, the
// reconciler. cmd/manager, the tests' manager and the demo all run through it, so they cannot drift apart.
func Setup(mgr ctrl.Manager, cfg Config) (*RemediationPolicyReconciler, error) {
	awsConfig := cfg.AWS.Copy()
	awsclient.Instrument(&awsConfig, cfg.AWSOptions)
	clientCache := awsclient.NewClientCache(awsConfig)
	if cfg.ValidationTTL == 0 {
		cfg.ValidationTTL = 10 * time.Minute
	}
	timings := cfg.Timings.OrDefault()
	validation := &rollout.ValidationCache{TTL: cfg.ValidationTTL}
	engines := func(clients awsclient.Clients) map[TargetKind]rollout.Engine {
		return newEngines(mgr, cfg, clients, timings, validation)
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	r := &RemediationPolicyReconciler{
		Client: mgr.GetClient(), Recorder: mgr.GetEventRecorder("cache-remediator"), Clock: cfg.Clock,
		Engines:    engines(clientCache.Default()),
		AWSTargets: &TargetEngines{Clients: clientCache, New: engines},
		Timings:    timings,
		Validation: validation,
		Options:    cfg.Controller,
	}
	return r, r.SetupWithManager(mgr)
}

// newEngines builds the engine of each target kind on one target's clients.
func newEngines(mgr ctrl.Manager, cfg Config, clients awsclient.Clients, timings rollout.Timings, validation *rollout.ValidationCache) map[TargetKind]rollout.Engine {
	asg := &asgengine.Engine{
		Client: mgr.GetClient(), AutoScaling: clients.AutoScaling, EC2: clients.EC2, Timings: timings, Validation: validation,
		Observer: &asgobservation.Builder{AutoScaling: clients.AutoScaling, EC2: clients.EC2, CloudWatch: clients.CloudWatch, HTTP: probe.HTTP{}, FleetMaxAge: timings.Idle / 2,
			NewRedis:    func(c probe.RedisCredentials) probe.RedisProber { return probe.Redis{Credentials: c} },
			NewSentinel: func(c probe.RedisCredentials) probe.SentinelProber { return probe.Sentinel{Credentials: c} }},
		NewRedis: func(c probe.RedisCredentials) asgengine.RedisActions {
			var actions asgengine.RedisActions = probe.Redis{Credentials: c}
			if cfg.WrapRedisActions != nil {
				actions = cfg.WrapRedisActions(actions)
			}
			return actions
		},
		NewSentinel: func(c probe.RedisCredentials) asgengine.SentinelActions { return probe.Sentinel{Credentials: c} },
	}
	ec := &elasticacheengine.Engine{
		Client: mgr.GetClient(), ElastiCache: clients.ElastiCache, Timings: timings, TestFailoverQuota: cfg.TestFailoverQuota,
		Observer: &elasticacheobservation.Builder{ElastiCache: clients.ElastiCache, CloudWatch: clients.CloudWatch,
			NewRedis: func(c probe.RedisCredentials) probe.RedisProber { return probe.Redis{Credentials: c} }},
	}
	return map[TargetKind]rollout.Engine{KindAutoScalingGroups: asg, KindElastiCache: ec}
}
