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
	"fmt"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
)

// terminationWitness records, at the moment of every termination call, the role of the node being
// terminated and whether every other serving node was a healthy, synced member of the cluster.
type terminationWitness struct {
	mu     sync.Mutex
	roles  map[string]string
	zones  []string
	unsafe []string
}

func witness(c *simCluster) *terminationWitness {
	w := &terminationWitness{roles: map[string]string{}}
	c.srv.SetHooks(func(call awssim.Call) {
		if call.Action != "TerminateInstanceInAutoScalingGroup" {
			return
		}
		id := call.Params.Get("InstanceId")
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, inst := range c.instances() {
			r := role(inst.PrivateIP)
			if inst.ID == id {
				w.roles[id] = r
				w.zones = append(w.zones, inst.Zone)
				continue
			}
			if inst.LifecycleState != awssim.StateInService || (r != "master" && r != "slave") {
				w.unsafe = append(w.unsafe, fmt.Sprintf("terminating %s while %s is %s/%s", id, inst.ID, inst.LifecycleState, r))
			}
		}
	}, nil)
	return w
}

var _ = Describe("Rolling a 3-AZ Redis cluster", func() {
	It("replaces one node at a time, canary zone first, the primary last after a hand-off, and loses no acknowledged write", func() {
		c := newCluster("sessions", clusterOptions{redis: true, tagged: true})
		original := c.instances()
		Expect(role(original[0].PrivateIP)).To(Equal("master"))
		from := len(c.srv.Timeline())
		seen := witness(c)
		writes := startWriter(c)

		policy := c.policyFor(goalNew, redisHealth())
		policy.Spec.Target.AutoScalingGroups.CanaryZone = "us-east-1c"
		Expect(env.Client.Create(ctx, policy)).To(Succeed())
		ctl := startController(c, false)
		defer ctl.stop()
		Eventually(phaseOf(policy)).WithTimeout(90 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		acked, lost, gap := writes.finish()
		GinkgoWriter.Printf("writes: %d acknowledged, %d lost, longest write gap %s\n", acked, lost, gap)
		fmt.Printf("redis roll under write load: %d writes acknowledged, %d lost, longest write gap %s\n", acked, lost, gap.Round(time.Millisecond))

		By("ending with every node on the new AMI and type")
		final := get(policy)
		Expect(final.Status.UpdatedNodes).To(Equal(int32(3)))
		Expect(final.Status.Updated).To(Equal("3/3"))
		for _, inst := range c.instances() {
			Expect(inst.ImageID).To(Equal(amiNew))
			Expect(inst.InstanceType).To(Equal(typeNew))
		}
		Expect(final.Status.LastGood).To(Equal(&goalNew))

		By("terminating each original node exactly once: the canary zone's replica, the other replica, then the primary")
		Expect(c.terminations()).To(Equal([]string{original[2].ID, original[1].ID, original[0].ID}))
		Expect(seen.zones).To(Equal([]string{"us-east-1c", "us-east-1b", "us-east-1a"}))

		By("terminating the former primary only after it had handed off and become a synced replica")
		Expect(seen.roles).To(Equal(map[string]string{original[2].ID: "slave", original[1].ID: "slave", original[0].ID: "slave"}))

		By("never terminating while another node was not InService and synced, and never having two nodes out")
		Expect(seen.unsafe).To(BeEmpty())
		Expect(c.maxOutOfService(from)).To(Equal(1))

		By("losing no acknowledged write")
		Expect(acked).To(BeNumerically(">", 100))
		Expect(lost).To(Equal(0))
	})
})
