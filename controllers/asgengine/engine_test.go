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

package asgengine_test

import (
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
)

// earlier is a policy created before the fixture's, on the same groups.
func (f *fixture) earlier(name string) *v1.RemediationPolicy {
	p := f.policy.DeepCopy()
	p.Name, p.UID = name, types.UID("uid-"+name)
	p.CreationTimestamp = metav1.NewTime(f.policy.CreationTimestamp.Add(-time.Hour))
	p.Status = v1.RemediationPolicyStatus{}
	return p
}

func TestAPolicyThatLosesAConflictMakesNoMutationAtAnyPhase(t *testing.T) {
	cases := []struct {
		name string
		// before brings the loser to the phase the owner appears in.
		before func(f *fixture)
	}{
		{"when it would start its first step", func(f *fixture) {}},
		{"when its bake ends and the next step would replace a node", func(f *fixture) {
			f.policy.Spec.Strategy.Canary = v1.CanarySpec{Nodes: ptr(int32(1)), BakeTime: &metav1.Duration{Duration: time.Minute}}
			f.run(200, v1.PhaseProgressing)
			for f.policy.Status.CurrentStep == nil || f.policy.Status.CurrentStep.Type != v1.StepBake {
				f.step(5 * time.Second)
				f.reconcile()
			}
			f.step(2 * time.Minute)
		}},
		{"when its previous replacement just finished and the next would start", func(f *fixture) {
			for f.policy.Status.CurrentStep == nil || f.policy.Status.CurrentStep.Type != v1.StepReplaceNode || f.policy.Status.CurrentStep.HealthySince == nil {
				f.step(5 * time.Second)
				f.reconcile()
			}
			f.step(time.Minute)
		}},
		{"when it would hand the primary off", func(f *fixture) {
			for f.policy.Status.CurrentStep == nil || f.policy.Status.CurrentStep.Type != v1.StepReplaceNode || f.policy.Status.CurrentStep.InstanceID != f.sim.GroupInstances("sessions-c")[0].ID {
				f.step(5 * time.Second)
				f.reconcile()
			}
			f.step(5 * time.Minute)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			f := newFixture(t, fixtureOptions{})
			c.before(f)
			mutations, commands := len(f.mutations()), len(f.redis.commands)
			checkpoints := len(f.checkpoints)
			f.withPolicies(f.earlier("owner"))
			for range 5 {
				o := f.reconcile()
				g.Expect(o.Phase).To(Equal(v1.PhaseBlocked))
				g.Expect(o.Reason).To(Equal(v1.ReasonConflict))
				g.Expect(o.Message).To(ContainSubstring("auto scaling group sessions-a is already targeted by RemediationPolicy default/owner, created earlier"))
				f.step(time.Minute)
			}
			g.Expect(f.mutations()).To(HaveLen(mutations), "no AWS mutation once another policy owns the groups")
			g.Expect(f.redis.commands).To(HaveLen(commands), "no Redis command either")
			g.Expect(f.checkpoints).To(HaveLen(checkpoints), "nothing is even recorded")
		})
	}
}

func TestTheLosersMessageSaysWhenTheOwnerIsNotOptedInEither(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{})
	f.withPolicies(f.earlier("owner"))
	o := f.run(10, v1.PhaseBlocked)
	g.Expect(o.Reason).To(Equal(v1.ReasonConflict))
	g.Expect(o.Message).To(ContainSubstring(`default/owner is not opted in either: the auto scaling group's tag cache-remediator.io/policy is "default.sessions", not "default.owner"`))
	g.Expect(f.mutations()).To(BeEmpty())
}

func TestALaunchTemplateWithoutTheOptInTagIsNeverChanged(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{untaggedTemplate: true})
	o := f.run(10, v1.PhaseBlocked)
	g.Expect(o.Reason).To(Equal(v1.ReasonNotOptedIn))
	g.Expect(o.Message).To(ContainSubstring("launch template " + f.ltID + " (sessions) does not carry the tag cache-remediator.io/policy=default.sessions"))
	g.Expect(f.mutations()).To(BeEmpty())
	f.sim.TagLaunchTemplate(f.ltID, v1.OptInTagKey, tagged)
	f.step(time.Minute)
	g.Expect(f.reconcile().Phase).To(Equal(v1.PhaseProgressing), "it goes on by itself once tagged")
	g.Expect(f.mutations()).To(ContainElement("CreateLaunchTemplateVersion"))
}

func TestANewVersionIsNotAddedToATemplateAGroupOutsideThePolicyLaunchesAsLatest(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{})
	g.Expect(f.sim.AddGroup(awssim.GroupSpec{Name: "batch-jobs", Zones: []string{"us-east-1a"}, Size: 1, LaunchTemplateID: f.ltID, Version: "$Latest"})).To(Succeed())
	o := f.run(10, v1.PhaseBlocked)
	g.Expect(o.Reason).To(Equal(v1.ReasonConflict))
	g.Expect(o.Message).To(ContainSubstring("shared with auto scaling group batch-jobs, which is not in this policy and launches its $Latest version"))
	g.Expect(f.mutations()).To(BeEmpty())
}

func TestAGoalTheClusterAlreadyMeetsMakesNoMutation(t *testing.T) {
	for _, version := range []string{"$Default", "$Latest", "1"} {
		t.Run("with the groups on "+version, func(t *testing.T) {
			g := NewWithT(t)
			f := newFixture(t, fixtureOptions{version: version})
			f.policy.Spec.Desired = v1.DesiredSpec{ImageID: amiOld, InstanceType: typeOld}
			o := f.run(10, v1.PhaseSucceeded)
			g.Expect(o.Message).To(Equal("all 3 nodes run " + amiOld + "/" + typeOld + " and are healthy"))
			for range 3 {
				f.step(time.Hour)
				g.Expect(f.reconcile().Phase).To(Equal(v1.PhaseSucceeded))
			}
			g.Expect(f.mutations()).To(BeEmpty())
			g.Expect(f.checkpoints).To(BeEmpty())
		})
	}
}

func TestEveryStepIsCheckpointedBeforeItsFirstMutation(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{})
	f.run(300, v1.PhaseSucceeded)
	g.Expect(f.checkpoints).NotTo(BeEmpty())
	// Every checkpoint saw exactly the mutations made before its step's own, and every mutation follows one.
	mutations := f.mutations()
	g.Expect(f.mutationsAtCheckpoint[0]).To(Equal(0), "the first checkpoint comes before any mutation")
	for i, at := range f.mutationsAtCheckpoint {
		g.Expect(f.checkpoints[i].Step).NotTo(BeNil())
		if i > 0 {
			g.Expect(at).To(BeNumerically(">=", f.mutationsAtCheckpoint[i-1]))
		}
	}
	g.Expect(len(mutations)).To(BeNumerically(">", f.mutationsAtCheckpoint[len(f.mutationsAtCheckpoint)-1]))
}

func TestARefusedMutationBlocksWithBackoffInsteadOfATightLoop(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{})
	f.sim.Inject(awssim.Fault{Service: "autoscaling", Action: "TerminateInstanceInAutoScalingGroup", Fraction: 1, Status: http.StatusForbidden, Code: "AccessDenied"})
	o := f.run(50, v1.PhaseBlocked)
	g.Expect(o.Reason).To(Equal(v1.ReasonAWSError))
	g.Expect(o.Message).To(ContainSubstring("TerminateNode was refused by AWS"))
	g.Expect(o.Step.RetryAt.Time).To(Equal(f.clock.Now().Add(timings.Blocked)))
	terminations := func() int {
		n := 0
		for _, m := range f.mutations() {
			if m == "TerminateInstanceInAutoScalingGroup" {
				n++
			}
		}
		return n
	}
	g.Expect(terminations()).To(Equal(1))
	checkpoints := len(f.checkpoints)

	for range 5 {
		f.step(time.Second)
		again := f.reconcile()
		g.Expect(again.Phase).To(Equal(v1.PhaseBlocked))
		g.Expect(again.Message).To(Equal(o.Message), "the same message, so no new event")
	}
	g.Expect(terminations()).To(Equal(1), "nothing is tried again before the backoff ran out")
	f.step(timings.Blocked)
	o = f.reconcile()
	g.Expect(terminations()).To(Equal(2))
	g.Expect(o.Step.Attempts).To(Equal(int32(2)))
	g.Expect(o.Step.RetryAt.Time).To(Equal(f.clock.Now().Add(2*timings.Blocked)), "the backoff doubles")
	g.Expect(f.checkpoints).To(HaveLen(checkpoints), "a retry of a recorded step writes no new checkpoint (no status flapping)")

	f.sim.ClearFaults()
	f.step(2 * timings.Blocked)
	o = f.reconcile()
	g.Expect(o.Phase).To(Equal(v1.PhaseProgressing))
	g.Expect(o.Step.ActionTaken).To(BeTrue())
	g.Expect(o.Step.RetryAt).To(BeNil())
}

func TestATerminationWhoseAnswerWasLostIsProgressNotARefusal(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{})
	f.sim.Inject(awssim.Fault{Service: "autoscaling", Action: "TerminateInstanceInAutoScalingGroup", Count: 1, Status: http.StatusInternalServerError,
		Code: "InternalFailure", AfterApply: true})
	for f.policy.Status.CurrentStep == nil || !f.policy.Status.CurrentStep.ActionTaken || f.policy.Status.CurrentStep.Type != v1.StepReplaceNode {
		o := f.reconcile()
		g.Expect(o.Phase).NotTo(Equal(v1.PhaseBlocked), "%s: %s", o.Reason, o.Message)
		f.step(5 * time.Second)
	}
	var attempts []awssim.Call
	for _, c := range f.sim.Calls() {
		if c.Action == "TerminateInstanceInAutoScalingGroup" {
			attempts = append(attempts, c)
		}
	}
	g.Expect(attempts).To(HaveLen(2), "the SDK retried the 500")
	g.Expect(attempts[0].Applied).To(BeTrue(), "AWS terminated the node but the answer was lost")
	g.Expect(attempts[1].Error).To(Equal("ValidationError"), "the retry met an instance already terminating")
	f.run(300, v1.PhaseSucceeded)
}

func TestCleanupKeepsExactlyTheVersionsAskedForAndNeverMovesWhatAnOutsideGroupLaunches(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{})
	g.Expect(f.sim.AddGroup(awssim.GroupSpec{Name: "reports", Zones: []string{"us-east-1a"}, Size: 1, LaunchTemplateID: f.ltID, Version: "$Default"})).To(Succeed())
	f.policy.Spec.Strategy.KeepLaunchTemplateVersions = 1
	for _, goal := range []v1.ImageAndType{goalNew, {ImageID: amiOld, InstanceType: typeOld}, goalNew} {
		f.policy.Spec.Desired = v1.DesiredSpec{ImageID: goal.ImageID, InstanceType: goal.InstanceType}
		f.policy.Generation++
		f.run(400, v1.PhaseSucceeded)
	}
	lt, versions, ok := f.sim.LaunchTemplateState(f.ltID)
	g.Expect(ok).To(BeTrue())
	g.Expect(lt.DefaultVersion).To(Equal(int64(1)), "the outside group follows $Default: the default never moved")
	// Version 1 is the original (not the policy's; the outside group runs it), 4 the one the groups run.
	g.Expect(versions).To(Equal([]int64{1, 4}), "exactly one of the policy's versions is kept")
	for _, inst := range f.sim.GroupInstances("reports") {
		g.Expect(inst.ImageID).To(Equal(amiOld))
	}
	g.Expect(f.mutations()).To(ContainElement("DeleteLaunchTemplateVersions"))
	g.Expect(f.mutations()).NotTo(ContainElement("ModifyLaunchTemplate"))
}

func TestAnAbortedHandOffIsIssuedAgainAndThePrimaryIsReplacedOnlyAfterItMoved(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{})
	f.redis.abort = 2
	primary := f.sim.GroupInstances("sessions-a")[0]
	aborted := false
	for range 400 {
		o := f.reconcile()
		if o.Reason == v1.ReasonHandOffAborted {
			aborted = true
		}
		if o.Phase == v1.PhaseSucceeded {
			break
		}
		if inst, _ := f.sim.Instance(primary.ID); inst.LifecycleState != awssim.StateInService {
			g.Expect(f.redis.primary).NotTo(Equal(primary.PrivateIP), "the old primary is terminated only once it is not the primary")
		}
		f.step(max(o.RequeueAfter, time.Second))
	}
	g.Expect(aborted).To(BeTrue())
	g.Expect(f.policy.Status.Phase).To(Equal(v1.PhaseSucceeded))
	failovers := 0
	for _, c := range f.redis.commands {
		if len(c) > 8 && c[:8] == "FAILOVER" {
			failovers++
		}
	}
	g.Expect(failovers).To(Equal(3), "two aborted, the third went through")
}
