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
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
	"github.com/cache-remediator/cache-remediator/controllers/asgengine"
	"github.com/cache-remediator/cache-remediator/test/envtestutil"
)

// These specs hold the ASG path to the promises a user reads in the README: a policy that does not own its
// cluster changes nothing, nothing is mutated before it is needed or for nothing, status says what is true,
// and every mutation is on record. Each Describe is one class of failure seen before these were written.

// readyMessage is the Ready condition's message: the sentence behind BLOCKED-BY.
func readyMessage(p *v1.RemediationPolicy) string {
	if ready := meta.FindStatusCondition(get(p).Status.Conditions, v1.ConditionReady); ready != nil {
		return ready.Message
	}
	return ""
}

// readyReason is the Ready condition's reason.
func readyReason(p *v1.RemediationPolicy) func() string {
	return func() string { return conditionReason(p, v1.ConditionReady) }
}

// createVersionsWith counts the CreateLaunchTemplateVersion calls for an AMI.
func (c *simCluster) createVersionsWith(ami string) int {
	n := 0
	for _, call := range c.srv.Calls() {
		if call.Action == "CreateLaunchTemplateVersion" && call.Params.Get("LaunchTemplateData.ImageId") == ami {
			n++
		}
	}
	return n
}

var _ = Describe("Ownership: two policies on the same groups", func() {
	It("the later policy makes no AWS or Redis mutation at any phase, and the owner rolls undisturbed", func() {
		c := newCluster("owned", clusterOptions{redis: true, tagged: true})
		written := recordStatuses(c.ns)
		owner := c.policyFor(goalNew, redisHealth())
		owner.Spec.Strategy.Canary = v1.CanarySpec{Nodes: ptr.To[int32](1), BakeTime: &metav1.Duration{Duration: 3 * time.Second}}
		ctl := startControllerFor(c, owner)
		defer ctl.stop()
		By("creating the second policy while the owner bakes its canary")
		Eventually(func() v1.StepType {
			if s := get(owner).Status.CurrentStep; s != nil {
				return s.Type
			}
			return ""
		}).WithTimeout(60 * time.Second).WithPolling(50 * time.Millisecond).Should(Equal(v1.StepBake))
		loser := c.policyFor(v1.ImageAndType{ImageID: amiThird, InstanceType: typeNew}, redisHealth())
		loser.Name = "owned-too"
		Expect(env.Client.Create(ctx, loser)).To(Succeed())
		Eventually(readyReason(loser)).WithTimeout(20 * time.Second).Should(Equal(v1.ReasonConflict))
		Expect(readyMessage(loser)).To(ContainSubstring("is already targeted by RemediationPolicy " + c.ns + "/" + c.policy + ", created earlier"))
		both, _ := envtestutil.Kubectl(kubeconfigOf(), "get", "rp", "-n", c.ns, "-o", "wide").CombinedOutput()
		GinkgoWriter.Printf("kubectl get rp -o wide:\n%s\nthe loser's Ready message:\n%s\n", both, readyMessage(loser))

		Eventually(phaseOf(owner)).WithTimeout(90 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		expectClusterOn(c, goalNew)
		By("the owner taking a second goal while the loser keeps watching")
		update(owner, func(p *v1.RemediationPolicy) { p.Spec.Desired = v1.DesiredSpec{ImageID: amiOld, InstanceType: typeOld} })
		Eventually(observedPhaseOf(owner)).WithTimeout(90 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		expectClusterOn(c, goalOld)

		Expect(c.createVersionsWith(amiThird)).To(BeZero(), "no launch template version for the loser's AMI")
		for _, st := range written() {
			if st.Target == "" || st.Phase == "" {
				continue
			}
			// The loser's statuses: Blocked on the conflict, never a step (a mutation is always checkpointed first).
			if st.Rollout != nil && st.Rollout.Goal.ImageID == amiThird || (st.CurrentStep != nil && st.CurrentStep.Goal.ImageID == amiThird) {
				Fail(fmt.Sprintf("the loser recorded a step or rollout: %+v", st.CurrentStep))
			}
		}
		Expect(get(loser).Status.Phase).To(Equal(v1.PhaseBlocked))
		Expect(get(loser).Status.CurrentStep).To(BeNil())
	})
})

var _ = Describe("Ownership: a launch template shared with a group outside the policy", func() {
	It("is not versioned while the outside group follows $Latest, and its default never moves while one follows $Default", func() {
		c := newCluster("shared", clusterOptions{tagged: true})
		lt, ok := c.srv.LaunchTemplateID(c.policy)
		Expect(ok).To(BeTrue())
		Expect(c.srv.AddGroup(awssim.GroupSpec{Name: "shared-reports", Zones: []string{"us-east-1a"}, Size: 1, LaunchTemplateID: lt, Version: "$Latest"})).To(Succeed())
		policy := c.policyFor(goalNew, v1.HealthSpec{})
		policy.Spec.Strategy.KeepLaunchTemplateVersions = 1
		ctl := startControllerFor(c, policy)
		defer ctl.stop()
		Eventually(readyReason(policy)).WithTimeout(20 * time.Second).Should(Equal(v1.ReasonConflict))
		Expect(readyMessage(policy)).To(ContainSubstring("shared with auto scaling group shared-reports, which is not in this policy and launches its $Latest version"))
		Consistently(c.mutatingCalls).WithTimeout(quiet).Should(BeEmpty())

		By("the outside group pinned to $Default instead: the rollout goes on and the default stays")
		Expect(c.srv.AddGroup(awssim.GroupSpec{Name: "shared-reports-2", Zones: []string{"us-east-1b"}, Size: 1, LaunchTemplateID: lt, Version: "$Default"})).To(Succeed())
		c.srv.SetGroupLaunchTemplateVersion("shared-reports", "1")
		Eventually(phaseOf(policy)).WithTimeout(60 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		template, _, _ := c.srv.LaunchTemplateState(lt)
		Expect(template.DefaultVersion).To(Equal(int64(1)), "shared-reports-2 still launches what it did")
		Expect(c.mutatingCalls()).NotTo(ContainElement("ModifyLaunchTemplate"))
		Expect(events(get(policy))).To(ContainElement(And(HaveField("Reason", "CleanedUp"), HaveField("Note", ContainSubstring("cleaned up: nothing to delete")))))
	})
})

var _ = Describe("No mutation before it is needed", func() {
	It("creates no launch template version while a gate fails", func() {
		c := newCluster("notyet", clusterOptions{redis: true, tagged: true})
		c.srv.SetImpaired(c.instances()[2].ID, true)
		policy := c.policyFor(goalNew, redisHealth())
		ctl := startControllerFor(c, policy)
		defer ctl.stop()
		Eventually(readyReason(policy)).WithTimeout(20 * time.Second).Should(Equal(v1.ReasonGateBlocked))
		Consistently(c.mutatingCalls).WithTimeout(quiet).Should(BeEmpty())
		c.srv.SetImpaired(c.instances()[2].ID, false)
		Eventually(phaseOf(policy)).WithTimeout(90 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
	})

	DescribeTable("blocks an empty cluster saying so, and never reports it Succeeded",
		func(health v1.HealthSpec) {
			c := newCluster(fmt.Sprintf("empty%d", nsSeq+1), clusterOptions{tagged: true, size: ptr.To[int64](0), httpPort: 8080})
			written := recordStatuses(c.ns)
			policy := c.policyFor(goalNew, health)
			ctl := startControllerFor(c, policy)
			defer ctl.stop()
			Eventually(readyReason(policy)).WithTimeout(20 * time.Second).Should(Equal(v1.ReasonNoNodes))
			Expect(readyMessage(policy)).To(ContainSubstring("have no instances"))
			Consistently(c.mutatingCalls).WithTimeout(quiet).Should(BeEmpty())
			for _, st := range written() {
				Expect(st.Phase).NotTo(Equal(v1.PhaseSucceeded))
			}
		},
		Entry("with Redis gates", v1.HealthSpec{Redis: &v1.RedisHealth{}}),
		Entry("with HTTP gates", v1.HealthSpec{HTTP: &v1.HTTPHealth{Port: 8080, Path: "/status"}}),
	)

	DescribeTable("makes no mutation when every node already runs the goal",
		func(version string) {
			c := newCluster(fmt.Sprintf("met%d", nsSeq+1), clusterOptions{tagged: true, version: version})
			policy := c.policyFor(goalOld, v1.HealthSpec{})
			ctl := startControllerFor(c, policy)
			defer ctl.stop()
			Eventually(phaseOf(policy)).WithTimeout(30 * time.Second).Should(Equal(v1.PhaseSucceeded))
			Expect(readyMessage(policy)).To(Equal("all 3 nodes run " + goalOld.String() + " and are healthy"))
			Consistently(c.mutatingCalls).WithTimeout(quiet).Should(BeEmpty())
		},
		Entry("with the groups on $Default", "$Default"),
		Entry("with the groups on $Latest", "$Latest"),
	)

	DescribeTable("refuses a canary the cluster cannot have, with a reason, instead of skipping it",
		func(mutate func(*v1.RemediationPolicy), message string) {
			c := newCluster(fmt.Sprintf("canary%d", nsSeq+1), clusterOptions{tagged: true})
			policy := c.policyFor(goalNew, v1.HealthSpec{})
			mutate(policy)
			ctl := startControllerFor(c, policy)
			defer ctl.stop()
			Eventually(readyReason(policy)).WithTimeout(20 * time.Second).Should(Equal(v1.ReasonInvalidSpec))
			Expect(readyMessage(policy)).To(ContainSubstring(message))
			Consistently(c.mutatingCalls).WithTimeout(quiet).Should(BeEmpty())
		},
		Entry("as many canary nodes as the cluster has", func(p *v1.RemediationPolicy) { p.Spec.Strategy.Canary.Nodes = ptr.To[int32](3) },
			"strategy.canary.nodes is 3 but the cluster has 3 nodes"),
		Entry("a canary zone none of the groups is in", func(p *v1.RemediationPolicy) {
			p.Spec.Strategy.Canary.Nodes = ptr.To[int32](1)
			p.Spec.Target.AutoScalingGroups.CanaryZone = "us-west-2a"
		}, "canaryZone us-west-2a is not a zone of the groups"),
	)
})

var _ = Describe("Deleting a policy mid-rollout", func() {
	It("says in an event and the log exactly what it leaves: what each group launches and what each node runs", func() {
		c := newCluster("leftover", clusterOptions{tagged: true})
		policy := c.policyFor(goalNew, v1.HealthSpec{})
		ctl := startControllerFor(c, policy)
		defer ctl.stop()
		Eventually(func() int32 { return get(policy).Status.UpdatedNodes }).WithTimeout(30 * time.Second).Should(Equal(int32(1)))
		got := get(policy)
		Expect(env.Client.Delete(ctx, policy)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(policy), &v1.RemediationPolicy{}))
		}).WithTimeout(30 * time.Second).Should(BeTrue())
		var released string
		Eventually(func() string {
			for _, e := range events(got) {
				if e.Reason == "Released" {
					released = e.Note
				}
			}
			return released
		}).WithTimeout(5 * time.Second).ShouldNot(BeEmpty())
		GinkgoWriter.Printf("Released event:\n%s\n", released)
		Expect(released).To(ContainSubstring("nothing is rolled back"))
		for _, g := range c.groups {
			Expect(released).To(ContainSubstring(g + " launches " + goalNew.String()))
		}
		Expect(released).To(ContainSubstring("on " + goalNew.String()))
		Expect(released).To(ContainSubstring("on " + goalOld.String()))
	})
})

var _ = Describe("The status write path", func() {
	It("stores what the engine decided: no stored version drops or undoes a checkpoint, and cleanup runs once", func() {
		c := newCluster("writes", clusterOptions{redis: true, tagged: true})
		written := recordStatuses(c.ns)
		policy := c.policyFor(goalNew, redisHealth())
		policy.Spec.Strategy.KeepLaunchTemplateVersions = 1
		ctl := startControllerFor(c, policy)
		defer ctl.stop()
		Eventually(phaseOf(policy)).WithTimeout(90 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		statuses := written()
		Expect(len(statuses)).To(BeNumerically(">", 10))
		for i := 1; i < len(statuses); i++ {
			prev, cur := statuses[i-1].CurrentStep, statuses[i].CurrentStep
			if prev == nil || cur == nil || prev.Type != cur.Type || !prev.StartedAt.Equal(&cur.StartedAt) {
				continue
			}
			Expect(!prev.ActionTaken || cur.ActionTaken).To(BeTrue(), "version %d undid actionTaken of %s", i, prev.Type)
		}
		cleanups := 0
		for _, e := range events(get(policy)) {
			if e.Reason == "CleanupStarted" {
				cleanups++
			}
		}
		Expect(cleanups).To(Equal(1), "one cleanup per rollout")
	})
})

var _ = Describe("A cleanup AWS refuses", func() {
	It("never fails or rolls back a rollout whose nodes are all on the goal: Succeeded, said in an event, tried again with backoff", func() {
		c := newCluster("cleanupfail", clusterOptions{redis: true, tagged: true})
		c.srv.Inject(awssim.Fault{Service: "ec2", Action: "ModifyLaunchTemplate", Fraction: 1, Status: http.StatusForbidden, Code: "UnauthorizedOperation"})
		policy := c.policyFor(goalNew, redisHealth())
		policy.Spec.Strategy.RollbackOnFailure = true
		ctl := startControllerFor(c, policy)
		defer ctl.stop()
		Eventually(func() bool {
			for _, e := range events(get(policy)) {
				if e.Reason == "CleanupFailed" {
					return true
				}
			}
			return false
		}).WithTimeout(90 * time.Second).WithPolling(200 * time.Millisecond).Should(BeTrue())
		got := get(policy)
		Expect(got.Status.Phase).To(Equal(v1.PhaseSucceeded))
		Expect(meta.IsStatusConditionTrue(got.Status.Conditions, v1.ConditionReady)).To(BeTrue())
		Expect(*got.Status.LastGood).To(Equal(goalNew))
		Expect(got.Status.FailedTarget).To(BeNil())
		Expect(readyMessage(policy)).To(ContainSubstring("the cleanup of what the rollout created is tried again at"))
		Consistently(c.terminations).WithTimeout(quiet).Should(HaveLen(3), "nothing is rolled back")

		c.srv.ClearFaults()
		Eventually(func() bool {
			for _, e := range events(get(policy)) {
				if e.Reason == "CleanedUp" {
					return true
				}
			}
			return false
		}).WithTimeout(60*time.Second).Should(BeTrue(), "the backoff runs out and the cleanup finishes")
		// CleanedUp is said when the cleanup's calls went through; the step is closed by the look after it.
		Eventually(func() *v1.StepStatus { return get(policy).Status.CurrentStep }).WithTimeout(30 * time.Second).Should(BeNil())
		Expect(get(policy).Status.Phase).To(Equal(v1.PhaseSucceeded))
	})
})

var _ = Describe("A mutation AWS refuses", func() {
	It("blocks with backoff: the stored phase does not flap, and one event says why", func() {
		c := newCluster("refused", clusterOptions{tagged: true})
		c.srv.Inject(awssim.Fault{Service: "autoscaling", Action: "TerminateInstanceInAutoScalingGroup", Fraction: 1, Status: http.StatusForbidden, Code: "AccessDenied"})
		policy := c.policyFor(goalNew, v1.HealthSpec{})
		Expect(env.Client.Create(ctx, policy)).To(Succeed())
		written := recordStatuses(c.ns)
		ctl := startController(c, false)
		defer ctl.stop()
		Eventually(readyReason(policy)).WithTimeout(30 * time.Second).Should(Equal(v1.ReasonAWSError))
		from := len(written())
		time.Sleep(8 * time.Second)
		var phases []v1.Phase
		for _, st := range written()[from:] {
			phases = append(phases, st.Phase)
		}
		Expect(phases).To(HaveEach(v1.PhaseBlocked), "no flapping between Blocked and Progressing")
		// With the blocked interval of 500ms doubling each time, 8s hold at most 5 attempts (and a status each).
		Expect(len(phases)).To(BeNumerically("<=", 5))
		refusals := 0
		for _, e := range events(get(policy)) {
			if e.Reason == v1.ReasonAWSError {
				refusals++
			}
		}
		Expect(refusals).To(Equal(1), "one event for one refusal")
		attempts := 0
		for _, call := range c.srv.Calls() {
			if call.Action == "TerminateInstanceInAutoScalingGroup" {
				attempts++
			}
		}
		Expect(attempts).To(BeNumerically("<=", 6), "not a tight loop")
	})
})

var _ = Describe("A termination AWS applied but whose answer was lost", func() {
	It("is progress when the SDK's retry finds the node already terminating, not a refusal", func() {
		c := newCluster("lostanswer", clusterOptions{tagged: true})
		c.srv.Inject(awssim.Fault{Service: "autoscaling", Action: "TerminateInstanceInAutoScalingGroup", Count: 1, Status: http.StatusInternalServerError,
			Code: "InternalFailure", AfterApply: true})
		written := recordStatuses(c.ns)
		policy := c.policyFor(goalNew, v1.HealthSpec{})
		ctl := startControllerFor(c, policy)
		defer ctl.stop()
		Eventually(phaseOf(policy)).WithTimeout(60 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		for _, st := range written() {
			Expect(st.Phase).NotTo(Equal(v1.PhaseBlocked), "the lost answer was never taken for a refusal: %s", st.BlockedBy)
		}
		for _, e := range events(get(policy)) {
			Expect(e.Type).NotTo(Equal("Warning"), "%s: %s", e.Reason, e.Note)
		}
		terminated := map[string]int{}
		for _, tr := range c.srv.Timeline() {
			if tr.To == awssim.StateTerminating {
				terminated[tr.InstanceID]++
			}
		}
		Expect(terminated).To(HaveLen(3))
		for id, n := range terminated {
			Expect(n).To(Equal(1), "instance %s terminated once", id)
		}
	})
})

// stallingRedis stalls the replica a hand-off goes to for a while the first times FAILOVER is issued, so
// that the real Redis primary aborts the hand-off (its replica does not catch up within the timeout).
type stallingRedis struct {
	asgengine.RedisActions
	c      *simCluster
	stalls atomic.Int32
}

func (s *stallingRedis) Failover(ctx context.Context, primaryIP, targetIP string, port int32, timeout time.Duration) error {
	if s.stalls.Add(-1) >= 0 {
		for _, inst := range s.c.instances() {
			if inst.PrivateIP == targetIP {
				s.c.procs.FreezeRedis(inst.ID, timeout+time.Second)
			}
		}
	}
	return s.RedisActions.Failover(ctx, primaryIP, targetIP, port, timeout)
}

var _ = Describe("A hand-off Redis aborts", func() {
	It("is issued again with its own reason, and the old primary is replaced only once it is a replica, with no write lost", func() {
		c := newCluster("aborted", clusterOptions{redis: true, tagged: true})
		wrapper := &stallingRedis{c: c}
		wrapper.stalls.Store(1)
		w := startWriter(c)
		written := recordStatuses(c.ns)
		policy := c.policyFor(goalNew, redisHealth())
		policy.Spec.Health.NodeTimeout = &metav1.Duration{Duration: 2 * time.Minute}
		Expect(env.Client.Create(ctx, policy)).To(Succeed())
		ctl := startManager(c, managerOptions{wrapRedis: func(a asgengine.RedisActions) asgengine.RedisActions { wrapper.RedisActions = a; return wrapper }})
		defer ctl.stop()
		Eventually(phaseOf(policy)).WithTimeout(120 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		acked, lost, _ := w.finish()
		Expect(lost).To(BeZero(), "of %d acknowledged writes", acked)
		expectClusterOn(c, goalNew)
		var reasons []string
		for _, st := range written() {
			if ready := meta.FindStatusCondition(st.Conditions, v1.ConditionReady); ready != nil {
				reasons = append(reasons, ready.Reason)
			}
		}
		Expect(reasons).To(ContainElement(v1.ReasonHandOffAborted), "status said the hand-off was aborted and tried again")
		Expect(get(policy).Status.FailedTarget).To(BeNil())
	})
})

var _ = Describe("A replacement whose Redis dies after it came up", func() {
	It("is reported Blocked with the reason (not Progressing), and fails at nodeTimeout without touching another node", func() {
		c := newCluster("diedredis", clusterOptions{redis: true, tagged: true})
		original := map[string]bool{}
		for _, inst := range c.instances() {
			original[inst.ID] = true
		}
		health := redisHealth()
		health.NodeTimeout = &metav1.Duration{Duration: 8 * time.Second}
		policy := c.policyFor(goalNew, health)
		ctl := startControllerFor(c, policy)
		defer ctl.stop()
		var replacement string
		Eventually(func() string {
			for _, inst := range c.instances() {
				if !original[inst.ID] && inst.LifecycleState == awssim.StateInService && role(inst.PrivateIP) == "slave" {
					replacement = inst.ID
				}
			}
			return replacement
		}).WithTimeout(30 * time.Second).WithPolling(20 * time.Millisecond).ShouldNot(BeEmpty())
		c.procs.KillRedis(replacement)
		Eventually(readyReason(policy)).WithTimeout(20 * time.Second).Should(Equal(v1.ReasonReplacementUnhealthy))
		Expect(get(policy).Status.Phase).To(Equal(v1.PhaseBlocked))
		Expect(get(policy).Status.BlockedBy).To(Equal(v1.ReasonReplacementUnhealthy))
		Expect(readyMessage(policy)).To(ContainSubstring("replacement " + replacement + " is InService but RedisReachable"))
		Eventually(phaseOf(policy)).WithTimeout(30 * time.Second).Should(Equal(v1.PhaseFailed))
		Consistently(c.terminations).WithTimeout(quiet).Should(HaveLen(1))
	})
})

var _ = Describe("The audit trail", func() {
	It("says pause and resume in events, and names what cleanup deleted", func() {
		c := newCluster("audit", clusterOptions{tagged: true})
		policy := c.policyFor(goalNew, v1.HealthSpec{})
		policy.Spec.Strategy.KeepLaunchTemplateVersions = 1
		ctl := startControllerFor(c, policy)
		defer ctl.stop()
		Eventually(phaseOf(policy)).WithTimeout(60 * time.Second).Should(Equal(v1.PhaseSucceeded))

		By("pausing and resuming")
		update(policy, func(p *v1.RemediationPolicy) { p.Annotations = map[string]string{v1.AnnotationPaused: "true"} })
		Eventually(func() []string { return eventReasons(policy) }).WithTimeout(10 * time.Second).Should(ContainElement("Paused"))
		update(policy, func(p *v1.RemediationPolicy) { delete(p.Annotations, v1.AnnotationPaused) })
		Eventually(func() []string { return eventReasons(policy) }).WithTimeout(10 * time.Second).Should(ContainElement("Resumed"))

		By("rolling back to the old goal by spec, whose cleanup deletes the first rollout's version")
		update(policy, func(p *v1.RemediationPolicy) { p.Spec.Desired = v1.DesiredSpec{ImageID: amiOld, InstanceType: typeOld} })
		Eventually(func() []string {
			var notes []string
			for _, e := range events(get(policy)) {
				if e.Reason == "CleanedUp" {
					notes = append(notes, e.Note)
				}
			}
			return notes
		}).WithTimeout(60 * time.Second).Should(ContainElement(MatchRegexp(`deleted versions 2 of launch template lt-[0-9a-f]+`)))
	})
})

func eventReasons(p *v1.RemediationPolicy) []string {
	var out []string
	for _, e := range events(get(p)) {
		out = append(out, e.Reason)
	}
	return out
}
