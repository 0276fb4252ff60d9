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
	"net/http"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
)

var _ = Describe("Rolling a Dynomite-style cluster gated on its HTTP status endpoint", func() {
	It("waits for each replacement's cold bootstrap to finish before touching the next node", func() {
		c := newCluster("catalog", clusterOptions{httpPort: 8080, tagged: true})
		from := len(c.srv.Timeline())
		policy := c.policyFor(goalNew, v1.HealthSpec{HTTP: &v1.HTTPHealth{Port: 8080, Path: "/REST/v1/admin/status"}})
		Expect(env.Client.Create(ctx, policy)).To(Succeed())
		warmUps := 0
		c.srv.SetHooks(func(call awssim.Call) {
			if call.Action != "TerminateInstanceInAutoScalingGroup" {
				return
			}
			for _, inst := range c.instances() {
				var st awssim.DynomiteStatus
				if err := getJSON("http://"+inst.PrivateIP+":8080/REST/v1/admin/status", &st); err != nil || st.WarmUpInProgress || !st.Healthy {
					warmUps++
				}
			}
		}, nil)
		ctl := startController(c, false)
		defer ctl.stop()
		Eventually(phaseOf(policy)).WithTimeout(90 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		Expect(c.terminations()).To(HaveLen(3))
		Expect(warmUps).To(Equal(0), "no node was terminated while another was still bootstrapping")
		Expect(c.maxOutOfService(from)).To(Equal(1))
		for _, inst := range c.instances() {
			Expect(inst.ImageID).To(Equal(amiNew))
		}
	})
})

var _ = Describe("A replacement that never becomes healthy", func() {
	It("fails the rollout after nodeTimeout and touches no other node", func() {
		c := newCluster("broken", clusterOptions{redis: true, tagged: true})
		broken := v1.ImageAndType{ImageID: amiBroken, InstanceType: typeNew}
		health := redisHealth()
		health.NodeTimeout = &metav1.Duration{Duration: 6 * time.Second}
		policy := c.policyFor(broken, health)
		ctl := startControllerFor(c, policy)
		defer ctl.stop()
		Eventually(phaseOf(policy)).WithTimeout(60 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseFailed))
		got := get(policy)
		Expect(meta.IsStatusConditionTrue(got.Status.Conditions, v1.ConditionDegraded)).To(BeTrue())
		Expect(meta.FindStatusCondition(got.Status.Conditions, v1.ConditionDegraded).Reason).To(Equal(v1.ReasonNodeTimeout))
		Expect(got.Status.FailedTarget.Goal).To(Equal(broken))
		Expect(events(got)).To(ContainElement(HaveField("Reason", v1.ReasonNodeTimeout)))

		Consistently(c.terminations).WithTimeout(quiet).Should(HaveLen(1), "no second node is touched")
		Expect(get(policy).Status.Phase).To(Equal(v1.PhaseFailed), "and the failed goal is not retried")
	})
})

var _ = Describe("A controller that is stopped and restarted", func() {
	It("resumes at every step boundary and after dying mid-call, terminating each node exactly once", func() {
		c := newCluster("restarts", clusterOptions{redis: true, tagged: true})
		original := c.instances()
		policy := c.policyFor(goalNew, redisHealth())
		Expect(env.Client.Create(ctx, policy)).To(Succeed())

		// The first termination call kills the controller while the call is in flight: AWS acts, the
		// controller never hears back.
		var ctl *controllerProcess
		var mu sync.Mutex
		killedDuring := "" // the instance whose termination call the controller died during
		c.srv.SetHooks(func(call awssim.Call) {
			mu.Lock()
			defer mu.Unlock()
			if call.Action == "TerminateInstanceInAutoScalingGroup" && killedDuring == "" {
				killedDuring = call.Params.Get("InstanceId")
				go ctl.cancel()
				time.Sleep(300 * time.Millisecond)
			}
		}, nil)
		// What the API server held once the killed controller was gone: the step it recorded before the call.
		var afterKill *v1.StepStatus
		ctl = startController(c, false)
		restarts := 0
		var lastStep string
		Eventually(func() v1.Phase {
			got := get(policy)
			step := ""
			if s := got.Status.CurrentStep; s != nil {
				step = string(s.Type) + "/" + s.InstanceID + "/" + boolString(s.ActionTaken)
			}
			select {
			case <-ctl.manager.Stopped():
				mu.Lock()
				if killedDuring != "" && afterKill == nil {
					afterKill = get(policy).Status.CurrentStep
				}
				mu.Unlock()
				ctl = startController(c, false)
				restarts++
			default:
				if step != lastStep {
					// A step boundary: stop the controller and start a fresh one with no memory.
					ctl.stop()
					ctl = startController(c, false)
					restarts++
				}
			}
			lastStep = step
			return got.Status.Phase
		}).WithTimeout(120 * time.Second).WithPolling(100 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		ctl.stop()
		GinkgoWriter.Printf("controller restarted %d times\n", restarts)
		By("having killed a controller during its termination call, after AWS acted and before it heard back")
		Expect(afterKill).NotTo(BeNil(), "the controller died with a step recorded")
		Expect(afterKill.Type).To(Equal(v1.StepReplaceNode))
		Expect(afterKill.InstanceID).To(Equal(killedDuring))
		Expect(afterKill.ActionTaken).To(BeFalse(), "the dead controller never recorded the termination it made")
		inst, _ := c.srv.Instance(killedDuring)
		Expect(inst.LifecycleState).NotTo(Equal(awssim.StateInService), "AWS did terminate it")
		Expect(restarts).To(BeNumerically(">=", 6))
		Expect(c.terminations()).To(ConsistOf(original[0].ID, original[1].ID, original[2].ID), "exactly one termination per node")
	})
})

var _ = Describe("A rollout under throttling", func() {
	It("completes when 30% of AWS calls are throttled", func() {
		c := newCluster("throttled", clusterOptions{redis: true, tagged: true})
		c.srv.Inject(awssim.Fault{Fraction: 0.3, Status: http.StatusBadRequest, Code: "Throttling"})
		policy := c.policyFor(goalNew, redisHealth())
		Expect(env.Client.Create(ctx, policy)).To(Succeed())
		ctl := startController(c, true)
		defer ctl.stop()
		Eventually(phaseOf(policy)).WithTimeout(120 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		throttled := 0
		for _, call := range c.srv.Calls() {
			if call.Error == "Throttling" {
				throttled++
			}
		}
		GinkgoWriter.Printf("%d of %d calls throttled\n", throttled, len(c.srv.Calls()))
		Expect(throttled).To(BeNumerically(">", 10))
		Expect(c.terminations()).To(HaveLen(3))
	})
})

func boolString(b bool) string {
	if b {
		return "taken"
	}
	return "pending"
}
