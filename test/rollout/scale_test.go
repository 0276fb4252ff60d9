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
	"encoding/json"
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
)

// bigRoll rolls a cluster of the given group sizes (EC2 gates only: at this size the status is what is
// tested, not the data plane) with a simulator 600 times faster than real time, and checks on every status
// the API server stored that it stayed small.
func bigRoll(name string, zones []string, perGroup int64) {
	c := newCluster(name, clusterOptions{tagged: true, zones: zones, size: ptr.To(perGroup), maxSize: perGroup + 1, speed: 600})
	written := recordStatuses(c.ns)
	policy := c.policyFor(goalNew, v1.HealthSpec{StableFor: &metav1.Duration{Duration: 100 * time.Millisecond}, NodeTimeout: &metav1.Duration{Duration: time.Minute}})
	Expect(env.Client.Create(ctx, policy)).To(Succeed())
	fast := rollout.Timings{Transition: 100 * time.Millisecond, Blocked: 200 * time.Millisecond, Idle: 2 * time.Second}
	ctl := startManager(c, managerOptions{timings: &fast})
	defer ctl.stop()
	total := int(perGroup) * len(zones)
	Eventually(phaseOf(policy)).WithTimeout(6 * time.Minute).WithPolling(500 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
	Expect(c.terminations()).To(HaveLen(total), "every node replaced once")
	got := get(policy)
	Expect(got.Status.Updated).To(Equal(fmt.Sprintf("%d/%d", total, total)))
	Expect(got.Status.Nodes).To(HaveLen(total))

	By("keeping every stored status small: one gate entry per gate, one ledger row per node, a step of constant size")
	largest := 0
	for _, st := range written() {
		data, err := json.Marshal(st)
		Expect(err).NotTo(HaveOccurred())
		largest = max(largest, len(data))
		Expect(len(st.Gates)).To(BeNumerically("<=", 4), "InService, EC2Status, Capacity (and nothing per node)")
		if st.CurrentStep != nil {
			step, err := json.Marshal(st.CurrentStep)
			Expect(err).NotTo(HaveOccurred())
			Expect(len(step)).To(BeNumerically("<", 2048), "the step does not grow with the group")
		}
	}
	GinkgoWriter.Printf("%d nodes: largest stored status %d bytes over %d versions\n", total, largest, len(written()))
	Expect(largest).To(BeNumerically("<", 500*total), "about a ledger row per node and nothing else that grows")
}

var _ = Describe("Big clusters", func() {
	It("rolls a 60-node cluster (3 groups of 20) with a bounded status", func() {
		bigRoll("big60", []string{"us-east-1a", "us-east-1b", "us-east-1c"}, 20)
	})
	It("rolls a group of 150 instances, whose steps' checkpoints stay small enough for the API server", func() {
		bigRoll("big150", []string{"us-east-1a"}, 150)
	})
})
