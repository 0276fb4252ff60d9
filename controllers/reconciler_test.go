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

package controllers_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
)

// scriptedEngine plays one scripted reconcile after another.
type scriptedEngine struct {
	script []func(ctx context.Context, req rollout.Request) (rollout.Outcome, error)
}

func (e *scriptedEngine) Reconcile(ctx context.Context, req rollout.Request) (rollout.Outcome, error) {
	next := e.script[0]
	e.script = e.script[1:]
	return next(ctx, req)
}

const scriptedNamespace = "scripted"

func scripted(engine *scriptedEngine) (*controllers.RemediationPolicyReconciler, *v1.RemediationPolicy) {
	_ = env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: scriptedNamespace}})
	policy := newPolicy(uniqueName())
	policy.Namespace = scriptedNamespace
	Expect(env.Client.Create(ctx, policy)).To(Succeed())
	r := &controllers.RemediationPolicyReconciler{Client: env.Client, Clock: clock.RealClock{},
		Engines: map[controllers.TargetKind]rollout.Engine{controllers.KindAutoScalingGroups: engine}}
	return r, policy
}

var seq int

func uniqueName() string {
	seq++
	return "scripted-" + time.Now().Format("150405") + "-" + string(rune('a'+seq%26))
}

// storedVersions watches a policy and keeps every status the API server stored.
func storedVersions(p *v1.RemediationPolicy) func() []v1.RemediationPolicyStatus {
	watcher, err := client.NewWithWatch(env.Config, client.Options{Scheme: env.Client.Scheme()})
	Expect(err).NotTo(HaveOccurred())
	w, err := watcher.Watch(ctx, &v1.RemediationPolicyList{}, client.InNamespace(p.Namespace))
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(w.Stop)
	var mu sync.Mutex
	var seen []v1.RemediationPolicyStatus
	go func() {
		for ev := range w.ResultChan() {
			if got, ok := ev.Object.(*v1.RemediationPolicy); ok && got.Name == p.Name {
				mu.Lock()
				seen = append(seen, got.Status)
				mu.Unlock()
			}
		}
	}()
	return func() []v1.RemediationPolicyStatus {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(seen)
	}
}

func reconcileOnce(r *controllers.RemediationPolicyReconciler, p *v1.RemediationPolicy) {
	_, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(p)})
	Expect(err).NotTo(HaveOccurred())
}

func step(actionTaken bool) *v1.StepStatus {
	return &v1.StepStatus{Type: v1.StepCleanup, Purpose: v1.PurposeRollout, Goal: v1.ImageAndType{ImageID: "ami-0123456789abcdef0", InstanceType: "r6g.large"},
		StartedAt: metav1.NewTime(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)), ActionTaken: actionTaken}
}

var _ = Describe("The reconciler's status write path", func() {
	It("stores what the engine decided even when a checkpoint wrote something else in between", func() {
		engine := &scriptedEngine{script: []func(context.Context, rollout.Request) (rollout.Outcome, error){
			// A step recorded, acted on and finished within one reconcile: the end state has no step.
			func(ctx context.Context, req rollout.Request) (rollout.Outcome, error) {
				Expect(req.Checkpoint(ctx, rollout.Progress{Phase: v1.PhaseProgressing, Step: step(false)})).To(Succeed())
				return rollout.Outcome{Phase: v1.PhaseSucceeded, Reason: v1.ReasonUpToDate, Message: "done", Completed: step(true)}, nil
			},
			// A step recorded, then its action taken: the end state keeps the step with actionTaken.
			func(ctx context.Context, req rollout.Request) (rollout.Outcome, error) {
				Expect(req.Checkpoint(ctx, rollout.Progress{Phase: v1.PhaseProgressing, Step: step(false)})).To(Succeed())
				return rollout.Outcome{Phase: v1.PhaseProgressing, Reason: v1.ReasonRollingOut, Message: "acting", Step: step(true)}, nil
			},
		}}
		r, policy := scripted(engine)
		versions := storedVersions(policy)
		reconcileOnce(r, policy)
		Eventually(func() *v1.RemediationPolicyStatus {
			if v := versions(); len(v) > 0 {
				return &v[len(v)-1]
			}
			return nil
		}).Should(And(HaveField("Phase", v1.PhaseSucceeded), HaveField("CurrentStep", BeNil())), "the finished step is not left behind by the checkpoint")

		reconcileOnce(r, policy)
		Eventually(func() []v1.RemediationPolicyStatus { return versions() }).Should(ContainElement(HaveField("Phase", v1.PhaseProgressing)))
		got := &v1.RemediationPolicy{}
		Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(policy), got)).To(Succeed())
		Expect(got.Status.CurrentStep).NotTo(BeNil())
		Expect(got.Status.CurrentStep.ActionTaken).To(BeTrue(), "the final patch does not drop what the engine decided after its checkpoint")
		var stored []string
		for _, v := range versions() {
			if v.Phase == "" {
				continue // the policy as created, and its finalizer
			}
			entry := string(v.Phase)
			if v.CurrentStep != nil {
				entry += fmt.Sprintf(" actionTaken=%t", v.CurrentStep.ActionTaken)
			}
			stored = append(stored, entry)
		}
		Expect(stored).To(Equal([]string{"Progressing actionTaken=false", "Succeeded", "Progressing actionTaken=false", "Progressing actionTaken=true"}),
			"every stored version: a checkpoint, then exactly what the engine decided")
	})

	It("counts a halted failure as failed and a rollback that starts as rolling_back", func() {
		failed := &v1.FailedTarget{Goal: v1.ImageAndType{ImageID: "ami-0123456789abcdef0", InstanceType: "r6g.large"}, Generation: 1, Reason: v1.ReasonNodeTimeout, Message: "timed out"}
		engine := &scriptedEngine{script: []func(context.Context, rollout.Request) (rollout.Outcome, error){
			func(context.Context, rollout.Request) (rollout.Outcome, error) {
				return rollout.Outcome{Phase: v1.PhaseFailed, Reason: v1.ReasonNodeTimeout, Message: "halted", FailedTarget: failed}, nil
			},
			func(context.Context, rollout.Request) (rollout.Outcome, error) {
				return rollout.Outcome{Phase: v1.PhaseFailed, Reason: v1.ReasonNodeTimeout, Message: "still halted"}, nil
			},
			func(context.Context, rollout.Request) (rollout.Outcome, error) {
				return rollout.Outcome{Phase: v1.PhaseRollingBack, Reason: v1.ReasonRollingBack, Message: "rolling back"}, nil
			},
		}}
		r, policy := scripted(engine)
		halted, rolling := rolloutsTotal("failed"), rolloutsTotal("rolling_back")
		reconcileOnce(r, policy)
		reconcileOnce(r, policy)
		Expect(rolloutsTotal("failed")).To(Equal(halted+1), "counted once, when it halted")
		Expect(rolloutsTotal("rolling_back")).To(Equal(rolling), "a halt is not a rollback")
		reconcileOnce(r, policy)
		Expect(rolloutsTotal("rolling_back")).To(Equal(rolling + 1))
	})

	It("keeps the phase and says why when the engine meets an error worth retrying", func() {
		engine := &scriptedEngine{script: []func(context.Context, rollout.Request) (rollout.Outcome, error){
			func(context.Context, rollout.Request) (rollout.Outcome, error) {
				return rollout.Outcome{Phase: v1.PhaseProgressing, Reason: v1.ReasonRollingOut, Message: "moving", Step: step(true)}, nil
			},
			func(context.Context, rollout.Request) (rollout.Outcome, error) {
				err := context.DeadlineExceeded
				return rollout.Transient(err), err
			},
		}}
		r, policy := scripted(engine)
		reconcileOnce(r, policy)
		got := &v1.RemediationPolicy{}
		Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(policy), got)).To(Succeed())
		got.Spec.Desired.InstanceType = "r6g.xlarge"
		Expect(env.Client.Update(ctx, got)).To(Succeed())
		_, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: client.ObjectKeyFromObject(policy)})
		Expect(err).To(HaveOccurred())
		Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(policy), got)).To(Succeed())
		Expect(got.Status.Phase).To(Equal(v1.PhaseProgressing))
		Expect(got.Status.CurrentStep).NotTo(BeNil())
		Expect(conditionReason(got, v1.ConditionReady)).To(Equal(v1.ReasonAWSError))
		Expect(got.Status.ObservedGeneration).To(Equal(got.Generation-1), "observedGeneration moves only when a reconcile succeeded")
	})
})

func conditionReason(p *v1.RemediationPolicy, t string) string {
	for _, c := range p.Status.Conditions {
		if c.Type == t {
			return c.Reason
		}
	}
	return ""
}

func rolloutsTotal(result string) float64 {
	families, err := crmetrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	for _, f := range families {
		if f.GetName() != "cache_remediator_rollouts_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			if slices.ContainsFunc(m.GetLabel(), func(l *dto.LabelPair) bool { return l.GetName() == "result" && l.GetValue() == result }) {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}
