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

package elasticacheengine_test

import (
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
)

func count(list []string, v string) int {
	n := 0
	for _, x := range list {
		if x == v {
			n++
		}
	}
	return n
}

func TestAGoalTheGroupAlreadyMeetsMakesNoMutationAndCostsOneDescribeWhenIdle(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{})
	f.Policy.Spec.Desired.InstanceType = large
	f.Run(20, v1.PhaseSucceeded)
	f.Step(time.Minute)
	before := len(f.Sim.Calls())
	o := f.Reconcile()
	g.Expect(o.Phase).To(Equal(v1.PhaseSucceeded))
	var actions []string
	for _, c := range f.Sim.Calls()[before:] {
		actions = append(actions, c.Action)
	}
	g.Expect(actions).To(Equal([]string{"DescribeReplicationGroups"}), "an idle group on its goal is one describe")
	g.Expect(f.Mutations()).To(BeEmpty())
}

func TestAGroupTaggedForAnotherPolicyIsNeverChanged(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{tag: "default.other"})
	o := f.Run(20, v1.PhaseBlocked)
	g.Expect(o.Reason).To(Equal(v1.ReasonNotOptedIn))
	g.Expect(o.Message).To(ContainSubstring(`it has "default.other"`))
	for range 20 {
		f.Step(o.RequeueAfter)
		o = f.Reconcile()
		g.Expect(o.Reason).To(Equal(v1.ReasonNotOptedIn))
	}
	g.Expect(f.Mutations()).To(BeEmpty())
}

func TestTheLoserOfAConflictMakesNoMutation(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{})
	older := f.Policy.DeepCopy()
	older.Name, older.UID = "first", "uid-first"
	older.CreationTimestamp = metav1.NewTime(awssim.SimEpoch.Add(-time.Hour))
	f.withPolicies(older)
	o := f.Run(20, v1.PhaseBlocked)
	g.Expect(o.Reason).To(Equal(v1.ReasonConflict))
	g.Expect(o.Message).To(ContainSubstring("default/first"))
	for range 10 {
		f.Step(o.RequeueAfter)
		g.Expect(f.Reconcile().Reason).To(Equal(v1.ReasonConflict))
	}
	g.Expect(f.Mutations()).To(BeEmpty())
}

func TestEveryCallFollowsACheckpointOfItsOwnStep(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{shards: 2})
	f.Policy.Spec.Target.ElastiCache.SnapshotBeforeModify = true
	f.Policy.Spec.Target.ElastiCache.TestFailover = true
	f.Run(500, v1.PhaseSucceeded)

	mutations := f.Mutations()
	g.Expect(count(mutations, "CreateSnapshot")).To(Equal(1))
	g.Expect(count(mutations, "TestFailover")).To(Equal(2), "one per shard")
	g.Expect(count(mutations, "ModifyReplicationGroup")).To(Equal(1))
	g.Expect(mutations).To(HaveLen(4))
	// The k-th mutation was made after a checkpoint that had seen the k before it: no call went out
	// before its step was on record.
	for k := range mutations {
		g.Expect(f.MutationsAtCheckpoint).To(ContainElement(k), "a checkpoint right before mutation %d (%s)", k, mutations[k])
	}
	st := f.Policy.Status.ElastiCache
	g.Expect(st.TestFailovers).To(HaveLen(2))
	g.Expect(*st.TestFailoverBudget).To(BeNumerically("==", 13))
	g.Expect(st.Snapshots).To(HaveLen(1))
	g.Expect(f.Policy.Status.Rollout.ElastiCache.FailoverTested).To(ConsistOf("0001", "0002"))
}

func TestTheTestFailoverBudgetIsSharedByEveryPolicyAndFreesUpAfterADay(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{shards: 2})
	f.Policy.Spec.Target.ElastiCache.TestFailover = true
	other := &v1.RemediationPolicy{ObjectMeta: metav1.ObjectMeta{Name: "catalog", Namespace: "default"},
		Spec: v1.RemediationPolicySpec{Target: v1.TargetSpec{ElastiCache: &v1.ElastiCacheTarget{ReplicationGroupID: "catalog"}}, Desired: v1.DesiredSpec{InstanceType: xlarge}}}
	for range 14 {
		other.Status.ElastiCache = &v1.ElastiCacheStatus{TestFailovers: append(statusTimes(other), metav1.NewTime(awssim.SimEpoch))}
	}
	f.withPolicies(other)

	o := f.Run(20, v1.PhaseBlocked)
	g.Expect(o.Reason).To(Equal(v1.ReasonTestFailoverBudgetExhausted))
	g.Expect(o.Message).To(ContainSubstring("needs 2"))
	g.Expect(*f.Policy.Status.ElastiCache.TestFailoverBudget).To(BeNumerically("==", 1))
	g.Expect(f.Mutations()).To(BeEmpty(), "no shard is tested when not all can be")

	f.Step(23 * time.Hour)
	o = f.Reconcile()
	g.Expect(o.Reason).To(Equal(v1.ReasonTestFailoverBudgetExhausted), o.Message)
	f.Step(time.Hour) // the other policy's calls are a day old now
	f.Run(500, v1.PhaseSucceeded)
	g.Expect(count(f.Mutations(), "TestFailover")).To(Equal(2))
}

func TestTheTestFailoverBudgetOfAnotherAccountIsNotThisOnes(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{shards: 2})
	f.Policy.Spec.Target.ElastiCache.TestFailover = true
	other := &v1.RemediationPolicy{ObjectMeta: metav1.ObjectMeta{Name: "catalog", Namespace: "default"},
		Spec: v1.RemediationPolicySpec{Target: v1.TargetSpec{ElastiCache: &v1.ElastiCacheTarget{ReplicationGroupID: "catalog"}}, Desired: v1.DesiredSpec{InstanceType: xlarge},
			AWS: &v1.AWSSpec{RoleARN: "arn:aws:iam::210987654321:role/cache-remediator-target"}}}
	for range 15 {
		other.Status.ElastiCache = &v1.ElastiCacheStatus{TestFailovers: append(statusTimes(other), metav1.NewTime(awssim.SimEpoch))}
	}
	f.withPolicies(other)

	f.Run(500, v1.PhaseSucceeded)
	g.Expect(count(f.Mutations(), "TestFailover")).To(Equal(2), "the other account's 15 failovers are its own quota's")
}

func statusTimes(p *v1.RemediationPolicy) []metav1.Time {
	if p.Status.ElastiCache == nil {
		return nil
	}
	return p.Status.ElastiCache.TestFailovers
}

func TestAQuotaRefusalFromElastiCacheWaitsAnHourInsteadOfRetrying(t *testing.T) {
	g := NewWithT(t)
	// Someone else used the account's quota but one: the controller believes it has 15.
	f := newFixture(t, fixtureOptions{shards: 2, accountQuota: 1})
	f.Policy.Spec.Target.ElastiCache.TestFailover = true
	o := f.Run(200, v1.PhaseBlocked)
	g.Expect(o.Reason).To(Equal(v1.ReasonTestFailoverBudgetExhausted))
	refusedAt := f.Clock.Now()
	g.Expect(f.Policy.Status.ElastiCache.TestFailoverRefusedUntil.Time).To(Equal(refusedAt.Add(time.Hour)))
	g.Expect(*f.Policy.Status.ElastiCache.TestFailoverBudget).To(BeNumerically("==", 0))
	attempts := func() int { return f.Count("TestFailover") }
	g.Expect(attempts()).To(Equal(2), "the first shard's test went through, the second was refused")
	for f.Clock.Now().Add(10 * time.Minute).Before(refusedAt.Add(time.Hour)) {
		f.Step(10 * time.Minute)
		o = f.Reconcile()
		g.Expect(o.Reason).To(Equal(v1.ReasonTestFailoverBudgetExhausted))
	}
	g.Expect(attempts()).To(Equal(2), "nothing is asked again within the hour")
	f.Step(refusedAt.Add(time.Hour).Sub(f.Clock.Now()))
	f.Reconcile()
	g.Expect(attempts()).To(Equal(3), "asked again once the hour is over")
	g.Expect(count(f.Mutations(), "ModifyReplicationGroup")).To(Equal(0), "the change waits for the test")
}

func TestARefusedChangeBlocksWithBackoffInsteadOfATightLoop(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{})
	f.Sim.Inject(awssim.Fault{Service: "elasticache", Action: "ModifyReplicationGroup", Fraction: 1, Status: http.StatusForbidden, Code: "AccessDenied"})
	o := f.Run(50, v1.PhaseBlocked)
	g.Expect(o.Reason).To(Equal(v1.ReasonAWSError))
	g.Expect(o.Message).To(ContainSubstring("AccessDenied"))
	g.Expect(o.Step.RetryAt.Time).To(Equal(f.Clock.Now().Add(timings.Backoff(1))))
	calls := func() int { return f.Count("ModifyReplicationGroup") }
	g.Expect(calls()).To(Equal(1))
	for range 5 {
		f.Step(time.Second)
		g.Expect(f.Reconcile().Reason).To(Equal(v1.ReasonAWSError))
	}
	g.Expect(calls()).To(Equal(1), "nothing is tried again before the backoff ran out")
	f.Step(timings.Backoff(1))
	f.Reconcile()
	g.Expect(calls()).To(Equal(2))
}
