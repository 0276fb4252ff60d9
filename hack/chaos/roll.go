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

package main

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
	"github.com/cache-remediator/cache-remediator/test/envtestutil"
)

// campaign is what every roll shares: the control plane, the manager binary, the options.
type campaign struct {
	env        *envtestutil.Env
	kubeconfig string
	bin        string
	dir        string
	o          options
}

// rollSpec is one roll of the campaign.
type rollSpec struct {
	index int
	// strategy is the ASG roll's replacement strategy; "" for the ElastiCache roll.
	strategy v1.ReplacementStrategy
	seed     int64
}

func (r rollSpec) title() string {
	if r.strategy == "" {
		return fmt.Sprintf("roll %d: ElastiCache", r.index)
	}
	return fmt.Sprintf("roll %d: ASG %s", r.index, r.strategy)
}

// report is what a roll did and which invariants held.
type report struct {
	spec    rollSpec
	took    time.Duration
	phase   string
	kills   []kill
	faults  []string
	checks  []check
	events  []event
	started time.Time
	logDir  string
}

func (r *report) ok() bool {
	for _, c := range r.checks {
		if !c.ok {
			return false
		}
	}
	return true
}

// rollRun is one roll in progress: its simulator, its manager under the killer, its policy.
type rollRun struct {
	c       *campaign
	spec    rollSpec
	rng     *rand.Rand
	dir     string
	srv     *awssim.Server
	procs   *awssim.ProcessNodes
	killer  *managerKiller
	log     *os.File
	policy  *v1.RemediationPolicy
	started time.Time
	// simStart is the simulator's time when the roll started; simulated times convert to real ones from it.
	simStart time.Time

	mu        sync.Mutex
	latest    *v1.RemediationPolicy
	events    []event
	closeOnce sync.Once
}

// startRoll creates the roll's namespace, serves its simulated account with its AWS faults, and starts
// the manager under the killer.
func (c *campaign) startRoll(spec rollSpec, sc *awssim.Scenario) (*rollRun, error) {
	r := &rollRun{c: c, spec: spec, rng: rand.New(rand.NewSource(spec.seed)), dir: filepath.Join(c.dir, fmt.Sprintf("roll-%d", spec.index))}
	nodes := filepath.Join(r.dir, "nodes")
	_ = os.RemoveAll(r.dir)
	if err := os.MkdirAll(nodes, 0o755); err != nil {
		return nil, err
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace(spec)}}
	if err := c.env.Client.Create(context.Background(), ns); err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, err
	}
	sim, procs, err := sc.Build(nil, nodes)
	if err != nil {
		return nil, err
	}
	r.srv, r.procs = awssim.Serve(sim), procs
	r.log, err = os.Create(filepath.Join(r.dir, "manager.log"))
	if err != nil {
		r.srv.Close()
		return nil, err
	}
	return r, nil
}

// stream is a generator of its own for one of the roll's goroutines, seeded from the roll's: each
// goroutine draws from its own, so the draws of one neither race with nor depend on another's.
func (r *rollRun) stream() *rand.Rand { return rand.New(rand.NewSource(r.rng.Int63())) }

func namespace(spec rollSpec) string { return fmt.Sprintf("chaos-%d", spec.index) }

// begin injects the roll's own faults, then the AWS faults every roll has, starts killing managers, with
// beforeCall as the simulator's BeforeCall hook (it may kill the manager in a call: see
// managerKiller.KillDuring), and applies the policy: the roll starts now.
func (r *rollRun) begin(p *v1.RemediationPolicy, beforeCall func(*managerKiller, awssim.Call), faults ...awssim.Fault) error {
	for _, f := range faults {
		r.srv.Inject(f)
	}
	injectAWSFaults(r.srv, r.rng.Int63())
	r.started, r.simStart = time.Now(), r.srv.Now()
	r.killer = newManagerKiller(r.c.bin, envtestutil.ManagerProcessOptions{Kubeconfig: r.c.kubeconfig, AWSEnv: r.srv.EndpointEnv(), Log: r.log},
		r.stream(), r.c.o.lifetime, managerDowntime, r.started)
	r.srv.SetHooks(func(call awssim.Call) { beforeCall(r.killer, call) }, nil)
	go r.killer.run()
	r.policy = p
	return r.c.env.Client.Create(context.Background(), p)
}

// managerDowntime is how long the manager stays dead before the next one starts.
var managerDowntime = span{50 * time.Millisecond, 500 * time.Millisecond}

// watch follows the policy until its rollout is over and done says the roll's own work is over too, or
// the timeout; it records every change of phase or step as an event.
func (r *rollRun) watch(ctx context.Context, done func() bool) error {
	deadline := time.Now().Add(r.c.o.rollTimeout)
	last := ""
	for {
		got := &v1.RemediationPolicy{}
		if err := r.c.env.Client.Get(ctx, client.ObjectKeyFromObject(r.policy), got); err == nil {
			r.mu.Lock()
			r.latest = got
			r.mu.Unlock()
			if s := describe(got); s != last {
				r.note("policy: %s", s)
				last = s
			}
		}
		if r.finished() && done() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the roll did not end within %s", r.c.o.rollTimeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// describe is a policy's phase and step in a line.
func describe(p *v1.RemediationPolicy) string {
	s := fmt.Sprintf("%s %s", p.Status.Phase, p.Status.Updated)
	if st := p.Status.CurrentStep; st != nil {
		s += fmt.Sprintf(" step %s %s", st.Type, st.InstanceID)
	}
	if p.Status.BlockedBy != "" {
		s += " blocked by " + p.Status.BlockedBy
	}
	return s
}

// Latest is the policy as last read.
func (r *rollRun) Latest() *v1.RemediationPolicy {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.latest
}

// finished says the policy's rollout is over, one way or the other, for its current spec.
func (r *rollRun) finished() bool {
	p := r.Latest()
	if p == nil || p.Status.ObservedGeneration != p.Generation {
		return false
	}
	switch p.Status.Phase {
	case v1.PhaseSucceeded, v1.PhaseFailed, v1.PhaseRolledBack:
		return true
	}
	return false
}

// canaryBaked says the rollout's canary has baked.
func (r *rollRun) canaryBaked() bool {
	p := r.Latest()
	return p != nil && p.Status.Rollout != nil && p.Status.Rollout.CanaryBakedAt != nil
}

func (r *rollRun) note(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, event{at: time.Now(), what: fmt.Sprintf(format, args...)})
}

// realTime converts a simulated time of this roll to the real time it happened at.
func (r *rollRun) realTime(sim time.Time) time.Time {
	if sim.IsZero() {
		return time.Time{}
	}
	return r.started.Add(time.Duration(float64(sim.Sub(r.simStart)) / clockSpeed))
}

// stopChaos stops killing (a manager is left running) and clears the AWS faults, so that what follows (the
// final look, the clean-up) sees the cluster as the roll left it.
func (r *rollRun) stopChaos() {
	r.killer.finish()
	r.srv.ClearFaults()
	r.srv.SetHooks(nil, nil)
}

// end deletes the policy (its finalizer, released by the running manager, first) and closes the roll. The
// report gets the roll's events, with the AWS calls, the transitions and the kills among them.
func (r *rollRun) end(rep *report) {
	ctx := context.Background()
	if err := r.c.env.Client.Delete(ctx, r.policy); err == nil {
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
			if err := r.c.env.Client.Get(ctx, client.ObjectKeyFromObject(r.policy), &v1.RemediationPolicy{}); apierrors.IsNotFound(err) {
				break
			}
		}
	}
	rep.events = append(rep.events, r.awsEvents()...)
	r.mu.Lock()
	rep.events = append(rep.events, r.events...)
	r.mu.Unlock()
	for _, k := range rep.kills {
		what := "manager SIGKILLed"
		if k.during != "" {
			what += " inside " + k.during
		}
		rep.events = append(rep.events, event{at: r.started.Add(k.at), what: fmt.Sprintf("%s (lived %s)", what, k.lived.Round(time.Millisecond))})
	}
	r.close()
}

// close stops the manager, the simulator and the processes behind its nodes; it is safe to call again,
// and on a roll that failed to begin.
func (r *rollRun) close() {
	r.closeOnce.Do(func() {
		if r.killer != nil {
			if m := r.killer.finish(); m != nil {
				_ = m.Stop()
			}
		}
		r.srv.Close()
		_ = r.log.Close()
	})
}

// awsEvents are the roll's mutating AWS calls and instance transitions as events.
func (r *rollRun) awsEvents() []event {
	var out []event
	for _, c := range r.srv.Calls() {
		if !c.Mutating() || c.Time.Before(r.simStart) {
			continue
		}
		what := fmt.Sprintf("AWS %s attempt %d%s", c.Action, c.Attempt, callTarget(c))
		switch {
		case c.Error != "" && c.Applied:
			what += " applied, answered " + c.Error
		case c.Error != "":
			what += " refused: " + c.Error
		}
		out = append(out, event{at: r.realTime(c.Time), what: what})
	}
	for _, tr := range r.srv.Timeline() {
		if !tr.Time.Before(r.simStart) {
			out = append(out, event{at: r.realTime(tr.Time), what: fmt.Sprintf("instance %s (%s) %s -> %s", tr.InstanceID, tr.Group, tr.From, tr.To)})
		}
	}
	return out
}

// callTarget names what a call acts on.
func callTarget(c awssim.Call) string {
	for _, p := range []string{"InstanceId", "AutoScalingGroupName", "ReplicationGroupId", "ReplicationGroupIds.member.1", "LaunchTemplateId"} {
		if v := c.Params.Get(p); v != "" {
			return " " + v
		}
	}
	return ""
}
