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

// Command chaos is the fault campaign: it checks crash safety and "no acknowledged write lost" as
// properties, under faults nobody scripted. `make chaos` runs it; `make test` runs a short form
// (TestShortCampaign).
//
// Every roll runs the real parts: kube-apiserver and etcd (envtest), the manager binary as a child process,
// the AWS simulator with a real redis-server behind every node, the real SDK. A roll of a Redis cluster on
// Auto Scaling groups (TerminateFirst and SurgeFirst, in turn) moves every node to a new AMI and type under
// a write load whose every write is acknowledged, while:
//
//   - the manager is killed with SIGKILL at random moments, at least -kills-per-roll times, and started
//     again after a random downtime; it is also killed inside the first termination and the first group
//     update it sends (AWS applies the call, the manager never hears back);
//   - AWS throttles describes, answers mutations with a 5xx before acting, applies some mutations and
//     loses the answer, and adds latency to every call;
//   - one replacement's redis-server crashes after it came up, and its supervisor restarts it (empty: it
//     syncs from the primary again);
//   - the primary's redis-server crashes once mid-roll, by nobody's plan.
//
// What the controller must do when the primary dies: nothing disruptive. The replicas have no primary, so
// the Redis gates fail, and the controller must neither terminate a node nor try to hand off a role that
// is gone; it is not the controller's job to elect a new primary (it would race Sentinel or the operator,
// and a primary that only looks dead from where the controller stands would end up with a twin). On real
// machines something heals the cluster: Sentinel promotes the most caught-up replica and reconfigures
// the others, and the dead primary's supervisor restarts it, after the failover, as a replica. The
// campaign plays those parts a few seconds after the crash (KillRedis alone restarts nothing). Once the
// cluster is whole again, the controller must go on from the roles as they are now, not as it remembers
// them: the node promoted by the failover is the primary that is handed off and replaced last. Were nothing
// to heal the cluster, the rollout would stay Blocked on the Redis gates with every node untouched; the
// rollout can only fail (Failed, the cluster as healthy as the crash left it) where a step's nodeTimeout
// runs out while it waits.
//
// A roll of an ElastiCache replication group takes a snapshot, changes the node type and applies a service
// update, with the same manager kills (also inside each of those calls) and AWS faults: each operation
// must be issued exactly once.
//
// Afterwards the invariants are checked from the simulator's call log and timeline, an independent
// monitor of the Redis nodes and the write load, and printed as a table; the exit status is non-zero on any
// violation, with the roll's events around it (and all of them in .chaos/roll-N/events.log, beside the
// manager's log).
//
// Replay: the seed is printed first; -seed runs the same draws again (the manager's lifetimes and
// downtimes, which AWS calls fail, the data-plane faults' delays). What cannot be replayed exactly is where
// each draw lands in the controller's work: kills happen at wall-clock moments on a machine shared with
// other work. The kill times, relative to the roll's start, and the events around a violation are printed
// so that a failure can be understood without a replay.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/test/envtestutil"
)

type options struct {
	seed         int64
	rolls        int
	killsPerRoll int
	// strategy is the ASG rolls' replacement strategy; "" takes TerminateFirst and SurgeFirst in turn.
	strategy    string
	elastiCache bool
	// nodesPerGroup sizes the ASG cluster: three groups of this many nodes.
	nodesPerGroup int64
	// lifetime is how long a manager lives before it is killed.
	lifetime    span
	rollTimeout time.Duration
	dir         string
	// managerBuildFlags go to `go build` of the manager (the short form builds it with -race when it runs
	// with -race itself).
	managerBuildFlags []string
}

// errViolations is the campaign's failure: an invariant did not hold.
var errViolations = errors.New("invariants violated")

func main() {
	o := options{lifetime: span{300 * time.Millisecond, 2500 * time.Millisecond}}
	flag.Int64Var(&o.seed, "seed", time.Now().UnixNano(), "Seed of every random draw; printed first, so that a campaign can be run again.")
	flag.IntVar(&o.rolls, "rolls", 2, "How many Auto Scaling rolls (TerminateFirst and SurgeFirst in turn, unless -strategy).")
	flag.IntVar(&o.killsPerRoll, "kills-per-roll", 20, "The fewest SIGKILLs of the manager a roll must have.")
	flag.StringVar(&o.strategy, "strategy", "", "TerminateFirst or SurgeFirst for every Auto Scaling roll (default: both in turn).")
	flag.BoolVar(&o.elastiCache, "elasticache", true, "Add a roll of an ElastiCache replication group.")
	flag.Int64Var(&o.nodesPerGroup, "nodes-per-group", 2, "Nodes in each of the three Auto Scaling groups.")
	flag.DurationVar(&o.rollTimeout, "roll-timeout", 5*time.Minute, "Give a roll up after this long.")
	flag.StringVar(&o.dir, "dir", ".chaos", "Where the kubeconfig, the managers' logs, the events and the nodes' files go.")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(1)
	}
}

// run runs the campaign, prints its table and returns the reports; errViolations when an invariant failed.
func run(ctx context.Context, o options, out io.Writer) ([]*report, error) {
	// The controller packages linked in through envtestutil send go-redis' failed dials to controller-runtime's
	// logger; the campaign dials dead nodes on purpose, and says what it saw in its own words.
	ctrllog.SetLogger(zap.New(zap.WriteTo(io.Discard)))
	fmt.Fprintf(out, "==> chaos: seed %d (run it again: make chaos CHAOS_SEED=%d)\n", o.seed, o.seed)
	specs, err := plan(o)
	if err != nil {
		return nil, err
	}
	c, stop, err := setUp(ctx, o, out)
	if err != nil {
		return nil, err
	}
	defer stop()
	var reports []*report
	for _, spec := range specs {
		fmt.Fprintf(out, "==> %s\n", spec.title())
		run := c.runASGRoll
		if spec.strategy == "" {
			run = c.runElastiCacheRoll
		}
		r, err := run(ctx, spec)
		if err != nil {
			return reports, fmt.Errorf("%s: %w", spec.title(), err)
		}
		printRoll(out, r)
		reports = append(reports, r)
	}
	printTable(out, o.seed, reports)
	for _, r := range reports {
		if !r.ok() {
			return reports, errViolations
		}
	}
	fmt.Fprintf(out, "\nresult: every invariant held in %d roll(s)\n", len(reports))
	return reports, nil
}

// plan lists the rolls, each with a seed drawn from the campaign's, so that one roll's draws do not depend
// on how many another made.
func plan(o options) ([]rollSpec, error) {
	rng := rand.New(rand.NewSource(o.seed))
	var specs []rollSpec
	strategies := []v1.ReplacementStrategy{v1.TerminateFirst, v1.SurgeFirst}
	switch o.strategy {
	case "":
	case string(v1.TerminateFirst), string(v1.SurgeFirst):
		strategies = []v1.ReplacementStrategy{v1.ReplacementStrategy(o.strategy)}
	default:
		return nil, fmt.Errorf("-strategy %q is neither TerminateFirst nor SurgeFirst", o.strategy)
	}
	for i := range o.rolls {
		specs = append(specs, rollSpec{index: i + 1, strategy: strategies[i%len(strategies)], seed: rng.Int63()})
	}
	if o.elastiCache {
		specs = append(specs, rollSpec{index: len(specs) + 1, seed: rng.Int63()})
	}
	return specs, nil
}

// setUp starts the control plane and builds the manager.
func setUp(ctx context.Context, o options, out io.Writer) (*campaign, func(), error) {
	if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return nil, nil, err
	}
	dir, err := filepath.Abs(o.dir)
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintln(out, "==> starting kube-apiserver and etcd (envtest)")
	env, err := envtestutil.Start()
	if err != nil {
		return nil, nil, err
	}
	stop := func() { _ = env.Stop() }
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := env.WriteKubeconfig(kubeconfig); err != nil {
		stop()
		return nil, nil, err
	}
	fmt.Fprintln(out, "==> building the manager")
	bin, err := envtestutil.BuildManager(ctx, dir, o.managerBuildFlags...)
	if err != nil {
		stop()
		return nil, nil, err
	}
	return &campaign{env: env, kubeconfig: kubeconfig, bin: bin, dir: dir, o: o}, stop, nil
}
