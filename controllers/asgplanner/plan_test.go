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
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/asgobservation"
	planner "github.com/cache-remediator/cache-remediator/controllers/asgplanner"
)

// types lists a plan's step types, each with its node when it has one.
func types(p *v1.PlanStatus) []string {
	var out []string
	for _, s := range p.Steps {
		if s.InstanceID != "" {
			out = append(out, string(s.Type)+" "+s.InstanceID)
		} else {
			out = append(out, string(s.Type))
		}
	}
	return out
}

func TestRemaining(t *testing.T) {
	cases := []struct {
		name   string
		input  func() planner.Input
		expect func(g Gomega, p *v1.PlanStatus)
	}{
		{"a cluster on the old launch template is prepared, its replicas replaced in spec order, the primary handed off and replaced last, then cleaned up", func() planner.Input {
			return input(cluster(oldGoal, allOld()...))
		}, func(g Gomega, p *v1.PlanStatus) {
			g.Expect(types(p)).To(Equal([]string{"PrepareLaunchTemplate", "ReplaceNode i-b", "ReplaceNode i-c", "HandOffPrimary i-a", "ReplaceNode i-a", "Cleanup"}))
			g.Expect(p.Remaining).To(BeNumerically("==", 6))
			g.Expect(p.PrimaryHandOffs).To(BeNumerically("==", 1))
			g.Expect(p.Next).To(Equal("PrepareLaunchTemplate"))
			g.Expect(p.Steps[3].Detail).To(Equal("predicted: to the most caught-up of the replacements in us-east-1b, us-east-1c"))
			g.Expect(p.Steps[4].Detail).To(ContainSubstring("former primary"))
		}},
		{"a canary of one is replaced and baked before the rest, and the next step reads with its zone and role", func() planner.Input {
			in := input(cluster(newGoal, allOld()...))
			in.Spec.Strategy.Canary.Nodes = ptr(int32(1))
			return in
		}, func(g Gomega, p *v1.PlanStatus) {
			g.Expect(types(p)).To(Equal([]string{"ReplaceNode i-b", "Bake", "ReplaceNode i-c", "HandOffPrimary i-a", "ReplaceNode i-a"}))
			g.Expect(p.Steps[0].Detail).To(Equal("canary"))
			g.Expect(p.Next).To(Equal("ReplaceNode i-b (us-east-1b, Replica)"))
		}},
		{"the node in flight is not in the plan, and the canary's bake comes right after it", func() planner.Input {
			in := input(cluster(newGoal, allOld()...))
			in.Spec.Strategy.Canary.Nodes = ptr(int32(1))
			in.Step = step(v1.StepReplaceNode, "i-b", "c-b", now.Add(-time.Minute))
			return in
		}, func(g Gomega, p *v1.PlanStatus) {
			g.Expect(types(p)).To(Equal([]string{"Bake", "ReplaceNode i-c", "HandOffPrimary i-a", "ReplaceNode i-a"}))
		}},
		{"once the replicas run the goal, the hand-off is predicted to the most caught-up of them", func() planner.Input {
			b, c := node("i-b2", "c-b", newGoal, false), node("i-c2", "c-c", newGoal, false)
			c.Redis.ReplOffset = 99
			return input(cluster(newGoal, node("i-a", "c-a", oldGoal, true), b, c))
		}, func(g Gomega, p *v1.PlanStatus) {
			g.Expect(types(p)).To(Equal([]string{"HandOffPrimary i-a", "ReplaceNode i-a"}))
			g.Expect(p.Steps[0].Detail).To(Equal("predicted: to i-b2 (us-east-1b), the most caught-up healthy replica now"))
		}},
		{"with Sentinel, the hand-off is predicted to the replica Sentinel ranks first", func() planner.Input {
			c := sentinelCluster(agreed())
			c.Nodes[2].Redis.ReplicaPriority = 10
			in := input(c)
			in.Spec = sentinelSpec()
			return in
		}, func(g Gomega, p *v1.PlanStatus) {
			g.Expect(types(p)).To(Equal([]string{"HandOffPrimary i-a", "ReplaceNode i-a"}))
			g.Expect(p.Steps[0].Detail).To(Equal("predicted: Sentinel promotes i-c2 (us-east-1c), the replica it ranks first now"))
		}},
		{"with Sentinel and replicas still to replace, Sentinel is predicted to promote one of the replacements", func() planner.Input {
			in := input(cluster(oldGoal, allOld()...))
			in.Spec = sentinelSpec()
			return in
		}, func(g Gomega, p *v1.PlanStatus) {
			g.Expect(p.Steps[3].Detail).To(Equal("predicted: Sentinel promotes one of the replacements in us-east-1b, us-east-1c"))
		}},
		{"surge replacements are planned as surges", func() planner.Input {
			in := input(cluster(newGoal, allOld()...))
			in.Spec.Strategy.Replacement = v1.SurgeFirst
			return in
		}, func(g Gomega, p *v1.PlanStatus) {
			g.Expect(types(p)).To(Equal([]string{"SurgeNode i-b", "SurgeNode i-c", "HandOffPrimary i-a", "SurgeNode i-a"}))
		}},
		{"a failed goal that halts has no plan", func() planner.Input {
			in := input(cluster(newGoal, allOld()...))
			in.FailedTarget = &v1.FailedTarget{Goal: newGoal, Generation: 1, Reason: v1.ReasonNodeTimeout}
			return in
		}, func(g Gomega, p *v1.PlanStatus) {
			g.Expect(p).To(BeNil())
		}},
		{"a failed goal with rollbackOnFailure plans the way back to lastGood", func() planner.Input {
			in := input(cluster(newGoal, node("i-a", "c-a", oldGoal, true), node("i-b2", "c-b", newGoal, false), node("i-c", "c-c", oldGoal, false)))
			in.Spec.Strategy.RollbackOnFailure = true
			in.LastGood = &oldGoal
			in.FailedTarget = &v1.FailedTarget{Goal: newGoal, Generation: 1, Reason: v1.ReasonNodeTimeout}
			return in
		}, func(g Gomega, p *v1.PlanStatus) {
			g.Expect(types(p)).To(Equal([]string{"PrepareLaunchTemplate", "ReplaceNode i-b2", "Cleanup"}))
		}},
		{"a cluster on its goal has no plan", func() planner.Input {
			return input(cluster(newGoal, node("i-a", "c-a", newGoal, true), node("i-b", "c-b", newGoal, false), node("i-c", "c-c", newGoal, false)))
		}, func(g Gomega, p *v1.PlanStatus) {
			g.Expect(p).To(BeNil())
		}},
		{"a paused policy has its plan: pausing and setting a goal is a preview", func() planner.Input {
			in := input(cluster(newGoal, allOld()...))
			in.Paused, in.PausedBy = true, v1.ReasonPausedBySpec
			return in
		}, func(g Gomega, p *v1.PlanStatus) {
			g.Expect(p.Remaining).To(BeNumerically("==", 4))
		}},
		{"a 150-node cluster lists the first 20 steps and counts all of them", func() planner.Input {
			nodes := []asgobservation.Node{node("i-a", "c-a", oldGoal, true)}
			for i := range 149 {
				nodes = append(nodes, node(fmt.Sprintf("i-%03d", i), []string{"c-a", "c-b", "c-c"}[i%3], oldGoal, false))
			}
			return input(cluster(newGoal, nodes...))
		}, func(g Gomega, p *v1.PlanStatus) {
			g.Expect(p.Steps).To(HaveLen(v1.MaxPlannedSteps))
			g.Expect(p.Remaining).To(BeNumerically("==", 151), "150 replacements and a hand-off")
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.expect(NewWithT(t), planner.Remaining(c.input()))
		})
	}
}
