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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/test/envtestutil"
)

var _ = Describe("Maintenance windows", func() {
	It("starts nothing outside its windows, says in kubectl get when one opens, and rolls once one is open", func() {
		c := newCluster("sched", clusterOptions{redis: true, tagged: true})
		policy := c.policyFor(goalNew, redisHealth())
		// Midnight UTC on 1 January, for a minute: closed for the rest of the year.
		policy.Spec.Schedule = &v1.MaintenanceSchedule{Windows: []v1.MaintenanceWindow{{Cron: "0 0 1 1 *", Duration: metav1.Duration{Duration: time.Minute}, TimeZone: "UTC"}}}
		Expect(env.Client.Create(ctx, policy)).To(Succeed())
		ctl := startController(c, false)
		defer ctl.stop()

		Eventually(readyReason(policy)).WithTimeout(30 * time.Second).Should(Equal(v1.ReasonOutsideMaintenanceWindow))
		opens := time.Date(time.Now().UTC().Year()+1, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
		got := get(policy)
		Expect(got.Status.Phase).To(Equal(v1.PhasePaused))
		Expect(got.Status.Schedule).To(PointTo(MatchFields(IgnoreExtras, Fields{"Open": BeFalse(), "Window": Equal("opens " + opens)})))
		Expect(readyMessage(policy)).To(ContainSubstring("the next one opens at " + opens + " (UTC); then: "))
		kubeconfig := filepath.Join(GinkgoT().TempDir(), "kubeconfig")
		Expect(env.WriteKubeconfig(kubeconfig)).To(Succeed())
		row, err := kubectlRow(kubeconfig, policy)
		Expect(err).NotTo(HaveOccurred())
		Expect(row).To(MatchKeys(IgnoreExtras, Keys{"PHASE": Equal("Paused"), "BLOCKED-BY": Equal(v1.ReasonOutsideMaintenanceWindow), "WINDOW": Equal("opens " + opens)}))
		wide, _ := envtestutil.Kubectl(kubeconfig, "get", "rp", "-n", policy.Namespace, policy.Name, "-o", "wide").CombinedOutput()
		GinkgoWriter.Printf("kubectl get rp -o wide:\n%s\nReady's message:\n%s\n", wide, readyMessage(policy))
		Consistently(c.mutatingCalls).WithTimeout(quiet).Should(BeEmpty(), "no step starts outside the window")
		Expect(events(get(policy))).To(ContainElement(HaveField("Reason", v1.ReasonOutsideMaintenanceWindow)))

		By("a window that is open now")
		update(policy, func(p *v1.RemediationPolicy) {
			p.Spec.Schedule.Windows = append(p.Spec.Schedule.Windows, v1.MaintenanceWindow{Cron: "* * * * *", Duration: metav1.Duration{Duration: time.Hour}, TimeZone: "Europe/Berlin"})
		})
		Eventually(phaseOf(policy)).WithTimeout(90 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		Expect(get(policy).Status.Schedule.Open).To(BeTrue())
		Expect(events(get(policy))).To(ContainElement(HaveField("Reason", "WindowOpened")))
		opened, _ := envtestutil.Kubectl(kubeconfig, "get", "rp", "-n", policy.Namespace, policy.Name).CombinedOutput()
		GinkgoWriter.Printf("kubectl get rp:\n%s\n", opened)
	})
})
