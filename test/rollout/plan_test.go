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

package rollout_test

import (
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/test/envtestutil"
)

var _ = Describe("The plan in status", func() {
	It("previews a paused policy's rollout without acting, shows the next step in kubectl, and shrinks to nothing as the rollout goes", func() {
		c := newCluster("plan", clusterOptions{redis: true, tagged: true})
		written := recordStatuses(c.ns)
		policy := c.policyFor(goalNew, redisHealth())
		policy.Spec.Paused = true
		ctl := startControllerFor(c, policy)
		defer ctl.stop()

		Eventually(func() *v1.PlanStatus { return get(policy).Status.Plan }).WithTimeout(30 * time.Second).ShouldNot(BeNil())
		plan := get(policy).Status.Plan
		var kinds []v1.StepType
		for _, s := range plan.Steps {
			kinds = append(kinds, s.Type)
		}
		Expect(kinds).To(Equal([]v1.StepType{v1.StepPrepareLaunchTemplate, v1.StepReplaceNode, v1.StepReplaceNode, v1.StepHandOffPrimary, v1.StepReplaceNode, v1.StepCleanup}))
		Expect(plan.PrimaryHandOffs).To(BeNumerically("==", 1))
		Expect(get(policy).Status.Phase).To(Equal(v1.PhasePaused))
		Consistently(c.mutatingCalls).WithTimeout(quiet).Should(BeEmpty(), "a preview changes nothing")

		kubeconfig := filepath.Join(GinkgoT().TempDir(), "kubeconfig")
		Expect(env.WriteKubeconfig(kubeconfig)).To(Succeed())
		row, err := kubectlRow(kubeconfig, policy)
		Expect(err).NotTo(HaveOccurred())
		Expect(row).To(MatchKeys(IgnoreExtras, Keys{"PHASE": Equal("Paused"), "NEXT": Equal("PrepareLaunchTemplate")}))
		describe, err := envtestutil.Kubectl(kubeconfig, "describe", "rp", "-n", policy.Namespace, policy.Name).CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(describe))
		Expect(string(describe)).To(ContainSubstring("Primary Hand Offs:  1"))
		Expect(string(describe)).To(MatchRegexp(`Type:\s+HandOffPrimary`))
		wide, _ := envtestutil.Kubectl(kubeconfig, "get", "rp", "-n", policy.Namespace, policy.Name, "-o", "wide").CombinedOutput()
		GinkgoWriter.Printf("kubectl get rp -o wide:\n%s\nkubectl describe rp:\n%s\n", wide, describe)

		update(policy, func(p *v1.RemediationPolicy) { p.Spec.Paused = false })
		Eventually(observedPhaseOf(policy)).WithTimeout(90 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		Expect(get(policy).Status.Plan).To(BeNil(), "nothing remains")
		var remaining []int32
		for _, st := range written() {
			if st.Plan != nil && (len(remaining) == 0 || remaining[len(remaining)-1] != st.Plan.Remaining) {
				remaining = append(remaining, st.Plan.Remaining)
			}
		}
		Expect(remaining).To(ContainElements(int32(6), int32(4), int32(1)), "the plan shrinks step by step")
		for i := 1; i < len(remaining); i++ {
			Expect(remaining[i]).To(BeNumerically("<=", remaining[i-1]), "the plan never grows during a smooth rollout: %v", remaining)
		}
	})
})
