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
	p := f.Policy.DeepCopy()
	p.Name, p.UID = name, types.UID("uid-"+name)
	p.CreationTimestamp = metav1.NewTime(f.Policy.CreationTimestamp.Add(-time.Hour))
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
			f.Policy.Spec.Strategy.Canary = v1.CanarySpec{Nodes: ptr(int32(1)), BakeTime: &metav1.Duration{Duration: time.Minute}}
			f.Run(200, v1.PhaseProgressing)
			for f.Policy.Status.CurrentStep == nil || f.Policy.Status.CurrentStep.Type != v1.StepBake {
				f.Step(5 * time.Second)
				f.Reconcile()
			}
			f.Step(2 * time.Minute)
		}},
		{"when its previous replacement just finished and the next would start", func(f *fixture) {
			for f.Policy.Status.CurrentStep == nil || f.Policy.Status.CurrentStep.Type != v1.StepReplaceNode || f.Policy.Status.CurrentStep.HealthySince == nil {
				f.Step(5 * time.Second)
				f.Reconcile()
			}
			f.Step(time.Minute)
		}},
		{"when it would hand the primary off", func(f *fixture) {
			for f.Policy.Status.CurrentStep == nil || f.Policy.Status.CurrentStep.Type != v1.StepReplaceNode || f.Policy.Status.CurrentStep.InstanceID != f.Sim.GroupInstances("sessions-c")[0].ID {
				f.Step(5 * time.Second)
				f.Reconcile()
			}
			f.Step(5 * time.Minute)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			f := newFixture(t, fixtureOptions{})
			c.before(f)
			mutations, commands := len(f.Mutations()), len(f.redis.commands)
			checkpoints := len(f.Checkpoints)
			f.withPolicies(f.earlier("owner"))
			for range 5 {
				o := f.Reconcile()
				g.Expect(o.Phase).To(Equal(v1.PhaseBlocked))
				g.Expect(o.Reason).To(Equal(v1.ReasonConflict))
				g.Expect(o.Message).To(ContainSubstring("auto scaling group sessions-a is already targeted by RemediationPolicy default/owner, created earlier"))
				f.Step(time.Minute)
			}
			g.Expect(f.Mutations()).To(HaveLen(mutations), "no AWS mutation once another policy owns the groups")
			g.Expect(f.redis.commands).To(HaveLen(commands), "no Redis command either")
			g.Expect(f.Checkpoints).To(HaveLen(checkpoints), "nothing is even recorded")
		})
	}
}

func TestTheLosersMessageSaysWhenTheOwnerIsNotOptedInEither(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{})
	f.withPolicies(f.earlier("owner"))
	o := f.Run(10, v1.PhaseBlocked)
	g.Expect(o.Reason).To(Equal(v1.ReasonConflict))
	g.Expect(o.Message).To(ContainSubstring(`default/owner is not opted in either: the auto scaling group's tag cache-remediator.io/policy is "default.sessions", not "default.owner"`))
	g.Expect(f.Mutations()).To(BeEmpty())
}

func TestALaunchTemplateWithoutTheOptInTagIsNeverChanged(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{untaggedTemplate: true})
	o := f.Run(10, v1.PhaseBlocked)
	g.Expect(o.Reason).To(Equal(v1.ReasonNotOptedIn))
	g.Expect(o.Message).To(ContainSubstring("launch template " + f.ltID + " (sessions) does not carry the tag cache-remediator.io/policy=default.sessions"))
	g.Expect(f.Mutations()).To(BeEmpty())
	f.Sim.TagLaunchTemplate(f.ltID, v1.OptInTagKey, tagged)
	f.Step(time.Minute)
	g.Expect(f.Reconcile().Phase).To(Equal(v1.PhaseProgressing), "it goes on by itself once tagged")
	g.Expect(f.Mutations()).To(ContainElement("CreateLaunchTemplateVersion"))
}

func TestANewVersionIsNotAddedToATemplateAGroupOutsideThePolicyLaunchesAsLatest(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{})
	g.Expect(f.Sim.AddGroup(awssim.GroupSpec{Name: "batch-jobs", Zones: []string{"us-east-1a"}, Size: 1, LaunchTemplateID: f.ltID, Version: "$Latest"})).To(Succeed())
	o := f.Run(10, v1.PhaseBlocked)
	g.Expect(o.Reason).To(Equal(v1.ReasonConflict))
	g.Expect(o.Message).To(ContainSubstring("shared with auto scaling group batch-jobs, which is not in this policy and launches its $Latest version"))
	g.Expect(f.Mutations()).To(BeEmpty())
}

func TestAGoalTheClusterAlreadyMeetsMakesNoMutation(t *testing.T) {
	for _, version := range []string{"$Default", "$Latest", "1"} {
		t.Run("with the groups on "+version, func(t *testing.T) {
			g := NewWithT(t)
			f := newFixture(t, fixtureOptions{version: version})
			f.Policy.Spec.Desired = v1.DesiredSpec{ImageID: amiOld, InstanceType: typeOld}
			o := f.Run(10, v1.PhaseSucceeded)
			g.Expect(o.Message).To(Equal("all 3 nodes run " + amiOld + "/" + typeOld + " and are healthy"))
			for range 3 {
				f.Step(time.Hour)
				g.Expect(f.Reconcile().Phase).To(Equal(v1.PhaseSucceeded))
			}
			g.Expect(f.Mutations()).To(BeEmpty())
			g.Expect(f.Checkpoints).To(BeEmpty())
		})
	}
}

func TestEveryStepIsCheckpointedBeforeItsFirstMutation(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{})
	f.Run(300, v1.PhaseSucceeded)
	g.Expect(f.Checkpoints).NotTo(BeEmpty())
	// Every checkpoint saw exactly the mutations made before its step's own, and every mutation follows one.
	mutations := f.Mutations()
	g.Expect(f.MutationsAtCheckpoint[0]).To(Equal(0), "the first checkpoint comes before any mutation")
	for i, at := range f.MutationsAtCheckpoint {
		g.Expect(f.Checkpoints[i].Step).NotTo(BeNil())
		if i > 0 {
			g.Expect(at).To(BeNumerically(">=", f.MutationsAtCheckpoint[i-1]))
		}
	}
	g.Expect(len(mutations)).To(BeNumerically(">", f.MutationsAtCheckpoint[len(f.MutationsAtCheckpoint)-1]))
}

func TestARefusedMutationBlocksWithBackoffInsteadOfATightLoop(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{})
	f.Sim.Inject(awssim.Fault{Service: "autoscaling", Action: "TerminateInstanceInAutoScalingGroup", Fraction: 1, Status: http.StatusForbidden, Code: "AccessDenied"})
	o := f.Run(50, v1.PhaseBlocked)
	g.Expect(o.Reason).To(Equal(v1.ReasonAWSError))
	g.Expect(o.Message).To(ContainSubstring("TerminateNode was refused by AWS"))
	g.Expect(o.Step.RetryAt.Time).To(Equal(f.Clock.Now().Add(timings.Blocked)))
	terminations := func() int {
		n := 0
		for _, m := range f.Mutations() {
			if m == "TerminateInstanceInAutoScalingGroup" {
				n++
			}
		}
		return n
	}
	g.Expect(terminations()).To(Equal(1))
	checkpoints := len(f.Checkpoints)

	for range 5 {
		f.Step(time.Second)
		again := f.Reconcile()
		g.Expect(again.Phase).To(Equal(v1.PhaseBlocked))
		g.Expect(again.Message).To(Equal(o.Message), "the same message, so no new event")
	}
	g.Expect(terminations()).To(Equal(1), "nothing is tried again before the backoff ran out")
	f.Step(timings.Blocked)
	o = f.Reconcile()
	g.Expect(terminations()).To(Equal(2))
	g.Expect(o.Step.Attempts).To(Equal(int32(2)))
	g.Expect(o.Step.RetryAt.Time).To(Equal(f.Clock.Now().Add(2*timings.Blocked)), "the backoff doubles")
	g.Expect(f.Checkpoints).To(HaveLen(checkpoints), "a retry of a recorded step writes no new checkpoint (no status flapping)")

	f.Sim.ClearFaults()
	f.Step(2 * timings.Blocked)
	o = f.Reconcile()
	g.Expect(o.Phase).To(Equal(v1.PhaseProgressing))
	g.Expect(o.Step.ActionTaken).To(BeTrue())
	g.Expect(o.Step.RetryAt).To(BeNil())
}

func TestATerminationWhoseAnswerWasLostIsProgressNotARefusal(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{})
	f.Sim.Inject(awssim.Fault{Service: "autoscaling", Action: "TerminateInstanceInAutoScalingGroup", Count: 1, Status: http.StatusInternalServerError,
		Code: "InternalFailure", AfterApply: true})
	for f.Policy.Status.CurrentStep == nil || !f.Policy.Status.CurrentStep.ActionTaken || f.Policy.Status.CurrentStep.Type != v1.StepReplaceNode {
		o := f.Reconcile()
		g.Expect(o.Phase).NotTo(Equal(v1.PhaseBlocked), "%s: %s", o.Reason, o.Message)
		f.Step(5 * time.Second)
	}
	var attempts []awssim.Call
	for _, c := range f.Sim.Calls() {
		if c.Action == "TerminateInstanceInAutoScalingGroup" {
			attempts = append(attempts, c)
		}
	}
	g.Expect(attempts).To(HaveLen(2), "the SDK retried the 500")
	g.Expect(attempts[0].Applied).To(BeTrue(), "AWS terminated the node but the answer was lost")
	g.Expect(attempts[1].Error).To(Equal("ValidationError"), "the retry met an instance already terminating")
	f.Run(300, v1.PhaseSucceeded)
}

func TestCleanupKeepsExactlyTheVersionsAskedForAndNeverMovesWhatAnOutsideGroupLaunches(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{})
	g.Expect(f.Sim.AddGroup(awssim.GroupSpec{Name: "reports", Zones: []string{"us-east-1a"}, Size: 1, LaunchTemplateID: f.ltID, Version: "$Default"})).To(Succeed())
	f.Policy.Spec.Strategy.KeepLaunchTemplateVersions = 1
	for _, goal := range []v1.ImageAndType{goalNew, {ImageID: amiOld, InstanceType: typeOld}, goalNew} {
		f.Policy.Spec.Desired = v1.DesiredSpec{ImageID: goal.ImageID, InstanceType: goal.InstanceType}
		f.Policy.Generation++
		f.Run(400, v1.PhaseSucceeded)
	}
	lt, versions, ok := f.Sim.LaunchTemplateState(f.ltID)
	g.Expect(ok).To(BeTrue())
	g.Expect(lt.DefaultVersion).To(Equal(int64(1)), "the outside group follows $Default: the default never moved")
	// Version 1 is the original (not the policy's; the outside group runs it), 4 the one the groups run.
	g.Expect(versions).To(Equal([]int64{1, 4}), "exactly one of the policy's versions is kept")
	for _, inst := range f.Sim.GroupInstances("reports") {
		g.Expect(inst.ImageID).To(Equal(amiOld))
	}
	g.Expect(f.Mutations()).To(ContainElement("DeleteLaunchTemplateVersions"))
	g.Expect(f.Mutations()).NotTo(ContainElement("ModifyLaunchTemplate"))
}

func TestAnAbortedHandOffIsIssuedAgainAndThePrimaryIsReplacedOnlyAfterItMoved(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{})
	f.redis.abort = 2
	primary := f.Sim.GroupInstances("sessions-a")[0]
	aborted := false
	for range 400 {
		o := f.Reconcile()
		if o.Reason == v1.ReasonHandOffAborted {
			aborted = true
		}
		if o.Phase == v1.PhaseSucceeded {
			break
		}
		if inst, _ := f.Sim.Instance(primary.ID); inst.LifecycleState != awssim.StateInService {
			g.Expect(f.redis.primary).NotTo(Equal(primary.PrivateIP), "the old primary is terminated only once it is not the primary")
		}
		f.Step(max(o.RequeueAfter, time.Second))
	}
	g.Expect(aborted).To(BeTrue())
	g.Expect(f.Policy.Status.Phase).To(Equal(v1.PhaseSucceeded))
	failovers := 0
	for _, c := range f.redis.commands {
		if len(c) > 8 && c[:8] == "FAILOVER" {
			failovers++
		}
	}
	g.Expect(failovers).To(Equal(3), "two aborted, the third went through")
}
