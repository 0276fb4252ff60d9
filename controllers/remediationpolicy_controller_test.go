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
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
)

func newPolicy(name string) *v1.RemediationPolicy {
	return &v1.RemediationPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: v1.RemediationPolicySpec{
			Target:  v1.TargetSpec{AutoScalingGroups: &v1.AutoScalingGroupsTarget{Names: []string{"cache-a", "cache-b"}}},
			Desired: v1.DesiredSpec{ImageID: "ami-0123456789abcdef0", InstanceType: "r6g.large"},
			Health:  v1.HealthSpec{Redis: &v1.RedisHealth{}},
		},
	}
}

func fetch(p *v1.RemediationPolicy) func() *v1.RemediationPolicy {
	return func() *v1.RemediationPolicy {
		got := &v1.RemediationPolicy{}
		Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(p), got)).To(Succeed())
		return got
	}
}

var _ = Describe("RemediationPolicy reconciler without an engine", func() {
	It("adds its finalizer and reports Pending with a truthful condition at the current generation", func() {
		policy := newPolicy("pending")
		Expect(env.Client.Create(ctx, policy)).To(Succeed())

		Eventually(fetch(policy)).WithTimeout(10 * time.Second).Should(Satisfy(func(p *v1.RemediationPolicy) bool {
			return p.Status.ObservedGeneration == p.Generation && p.Status.Phase == v1.PhasePending
		}))
		got := fetch(policy)()
		Expect(got.Finalizers).To(ContainElement(v1.Finalizer))
		Expect(got.Status.Target).To(Equal("asg/cache-a(+1)"))
		Expect(got.Status.Updated).To(BeEmpty(), "nothing was observed: no count is shown rather than a false 0/0")
		ready := meta.FindStatusCondition(got.Status.Conditions, v1.ConditionReady)
		Expect(ready).NotTo(BeNil())
		Expect(ready.Status).To(Equal(metav1.ConditionFalse))
		Expect(ready.Reason).To(Equal(v1.ReasonEngineNotImplemented))
		Expect(meta.IsStatusConditionFalse(got.Status.Conditions, v1.ConditionPaused)).To(BeTrue())
	})

	It("reports Paused=True when the paused annotation is set and False again when it is removed", func() {
		policy := newPolicy("paused")
		Expect(env.Client.Create(ctx, policy)).To(Succeed())
		Eventually(fetch(policy)).WithTimeout(10 * time.Second).Should(Satisfy(func(p *v1.RemediationPolicy) bool {
			return meta.IsStatusConditionFalse(p.Status.Conditions, v1.ConditionPaused)
		}))

		got := fetch(policy)()
		patch := client.MergeFrom(got.DeepCopy())
		got.Annotations = map[string]string{v1.AnnotationPaused: "true"}
		Expect(env.Client.Patch(ctx, got, patch)).To(Succeed())
		Eventually(fetch(policy)).WithTimeout(10 * time.Second).Should(Satisfy(func(p *v1.RemediationPolicy) bool {
			c := meta.FindStatusCondition(p.Status.Conditions, v1.ConditionPaused)
			return c != nil && c.Status == metav1.ConditionTrue && c.Reason == v1.ReasonPausedByAnnotation
		}))

		got = fetch(policy)()
		patch = client.MergeFrom(got.DeepCopy())
		delete(got.Annotations, v1.AnnotationPaused)
		Expect(env.Client.Patch(ctx, got, patch)).To(Succeed())
		Eventually(fetch(policy)).WithTimeout(10 * time.Second).Should(Satisfy(func(p *v1.RemediationPolicy) bool {
			return meta.IsStatusConditionFalse(p.Status.Conditions, v1.ConditionPaused)
		}))
	})

	It("removes its finalizer so that a deleted policy goes away", func() {
		policy := newPolicy("deleted")
		Expect(env.Client.Create(ctx, policy)).To(Succeed())
		Eventually(fetch(policy)).WithTimeout(10 * time.Second).Should(Satisfy(func(p *v1.RemediationPolicy) bool {
			return len(p.Finalizers) == 1
		}))
		Expect(env.Client.Delete(ctx, policy)).To(Succeed())
		Eventually(func() error {
			return env.Client.Get(ctx, client.ObjectKeyFromObject(policy), &v1.RemediationPolicy{})
		}).WithTimeout(10 * time.Second).Should(Satisfy(func(err error) bool { return err != nil }))
	})
})
