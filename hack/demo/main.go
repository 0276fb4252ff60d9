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

// Command demo runs cache-remediator end to end on this machine: a real kube-apiserver and etcd (envtest),
// the AWS simulator serving hack/scenarios/demo.yaml with a real redis-server behind every instance, the
// manager binary pointed at both through AWS_ENDPOINT_URL_*, and the ASG samples of config/samples. It
// shows the rollouts live while a load generator writes to the Redis cluster, prints a summary, and exits 0
// only if every policy succeeded and no acknowledged write was lost. `make demo` runs it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
	"github.com/cache-remediator/cache-remediator/test/envtestutil"
	"github.com/cache-remediator/cache-remediator/test/redisload"
)

// demoSamples are the samples the demo applies: one per target kind of config/samples. Not
// elasticache_cloudwatch.yaml: its alarms and its group's opt-in tag are not in the demo's account.
var demoSamples = []string{"config/samples/redis_asg.yaml", "config/samples/dynomite_asg.yaml", "config/samples/elasticache.yaml"}

type options struct {
	scenario  string
	workDir   string
	timeout   time.Duration
	stableFor time.Duration
	bakeTime  time.Duration
	hold      bool
}

func main() {
	var o options
	flag.StringVar(&o.scenario, "scenario", "hack/scenarios/demo.yaml", "The simulated AWS account.")
	flag.StringVar(&o.workDir, "dir", ".demo", "Where the kubeconfig, the manager's log and the nodes' files go.")
	flag.DurationVar(&o.timeout, "timeout", 5*time.Minute, "Give up when the rollouts have not finished by then.")
	flag.DurationVar(&o.stableFor, "stable-for", 2*time.Second, "health.stableFor for the demo (the samples ask for production values).")
	flag.DurationVar(&o.bakeTime, "bake-time", 5*time.Second, "strategy.canary.bakeTime for the demo.")
	flag.BoolVar(&o.hold, "hold", false, "Keep everything running after the summary until interrupted, for kubectl.")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "demo failed:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) (err error) {
	if err := os.MkdirAll(o.workDir, 0o755); err != nil {
		return err
	}
	workDir, err := filepath.Abs(o.workDir)
	if err != nil {
		return err
	}
	step("starting kube-apiserver and etcd (envtest) and installing the CRD")
	env, err := envtestutil.Start()
	if err != nil {
		return err
	}
	defer stopping("the control plane", env.Stop)
	kubeconfig := filepath.Join(workDir, "kubeconfig")
	if err := env.WriteKubeconfig(kubeconfig); err != nil {
		return err
	}

	step("starting the AWS simulator (" + o.scenario + ") with a real redis-server per instance")
	sc, err := awssim.LoadScenario(o.scenario)
	if err != nil {
		return err
	}
	nodesDir := filepath.Join(workDir, "nodes")
	_ = os.RemoveAll(nodesDir)
	if err := os.MkdirAll(nodesDir, 0o755); err != nil {
		return err
	}
	sim, _, err := sc.Build(nil, nodesDir)
	if err != nil {
		return err
	}
	srv := awssim.Serve(sim)
	defer stopping("the AWS simulator and its nodes", func() error { srv.Close(); return nil })

	step("building and starting the manager")
	manager, err := startManager(ctx, workDir, kubeconfig, srv.EndpointEnv())
	if err != nil {
		return err
	}
	defer stopping("the manager", manager.Stop)

	writes := redisload.Start("demo", func() string { return redisPrimary(srv, []string{"sessions-a", "sessions-b", "sessions-c"}) })
	started := time.Now()
	policies, err := applySamples(ctx, env.Client, o)
	if err != nil {
		return err
	}
	kubectlLine := fmt.Sprintf("kubectl against the demo: KUBECONFIG=%s %s get rp -o wide", kubeconfig, filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl"))
	fmt.Printf("\n%s\n\n", kubectlLine)

	final, took, watchErr := watch(ctx, env.Client, policies, writes, started, o.timeout)
	wall := time.Since(started)
	load, loadErr := writes.Finish()
	s, err := summarize(sc, srv, final, took, wall, load, o)
	if err != nil {
		return err
	}
	s.print(os.Stdout)
	if o.hold && watchErr == nil {
		fmt.Printf("\nholding; interrupt (Ctrl-C) to stop everything\n%s\n", kubectlLine)
		<-ctx.Done()
	}
	return errors.Join(watchErr, loadErr, s.verdict())
}

func step(msg string) { fmt.Println("==>", msg) }

func stopping(what string, stop func() error) {
	if err := stop(); err != nil {
		fmt.Fprintf(os.Stderr, "stopping %s: %v\n", what, err)
	}
}

// startManager builds the manager binary and starts it against the control plane and the simulator, its
// output in workDir/manager.log.
func startManager(ctx context.Context, workDir, kubeconfig string, awsEnv []string) (*envtestutil.ManagerProcess, error) {
	bin, err := envtestutil.BuildManager(ctx, workDir)
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(workDir, "manager.log"))
	if err != nil {
		return nil, err
	}
	p, err := envtestutil.StartManagerProcess(bin, envtestutil.ManagerProcessOptions{Kubeconfig: kubeconfig, AWSEnv: awsEnv, Log: logFile})
	if err != nil {
		_ = logFile.Close()
		return nil, err
	}
	go func() { <-p.Done(); _ = logFile.Close() }()
	fmt.Println("    manager log:", logFile.Name())
	return p, nil
}

// applySamples creates the samples with demo-sized waits: the samples ask for production values
// (stableFor 30s or 1m, a 10m bake) that would make the demo last half an hour.
func applySamples(ctx context.Context, c client.Client, o options) ([]*v1.RemediationPolicy, error) {
	var out []*v1.RemediationPolicy
	for _, path := range demoSamples {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		p := &v1.RemediationPolicy{}
		if err := yaml.UnmarshalStrict(data, p); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		p.Spec.Health.StableFor = &metav1.Duration{Duration: o.stableFor}
		waits := fmt.Sprintf("stableFor %s", o.stableFor)
		if p.Spec.Target.ElastiCache == nil {
			p.Spec.Strategy.Canary.BakeTime = &metav1.Duration{Duration: o.bakeTime}
			waits += fmt.Sprintf(", bakeTime %s", o.bakeTime)
		}
		if err := c.Create(ctx, p); err != nil {
			return nil, fmt.Errorf("applying %s: %w", path, err)
		}
		fmt.Printf("applied %s (%s/%s -> %s; %s for the demo)\n", path, p.Namespace, p.Name, p.Spec.Desired.Goal(), waits)
		out = append(out, p)
	}
	return out, nil
}

// redisPrimary is the address of the InService node of the groups that Redis reports as primary.
func redisPrimary(srv *awssim.Server, groups []string) string {
	for _, g := range groups {
		for _, inst := range srv.GroupInstances(g) {
			addr := net.JoinHostPort(inst.PrivateIP, "6379")
			if inst.LifecycleState == awssim.StateInService && redisload.Role(addr) == "master" {
				return addr
			}
		}
	}
	return ""
}

// finished says whether a policy's rollout is over, one way or the other.
func finished(p *v1.RemediationPolicy) bool {
	if p.Status.ObservedGeneration != p.Generation {
		return false
	}
	switch p.Status.Phase {
	case v1.PhaseSucceeded, v1.PhaseFailed, v1.PhaseRolledBack:
		return true
	}
	return false
}

// watch shows the policies as a table, refreshed in place on a terminal (a line per change otherwise),
// until every rollout is over or the timeout. It returns how long each policy took from started.
func watch(ctx context.Context, c client.Client, policies []*v1.RemediationPolicy, writes *redisload.Writer, started time.Time, timeout time.Duration) ([]*v1.RemediationPolicy, map[string]time.Duration, error) {
	deadline := time.After(timeout)
	terminal := isTerminal(os.Stdout)
	last := ""
	took := map[string]time.Duration{}
	for {
		current := make([]*v1.RemediationPolicy, 0, len(policies))
		done := true
		for _, p := range policies {
			got := &v1.RemediationPolicy{}
			if err := c.Get(ctx, client.ObjectKeyFromObject(p), got); err != nil {
				return nil, nil, err
			}
			current = append(current, got)
			if _, seen := took[got.Name]; !seen && finished(got) {
				took[got.Name] = time.Since(started)
			}
			done = done && finished(got)
		}
		table := render(current)
		switch {
		case terminal:
			fmt.Printf("\033[H\033[2J%s\nwrites acknowledged: %d\n", table, writes.Acknowledged())
		case table != last:
			fmt.Print(table)
		}
		last = table
		if done {
			if !terminal {
				fmt.Println()
			}
			return current, took, nil
		}
		select {
		case <-ctx.Done():
			return current, took, ctx.Err()
		case <-deadline:
			return current, took, fmt.Errorf("the rollouts did not finish within %s", timeout)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func render(policies []*v1.RemediationPolicy) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "POLICY\tPHASE\tUPDATED\tNODE\tSTEP\tBLOCKED-BY")
	for _, p := range policies {
		node, stepType := "-", "-"
		if s := p.Status.CurrentStep; s != nil {
			node, stepType = orDash(s.InstanceID), string(s.Type)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, orDash(string(p.Status.Phase)), orDash(p.Status.Updated), node, stepType, orDash(shorten(p.Status.BlockedBy, 60)))
	}
	_ = w.Flush()
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0 && os.Getenv("CI") == ""
}

// summary is what the demo measured.
type summary struct {
	policies []policySummary
	wall     time.Duration
	// replaced counts the ASG nodes terminated; asgCalls the EC2 and Auto Scaling calls made for them.
	replaced, asgCalls int
	// changes counts the ElastiCache mutations by action; elastiCacheCalls every ElastiCache call.
	changes          map[string]int
	elastiCacheCalls int
	load             redisload.Result
}

// policySummary is one policy's end and how long it took against the floor: the time the simulated cloud
// itself needs (launches and data rebuilds, or ElastiCache's own operations) plus the waits the demo
// configures (stableFor, bake), all in real time at the scenario's clock speed.
type policySummary struct {
	policy *v1.RemediationPolicy
	took   time.Duration
	floor  time.Duration
	waits  time.Duration
	what   string
}

func summarize(sc *awssim.Scenario, srv *awssim.Server, final []*v1.RemediationPolicy, took map[string]time.Duration, wall time.Duration, load redisload.Result, o options) (summary, error) {
	delays, err := sc.ResolvedDelays()
	if err != nil {
		return summary{}, err
	}
	speed := max(sc.ClockSpeed, 1)
	real := func(d time.Duration) time.Duration { return time.Duration(float64(d) / speed) }
	s := summary{wall: wall, load: load, changes: map[string]int{}}
	shards := map[string]int{}
	for _, rg := range sc.ReplicationGroups {
		shards[rg.ID] = max(rg.Shards, 1)
	}
	members := map[string]int32{}
	for _, p := range final {
		if t := p.Spec.Target.ElastiCache; t != nil {
			members[t.ReplicationGroupID] = p.Status.TotalNodes
		}
	}
	var elastiCacheBusy time.Duration
	for _, call := range srv.Calls() {
		switch call.Service {
		case "elasticache":
			s.elastiCacheCalls++
		case "ec2", "autoscaling":
			s.asgCalls++
		}
		if call.Error != "" || !call.Mutating() {
			continue
		}
		switch call.Action {
		case "TerminateInstanceInAutoScalingGroup":
			s.replaced++
		case "CreateSnapshot":
			elastiCacheBusy += delays.Snapshot
		case "TestFailover":
			elastiCacheBusy += delays.TestFailover + delays.FailoverRecovery
		case "ModifyReplicationGroup":
			if call.Params.Get("CacheNodeType") != "" {
				elastiCacheBusy += delays.ModifyGroup
			} else {
				elastiCacheBusy += delays.FailoverSettings
			}
		case "BatchApplyUpdateAction":
			// The update waits to start, then goes through each shard one node at a time (shards in
			// parallel).
			group := call.Params.Get("ReplicationGroupIds.member.1")
			perShard := time.Duration(members[group]) / time.Duration(max(shards[group], 1))
			elastiCacheBusy += delays.ServiceUpdateStart + perShard*delays.ServiceNode
		}
		if call.Service == "elasticache" {
			s.changes[call.Action]++
		}
	}
	for _, p := range final {
		ps := policySummary{policy: p, took: took[p.Name]}
		nodes := time.Duration(p.Status.TotalNodes)
		switch {
		case p.Spec.Target.ElastiCache != nil:
			// ElastiCache works on one group at a time and the controller makes one change at a time, so
			// the floor is the sum of the operations it ran; each change ends with stableFor.
			ps.floor, ps.what = real(elastiCacheBusy), "ElastiCache's own operations"
			ps.waits = time.Duration(s.changes["ModifyReplicationGroup"]+s.changes["BatchApplyUpdateAction"]) * o.stableFor
		default:
			// A node is a launch and a data rebuild (Redis syncs in real time, a Dynomite node warms up
			// for the scenario's warm-up time), one node after the other.
			perNode := delays.Launch
			what := "launch + Redis sync"
			if p.Spec.Health.HTTP != nil {
				perNode, what = perNode+delays.HTTPWarmUp, "launch + warm-up"
			}
			ps.floor, ps.what = real(perNode)*nodes, what
			ps.waits = nodes*o.stableFor + o.bakeTime
		}
		s.policies = append(s.policies, ps)
	}
	return s, nil
}

func (s summary) print(out io.Writer) {
	fmt.Fprintln(out, "==> summary")
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "    POLICY\tPHASE\tUPDATED\tTOOK\tFLOOR\tWAITS\tTHE FLOOR IS")
	for _, p := range s.policies {
		fmt.Fprintf(w, "    %s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.policy.Name, p.policy.Status.Phase, orDash(p.policy.Status.Updated),
			p.took.Round(100*time.Millisecond), p.floor.Round(100*time.Millisecond), p.waits.Round(100*time.Millisecond), p.what)
	}
	_ = w.Flush()
	fmt.Fprintf(out, "    wall time:             %s for all policies at once (waits: stableFor and bake, as the demo sets them)\n", s.wall.Round(100*time.Millisecond))
	fmt.Fprintf(out, "    ASG nodes replaced:    %d, with %d EC2 and Auto Scaling calls (%.1f per node)\n", s.replaced, s.asgCalls, perUnit(s.asgCalls, s.replaced))
	changes := 0
	var names []string
	for action, n := range s.changes {
		changes += n
		names = append(names, fmt.Sprintf("%d %s", n, action))
	}
	sort.Strings(names)
	fmt.Fprintf(out, "    ElastiCache changes:   %d (%s), with %d ElastiCache calls (%.1f per change)\n", changes, strings.Join(names, ", "), s.elastiCacheCalls, perUnit(s.elastiCacheCalls, changes))
	fmt.Fprintf(out, "    writes acknowledged:   %d (to the Redis ASG cluster's primary, through every hand-off)\n", s.load.Acknowledged)
	fmt.Fprintf(out, "    writes lost:           %d\n", s.load.Lost)
	fmt.Fprintf(out, "    longest write gap:     %s\n", s.load.LongestGap.Round(time.Millisecond))
	if s.verdict() == nil {
		fmt.Fprintln(out, "    result:                SUCCESS: every policy succeeded and no acknowledged write was lost")
	} else {
		fmt.Fprintln(out, "    result:                FAILURE:", s.verdict())
	}
}

func perUnit(calls, units int) float64 {
	if units == 0 {
		return 0
	}
	return float64(calls) / float64(units)
}

func (s summary) verdict() error {
	var errs []error
	for _, p := range s.policies {
		if p.policy.Status.Phase != v1.PhaseSucceeded {
			errs = append(errs, fmt.Errorf("%s ended %s: %s", p.policy.Name, p.policy.Status.Phase, p.policy.Status.BlockedBy))
		}
	}
	if s.load.Lost > 0 {
		errs = append(errs, fmt.Errorf("%d acknowledged writes were lost", s.load.Lost))
	}
	return errors.Join(errs...)
}
