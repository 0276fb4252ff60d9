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

package elasticacheplanner_test

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
	planner "github.com/cache-remediator/cache-remediator/controllers/elasticacheplanner"
)

func planned(p *v1.PlanStatus) []string {
	var out []string
	for _, s := range p.Steps {
		out = append(out, string(s.Type)+" "+s.Group)
	}
	return out
}

func TestRemaining(t *testing.T) {
	cases := []struct {
		name   string
		input  func() planner.Input
		expect func(g Gomega, p *v1.PlanStatus)
	}{
		{"with every option, failover is turned on, the snapshot taken, each shard tested, the type changed, then each update applied", func() planner.Input {
			c := group("0001", "0002")
			c.Group.MultiAZ = "disabled"
			pendingUpdate(c, "not-applied")
			in := input(c)
			in.Spec.Target.ElastiCache.EnableAutomaticFailover = true
			in.Spec.Target.ElastiCache.SnapshotBeforeModify = true
			in.Spec.Target.ElastiCache.TestFailover = true
			selectCritical(&in)
			return in
		}, func(g Gomega, p *v1.PlanStatus) {
			g.Expect(planned(p)).To(Equal([]string{"EnableAutomaticFailover ", "Snapshot ", "TestFailover 0001", "TestFailover 0002", "ModifyReplicationGroup ", "ApplyServiceUpdate "}))
			g.Expect(p.Steps[2].InstanceID).To(Equal("sessions-0001-001"), "the shard's primary")
			g.Expect(p.Steps[4].Detail).To(ContainSubstring("cache.r6g.large to cache.r6g.xlarge, all 6 members together"))
			g.Expect(p.Steps[5].Detail).To(ContainSubstring(update))
			g.Expect(p.Next).To(Equal("EnableAutomaticFailover"))
		}},
		{"while the type changes, only the updates remain", func() planner.Input {
			c := group()
			c.Group.Status = "modifying"
			pendingUpdate(c, "not-applied")
			in := input(c)
			selectCritical(&in)
			in.Step = inFlight(v1.StepModifyReplicationGroup, time.Minute)
			return in
		}, func(g Gomega, p *v1.PlanStatus) {
			g.Expect(planned(p)).To(Equal([]string{"ApplyServiceUpdate "}))
		}},
		{"a shard already tested and the one in flight are not tested again", func() planner.Input {
			in := input(group("0001", "0002", "0003"))
			in.Spec.Target.ElastiCache.TestFailover = true
			in.Record = &v1.RolloutRecord{Goal: v1.ImageAndType{InstanceType: xlarge}, ElastiCache: &v1.ElastiCacheRolloutRecord{FailoverTested: []string{"0001"}}}
			in.Step = inFlight(v1.StepTestFailover, time.Minute)
			in.Step.ElastiCache.NodeGroup = "0002"
			return in
		}, func(g Gomega, p *v1.PlanStatus) {
			g.Expect(planned(p)).To(Equal([]string{"TestFailover 0003", "ModifyReplicationGroup "}))
			g.Expect(p.Next).To(Equal("TestFailover sessions-0003-001"), "members have no zone here")
		}},
		{"a group on its goal with nothing pending has no plan", func() planner.Input {
			c := group()
			onGoal(c)
			c.Updates = []awsclient.UpdateAction{{ServiceUpdateName: update, Severity: "critical", Status: "complete"}}
			in := input(c)
			selectCritical(&in)
			return in
		}, func(g Gomega, p *v1.PlanStatus) {
			g.Expect(p).To(BeNil())
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.expect(NewWithT(t), planner.Remaining(c.input()))
		})
	}
}
