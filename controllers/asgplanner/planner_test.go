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

package asgplanner_test

import (
	"errors"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/asgobservation"
	planner "github.com/cache-remediator/cache-remediator/controllers/asgplanner"
	"github.com/cache-remediator/cache-remediator/controllers/health"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
	"github.com/cache-remediator/cache-remediator/controllers/schedule"
)

var (
	now     = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	oldGoal = v1.ImageAndType{ImageID: "ami-0000000a", InstanceType: "r6g.large"}
	newGoal = v1.ImageAndType{ImageID: "ami-0000000b", InstanceType: "r6g.xlarge"}
)

// node builds an InService, healthy Redis node running img in group g (zone = g's letter). Nodes on the old
// goal were launched an hour ago, nodes on another goal ten minutes ago (they replaced old ones).
func node(id, g string, img v1.ImageAndType, primary bool) asgobservation.Node {
	info := health.RedisInfo{Role: "slave", MasterHost: "127.0.0.1", MasterLinkUp: true, ReplOffset: 100}
	ip := "127.0.0.2"
	if primary {
		info, ip = health.RedisInfo{Role: "master", ReplOffset: 100}, "127.0.0.1"
	}
	n := asgobservation.Node{InstanceID: id, Group: g, Zone: "us-east-1" + g[len(g)-1:], PrivateIP: ip, ImageID: img.ImageID,
		InstanceType: img.InstanceType, LifecycleState: "InService", EC2Status: "ok", LaunchedAt: now.Add(-time.Hour), Redis: &info}
	if img != oldGoal {
		n.LaunchedAt = now.Add(-10 * time.Minute)
	}
	n.Gates = asgobservation.NodeGates(n, redisHealth(), 100)
	return n
}

func redisHealth() v1.HealthSpec { return v1.HealthSpec{Redis: &v1.RedisHealth{}} }

func spec() v1.RemediationPolicySpec {
	return v1.RemediationPolicySpec{
		Target:  v1.TargetSpec{AutoScalingGroups: &v1.AutoScalingGroupsTarget{Names: []string{"c-a", "c-b", "c-c"}}},
		Desired: v1.DesiredSpec{ImageID: newGoal.ImageID, InstanceType: newGoal.InstanceType},
		Health:  redisHealth(),
		// Most cases are about one replacement; the canary cases turn it on.
		Strategy: v1.StrategySpec{Canary: v1.CanarySpec{Nodes: ptr(int32(0))}},
	}
}

// cluster builds a 3-group cluster (primary in c-a) whose groups launch launches.
func cluster(launches v1.ImageAndType, nodes ...asgobservation.Node) *asgobservation.Cluster {
	c := &asgobservation.Cluster{Now: now, Nodes: nodes}
	for i, name := range []string{"c-a", "c-b", "c-c"} {
		c.Groups = append(c.Groups, asgobservation.Group{Name: name, Zones: []string{"us-east-1" + name[2:]}, Desired: 1, Max: 2, Position: i,
			Launch: asgobservation.LaunchSource{TemplateID: "lt-1", Version: "7", ImageID: launches.ImageID, InstanceType: launches.InstanceType}})
	}
	c.ClusterGates = []health.Result{{Gate: health.GateCapacity, OK: true}, {Gate: health.GateSinglePrimary, OK: true}}
	return c
}

func allOld() []asgobservation.Node {
	return []asgobservation.Node{node("i-a", "c-a", oldGoal, true), node("i-b", "c-b", oldGoal, false), node("i-c", "c-c", oldGoal, false)}
}

// held is the gate memory of a cluster whose every node and cluster gate held since d ago.
func held(c *asgobservation.Cluster, d time.Duration) rollout.GateState {
	since := metav1.NewTime(now.Add(-d))
	var st v1.RemediationPolicyStatus
	for _, n := range c.Nodes {
		st.Nodes = append(st.Nodes, v1.NodeStatus{InstanceID: n.InstanceID, HealthySince: &since})
	}
	for _, r := range c.ClusterGates {
		st.Gates = append(st.Gates, v1.GateResult{Name: r.Gate, Status: metav1.ConditionTrue, Since: &since})
	}
	return rollout.RememberGates(st).Update(c.AllGates(), now)
}

// booting is a replacement of i-b launching (not InService yet) started ago after its step started, in a
// rollout whose fastest replacement took fastest.
func booting(fastest *metav1.Duration, started time.Duration) planner.Input {
	b := node("i-b2", "c-b", newGoal, false)
	b.LifecycleState, b.Redis = "Pending", nil
	b.Gates = asgobservation.NodeGates(b, redisHealth(), 100)
	in := input(cluster(newGoal, node("i-a", "c-a", oldGoal, true), b, node("i-c", "c-c", oldGoal, false)))
	in.Record = &v1.RolloutRecord{Goal: newGoal, FastestReplacement: fastest}
	in.Step = step(v1.StepReplaceNode, "i-b", "c-b", now.Add(-started))
	in.Step.ActionTaken = true
	return in
}

// nightly is a window from 02:00 to 04:00 in Berlin: closed at now (12:00 UTC).
var nightly = schedule.Window{Cron: "0 2 * * *", Duration: 2 * time.Hour, TimeZone: "Europe/Berlin"}

// window is the state at now of a schedule of windows.
func window(windows ...schedule.Window) *schedule.Status {
	s, err := schedule.New(nil, windows)
	if err != nil {
		panic(err)
	}
	st := s.Evaluate(now)
	return &st
}

// input plans toward newGoal; the gates have held for an hour unless a case says otherwise (see TestPlan).
func input(c *asgobservation.Cluster) planner.Input {
	return planner.Input{Spec: spec(), Generation: 1, Cluster: c, Now: now}
}

// step is a step started at started on node id of group, toward newGoal; the group's newest instance then
// was launched an hour ago.
func step(t v1.StepType, id, group string, started time.Time) *v1.StepStatus {
	s := &v1.StepStatus{Type: t, Purpose: v1.PurposeRollout, Goal: newGoal, InstanceID: id, Group: group, StartedAt: metav1.NewTime(started)}
	if group != "" {
		s.ASG = &v1.ASGStepStatus{LaunchedAfter: ptr(metav1.NewTime(now.Add(-time.Hour)))}
	}
	return s
}

// goal sets spec.desired.
func goal(in *planner.Input, g v1.ImageAndType) {
	in.Spec.Desired = v1.DesiredSpec{ImageID: g.ImageID, InstanceType: g.InstanceType}
}

// planCase is a case of a planner table: a sentence, the input, what the decision must be.
type planCase struct {
	name   string
	input  func() planner.Input
	expect func(g Gomega, d planner.Decision)
}

// runPlanCases plans each case's input, the gates having held for an hour unless the case says otherwise.
func runPlanCases(t *testing.T, cases []planCase) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			in := c.input()
			if in.Gates.NodeSince == nil {
				in.Gates = held(in.Cluster, time.Hour)
			}
			c.expect(g, planner.Plan(in))
		})
	}
}

func TestPlan(t *testing.T) {
	cases := []planCase{
		{"when the groups still launch the old AMI, it prepares a launch template version first and looks again right after", func() planner.Input {
			return input(cluster(oldGoal, allOld()...))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.RequeueAfter).To(Equal(rollout.DefaultTimings.Transition/10), "the version and the groups' settings are there as soon as AWS answers")
			g.Expect(d.Action).To(Equal(planner.ActionPrepareLaunchTemplate))
			g.Expect(d.Step.Type).To(Equal(v1.StepPrepareLaunchTemplate))
			g.Expect(d.Phase).To(Equal(v1.PhaseProgressing))
		}},
		{"when a group follows $Latest that already launches the goal, it needs no new version and replaces at once", func() planner.Input {
			c := cluster(newGoal, allOld()...)
			c.Groups[1].Launch.Version = "$Latest"
			return input(c)
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionTerminate))
		}},
		{"when no maintenance window is open, a replacement that is due waits, paused, and says when the window opens", func() planner.Input {
			in := input(cluster(newGoal, allOld()...))
			in.Window = window(nightly)
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Step).To(BeNil())
			g.Expect(d.Phase).To(Equal(v1.PhasePaused))
			g.Expect(d.Reason).To(Equal(v1.ReasonOutsideMaintenanceWindow))
			g.Expect(d.Message).To(ContainSubstring("the next one opens at 2026-11-22T02:00:00+01:00 (Europe/Berlin); then: replacing i-b"))
			g.Expect(d.RequeueAfter).To(Equal(rollout.DefaultTimings.Idle), "the window opens in 13h: the idle requeue comes first")
		}},
		{"when the window opens within the idle requeue, the policy wakes when it opens", func() planner.Input {
			in := input(cluster(newGoal, allOld()...))
			in.Window = window(schedule.Window{Cron: "5 12 * * *", Duration: time.Hour})
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Reason).To(Equal(v1.ReasonOutsideMaintenanceWindow))
			g.Expect(d.RequeueAfter).To(Equal(5 * time.Minute))
		}},
		{"inside a maintenance window a replacement starts", func() planner.Input {
			in := input(cluster(newGoal, allOld()...))
			in.Window = window(schedule.Window{Cron: "0 12 * * *", Duration: time.Hour})
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionTerminate))
		}},
		{"outside the window, a replacement in flight is watched to its end and the next one waits", func() planner.Input {
			b := node("i-b2", "c-b", newGoal, false)
			in := input(cluster(newGoal, node("i-a", "c-a", oldGoal, true), b, node("i-c", "c-c", oldGoal, false)))
			in.Step = step(v1.StepReplaceNode, "i-b", "c-b", now.Add(-5*time.Minute))
			in.Step.ActionTaken = true
			since := metav1.NewTime(now.Add(-31 * time.Second))
			in.Step.HealthySince = &since
			in.Window = window(nightly)
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Completed).NotTo(BeNil(), "the replacement finished")
			g.Expect(d.Completed.InstanceID).To(Equal("i-b"))
			g.Expect(d.Step).To(BeNil(), "the next replacement does not start")
			g.Expect(d.Reason).To(Equal(v1.ReasonOutsideMaintenanceWindow))
		}},
		{"outside the window, a hand-off that completed does not go on to replace the former primary", func() planner.Input {
			in := input(cluster(newGoal, node("i-a", "c-a", oldGoal, false), node("i-b", "c-b", newGoal, true), node("i-c", "c-c", newGoal, false)))
			in.Step = step(v1.StepHandOffPrimary, "i-a", "c-a", now.Add(-time.Minute))
			in.Step.HandOffTo, in.Step.ActionTaken = "i-b", true
			in.Record = &v1.RolloutRecord{Goal: newGoal}
			in.Window = window(nightly)
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Completed).NotTo(BeNil())
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Step).To(BeNil())
			g.Expect(d.Reason).To(Equal(v1.ReasonOutsideMaintenanceWindow))
		}},
		{"when only one group launches another AMI, it prepares that group alone", func() planner.Input {
			c := cluster(newGoal, allOld()...)
			c.Groups[1].Launch.ImageID = oldGoal.ImageID
			return input(c)
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionPrepareLaunchTemplate))
			g.Expect(d.Message).To(Equal("pointing c-b at a launch template version with " + newGoal.String()))
		}},
		{"when a gate fails, it prepares no launch template version: nothing is mutated before a replacement can start", func() planner.Input {
			b := node("i-b", "c-b", oldGoal, false)
			b.Redis.SyncInProgress = true
			b.Gates = asgobservation.NodeGates(b, redisHealth(), 100)
			return input(cluster(oldGoal, node("i-a", "c-a", oldGoal, true), b, node("i-c", "c-c", oldGoal, false)))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Phase).To(Equal(v1.PhaseBlocked))
		}},
		{"when the gates have not held for stableFor, it prepares no launch template version yet", func() planner.Input {
			in := input(cluster(oldGoal, allOld()...))
			in.Gates = held(in.Cluster, 0)
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Step).To(BeNil())
		}},
		{"when the cluster has no instances, it blocks saying so and is never Succeeded", func() planner.Input {
			return input(cluster(oldGoal))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Phase).To(Equal(v1.PhaseBlocked))
			g.Expect(d.Reason).To(Equal(v1.ReasonNoNodes))
			g.Expect(d.Message).To(ContainSubstring("have no instances"))
		}},
		{"when every node already runs the goal and the groups launch it through $Default, it succeeds without any action", func() planner.Input {
			c := cluster(newGoal, node("i-a", "c-a", newGoal, true), node("i-b", "c-b", newGoal, false), node("i-c", "c-c", newGoal, false))
			for i := range c.Groups {
				c.Groups[i].Launch.Version = "$Default"
			}
			return input(c)
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Step).To(BeNil())
			g.Expect(d.Phase).To(Equal(v1.PhaseSucceeded))
			g.Expect(d.Message).To(Equal("all 3 nodes run " + newGoal.String() + " and are healthy"))
		}},
		{"when every node runs the goal but a group would launch another AMI, it points the group at the goal", func() planner.Input {
			c := cluster(newGoal, node("i-a", "c-a", newGoal, true), node("i-b", "c-b", newGoal, false), node("i-c", "c-c", newGoal, false))
			c.Groups[2].Launch.ImageID = oldGoal.ImageID
			return input(c)
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionPrepareLaunchTemplate))
		}},
		{"when the canary asks for as many nodes as the cluster has, it blocks with a reason rather than skip the canary", func() planner.Input {
			in := input(cluster(newGoal, allOld()...))
			in.Spec.Strategy.Canary.Nodes = ptr(int32(3))
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Phase).To(Equal(v1.PhaseBlocked))
			g.Expect(d.Reason).To(Equal(v1.ReasonInvalidSpec))
			g.Expect(d.Degraded).To(BeTrue())
			g.Expect(d.Message).To(ContainSubstring("strategy.canary.nodes is 3 but the cluster has 3 nodes"))
		}},
		{"when canaryZone is not a zone of the groups, it blocks with a reason rather than skip the canary", func() planner.Input {
			in := input(cluster(newGoal, allOld()...))
			in.Spec.Strategy.Canary.Nodes = ptr(int32(1))
			in.Spec.Target.AutoScalingGroups.CanaryZone = "us-east-1z"
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Reason).To(Equal(v1.ReasonInvalidSpec))
			g.Expect(d.Message).To(ContainSubstring("canaryZone us-east-1z is not a zone of the groups (us-east-1a, us-east-1b, us-east-1c)"))
		}},
		{"when the groups launch the goal, it replaces a replica in the canary zone first", func() planner.Input {
			return input(cluster(newGoal, node("i-c", "c-c", oldGoal, false), node("i-b", "c-b", oldGoal, false), node("i-a", "c-a", oldGoal, true), node("i-a2", "c-a", oldGoal, false)))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionTerminate))
			g.Expect(d.Step.InstanceID).To(Equal("i-a2"))
			g.Expect(d.Step.ASG.LaunchedAfter.Time).To(Equal(now.Add(-time.Hour)), "the launch time of the group's newest instance")
			g.Expect(d.RequeueAfter).To(Equal(rollout.DefaultTimings.Transition), "a launch is polled at the transition interval")
		}},
		{"when canaryZone names another zone, that zone's replica goes first", func() planner.Input {
			in := input(cluster(newGoal, allOld()...))
			in.Spec.Target.AutoScalingGroups.CanaryZone = "us-east-1c"
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Step.InstanceID).To(Equal("i-c"))
		}},
		{"when only the primary is outdated, it hands the primary role off before replacing it", func() planner.Input {
			return input(cluster(newGoal, node("i-a", "c-a", oldGoal, true), node("i-b2", "c-b", newGoal, false), node("i-c2", "c-c", newGoal, false)))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionHandOff))
			g.Expect(d.Step.Type).To(Equal(v1.StepHandOffPrimary))
			g.Expect(d.Step.InstanceID).To(Equal("i-a"))
			g.Expect(d.Step.HandOffTo).To(BeElementOf("i-b2", "i-c2"), "the decision carries the replica the role goes to")
		}},
		{"when the outdated primary has no healthy replica, it blocks rather than lose data", func() planner.Input {
			b := node("i-b2", "c-b", newGoal, false)
			b.Redis.MasterLinkUp = false
			b.Gates = asgobservation.NodeGates(b, redisHealth(), 100)
			c := cluster(newGoal, node("i-a", "c-a", oldGoal, true), b)
			c.Groups = c.Groups[:2]
			in := input(c)
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Phase).To(Equal(v1.PhaseBlocked))
		}},
		{"when a replica is syncing, it blocks with the gate's reason and touches nothing", func() planner.Input {
			b := node("i-b", "c-b", oldGoal, false)
			b.Redis.SyncInProgress = true
			b.Gates = asgobservation.NodeGates(b, redisHealth(), 100)
			return input(cluster(newGoal, node("i-a", "c-a", oldGoal, true), b, node("i-c", "c-c", oldGoal, false)))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Step).To(BeNil())
			g.Expect(d.Phase).To(Equal(v1.PhaseBlocked))
			g.Expect(d.Reason).To(Equal(v1.ReasonGateBlocked))
			g.Expect(d.Message).To(ContainSubstring("RedisReplication on i-b"))
		}},
		{"when a replica lags more than allowed, it blocks", func() planner.Input {
			b := node("i-b", "c-b", oldGoal, false)
			b.Redis.ReplOffset = 0
			b.Gates = asgobservation.NodeGates(b, v1.HealthSpec{Redis: &v1.RedisHealth{MaxReplicationLagBytes: ptr(int64(10))}}, 100)
			return input(cluster(newGoal, node("i-a", "c-a", oldGoal, true), b, node("i-c", "c-c", oldGoal, false)))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Phase).To(Equal(v1.PhaseBlocked))
			g.Expect(d.Message).To(ContainSubstring("100 bytes behind"))
		}},
		{"when a BGSAVE runs on the primary, it blocks", func() planner.Input {
			a := node("i-a", "c-a", oldGoal, true)
			a.Redis.BGSaveInProgress = true
			a.Gates = asgobservation.NodeGates(a, redisHealth(), 100)
			return input(cluster(newGoal, a, node("i-b", "c-b", oldGoal, false), node("i-c", "c-c", oldGoal, false)))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Phase).To(Equal(v1.PhaseBlocked))
			g.Expect(d.Message).To(ContainSubstring("BGSAVE"))
		}},
		{"when the capacity is incomplete, it blocks", func() planner.Input {
			c := cluster(newGoal, allOld()...)
			c.ClusterGates[0] = health.Result{Gate: health.GateCapacity, Reason: "CapacityIncomplete", Message: "group c-b has 0 of 1 instances InService"}
			return input(c)
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Phase).To(Equal(v1.PhaseBlocked))
			g.Expect(d.Message).To(ContainSubstring("0 of 1"))
		}},
		{"when the gates hold but not yet for stableFor, it waits without acting, says so, and looks again when they can have held", func() planner.Input {
			in := input(cluster(newGoal, allOld()...))
			in.Gates = held(in.Cluster, 25*time.Second)
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Phase).To(Equal(v1.PhaseProgressing))
			g.Expect(d.Message).To(ContainSubstring("hold for 30s"))
			g.Expect(d.RequeueAfter).To(Equal(5*time.Second), "30s stableFor minus the 25s held")
		}},
		{"when every node runs the goal and the rollout created launch template versions, it cleans up once before reporting success", func() planner.Input {
			in := input(cluster(newGoal, node("i-a", "c-a", newGoal, true), node("i-b", "c-b", newGoal, false), node("i-c", "c-c", newGoal, false)))
			in.CleanupDue = true
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionCleanup))
			g.Expect(d.Step.Type).To(Equal(v1.StepCleanup))
		}},
		{"when the cleanup's action was taken, it says nothing is due any more and the rollout has succeeded", func() planner.Input {
			in := input(cluster(newGoal, node("i-a", "c-a", newGoal, true), node("i-b", "c-b", newGoal, false), node("i-c", "c-c", newGoal, false)))
			in.CleanupDue = true
			in.Step = step(v1.StepCleanup, "", "", now.Add(-time.Second))
			in.Step.ActionTaken, in.Step.Message = true, "cleaned up: deleted versions 1 of launch template lt-1"
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.CleanedUp).To(BeTrue())
			g.Expect(d.Completed.Message).To(Equal("cleaned up: deleted versions 1 of launch template lt-1"), "the event says what was deleted")
			g.Expect(d.Phase).To(Equal(v1.PhaseSucceeded))
		}},
		{"when AWS refused the cleanup, the rollout is still Succeeded and the cleanup waits for its backoff", func() planner.Input {
			in := input(cluster(newGoal, node("i-a", "c-a", newGoal, true), node("i-b", "c-b", newGoal, false), node("i-c", "c-c", newGoal, false)))
			in.CleanupDue = true
			in.Step = step(v1.StepCleanup, "", "", now.Add(-time.Hour))
			in.Step.RetryAt, in.Step.Attempts, in.Step.Message = ptr(metav1.NewTime(now.Add(time.Minute))), 2, "Cleanup was refused by AWS: AccessDenied"
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.FailedTarget).To(BeNil(), "nodeTimeout bounds replacements only")
			g.Expect(d.Phase).To(Equal(v1.PhaseSucceeded))
			g.Expect(d.Reason).To(Equal(v1.ReasonUpToDate))
			g.Expect(d.Message).To(ContainSubstring("tried again at"))
			g.Expect(d.RequeueAfter).To(Equal(time.Minute))
		}},
		{"when a refused cleanup's backoff ran out, it tries again", func() planner.Input {
			in := input(cluster(newGoal, node("i-a", "c-a", newGoal, true), node("i-b", "c-b", newGoal, false), node("i-c", "c-c", newGoal, false)))
			in.CleanupDue = true
			in.Step = step(v1.StepCleanup, "", "", now.Add(-time.Hour))
			in.Step.RetryAt = ptr(metav1.NewTime(now.Add(-time.Second)))
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionCleanup))
		}},
		{"when every node runs the goal, is healthy and nothing is due, the rollout has succeeded", func() planner.Input {
			return input(cluster(newGoal, node("i-a", "c-a", newGoal, true), node("i-b", "c-b", newGoal, false), node("i-c", "c-c", newGoal, false)))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Phase).To(Equal(v1.PhaseSucceeded))
			g.Expect(d.Reason).To(Equal(v1.ReasonUpToDate))
			g.Expect(d.RequeueAfter).To(Equal(rollout.DefaultTimings.Idle))
		}},
		{"when the policy is paused and nothing is in flight, it starts nothing", func() planner.Input {
			in := input(cluster(newGoal, allOld()...))
			in.Paused, in.PausedBy = true, v1.ReasonPausedBySpec
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Phase).To(Equal(v1.PhasePaused))
		}},
		{"when the goal failed before at this generation, it does not retry", func() planner.Input {
			in := input(cluster(newGoal, allOld()...))
			in.FailedTarget = &v1.FailedTarget{Goal: newGoal, Generation: 1, Reason: v1.ReasonNodeTimeout}
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Phase).To(Equal(v1.PhaseFailed))
			g.Expect(d.Reason).To(Equal(v1.ReasonNodeTimeout))
			g.Expect(d.Message).To(ContainSubstring("set the remediation.cache-remediator.io/retry annotation"))
		}},
		{"when the goal failed at an older generation, it tries again", func() planner.Input {
			in := input(cluster(newGoal, allOld()...))
			in.FailedTarget = &v1.FailedTarget{Goal: newGoal, Generation: 0}
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionTerminate))
		}},
		{"when a replacement step's termination was not recorded and the node still serves, it terminates", func() planner.Input {
			in := input(cluster(newGoal, allOld()...))
			in.Step = step(v1.StepReplaceNode, "i-b", "c-b", now.Add(-time.Second))
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionTerminate))
			g.Expect(d.Step.InstanceID).To(Equal("i-b"))
		}},
		{"when AWS refused a termination and its backoff has not run out, it blocks without acting", func() planner.Input {
			in := input(cluster(newGoal, allOld()...))
			in.Step = step(v1.StepReplaceNode, "i-b", "c-b", now.Add(-time.Second))
			in.Step.RetryAt, in.Step.Message = ptr(metav1.NewTime(now.Add(30*time.Second))), "TerminateNode was refused by AWS: AccessDenied"
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Phase).To(Equal(v1.PhaseBlocked))
			g.Expect(d.Reason).To(Equal(v1.ReasonAWSError))
			g.Expect(d.Message).To(Equal("TerminateNode was refused by AWS: AccessDenied"))
			g.Expect(d.RequeueAfter).To(Equal(30 * time.Second))
			g.Expect(d.Step.InstanceID).To(Equal("i-b"), "the step stays")
		}},
		{"when a refused termination's backoff ran out, it terminates again", func() planner.Input {
			in := input(cluster(newGoal, allOld()...))
			in.Step = step(v1.StepReplaceNode, "i-b", "c-b", now.Add(-time.Minute))
			in.Step.RetryAt = ptr(metav1.NewTime(now))
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionTerminate))
		}},
		{"when a replacement step's termination went through before a crash, it does not terminate again", func() planner.Input {
			b := node("i-b", "c-b", oldGoal, false)
			b.LifecycleState, b.Gates = "Terminating", nil
			in := input(cluster(newGoal, node("i-a", "c-a", oldGoal, true), b, node("i-c", "c-c", oldGoal, false)))
			in.Step = step(v1.StepReplaceNode, "i-b", "c-b", now.Add(-time.Second))
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Step.ActionTaken).To(BeTrue())
			g.Expect(d.Step.Message).To(ContainSubstring("waiting for c-b to launch a replacement"))
		}},
		{"when the replacement is healthy but not yet for stableFor, it records since when and waits", func() planner.Input {
			in := input(cluster(newGoal, node("i-a", "c-a", oldGoal, true), node("i-b2", "c-b", newGoal, false), node("i-c", "c-c", oldGoal, false)))
			in.Step = step(v1.StepReplaceNode, "i-b", "c-b", now.Add(-time.Minute))
			in.Step.ActionTaken = true
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Step.ReplacementInstanceID).To(Equal("i-b2"))
			g.Expect(d.Step.HealthySince.Time).To(Equal(now))
			g.Expect(d.Completed).To(BeNil())
		}},
		{"until a replacement of the rollout has been seen healthy, a booting one is looked at every Transition", func() planner.Input {
			return booting(nil, 30*time.Second)
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.RequeueAfter).To(Equal(rollout.DefaultTimings.Transition))
		}},
		{"once a replacement took 2m to be healthy, the next is looked at a quarter Transition before 2m after its step started, not polled", func() planner.Input {
			return booting(&metav1.Duration{Duration: 2 * time.Minute}, 30*time.Second)
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.RequeueAfter).To(Equal(90*time.Second - rollout.DefaultTimings.Transition/4))
			g.Expect(d.Action).To(Equal(planner.ActionNone))
		}},
		{"a replacement due by the fastest one's time is looked at often", func() planner.Input {
			return booting(&metav1.Duration{Duration: 2 * time.Minute}, 2*time.Minute-time.Second)
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.RequeueAfter).To(Equal(rollout.DefaultTimings.Transition / 10))
		}},
		{"a replacement long past the fastest one's time is looked at every Transition again", func() planner.Input {
			return booting(&metav1.Duration{Duration: 2 * time.Minute}, 5*time.Minute)
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.RequeueAfter).To(Equal(rollout.DefaultTimings.Transition))
		}},
		{"a replacement faster than any before it records its time as the rollout's fastest", func() planner.Input {
			c := cluster(newGoal, node("i-a", "c-a", oldGoal, true), node("i-b2", "c-b", newGoal, false), node("i-c", "c-c", oldGoal, false))
			in := input(c)
			in.Record = &v1.RolloutRecord{Goal: newGoal, FastestReplacement: &metav1.Duration{Duration: 3 * time.Minute}}
			in.Step = step(v1.StepReplaceNode, "i-b", "c-b", now.Add(-2*time.Minute))
			in.Step.ActionTaken = true
			since := metav1.NewTime(now.Add(-31 * time.Second))
			in.Step.HealthySince = &since
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Completed.InstanceID).To(Equal("i-b"))
			g.Expect(d.Record.FastestReplacement.Duration).To(Equal(2*time.Minute - 31*time.Second))
		}},
		{"when the replacement has been healthy for stableFor, the step completes and the next node starts", func() planner.Input {
			c := cluster(newGoal, node("i-a", "c-a", oldGoal, true), node("i-b2", "c-b", newGoal, false), node("i-c", "c-c", oldGoal, false))
			in := input(c)
			in.Step = step(v1.StepReplaceNode, "i-b", "c-b", now.Add(-time.Minute))
			in.Step.ActionTaken = true
			since := metav1.NewTime(now.Add(-31 * time.Second))
			in.Step.HealthySince = &since
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Completed.InstanceID).To(Equal("i-b"))
			g.Expect(d.Action).To(Equal(planner.ActionTerminate))
			g.Expect(d.Step.InstanceID).To(Equal("i-c"))
		}},
		{"when a node of the group that was already there runs the goal, it is not taken for the replacement", func() planner.Input {
			c := cluster(newGoal, node("i-a", "c-a", oldGoal, true), node("i-b1", "c-b", newGoal, false), node("i-b", "c-b", oldGoal, false))
			in := input(c)
			in.Step = step(v1.StepReplaceNode, "i-b", "c-b", now.Add(-time.Minute))
			in.Step.ASG.LaunchedAfter = ptr(metav1.NewTime(now.Add(-10 * time.Minute)))
			in.Step.ActionTaken = true
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Step.ReplacementInstanceID).To(BeEmpty())
			g.Expect(d.Completed).To(BeNil())
		}},
		{"when the replacement becomes unhealthy again, the stableFor clock restarts", func() planner.Input {
			b2 := node("i-b2", "c-b", newGoal, false)
			b2.Redis.SyncInProgress = true
			b2.Gates = asgobservation.NodeGates(b2, redisHealth(), 100)
			in := input(cluster(newGoal, node("i-a", "c-a", oldGoal, true), b2))
			in.Step = step(v1.StepReplaceNode, "i-b", "c-b", now.Add(-time.Minute))
			in.Step.ActionTaken = true
			since := metav1.NewTime(now.Add(-10 * time.Second))
			in.Step.HealthySince = &since
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Step.HealthySince).To(BeNil())
			g.Expect(d.Step.Message).To(ContainSubstring("full sync"))
			g.Expect(d.Phase).To(Equal(v1.PhaseProgressing), "a replacement that syncs is simply waited for")
		}},
		{"when the replacement is InService but its Redis does not answer, it says Blocked with the reason, and waits", func() planner.Input {
			b2 := node("i-b2", "c-b", newGoal, false)
			b2.Redis = &health.RedisInfo{Err: errors.New("connection refused")}
			b2.Gates = asgobservation.NodeGates(b2, redisHealth(), 100)
			in := input(cluster(newGoal, node("i-a", "c-a", oldGoal, true), b2))
			in.Step = step(v1.StepReplaceNode, "i-b", "c-b", now.Add(-time.Minute))
			in.Step.ActionTaken = true
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Phase).To(Equal(v1.PhaseBlocked))
			g.Expect(d.Reason).To(Equal(v1.ReasonReplacementUnhealthy))
			g.Expect(d.Message).To(ContainSubstring("replacement i-b2 is InService but RedisReachable on i-b2"))
			g.Expect(d.Step).NotTo(BeNil())
		}},
		{"when a replacement is not healthy within nodeTimeout, the rollout fails and nothing else is touched", func() planner.Input {
			in := input(cluster(newGoal, node("i-a", "c-a", oldGoal, true), node("i-c", "c-c", oldGoal, false)))
			in.Step = step(v1.StepReplaceNode, "i-b", "c-b", now.Add(-21*time.Minute))
			in.Step.ActionTaken = true
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.FailedTarget).NotTo(BeNil())
			g.Expect(d.FailedTarget.Goal).To(Equal(newGoal))
			g.Expect(d.FailedTarget.Reason).To(Equal(v1.ReasonNodeTimeout))
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Step).To(BeNil())
			g.Expect(d.Phase).To(Equal(v1.PhaseFailed))
			g.Expect(d.Reason).To(Equal(v1.ReasonNodeTimeout))
		}},
		{"when the policy is being deleted and the recorded replacement never terminated its node, it drops the step rather than act", func() planner.Input {
			in := input(cluster(newGoal, allOld()...))
			in.Step = step(v1.StepReplaceNode, "i-b", "c-b", now.Add(-time.Second))
			in.Stopping, in.PausedBy = true, "Deleting"
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Step).To(BeNil())
			g.Expect(d.Phase).To(Equal(v1.PhasePaused))
		}},
		{"when the policy is paused and the recorded replacement's node is already terminating, it watches the replacement", func() planner.Input {
			b := node("i-b", "c-b", oldGoal, false)
			b.LifecycleState, b.Gates = "Terminating", nil
			in := input(cluster(newGoal, node("i-a", "c-a", oldGoal, true), b, node("i-c", "c-c", oldGoal, false)))
			in.Step = step(v1.StepReplaceNode, "i-b", "c-b", now.Add(-time.Second))
			in.Paused = true
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Step).NotTo(BeNil())
			g.Expect(d.Step.ActionTaken).To(BeTrue())
			g.Expect(d.Action).To(Equal(planner.ActionNone))
		}},
		{"when the policy is paused mid-replacement, the in-flight replacement is still watched", func() planner.Input {
			in := input(cluster(newGoal, node("i-a", "c-a", oldGoal, true), node("i-c", "c-c", oldGoal, false)))
			in.Step = step(v1.StepReplaceNode, "i-b", "c-b", now.Add(-time.Minute))
			in.Step.ActionTaken = true
			in.Paused = true
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Step).NotTo(BeNil())
			g.Expect(d.Phase).To(Equal(v1.PhaseProgressing))
		}},
		{"when the handed-off primary is a healthy replica of a new primary, it replaces that node next", func() planner.Input {
			a := node("i-a", "c-a", oldGoal, false)
			a.Redis.MasterHost = "127.0.0.1"
			in := input(cluster(newGoal, a, node("i-b2", "c-b", newGoal, true), node("i-c2", "c-c", newGoal, false)))
			in.Step = step(v1.StepHandOffPrimary, "i-a", "c-a", now.Add(-5*time.Second))
			in.Step.ActionTaken, in.Step.HandOffTo = true, "i-b2"
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Completed.Type).To(Equal(v1.StepHandOffPrimary))
			g.Expect(d.Completed.Message).To(Equal("handed the primary role from i-a to i-b2"))
			g.Expect(d.Action).To(Equal(planner.ActionTerminate))
			g.Expect(d.Step.Type).To(Equal(v1.StepReplaceNode))
			g.Expect(d.Step.InstanceID).To(Equal("i-a"))
		}},
		{"when replicas still follow the old primary after the failover, it re-points them before replacing it", func() planner.Input {
			c3 := node("i-c2", "c-c", newGoal, false)
			c3.Redis.MasterHost = "127.0.0.2"
			in := input(cluster(newGoal, node("i-a", "c-a", oldGoal, false), node("i-b2", "c-b", newGoal, true), c3))
			in.Step = step(v1.StepHandOffPrimary, "i-a", "c-a", now.Add(-5*time.Second))
			in.Step.ActionTaken = true
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionHandOff))
			g.Expect(d.Step.Type).To(Equal(v1.StepHandOffPrimary))
			g.Expect(d.Step.Message).To(ContainSubstring("re-pointing replica i-c2"))
		}},
		{"when the hand-off was requested and Redis is still handing the role over, it waits without asking again", func() planner.Input {
			a := node("i-a", "c-a", oldGoal, true)
			a.Redis.FailoverState = "waiting-for-sync"
			in := input(cluster(newGoal, a, node("i-b2", "c-b", newGoal, false)))
			in.Step = step(v1.StepHandOffPrimary, "i-a", "c-a", now.Add(-5*time.Second))
			in.Step.ActionTaken, in.Step.HandOffTo, in.Step.Attempts = true, "i-b2", 1
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Step.Type).To(Equal(v1.StepHandOffPrimary))
		}},
		{"when Redis aborted the hand-off and the old primary is still primary, it hands off again with its own reason", func() planner.Input {
			a := node("i-a", "c-a", oldGoal, true)
			a.Redis.FailoverState = "no-failover"
			in := input(cluster(newGoal, a, node("i-b2", "c-b", newGoal, false)))
			in.Step = step(v1.StepHandOffPrimary, "i-a", "c-a", now.Add(-5*time.Second))
			in.Step.ActionTaken, in.Step.HandOffTo, in.Step.Attempts = true, "i-b2", 1
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionHandOff))
			g.Expect(d.Reason).To(Equal(v1.ReasonHandOffAborted))
			g.Expect(d.Phase).To(Equal(v1.PhaseProgressing))
			g.Expect(d.Message).To(ContainSubstring("attempt 2 of 5"))
			g.Expect(d.FailedTarget).To(BeNil())
		}},
		{"when Redis aborted the hand-off as many times as allowed, the step fails and the primary is not touched", func() planner.Input {
			a := node("i-a", "c-a", oldGoal, true)
			a.Redis.FailoverState = "no-failover"
			in := input(cluster(newGoal, a, node("i-b2", "c-b", newGoal, false)))
			in.Step = step(v1.StepHandOffPrimary, "i-a", "c-a", now.Add(-time.Minute))
			in.Step.ActionTaken, in.Step.HandOffTo, in.Step.Attempts = true, "i-b2", planner.MaxHandOffAttempts
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.FailedTarget.Reason).To(Equal(v1.ReasonHandOffFailed))
			g.Expect(d.Phase).To(Equal(v1.PhaseFailed))
		}},
		{"when the replica chosen for an aborted hand-off is no longer healthy, it hands off to another one", func() planner.Input {
			a := node("i-a", "c-a", oldGoal, true)
			b := node("i-b2", "c-b", newGoal, false)
			b.Redis.MasterLinkUp = false
			b.Gates = asgobservation.NodeGates(b, redisHealth(), 100)
			in := input(cluster(newGoal, a, b, node("i-c2", "c-c", newGoal, false)))
			in.Step = step(v1.StepHandOffPrimary, "i-a", "c-a", now.Add(-5*time.Second))
			in.Step.ActionTaken, in.Step.HandOffTo, in.Step.Attempts = true, "i-b2", 1
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionHandOff))
			g.Expect(d.Step.HandOffTo).To(Equal("i-c2"))
		}},
		{"when the template step finds every group launching the goal, it completes", func() planner.Input {
			in := input(cluster(newGoal, allOld()...))
			in.Step = step(v1.StepPrepareLaunchTemplate, "", "", now.Add(-time.Second))
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Completed.Type).To(Equal(v1.StepPrepareLaunchTemplate))
			g.Expect(d.Action).To(Equal(planner.ActionTerminate))
		}},
		{"when the canary node has been replaced, it bakes before touching the next node", func() planner.Input {
			in := input(cluster(newGoal, node("i-a", "c-a", oldGoal, true), node("i-b", "c-b", oldGoal, false), node("i-c2", "c-c", newGoal, false)))
			in.Spec.Strategy.Canary = v1.CanarySpec{Nodes: ptr(int32(1)), BakeTime: &metav1.Duration{Duration: 10 * time.Minute}}
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Step.Type).To(Equal(v1.StepBake))
			g.Expect(d.Phase).To(Equal(v1.PhaseProgressing))
			g.Expect(d.Step.Message).To(ContainSubstring("baking the canary"))
		}},
		{"when the canary is not yet replaced, it replaces the canary node rather than bake", func() planner.Input {
			in := input(cluster(newGoal, allOld()...))
			in.Spec.Strategy.Canary = v1.CanarySpec{Nodes: ptr(int32(1))}
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionTerminate))
			g.Expect(d.Step.InstanceID).To(Equal("i-b"))
		}},
		{"when the bake has not lasted bakeTime and every gate holds, it keeps baking", func() planner.Input {
			in := input(cluster(newGoal, node("i-a", "c-a", oldGoal, true), node("i-b", "c-b", oldGoal, false), node("i-c2", "c-c", newGoal, false)))
			in.Spec.Strategy.Canary = v1.CanarySpec{Nodes: ptr(int32(1)), BakeTime: &metav1.Duration{Duration: 10 * time.Minute}}
			in.Step = step(v1.StepBake, "", "", now.Add(-5*time.Minute))
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Step.Type).To(Equal(v1.StepBake))
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Completed).To(BeNil())
		}},
		{"when the bake has lasted bakeTime with every gate holding, it records the bake and replaces the next node", func() planner.Input {
			in := input(cluster(newGoal, node("i-a", "c-a", oldGoal, true), node("i-b", "c-b", oldGoal, false), node("i-c2", "c-c", newGoal, false)))
			in.Spec.Strategy.Canary = v1.CanarySpec{Nodes: ptr(int32(1)), BakeTime: &metav1.Duration{Duration: 10 * time.Minute}}
			in.Step = step(v1.StepBake, "", "", now.Add(-11*time.Minute))
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Completed.Type).To(Equal(v1.StepBake))
			g.Expect(d.Record.CanaryBakedAt).NotTo(BeNil())
			g.Expect(d.Action).To(Equal(planner.ActionTerminate))
			g.Expect(d.Step.InstanceID).To(Equal("i-b"))
		}},
		{"when a gate fails during the bake, the rollout fails and no other node is touched", func() planner.Input {
			c2 := node("i-c2", "c-c", newGoal, false)
			c2.Redis.MasterLinkUp = false
			c2.Gates = asgobservation.NodeGates(c2, redisHealth(), 100)
			in := input(cluster(newGoal, node("i-a", "c-a", oldGoal, true), node("i-b", "c-b", oldGoal, false), c2))
			in.Spec.Strategy.Canary = v1.CanarySpec{Nodes: ptr(int32(1))}
			in.Step = step(v1.StepBake, "", "", now.Add(-time.Minute))
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.FailedTarget.Reason).To(Equal(v1.ReasonGateFailedDuringBake))
			g.Expect(d.Phase).To(Equal(v1.PhaseFailed))
			g.Expect(d.Reason).To(Equal(v1.ReasonGateFailedDuringBake))
			g.Expect(d.Action).To(Equal(planner.ActionNone))
		}},
		{"when a gate fails during the bake and rollbackOnFailure is set, it starts rolling back to lastGood", func() planner.Input {
			c2 := node("i-c2", "c-c", newGoal, false)
			c2.Redis.MasterLinkUp = false
			c2.Gates = asgobservation.NodeGates(c2, redisHealth(), 100)
			in := input(cluster(newGoal, node("i-a", "c-a", oldGoal, true), node("i-b", "c-b", oldGoal, false), c2))
			in.Spec.Strategy = v1.StrategySpec{Canary: v1.CanarySpec{Nodes: ptr(int32(1))}, RollbackOnFailure: true}
			in.LastGood = &oldGoal
			in.Step = step(v1.StepBake, "", "", now.Add(-time.Minute))
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.FailedTarget.Reason).To(Equal(v1.ReasonGateFailedDuringBake))
			g.Expect(d.Phase).To(Equal(v1.PhaseRollingBack))
			g.Expect(d.Action).To(Equal(planner.ActionPrepareLaunchTemplate))
			g.Expect(d.Step.Purpose).To(Equal(v1.PurposeRollback))
			g.Expect(d.Step.Goal).To(Equal(oldGoal))
		}},
		{"when the canary already baked for this goal, it does not bake again", func() planner.Input {
			in := input(cluster(newGoal, node("i-a", "c-a", oldGoal, true), node("i-b", "c-b", oldGoal, false), node("i-c2", "c-c", newGoal, false)))
			in.Spec.Strategy.Canary = v1.CanarySpec{Nodes: ptr(int32(1))}
			in.Record = &v1.RolloutRecord{Goal: newGoal, CanaryBakedAt: ptr(metav1.NewTime(now.Add(-time.Minute)))}
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionTerminate))
		}},
		{"when a bake lasts longer than nodeTimeout, it is not failed for it", func() planner.Input {
			in := input(cluster(newGoal, node("i-a", "c-a", oldGoal, true), node("i-b", "c-b", oldGoal, false), node("i-c2", "c-c", newGoal, false)))
			in.Spec.Strategy.Canary = v1.CanarySpec{Nodes: ptr(int32(1)), BakeTime: &metav1.Duration{Duration: time.Hour}}
			in.Step = step(v1.StepBake, "", "", now.Add(-30*time.Minute))
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.FailedTarget).To(BeNil())
			g.Expect(d.Step.Type).To(Equal(v1.StepBake))
		}},
		{"when the policy is being deleted during a bake, the bake is dropped at once", func() planner.Input {
			in := input(cluster(newGoal, node("i-a", "c-a", oldGoal, true), node("i-b", "c-b", oldGoal, false), node("i-c2", "c-c", newGoal, false)))
			in.Spec.Strategy.Canary = v1.CanarySpec{Nodes: ptr(int32(1))}
			in.Step = step(v1.StepBake, "", "", now.Add(-time.Minute))
			in.Stopping, in.PausedBy = true, "Deleting"
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Step).To(BeNil())
			g.Expect(d.Action).To(Equal(planner.ActionNone))
		}},
		{"when the goal failed and rollbackOnFailure is set, it replaces the broken node first, exempt from the gates", func() planner.Input {
			broken := node("i-c2", "c-c", newGoal, false)
			broken.Redis = &health.RedisInfo{Err: errors.New("connection refused")}
			broken.Gates = asgobservation.NodeGates(broken, redisHealth(), 100)
			in := input(cluster(oldGoal, node("i-a", "c-a", oldGoal, true), node("i-b", "c-b", oldGoal, false), broken))
			in.Spec.Strategy.RollbackOnFailure = true
			in.LastGood = &oldGoal
			in.FailedTarget = &v1.FailedTarget{Goal: newGoal, Generation: 1, Reason: v1.ReasonNodeTimeout}
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Phase).To(Equal(v1.PhaseRollingBack))
			g.Expect(d.Reason).To(Equal(v1.ReasonRollingBack))
			g.Expect(d.Action).To(Equal(planner.ActionTerminate))
			g.Expect(d.Step.InstanceID).To(Equal("i-c2"))
			g.Expect(d.Step.Purpose).To(Equal(v1.PurposeRollback))
			g.Expect(d.Step.Goal).To(Equal(oldGoal))
		}},
		{"when the goal failed and a node outside the rollback is unhealthy, the rollback waits for it", func() planner.Input {
			b := node("i-b", "c-b", oldGoal, false)
			b.Redis.SyncInProgress = true
			b.Gates = asgobservation.NodeGates(b, redisHealth(), 100)
			in := input(cluster(oldGoal, node("i-a", "c-a", oldGoal, true), b, node("i-c2", "c-c", newGoal, false)))
			in.Spec.Strategy.RollbackOnFailure = true
			in.LastGood = &oldGoal
			in.FailedTarget = &v1.FailedTarget{Goal: newGoal, Generation: 1, Reason: v1.ReasonNodeTimeout}
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Phase).To(Equal(v1.PhaseBlocked))
			g.Expect(d.Action).To(Equal(planner.ActionNone))
		}},
		{"when every node is back on lastGood and cleaned up, the rollout is RolledBack", func() planner.Input {
			in := input(cluster(oldGoal, allOld()...))
			in.Spec.Strategy.RollbackOnFailure = true
			in.LastGood = &oldGoal
			in.FailedTarget = &v1.FailedTarget{Goal: newGoal, Generation: 1, Reason: v1.ReasonNodeTimeout}
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Phase).To(Equal(v1.PhaseRolledBack))
			g.Expect(d.Reason).To(Equal(v1.ReasonRolledBack))
			g.Expect(d.Action).To(Equal(planner.ActionNone))
		}},
		{"when a rollback step times out, it halts in Failed and rolls nothing further", func() planner.Input {
			in := input(cluster(oldGoal, node("i-a", "c-a", oldGoal, true), node("i-b", "c-b", oldGoal, false)))
			in.Spec.Strategy.RollbackOnFailure = true
			in.LastGood = &oldGoal
			in.FailedTarget = &v1.FailedTarget{Goal: newGoal, Generation: 1, Reason: v1.ReasonNodeTimeout}
			in.Step = step(v1.StepReplaceNode, "i-c2", "c-c", now.Add(-21*time.Minute))
			in.Step.Purpose, in.Step.Goal, in.Step.ActionTaken = v1.PurposeRollback, oldGoal, true
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.FailedTarget.RollbackFailed).To(BeTrue())
			g.Expect(d.FailedTarget.Goal).To(Equal(newGoal))
			g.Expect(d.Phase).To(Equal(v1.PhaseFailed))
			g.Expect(d.Step).To(BeNil())
		}},
		{"when the failed goal's spec changed, it rolls toward the new goal instead of back", func() planner.Input {
			in := input(cluster(newGoal, allOld()...))
			in.Spec.Strategy.RollbackOnFailure = true
			in.LastGood = &oldGoal
			in.FailedTarget = &v1.FailedTarget{Goal: v1.ImageAndType{ImageID: "ami-0000000c", InstanceType: "r6g.xlarge"}, Generation: 1}
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Phase).To(Equal(v1.PhaseProgressing))
			g.Expect(d.Step.Goal).To(Equal(newGoal))
		}},
		{"when a failed rollout without rollback left a broken canary and the user sets a new goal, it replaces the broken node first, exempt from the gates", func() planner.Input {
			broken := node("i-c2", "c-c", newGoal, false)
			broken.Redis = &health.RedisInfo{Err: errors.New("connection refused")}
			broken.Gates = asgobservation.NodeGates(broken, redisHealth(), 100)
			third := v1.ImageAndType{ImageID: "ami-0000000c", InstanceType: "r6g.xlarge"}
			in := input(cluster(third, node("i-a", "c-a", oldGoal, true), node("i-b", "c-b", oldGoal, false), broken))
			goal(&in, third)
			in.Generation = 2
			in.FailedTarget = &v1.FailedTarget{Goal: newGoal, Generation: 1, Reason: v1.ReasonNodeTimeout}
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Phase).To(Equal(v1.PhaseProgressing))
			g.Expect(d.Action).To(Equal(planner.ActionTerminate))
			g.Expect(d.Step.InstanceID).To(Equal("i-c2"))
			g.Expect(d.Step.Purpose).To(Equal(v1.PurposeRollout))
		}},
		{"when a new goal is set after a failure, an unhealthy node not on the failed goal still blocks it", func() planner.Input {
			b := node("i-b", "c-b", oldGoal, false)
			b.Redis.SyncInProgress = true
			b.Gates = asgobservation.NodeGates(b, redisHealth(), 100)
			third := v1.ImageAndType{ImageID: "ami-0000000c", InstanceType: "r6g.xlarge"}
			in := input(cluster(third, node("i-a", "c-a", oldGoal, true), b, node("i-c2", "c-c", newGoal, false)))
			goal(&in, third)
			in.Generation = 2
			in.FailedTarget = &v1.FailedTarget{Goal: newGoal, Generation: 1, Reason: v1.ReasonNodeTimeout}
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Phase).To(Equal(v1.PhaseBlocked))
			g.Expect(d.Message).To(ContainSubstring("i-b"))
			g.Expect(d.Action).To(Equal(planner.ActionNone))
		}},
		{"with SurgeFirst, it raises the group's capacity before touching the old node and remembers the original", func() planner.Input {
			in := input(cluster(newGoal, allOld()...))
			in.Spec.Strategy.Replacement = v1.SurgeFirst
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionSurge))
			g.Expect(d.Step.Type).To(Equal(v1.StepSurgeNode))
			g.Expect(d.Step.InstanceID).To(Equal("i-b"))
			g.Expect(d.Step.ASG.OriginalCapacity).To(Equal(&v1.GroupCapacity{Desired: 1, Max: 2}))
		}},
		{"with SurgeFirst, a group already raised (a crash before recording) is not raised again", func() planner.Input {
			c := cluster(newGoal, allOld()...)
			c.Groups[1].Desired = 2
			in := input(c)
			in.Spec.Strategy.Replacement = v1.SurgeFirst
			in.Step = step(v1.StepSurgeNode, "i-b", "c-b", now.Add(-time.Second))
			in.Step.ASG.OriginalCapacity = &v1.GroupCapacity{Desired: 1, Max: 2}
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Step.ActionTaken).To(BeTrue())
			g.Expect(d.Step.Message).To(ContainSubstring("waiting for c-b to launch a replacement"))
		}},
		{"with SurgeFirst, the old node is terminated with a decrement only once the new node held healthy for stableFor", func() planner.Input {
			c := cluster(newGoal, node("i-a", "c-a", oldGoal, true), node("i-b", "c-b", oldGoal, false), node("i-b2", "c-b", newGoal, false), node("i-c", "c-c", oldGoal, false))
			c.Groups[1].Desired = 2
			in := input(c)
			in.Spec.Strategy.Replacement = v1.SurgeFirst
			in.Step = step(v1.StepSurgeNode, "i-b", "c-b", now.Add(-time.Minute))
			in.Step.ASG.OriginalCapacity, in.Step.ActionTaken = &v1.GroupCapacity{Desired: 1, Max: 2}, true
			in.Step.HealthySince = ptr(metav1.NewTime(now.Add(-time.Minute)))
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionTerminateWithDecrement))
			g.Expect(d.Step.InstanceID).To(Equal("i-b"))
			g.Expect(d.Step.ReplacementInstanceID).To(Equal("i-b2"))
		}},
		{"with SurgeFirst, an old node that became the primary while its replacement launched (a failover nobody planned) is handed off, not terminated", func() planner.Input {
			a := node("i-a", "c-a", oldGoal, false)
			a.PrivateIP = "127.0.0.3"
			c := cluster(newGoal, a, node("i-b", "c-b", oldGoal, true), node("i-b2", "c-b", newGoal, false), node("i-c", "c-c", oldGoal, false))
			c.Groups[1].Desired = 2
			in := input(c)
			in.Spec.Strategy.Replacement = v1.SurgeFirst
			in.Step = step(v1.StepSurgeNode, "i-b", "c-b", now.Add(-time.Minute))
			in.Step.ASG.OriginalCapacity, in.Step.ActionTaken = &v1.GroupCapacity{Desired: 1, Max: 2}, true
			in.Step.HealthySince = ptr(metav1.NewTime(now.Add(-time.Minute)))
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionHandOff))
			g.Expect(d.Step.Type).To(Equal(v1.StepSurgeNode))
			g.Expect(d.Step.InstanceID).To(Equal("i-b"))
			g.Expect(d.Step.HandOffTo).To(Equal("i-b2"), "the replacement, on the goal, takes the role: no second hand-off")
			g.Expect(d.Step.Message).To(ContainSubstring("i-b became the primary"))
		}},
		{"with SurgeFirst, the old node is not terminated while the cluster has no primary", func() planner.Input {
			a := node("i-a", "c-a", oldGoal, false)
			c := cluster(newGoal, a, node("i-b", "c-b", oldGoal, false), node("i-b2", "c-b", newGoal, false), node("i-c", "c-c", oldGoal, false))
			c.Groups[1].Desired = 2
			in := input(c)
			in.Spec.Strategy.Replacement = v1.SurgeFirst
			in.Step = step(v1.StepSurgeNode, "i-b", "c-b", now.Add(-time.Minute))
			in.Step.ASG.OriginalCapacity, in.Step.ActionTaken = &v1.GroupCapacity{Desired: 1, Max: 2}, true
			in.Step.HealthySince = ptr(metav1.NewTime(now.Add(-time.Minute)))
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Phase).To(Equal(v1.PhaseBlocked))
			g.Expect(d.Step.Message).To(ContainSubstring("no single primary"))
		}},
		{"with TerminateFirst, a node that became the primary between recording the step and terminating it is not terminated: the plan starts over from the roles as they are", func() planner.Input {
			a := node("i-a", "c-a", oldGoal, false)
			a.PrivateIP = "127.0.0.3"
			in := input(cluster(newGoal, a, node("i-b", "c-b", oldGoal, true), node("i-c", "c-c", oldGoal, false)))
			in.Step = step(v1.StepReplaceNode, "i-b", "c-b", now.Add(-time.Second))
			return in
		}, func(g Gomega, d planner.Decision) {
			// The new primary is replaced last: a replica goes first.
			g.Expect(d.Action).To(Equal(planner.ActionTerminate))
			g.Expect(d.Step.Type).To(Equal(v1.StepReplaceNode))
			g.Expect(d.Step.InstanceID).NotTo(Equal("i-b"))
		}},
		{"with SurgeFirst, while the new node is healthy but not yet for stableFor, the old node stays", func() planner.Input {
			c := cluster(newGoal, node("i-a", "c-a", oldGoal, true), node("i-b", "c-b", oldGoal, false), node("i-b2", "c-b", newGoal, false))
			c.Groups[1].Desired = 2
			in := input(c)
			in.Spec.Strategy.Replacement = v1.SurgeFirst
			in.Step = step(v1.StepSurgeNode, "i-b", "c-b", now.Add(-time.Minute))
			in.Step.ASG.OriginalCapacity, in.Step.ActionTaken = &v1.GroupCapacity{Desired: 1, Max: 2}, true
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Step.HealthySince).NotTo(BeNil())
		}},
		{"with SurgeFirst, once the old node left and the max was raised, it puts the max size back", func() planner.Input {
			c := cluster(newGoal, node("i-a", "c-a", oldGoal, true), node("i-b2", "c-b", newGoal, false), node("i-c", "c-c", oldGoal, false))
			c.Groups[1].Max = 3
			in := input(c)
			in.Spec.Strategy.Replacement = v1.SurgeFirst
			in.Step = step(v1.StepSurgeNode, "i-b", "c-b", now.Add(-time.Minute))
			in.Step.ASG.OriginalCapacity, in.Step.ActionTaken = &v1.GroupCapacity{Desired: 1, Max: 2}, true
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionRestoreCapacity))
		}},
		{"with SurgeFirst, once the old node left and the capacity is back, the step completes", func() planner.Input {
			c := cluster(newGoal, node("i-a", "c-a", oldGoal, true), node("i-b2", "c-b", newGoal, false), node("i-c", "c-c", oldGoal, false))
			in := input(c)
			in.Spec.Strategy.Replacement = v1.SurgeFirst
			in.Step = step(v1.StepSurgeNode, "i-b", "c-b", now.Add(-time.Minute))
			in.Step.ASG.OriginalCapacity, in.Step.ActionTaken = &v1.GroupCapacity{Desired: 1, Max: 2}, true
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Completed.Type).To(Equal(v1.StepSurgeNode))
			g.Expect(d.Action).To(Equal(planner.ActionSurge))
			g.Expect(d.Step.InstanceID).To(Equal("i-c"))
		}},
		{"with SurgeFirst, the success message counts the nodes the cluster is sized to, not the old node still terminating", func() planner.Input {
			old := node("i-c", "c-c", oldGoal, false)
			old.LifecycleState, old.Gates = "Terminating", nil
			c := cluster(newGoal, node("i-a2", "c-a", newGoal, true), node("i-b2", "c-b", newGoal, false), node("i-c2", "c-c", newGoal, false), old)
			in := input(c)
			in.Spec.Strategy.Replacement = v1.SurgeFirst
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Phase).To(Equal(v1.PhaseSucceeded))
			g.Expect(d.Message).To(HavePrefix("all 3 nodes run"))
		}},
		{"with SurgeFirst, when the new node is not healthy within nodeTimeout, it records the failure and removes the surged node before anything else", func() planner.Input {
			in := failingSurge()
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.FailedTarget).NotTo(BeNil())
			g.Expect(d.FailedTarget.Reason).To(Equal(v1.ReasonNodeTimeout))
			g.Expect(d.Phase).To(Equal(v1.PhaseFailed))
			g.Expect(d.Action).To(Equal(planner.ActionRemoveSurgedNode))
			g.Expect(d.Step.ASG.Unwinding).To(BeTrue())
			g.Expect(d.Step.InstanceID).To(Equal("i-b"), "the old node is the step's node, and stays")
			g.Expect(d.Step.ReplacementInstanceID).To(Equal("i-b2"))
		}},
		{"with SurgeFirst and rollbackOnFailure, a failed surge being taken back reads RollingBack", func() planner.Input {
			in := failingSurge()
			in.Spec.Strategy.RollbackOnFailure = true
			in.LastGood = &oldGoal
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Phase).To(Equal(v1.PhaseRollingBack))
			g.Expect(d.Action).To(Equal(planner.ActionRemoveSurgedNode))
		}},
		{"while a failed surge is taken back, it is not failed again for its age", func() planner.Input {
			return unwindingSurge()
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.FailedTarget).To(BeNil(), "the failure was recorded when the unwinding started")
			g.Expect(d.Action).To(Equal(planner.ActionRemoveSurgedNode))
		}},
		{"when a failed surge's node never launched, it puts the desired capacity back, which terminates nothing", func() planner.Input {
			in := unwindingSurge()
			in.Cluster.Nodes = in.Cluster.Nodes[:3]
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionRestoreDesired))
		}},
		{"when a failed surge's node is gone and the desired capacity is back, it puts the max size back", func() planner.Input {
			in := unwindingSurge()
			in.Cluster.Nodes = in.Cluster.Nodes[:3]
			in.Cluster.Groups[1].Desired, in.Cluster.Groups[1].Max = 1, 3
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionRestoreCapacity))
		}},
		{"once a failed surge is taken back, without rollback the rollout halts in Failed and touches nothing more", func() planner.Input {
			in := unwindingSurge()
			in.Cluster.Nodes = in.Cluster.Nodes[:3]
			in.Cluster.Groups[1].Desired = 1
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Phase).To(Equal(v1.PhaseFailed))
			g.Expect(d.Step).To(BeNil())
			g.Expect(d.Action).To(Equal(planner.ActionNone))
		}},
		{"when the spec changes mid-replacement, the in-flight node finishes on its goal and the new goal's template comes next", func() planner.Input {
			c := cluster(newGoal, node("i-a", "c-a", oldGoal, true), node("i-b2", "c-b", newGoal, false), node("i-c", "c-c", oldGoal, false))
			in := input(c)
			goal(&in, v1.ImageAndType{ImageID: "ami-0000000c", InstanceType: "r6g.xlarge"})
			in.Step = step(v1.StepReplaceNode, "i-b", "c-b", now.Add(-time.Minute))
			in.Step.ActionTaken = true
			in.Step.HealthySince = ptr(metav1.NewTime(now.Add(-time.Minute)))
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Completed.Goal).To(Equal(newGoal))
			g.Expect(d.Action).To(Equal(planner.ActionPrepareLaunchTemplate))
			g.Expect(d.Step.Goal.ImageID).To(Equal("ami-0000000c"))
		}},
	}
	runPlanCases(t, cases)
}

// failingSurge is a SurgeFirst step on i-b past nodeTimeout: the group was raised from 1 to 2 and its new
// node i-b2 never became healthy.
func failingSurge() planner.Input {
	surged := node("i-b2", "c-b", newGoal, false)
	surged.Redis = &health.RedisInfo{Err: errors.New("connection refused")}
	surged.Gates = asgobservation.NodeGates(surged, redisHealth(), 100)
	c := cluster(newGoal, node("i-a", "c-a", oldGoal, true), node("i-b", "c-b", oldGoal, false), node("i-c", "c-c", oldGoal, false), surged)
	c.Groups[1].Desired = 2
	in := input(c)
	in.Spec.Strategy.Replacement = v1.SurgeFirst
	in.Step = step(v1.StepSurgeNode, "i-b", "c-b", now.Add(-21*time.Minute))
	in.Step.ASG.OriginalCapacity, in.Step.ActionTaken = &v1.GroupCapacity{Desired: 1, Max: 2}, true
	return in
}

// unwindingSurge is failingSurge once the failure is on record and the surge is being taken back.
func unwindingSurge() planner.Input {
	in := failingSurge()
	in.Step.ASG.Unwinding = true
	in.FailedTarget = &v1.FailedTarget{Goal: newGoal, Generation: 1, Reason: v1.ReasonNodeTimeout}
	return in
}

func TestNextNodeOrdersCanaryZoneThenGroupsThenPrimaryLast(t *testing.T) {
	g := NewWithT(t)
	c := cluster(newGoal, node("i-a", "c-a", oldGoal, true), node("i-c", "c-c", oldGoal, false), node("i-b", "c-b", oldGoal, false), node("i-a2", "c-a", oldGoal, false))
	var order []string
	remaining := c.Outdated(newGoal)
	for len(remaining) > 0 {
		next := planner.NextNode(spec(), c, remaining)
		order = append(order, next.InstanceID)
		var rest []asgobservation.Node
		for _, n := range remaining {
			if n.InstanceID != next.InstanceID {
				rest = append(rest, n)
			}
		}
		remaining = rest
	}
	g.Expect(order).To(Equal([]string{"i-a2", "i-b", "i-c", "i-a"}))
}

func TestHandOffTargetIsTheMostCaughtUpHealthyReplica(t *testing.T) {
	g := NewWithT(t)
	b, c3 := node("i-b", "c-b", oldGoal, false), node("i-c", "c-c", oldGoal, false)
	b.Redis.ReplOffset, c3.Redis.ReplOffset = 90, 99
	unhealthy := node("i-d", "c-c", oldGoal, false)
	unhealthy.Redis.ReplOffset, unhealthy.Redis.Err = 100, errors.New("LOADING")
	unhealthy.Gates = asgobservation.NodeGates(unhealthy, redisHealth(), 100)
	target, ok := planner.HandOffTarget(cluster(newGoal, node("i-a", "c-a", oldGoal, true), b, c3, unhealthy), "i-a")
	g.Expect(ok).To(BeTrue())
	g.Expect(target.InstanceID).To(Equal("i-c"))
}

// sentinelCluster is a cluster watched by the Sentinels views (see watching): primary i-a at 127.0.0.1
// on the old goal, replicas i-b2 at 127.0.0.2 and i-c2 at 127.0.0.3 on the new one, unless nodes are given.
func sentinelCluster(views []health.SentinelView, nodes ...asgobservation.Node) *asgobservation.Cluster {
	if len(nodes) == 0 {
		nodes = []asgobservation.Node{node("i-a", "c-a", oldGoal, true), at(node("i-b2", "c-b", newGoal, false), "127.0.0.2"), at(node("i-c2", "c-c", newGoal, false), "127.0.0.3")}
	}
	c := cluster(newGoal, nodes...)
	c.RedisPort, c.Sentinels = 6379, views
	c.ClusterGates = append(c.ClusterGates, asgobservation.SentinelGates(c, sentinelSpec().Health.Redis.Sentinel)...)
	return c
}

// at gives a node another IP.
func at(n asgobservation.Node, ip string) asgobservation.Node {
	n.PrivateIP = ip
	return n
}

// watching is a Sentinel at address that names primary (an IP) and knows replicas up.
func watching(address, primary string, replicas ...string) health.SentinelView {
	v := health.SentinelView{Address: address, Monitors: true, Primary: primary + ":6379", Replicas: map[string]health.SentinelReplica{}}
	for _, ip := range replicas {
		v.Replicas[ip+":6379"] = health.SentinelReplica{Flags: "slave"}
	}
	return v
}

// agreed is three Sentinels that agree with sentinelCluster's nodes.
func agreed() []health.SentinelView {
	return []health.SentinelView{watching("s1:26379", "127.0.0.1", "127.0.0.2", "127.0.0.3"), watching("s2:26379", "127.0.0.1", "127.0.0.2", "127.0.0.3"),
		watching("s3:26379", "127.0.0.1", "127.0.0.2", "127.0.0.3")}
}

func sentinelSpec() v1.RemediationPolicySpec {
	s := spec()
	s.Health.Redis.Sentinel = &v1.RedisSentinel{Addresses: []string{"s1:26379", "s2:26379", "s3:26379"}, MasterName: "sessions"}
	return s
}

// sentinelHandOff is a hand-off of i-a through Sentinel, asked once, predicted to promote i-b2.
func sentinelHandOff(c *asgobservation.Cluster) planner.Input {
	in := input(c)
	in.Spec = sentinelSpec()
	in.Step = step(v1.StepHandOffPrimary, "i-a", "c-a", now.Add(-5*time.Second))
	in.Step.ActionTaken, in.Step.HandOffTo, in.Step.Attempts = true, "i-b2", 1
	return in
}

// demoted is i-a after the hand-off: a replica of the node at primary.
func demoted(primary string) asgobservation.Node {
	a := node("i-a", "c-a", oldGoal, false)
	a.PrivateIP, a.Redis.MasterHost = "127.0.0.1", primary
	return a
}

// promotedB is i-b2 promoted, and i-c2 re-pointed at it.
func promotedB() []asgobservation.Node {
	b, c3 := at(node("i-b2", "c-b", newGoal, true), "127.0.0.2"), at(node("i-c2", "c-c", newGoal, false), "127.0.0.3")
	c3.Redis.MasterHost = "127.0.0.2"
	return []asgobservation.Node{b, c3}
}

func TestPlanWithSentinel(t *testing.T) {
	cases := []planCase{
		{"when only the primary is outdated, it asks Sentinel to fail over, predicts the replica Sentinel ranks first, and looks again right away", func() planner.Input {
			c := sentinelCluster(agreed())
			c.Nodes[1].Redis.ReplOffset, c.Nodes[1].Redis.ReplicaPriority = 100, 50
			c.Nodes[2].Redis.ReplOffset, c.Nodes[2].Redis.ReplicaPriority = 90, 10
			in := input(c)
			in.Spec = sentinelSpec()
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionSentinelFailover))
			g.Expect(d.Step.Type).To(Equal(v1.StepHandOffPrimary))
			g.Expect(d.Step.HandOffTo).To(Equal("i-c2"), "a lower replica-priority wins over a larger offset, as in Sentinel")
			g.Expect(d.Message).To(Equal("asking Sentinel to move the Redis primary role of sessions off i-a; it should promote i-c2 (lowest replica-priority, then most caught up)"))
			g.Expect(d.RequeueAfter).To(Equal(rollout.DefaultTimings.Transition/10), "the old primary holds its writes until the next look")
		}},
		{"when every healthy replica has replica-priority 0, it blocks rather than ask Sentinel for a failover it must refuse", func() planner.Input {
			c := sentinelCluster(agreed())
			c.Nodes[1].Redis.NeverPromoted, c.Nodes[2].Redis.NeverPromoted = true, true
			in := input(c)
			in.Spec = sentinelSpec()
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Phase).To(Equal(v1.PhaseBlocked))
			g.Expect(d.Message).To(Equal("primary i-a is outdated but no healthy replica can take over its role (Sentinel never promotes a replica whose replica-priority is 0)"))
		}},
		{"when a replacement has been healthy for stableFor but a Sentinel does not list it yet, the replacement is not done", func() planner.Input {
			views := agreed()
			delete(views[2].Replicas, "127.0.0.2:6379")
			c := sentinelCluster(views, node("i-a", "c-a", oldGoal, true), at(node("i-b2", "c-b", newGoal, false), "127.0.0.2"), at(node("i-c", "c-c", oldGoal, false), "127.0.0.3"))
			in := input(c)
			in.Spec = sentinelSpec()
			in.Step = step(v1.StepReplaceNode, "i-b", "c-b", now.Add(-time.Minute))
			in.Step.ActionTaken = true
			in.Step.HealthySince = ptr(metav1.NewTime(now.Add(-31 * time.Second)))
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Completed).To(BeNil())
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Phase).To(Equal(v1.PhaseProgressing), "Sentinel learns of it by itself: a wait, not a block")
			g.Expect(d.Message).To(Equal("replacement i-b2 is healthy; waiting for Sentinel s3:26379 to list it among the replicas of sessions (Sentinel reads the primary's INFO every 10 s)"))
		}},
		{"when Sentinel runs the failover it was asked for, it waits without asking again and looks again soon", func() planner.Input {
			views := agreed()
			views[0].FailoverInProgress = true
			return sentinelHandOff(sentinelCluster(views))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Step.Type).To(Equal(v1.StepHandOffPrimary))
			g.Expect(d.Message).To(Equal("waiting for Sentinel to promote a replica of sessions; i-a holds its writes meanwhile"))
			g.Expect(d.RequeueAfter).To(Equal(rollout.DefaultTimings.Transition / 10))
		}},
		{"when Sentinel has promoted a replica and the old primary still holds its writes as a primary, it demotes it even while paused", func() planner.Input {
			views := agreed()
			views[0].Primary = "127.0.0.2:6379"
			in := sentinelHandOff(sentinelCluster(views, append([]asgobservation.Node{node("i-a", "c-a", oldGoal, true)}, promotedB()...)...))
			in.Paused = true
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionDemoteOldPrimary))
			g.Expect(d.Message).To(Equal("Sentinel promoted i-b2, as predicted; making i-a a replica of it and releasing its held writes"))
		}},
		{"when the old primary follows the new one but not every Sentinel names it yet, it waits before replacing the old node", func() planner.Input {
			views := agreed()
			views[0].Primary, views[1].Primary = "127.0.0.2:6379", "127.0.0.2:6379"
			return sentinelHandOff(sentinelCluster(views, append([]asgobservation.Node{demoted("127.0.0.2")}, promotedB()...)...))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Completed).To(BeNil())
			g.Expect(d.Message).To(Equal("waiting for every Sentinel to name i-b2 as the primary of sessions"))
		}},
		{"when a replica still follows the old primary, it waits for Sentinel to re-point it rather than issue REPLICAOF behind its back", func() planner.Input {
			views := agreed()
			for i := range views {
				views[i].Primary = "127.0.0.2:6379"
			}
			nodes := promotedB()
			nodes[1].Redis.MasterHost = "127.0.0.1"
			return sentinelHandOff(sentinelCluster(views, append([]asgobservation.Node{demoted("127.0.0.2")}, nodes...)...))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Message).To(Equal("waiting for Sentinel to re-point replica i-c2 at the new primary i-b2"))
		}},
		{"when every Sentinel names the new primary and the old one is a healthy replica of it, it replaces the old node next", func() planner.Input {
			views := agreed()
			for i := range views {
				views[i].Primary = "127.0.0.2:6379"
			}
			in := sentinelHandOff(sentinelCluster(views, append([]asgobservation.Node{demoted("127.0.0.2")}, promotedB()...)...))
			in.Step.HandOffTo = "i-c2"
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Completed.Type).To(Equal(v1.StepHandOffPrimary))
			g.Expect(d.Completed.Message).To(Equal("Sentinel moved the primary role of sessions from i-a to i-b2 (the prediction was i-c2: Sentinel ranks replicas by the replication offsets it last read from them)"))
			g.Expect(d.Action).To(Equal(planner.ActionTerminate))
			g.Expect(d.Step.InstanceID).To(Equal("i-a"))
		}},
		{"when Sentinel refused the failover and the old primary is still the primary, it asks again with HandOffAborted, quoting the refusal", func() planner.Input {
			in := sentinelHandOff(sentinelCluster(agreed()))
			in.Step.ASG.HandOffRefusal = "Sentinel s1:26379 refused the failover: NOGOODSLAVE No suitable replica to promote"
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionSentinelFailover))
			g.Expect(d.Reason).To(Equal(v1.ReasonHandOffAborted))
			g.Expect(d.Phase).To(Equal(v1.PhaseProgressing))
			g.Expect(d.Message).To(Equal("Sentinel did not move the primary role of sessions off i-a (Sentinel s1:26379 refused the failover: NOGOODSLAVE No suitable replica to promote); asking again (attempt 2 of 5)"))
		}},
		{"when Sentinel's failover ended without a promotion, it asks again saying so", func() planner.Input {
			return sentinelHandOff(sentinelCluster(agreed()))
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionSentinelFailover))
			g.Expect(d.Message).To(ContainSubstring("(its failover ended without promoting a replica); asking again (attempt 2 of 5)"))
		}},
		{"when Sentinel did not fail over as many times as allowed, the step fails with HandOffFailed and the primary is not touched", func() planner.Input {
			in := sentinelHandOff(sentinelCluster(agreed()))
			in.Step.Attempts = planner.MaxHandOffAttempts
			return in
		}, func(g Gomega, d planner.Decision) {
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.FailedTarget.Reason).To(Equal(v1.ReasonHandOffFailed))
			g.Expect(d.Phase).To(Equal(v1.PhaseFailed))
			g.Expect(d.FailedTarget.Message).To(ContainSubstring("in 5 attempts (the last: its failover ended without promoting a replica); i-a is still the primary"))
		}},
	}
	runPlanCases(t, cases)
}

func TestASentinelGateThatFailsBlocksBeforeAnyStepWithItsOwnReason(t *testing.T) {
	cases := []struct {
		name    string
		mutate  func(views []health.SentinelView)
		reason  string
		message string
	}{
		{"a Sentinel that does not answer", func(v []health.SentinelView) {
			v[1] = health.SentinelView{Address: "s2:26379", Err: errors.New("dial tcp s2:26379: connect: connection refused")}
		}, v1.ReasonSentinelUnreachable, "SentinelReachable on the cluster: Sentinel s2:26379 does not answer: dial tcp s2:26379: connect: connection refused"},
		{"a Sentinel that monitors no master of the spec's name", func(v []health.SentinelView) { v[0] = health.SentinelView{Address: "s1:26379"} },
			v1.ReasonSentinelMasterUnknown, "SentinelMonitors on the cluster: Sentinel s1:26379 monitors no master named sessions"},
		{"a Sentinel that cannot reach its quorum", func(v []health.SentinelView) { v[2].NoQuorum = "NOQUORUM 1 usable Sentinels" },
			v1.ReasonSentinelNoQuorum, "SentinelQuorum on the cluster: Sentinel s3:26379 cannot reach its quorum for sessions: NOQUORUM 1 usable Sentinels"},
		{"a Sentinel that names another primary than the nodes", func(v []health.SentinelView) { v[0].Primary = "127.0.0.3:6379" },
			v1.ReasonSentinelDisagrees, "SentinelAgrees on the cluster: Sentinel s1:26379 names 127.0.0.3:6379 as the primary of sessions, but the nodes' primary is i-a at 127.0.0.1:6379"},
		{"a Sentinel that has not learnt of a replica", func(v []health.SentinelView) { delete(v[1].Replicas, "127.0.0.3:6379") },
			v1.ReasonSentinelDisagrees, "SentinelAgrees on the cluster: Sentinel s2:26379 does not list replica i-c2 at 127.0.0.3:6379 among the replicas of sessions yet"},
	}
	for _, c := range cases {
		t.Run("when "+c.name+", the policy is Blocked with "+c.reason+" and nothing starts", func(t *testing.T) {
			g := NewWithT(t)
			views := agreed()
			c.mutate(views)
			in := input(sentinelCluster(views))
			in.Spec = sentinelSpec()
			in.Gates = held(in.Cluster, time.Hour)
			d := planner.Plan(in)
			g.Expect(d.Action).To(Equal(planner.ActionNone))
			g.Expect(d.Step).To(BeNil())
			g.Expect(d.Phase).To(Equal(v1.PhaseBlocked))
			g.Expect(d.Reason).To(Equal(c.reason))
			g.Expect(d.Message).To(HavePrefix(c.message))
		})
	}
}

func TestSentinelCandidateRanksTheReplicasAsSentinelDoes(t *testing.T) {
	g := NewWithT(t)
	replica := func(id string, priority int, offset int64, runID string) asgobservation.Node {
		n := node(id, "c-b", newGoal, false)
		n.Redis.ReplicaPriority, n.Redis.ReplOffset, n.Redis.RunID = priority, offset, runID
		return n
	}
	best := func(nodes ...asgobservation.Node) string {
		target, ok := planner.SentinelCandidate(cluster(newGoal, append([]asgobservation.Node{node("i-a", "c-a", oldGoal, true)}, nodes...)...), "i-a")
		g.Expect(ok).To(BeTrue())
		return target.InstanceID
	}
	g.Expect(best(replica("i-b", 100, 100, "b"), replica("i-c", 10, 50, "c"))).To(Equal("i-c"), "the lowest replica-priority first")
	g.Expect(best(replica("i-b", 0, 100, "b"), replica("i-c", 50, 90, "c"))).To(Equal("i-c"), "no priority reported is Redis' default, 100")
	g.Expect(best(replica("i-b", 100, 90, "a"), replica("i-c", 100, 100, "c"))).To(Equal("i-c"), "then the most data")
	g.Expect(best(replica("i-b", 100, 100, "F00"), replica("i-c", 100, 100, "e00"))).To(Equal("i-c"), "then the smallest run id, ignoring case")
	never := replica("i-c", 1, 100, "a")
	never.Redis.NeverPromoted = true
	g.Expect(best(replica("i-b", 100, 90, "b"), never)).To(Equal("i-b"), "never one at replica-priority 0")
}

func ptr[T any](v T) *T { return &v }
