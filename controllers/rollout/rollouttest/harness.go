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

package rollouttest

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
)

// Harness runs an engine reconcile after reconcile, on a fake clock shared with the AWS simulator, and
// records what a unit test of an engine asks about: the checkpoints and the mutating calls made before each.
type Harness struct {
	T      *testing.T
	Clock  *clocktesting.FakeClock
	Sim    *awssim.Sim
	Engine rollout.Engine
	// Policy is the policy as the reconciler would hold it: each outcome is carried into its status.
	Policy *v1.RemediationPolicy
	// Checkpoints are the progress the engine recorded before its calls; MutationsAtCheckpoint how many
	// mutating AWS calls the simulator had seen at each.
	Checkpoints           []rollout.Progress
	MutationsAtCheckpoint []int
}

// NewHarness starts a clock at the simulator's epoch; the caller creates the simulator on it.
func NewHarness(t *testing.T) *Harness {
	return &Harness{T: t, Clock: clocktesting.NewFakeClock(awssim.SimEpoch)}
}

// Serve serves the simulator on a loopback port for the test and returns the SDK configuration of the
// real clients against it, with the controller's retry and rate settings shortened.
func (h *Harness) Serve() aws.Config {
	srv := httptest.NewServer(h.Sim)
	h.T.Cleanup(srv.Close)
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", ""), BaseEndpoint: aws.String(srv.URL)}
	awsclient.Instrument(&cfg, awsclient.Options{MaxAttempts: 3, MaxBackoff: time.Millisecond, RequestsPerSecond: 1000})
	return cfg
}

// Policies is a fake API server holding the harness's policy and others, indexed like the manager's cache.
func (h *Harness) Policies(others ...client.Object) client.Client {
	g := NewWithT(h.T)
	scheme := runtime.NewScheme()
	g.Expect(clientgoscheme.AddToScheme(scheme)).To(Succeed())
	g.Expect(v1.AddToScheme(scheme)).To(Succeed())
	objects := append([]client.Object{h.Policy.DeepCopy()}, others...)
	return fake.NewClientBuilder().WithScheme(scheme).WithIndex(&v1.RemediationPolicy{}, rollout.TargetIndex, rollout.TargetIndexValues).
		WithObjects(objects...).Build()
}

// Reconcile runs the engine once and carries its checkpoints and its outcome into the policy's status,
// as the reconciler does.
func (h *Harness) Reconcile() rollout.Outcome {
	h.T.Helper()
	req := rollout.Request{Policy: h.Policy.DeepCopy(), Now: h.Clock.Now(), Checkpoint: func(_ context.Context, p rollout.Progress) error {
		recorded := p
		recorded.Step = p.Step.DeepCopy() // the engine goes on changing its step after the checkpoint
		h.Checkpoints = append(h.Checkpoints, recorded)
		h.MutationsAtCheckpoint = append(h.MutationsAtCheckpoint, len(h.Mutations()))
		p.Carry(&h.Policy.Status)
		return nil
	}}
	o, err := h.Engine.Reconcile(context.Background(), req)
	NewWithT(h.T).Expect(err).NotTo(HaveOccurred())
	o.Carry(&h.Policy.Status)
	if !o.Transient {
		h.Policy.Status.ObservedGeneration = h.Policy.Generation // as the reconciler's status patch does
	}
	return o
}

// ReconcileCounting reconciles once and counts the calls the simulator received meanwhile, by action.
func (h *Harness) ReconcileCounting() (rollout.Outcome, map[string]int) {
	h.T.Helper()
	before := len(h.Sim.Calls())
	o := h.Reconcile()
	calls := map[string]int{}
	for _, c := range h.Sim.Calls()[before:] {
		calls[c.Action]++
	}
	return o, calls
}

// Run reconciles, moving the clock by each outcome's requeue (at least a second), until the phase is one
// of phases; it fails the test after limit reconciles.
func (h *Harness) Run(limit int, phases ...v1.Phase) rollout.Outcome {
	h.T.Helper()
	var o rollout.Outcome
	for range limit {
		o = h.Reconcile()
		if slices.Contains(phases, o.Phase) {
			return o
		}
		h.Step(max(o.RequeueAfter, time.Second))
	}
	h.T.Fatalf("not %v after %d reconciles: %s %s: %s", phases, limit, o.Phase, o.Reason, o.Message)
	return o
}

// Step moves the clock and lets the simulator catch up.
func (h *Harness) Step(d time.Duration) {
	h.Clock.Step(d)
	h.Sim.Advance()
}

// Mutations are the mutating AWS calls the simulator received, in order.
func (h *Harness) Mutations() []string {
	var out []string
	for _, c := range h.Sim.Calls() {
		if c.Mutating() {
			out = append(out, c.Action)
		}
	}
	return out
}

// Count counts the calls of an action the simulator received, answered or refused.
func (h *Harness) Count(action string) int {
	n := 0
	for _, c := range h.Sim.Calls() {
		if c.Action == action {
			n++
		}
	}
	return n
}
