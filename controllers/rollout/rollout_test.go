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
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/health"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
)

func ok(gate, id string) health.Result { return health.Result{Gate: gate, InstanceID: id, OK: true} }
func bad(gate, id, reason string) health.Result {
	return health.Result{Gate: gate, InstanceID: id, Reason: reason, Message: reason}
}

// remember runs results through the memory the way the reconciler does: each reconcile's gate state is
// stored (as the ledger's healthySince and the gate entries) and read back by the next.
type memory struct{ status v1.RemediationPolicyStatus }

func (m *memory) update(results []health.Result, now time.Time) rollout.GateState {
	s := rollout.RememberGates(m.status).Update(results, now)
	m.status.Gates = s.Gates
	m.status.Nodes = nil
	seen := map[string]bool{}
	for _, r := range results {
		if r.InstanceID != "" && !seen[r.InstanceID] {
			seen[r.InstanceID] = true
			m.status.Nodes = append(m.status.Nodes, v1.NodeStatus{InstanceID: r.InstanceID, HealthySince: s.HealthySince(r.InstanceID)})
		}
	}
	return s
}

func TestARestartNoLookSawStartsTheNodesStableForAgain(t *testing.T) {
	g := NewWithT(t)
	clock := clocktesting.NewFakeClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	m := &memory{}
	never := func(health.Result) bool { return false }
	m.update([]health.Result{ok(health.GateInService, "i-a"), ok(health.GateRedisReplication, "i-a")}, clock.Now())
	clock.Step(time.Minute)

	// Between two looks (the controller was down), i-a's redis-server crashed and came back 2 s ago: every
	// look saw it healthy, but its process says it has run for 2 s only.
	restarted := ok(health.GateRedisReplication, "i-a")
	restarted.NotBefore = clock.Now().Add(-2 * time.Second)
	s := m.update([]health.Result{ok(health.GateInService, "i-a"), restarted}, clock.Now())
	g.Expect(s.NodeSince["i-a"]).To(Equal(clock.Now().Add(-2*time.Second)), "healthy since the process started, not since the first look")
	r, stable := s.Stable(clock.Now(), 30*time.Second, never)
	g.Expect(stable).To(BeFalse())
	g.Expect(r.InstanceID).To(Equal("i-a"))

	// A process that has run longer than the memory remembers changes nothing.
	old := ok(health.GateRedisReplication, "i-a")
	old.NotBefore = clock.Now().Add(-time.Hour)
	s = m.update([]health.Result{ok(health.GateInService, "i-a"), old}, clock.Now())
	g.Expect(s.NodeSince["i-a"]).To(Equal(clock.Now().Add(-2 * time.Second)))
}

func TestGatesMustHoldForStableForAcrossReconciles(t *testing.T) {
	g := NewWithT(t)
	clock := clocktesting.NewFakeClock(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	m := &memory{}
	never := func(health.Result) bool { return false }
	healthy := []health.Result{ok(health.GateCapacity, ""), ok(health.GateInService, "i-a"), ok(health.GateRedisReplication, "i-a"), ok(health.GateInService, "i-b")}

	s := m.update(healthy, clock.Now())
	_, stable := s.Stable(clock.Now(), 30*time.Second, never)
	g.Expect(stable).To(BeFalse(), "a gate seen for the first time has held for no time")

	clock.Step(20 * time.Second)
	s = m.update(healthy, clock.Now())
	r, stable := s.Stable(clock.Now(), 30*time.Second, never)
	g.Expect(stable).To(BeFalse())
	g.Expect(r.Reason).To(Equal(rollout.ReasonHoldingForStableFor))
	g.Expect(s.StableAt(30*time.Second)).To(Equal(clock.Now().Add(10*time.Second)), "the wait ends when the last since plus stableFor comes")

	clock.Step(10 * time.Second)
	s = m.update(healthy, clock.Now())
	_, stable = s.Stable(clock.Now(), 30*time.Second, never)
	g.Expect(stable).To(BeTrue())

	// A node whose gate fails once starts its stableFor again.
	clock.Step(time.Second)
	s = m.update([]health.Result{ok(health.GateCapacity, ""), ok(health.GateInService, "i-a"), bad(health.GateRedisReplication, "i-a", "Syncing"), ok(health.GateInService, "i-b")}, clock.Now())
	r, stable = s.Stable(clock.Now(), 30*time.Second, never)
	g.Expect(stable).To(BeFalse())
	g.Expect(r.Gate).To(Equal(health.GateRedisReplication))
	g.Expect(r.Message).To(Equal("RedisReplication on i-a: Syncing"))
	clock.Step(time.Second)
	s = m.update(healthy, clock.Now())
	r, stable = s.Stable(clock.Now(), 30*time.Second, never)
	g.Expect(stable).To(BeFalse())
	g.Expect(r.InstanceID).To(Equal("i-a"), "i-b held all along; i-a is the one that has to hold again")
	g.Expect(s.NodeSince["i-b"]).To(Equal(clock.Now().Add(-32 * time.Second)))

	// A failing node that is exempt (a broken canary) does not block.
	s = m.update([]health.Result{ok(health.GateCapacity, ""), bad(health.GateInService, "i-c", "Pending")}, clock.Now().Add(time.Hour))
	_, stable = s.Stable(clock.Now().Add(time.Hour), 30*time.Second, func(r health.Result) bool { return r.InstanceID == "i-c" })
	g.Expect(stable).To(BeTrue())
}

func TestGateEntriesStayOnePerGateHoweverManyNodes(t *testing.T) {
	g := NewWithT(t)
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	var results []health.Result
	for i := range 500 {
		id := "i-" + string(rune('a'+i%26)) + time.Duration(i).String()
		results = append(results, ok(health.GateInService, id), ok(health.GateEC2Status, id), ok(health.GateRedisReplication, id))
	}
	results = append(results, bad(health.GateRedisReplication, "i-x", "Lagging"), ok(health.GateCapacity, ""))
	s := rollout.RememberGates(v1.RemediationPolicyStatus{}).Update(results, now)
	g.Expect(s.Gates).To(HaveLen(4))
	repl := s.Gates[2]
	g.Expect(repl.Name).To(Equal(health.GateRedisReplication))
	g.Expect(repl.Status).To(Equal(metav1.ConditionFalse))
	g.Expect(repl.Nodes).To(Equal(int32(501)))
	g.Expect(repl.FailingNodes).To(Equal(int32(1)))
	g.Expect(repl.InstanceID).To(Equal("i-x"))
	g.Expect(s.NodeSince).To(HaveLen(500), "every node but the failing one holds")
}

func TestBackoffDoublesFromTheBlockedIntervalUpToIdle(t *testing.T) {
	g := NewWithT(t)
	t0 := rollout.Timings{Transition: time.Second, Blocked: 30 * time.Second, Idle: 10 * time.Minute}
	g.Expect(t0.Backoff(1)).To(Equal(30 * time.Second))
	g.Expect(t0.Backoff(2)).To(Equal(time.Minute))
	g.Expect(t0.Backoff(3)).To(Equal(2 * time.Minute))
	g.Expect(t0.Backoff(10)).To(Equal(10 * time.Minute))
	spread := map[time.Duration]bool{}
	for range 100 {
		j := t0.Jitter(time.Minute)
		g.Expect(j).To(BeNumerically(">=", time.Minute))
		g.Expect(j).To(BeNumerically("<=", time.Minute+6*time.Second))
		spread[j] = true
		g.Expect(t0.Jitter(20*time.Second)).To(Equal(20*time.Second), "a moving policy's look when something is due stays exact")
	}
	g.Expect(len(spread)).To(BeNumerically(">", 1), "waits of the blocked interval and longer are spread")
}

func policy(name string, created time.Time, groups ...string) v1.RemediationPolicy {
	return v1.RemediationPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID("uid-" + name), CreationTimestamp: metav1.NewTime(created)},
		Spec:       v1.RemediationPolicySpec{Target: v1.TargetSpec{AutoScalingGroups: &v1.AutoScalingGroupsTarget{Names: groups}}},
	}
}

func TestFindConflict(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	first := policy("first", t0, "a", "b")
	second := policy("second", t0.Add(time.Minute), "b", "c")
	sameTime := policy("aaa", t0.Add(time.Minute), "c")
	deleting := policy("deleting", t0.Add(-time.Hour), "d")
	now := metav1.NewTime(t0)
	deleting.DeletionTimestamp = &now
	late := policy("late", t0.Add(time.Hour), "d")
	ec := v1.RemediationPolicy{ObjectMeta: metav1.ObjectMeta{Name: "ec", Namespace: "ns", UID: "ec", CreationTimestamp: metav1.NewTime(t0)},
		Spec: v1.RemediationPolicySpec{Target: v1.TargetSpec{ElastiCache: &v1.ElastiCacheTarget{ReplicationGroupID: "Sessions"}}}}
	ecLate := ec.DeepCopy()
	ecLate.Name, ecLate.UID, ecLate.CreationTimestamp = "ec-late", "ec-late", metav1.NewTime(t0.Add(time.Second))
	ecLate.Spec.Target.ElastiCache.ReplicationGroupID = "sessions"
	all := []v1.RemediationPolicy{first, second, sameTime, deleting, late, ec, *ecLate}
	cases := []struct {
		name  string
		of    v1.RemediationPolicy
		owner string
		key   string
	}{
		{"the earlier policy owns a shared group: it has no conflict", first, "", ""},
		{"the later policy loses the shared group to the earlier", second, "first", "asg/b"},
		{"of two policies created in the same second, the name decides", second, "first", "asg/b"},
		{"a policy being deleted keeps owning its groups until it is gone", late, "deleting", "asg/d"},
		{"replication group ids are compared without case", *ecLate, "ec", "elasticache/sessions"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			conflict := rollout.FindConflict(all, &c.of)
			if c.owner == "" {
				g.Expect(conflict).To(BeNil())
				return
			}
			g.Expect(conflict).NotTo(BeNil())
			g.Expect(conflict.Owner.Name).To(Equal(c.owner))
			g.Expect(conflict.Key).To(Equal(c.key))
		})
	}
	t.Run("of two policies created in the same second on one group, the later name loses", func(t *testing.T) {
		g := NewWithT(t)
		other := policy("zzz", t0.Add(time.Minute), "c")
		g.Expect(rollout.FindConflict([]v1.RemediationPolicy{sameTime, other}, &other).Owner.Name).To(Equal("aaa"))
		g.Expect(rollout.FindConflict([]v1.RemediationPolicy{sameTime, other}, &sameTime)).To(BeNil())
	})
	t.Run("the loser's message says when the owner is not opted in either", func(t *testing.T) {
		g := NewWithT(t)
		conflict := rollout.FindConflict(all, &second)
		g.Expect(conflict.Message("auto scaling group", "ns.first")).NotTo(ContainSubstring("not opted in"))
		g.Expect(conflict.Message("auto scaling group", "ns.second")).To(ContainSubstring(`ns/first is not opted in either: the auto scaling group's tag cache-remediator.io/policy is "ns.second", not "ns.first"`))
	})
}

func TestRetarget(t *testing.T) {
	goal := v1.ImageAndType{ImageID: "ami-2", InstanceType: "r6g.large"}
	lastGood := v1.ImageAndType{ImageID: "ami-1", InstanceType: "r6g.large"}
	spec := func(rollback bool) v1.RemediationPolicySpec {
		return v1.RemediationPolicySpec{Desired: v1.DesiredSpec{ImageID: goal.ImageID, InstanceType: goal.InstanceType},
			Strategy: v1.StrategySpec{RollbackOnFailure: rollback}}
	}
	failed := &v1.FailedTarget{Goal: goal, Generation: 3, Reason: v1.ReasonNodeTimeout, Message: "boom"}
	cases := []struct {
		name    string
		spec    v1.RemediationPolicySpec
		gen     int64
		failed  *v1.FailedTarget
		purpose v1.StepPurpose
		goal    v1.ImageAndType
		halted  bool
	}{
		{"with nothing failed, it goes to spec.desired", spec(false), 3, nil, v1.PurposeRollout, goal, false},
		{"with desired failed at this generation and rollback asked, it goes back to lastGood", spec(true), 3, failed, v1.PurposeRollback, lastGood, false},
		{"with desired failed at this generation and no rollback, it halts", spec(false), 3, failed, "", goal, true},
		{"with desired failed at an older generation, it tries desired again", spec(true), 4, failed, v1.PurposeRollout, goal, false},
		{"with the rollback failed too, it halts", spec(true), 3, &v1.FailedTarget{Goal: goal, Generation: 3, RollbackFailed: true}, "", goal, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			d := rollout.Retarget(c.spec, c.gen, c.failed, &lastGood)
			g.Expect(d.Halted != nil).To(Equal(c.halted))
			if c.halted {
				g.Expect(d.Halted.Phase).To(Equal(v1.PhaseFailed))
				g.Expect(d.Halted.Message).To(ContainSubstring(v1.AnnotationRetry))
				return
			}
			g.Expect(d.Purpose).To(Equal(c.purpose))
			g.Expect(d.Goal).To(Equal(c.goal))
		})
	}
}
