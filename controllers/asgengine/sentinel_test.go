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
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
)

// commandIndex is the position of the first recorded command that starts with prefix, -1 when none does.
func (f *fixture) commandIndex(prefix string) int {
	return slices.IndexFunc(f.redis.commands, func(c string) bool { return strings.HasPrefix(c, prefix) })
}

func (f *fixture) commandCount(prefix string) int {
	n := 0
	for _, c := range f.redis.commands {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

// runWatchingThePrimary reconciles until one of phases, failing the test if the old primary is ever
// terminated while it is a primary (or a former primary that still holds writes), and returns the outcomes.
func (f *fixture) runWatchingThePrimary(g Gomega, primary awssim.Instance, phases ...v1.Phase) []rollout.Outcome {
	var outcomes []rollout.Outcome
	for range 400 {
		o := f.Reconcile()
		outcomes = append(outcomes, o)
		if slices.Contains(phases, o.Phase) {
			return outcomes
		}
		if inst, _ := f.Sim.Instance(primary.ID); inst.LifecycleState != awssim.StateInService {
			g.Expect(f.redis.primary).NotTo(Equal(primary.PrivateIP), "the old primary is terminated only once Sentinel names another")
			g.Expect(f.redis.stale).To(BeEmpty(), "and only once it was demoted")
		}
		f.Step(max(o.RequeueAfter, time.Second))
	}
	f.T.Fatalf("not %v after 400 reconciles", phases)
	return nil
}

func TestAHandOffThroughSentinelHoldsTheWritesAsksSentinelAndDemotesTheOldPrimaryBeforeReplacingIt(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{sentinel: true})
	primary := f.Sim.GroupInstances("sessions-a")[0]
	outcomes := f.runWatchingThePrimary(g, primary, v1.PhaseSucceeded)

	g.Expect(f.commandCount("FAILOVER ")).To(Equal(0), "no FAILOVER behind Sentinel's back")
	g.Expect(f.commandCount("SENTINEL FAILOVER sessions @127.0.0.1:26379")).To(Equal(1), "the first Sentinel in the spec is asked, once")
	pause, failover := f.commandIndex("CLIENT PAUSE "+primary.PrivateIP), f.commandIndex("SENTINEL FAILOVER")
	demote, release := f.commandIndex("REPLICAOF "+primary.PrivateIP), f.commandIndex("CLIENT UNPAUSE "+primary.PrivateIP)
	g.Expect(pause).To(BeNumerically(">=", 0))
	g.Expect(pause < failover && failover < demote && demote < release).To(BeTrue(), "writes held, Sentinel asked, old primary demoted, writes released: %v", f.redis.commands)

	var handedOff *v1.StepStatus
	for _, o := range outcomes {
		if o.Completed != nil && o.Completed.Type == v1.StepHandOffPrimary {
			handedOff = o.Completed
		}
	}
	g.Expect(handedOff).NotTo(BeNil())
	g.Expect(handedOff.Message).To(MatchRegexp(`^Sentinel moved the primary role of sessions from %s to i-\w+, as predicted$`, primary.ID))
	g.Expect(f.Mutations()).To(ContainElement("TerminateInstanceInAutoScalingGroup"))
}

func TestWhenSentinelPromotesAnotherReplicaThanPredictedTheStepSaysSo(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{sentinel: true})
	primary := f.Sim.GroupInstances("sessions-a")[0]
	for range 400 {
		o := f.Reconcile()
		if o.Observed != nil && o.Observed.Updated == 2 && f.redis.promote == "" {
			// Both replicas are replaced; the hand-off comes next. The replicas are alike, so the prediction
			// takes the lower instance id: Sentinel will promote the other one.
			for _, ip := range f.redis.serving() {
				if ip != primary.PrivateIP && (f.redis.promote == "" || f.instanceAt(ip).ID > f.instanceAt(f.redis.promote).ID) {
					f.redis.promote = ip
				}
			}
		}
		if o.Completed != nil && o.Completed.Type == v1.StepHandOffPrimary {
			promoted := f.instanceAt(f.redis.promote).ID
			g.Expect(o.Completed.HandOffTo).NotTo(Equal(promoted))
			g.Expect(o.Completed.Message).To(Equal(fmt.Sprintf("Sentinel moved the primary role of sessions from %s to %s (the prediction was %s: "+
				"Sentinel ranks replicas by the replication offsets it last read from them)", primary.ID, promoted, o.Completed.HandOffTo)))
			return
		}
		f.Step(max(o.RequeueAfter, time.Second))
	}
	t.Fatal("the hand-off never completed")
}

// instanceAt is the serving instance with the private IP.
func (f *fixture) instanceAt(ip string) awssim.Instance {
	for _, g := range f.groups {
		for _, inst := range f.Sim.GroupInstances(g) {
			if inst.PrivateIP == ip {
				return inst
			}
		}
	}
	return awssim.Instance{}
}

func TestASentinelThatRefusesTheFailoverGetsTheWritesReleasedAndIsAskedAgainAtMostFiveTimes(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{sentinel: true})
	f.redis.refuse = 100
	primary := f.Sim.GroupInstances("sessions-a")[0]
	outcomes := f.runWatchingThePrimary(g, primary, v1.PhaseFailed)

	g.Expect(f.commandCount("SENTINEL FAILOVER")).To(Equal(5))
	g.Expect(f.commandCount("CLIENT UNPAUSE "+primary.PrivateIP)).To(Equal(5), "every refusal releases the held writes at once")
	g.Expect(f.commandCount("REPLICAOF")).To(Equal(0))
	aborted := slices.IndexFunc(outcomes, func(o rollout.Outcome) bool { return o.Reason == v1.ReasonHandOffAborted })
	g.Expect(aborted).To(BeNumerically(">=", 0))
	g.Expect(outcomes[aborted].Message).To(Equal("Sentinel did not move the primary role of sessions off " + primary.ID +
		" (Sentinel 127.0.0.1:26379 refused the failover: NOGOODSLAVE No suitable replica to promote); asking again (attempt 2 of 5)"))
	last := outcomes[len(outcomes)-1]
	g.Expect(last.Reason).To(Equal(v1.ReasonHandOffFailed))
	g.Expect(last.Message).To(ContainSubstring("Sentinel did not move the primary role of sessions off %s in 5 attempts (the last: Sentinel 127.0.0.1:26379 refused the failover: NOGOODSLAVE", primary.ID))
	inst, _ := f.Sim.Instance(primary.ID)
	g.Expect(inst.LifecycleState).To(Equal(awssim.StateInService), "the primary is never terminated")
}

func TestASentinelThatNamesAnotherPrimaryBlocksWithItsReasonAndNothingIsTouched(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{sentinel: true})
	f.redis.sentinelNames = f.Sim.GroupInstances("sessions-b")[0].PrivateIP
	o := f.Run(20, v1.PhaseBlocked)
	g.Expect(o.Reason).To(Equal(v1.ReasonSentinelDisagrees))
	g.Expect(o.Message).To(ContainSubstring("SentinelAgrees on the cluster: Sentinel 127.0.0.1:26379 names %s:6379 as the primary of sessions, but the nodes' primary is %s",
		f.redis.sentinelNames, f.Sim.GroupInstances("sessions-a")[0].ID))
	for range 5 {
		f.Step(time.Minute)
		g.Expect(f.Reconcile().Reason).To(Equal(v1.ReasonSentinelDisagrees))
	}
	g.Expect(f.Mutations()).To(BeEmpty())
	g.Expect(f.redis.commands).To(BeEmpty())
}
