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
	"strings"
	"testing"

	. "github.com/onsi/gomega"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
)

// actionsSince are the actions the simulator received since the call numbered from.
func (f *fixture) actionsSince(from int) []string {
	var out []string
	for _, c := range f.Sim.Calls()[from:] {
		out = append(out, c.Action)
	}
	return out
}

func TestAnIdlePolicyCostsOneDescribeAReconcile(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{})
	f.Run(300, v1.PhaseSucceeded)
	for range 3 {
		f.Step(timings.Idle)
		from := len(f.Sim.Calls())
		g.Expect(f.Reconcile().Phase).To(Equal(v1.PhaseSucceeded))
		g.Expect(f.actionsSince(from)).To(Equal([]string{"DescribeAutoScalingGroups"}),
			"the groups only: the instances are known, and no step starts unless something changed")
	}
}

func TestAChangeAnIdleReconcileFindsIsCheckedWithTheStatusChecksBeforeAnyMutation(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{})
	f.Run(300, v1.PhaseSucceeded)
	settled := len(f.Sim.Calls())
	// Someone points a group back at the old version while a node's status checks fail.
	f.Sim.SetGroupLaunchTemplateVersion("sessions-b", "1")
	impaired := f.Sim.GroupInstances("sessions-c")[0].ID
	f.Sim.SetImpaired(impaired, true)
	f.Step(timings.Idle)
	o := f.Reconcile()
	g.Expect(f.actionsSince(settled)).To(ContainElement("DescribeInstanceStatus"), "a step was due: the status checks were read")
	g.Expect(o.Phase).To(Equal(v1.PhaseBlocked))
	g.Expect(o.Message).To(ContainSubstring(impaired))
	g.Expect(f.Sim.Calls()[settled:]).NotTo(ContainElement(HaveField("Mutating()", BeTrue())), "nothing changes while a node's status checks fail")

	f.Sim.SetImpaired(impaired, false)
	f.Run(300, v1.PhaseSucceeded)
	g.Expect(f.Sim.Calls()[settled:]).To(ContainElement(HaveField("Action", "UpdateAutoScalingGroup")), "the group was pointed at the goal again")
}

func TestStatusChecksAreReadOnlyWhileEveryServingNodeIsInService(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{})
	launching := 0
	for range 300 {
		from := len(f.Sim.Calls())
		o := f.Reconcile()
		pending := false
		if o.Observed != nil {
			for _, n := range o.Observed.Nodes {
				pending = pending || n.LifecycleState == "Pending"
			}
		}
		if pending {
			launching++
			g.Expect(f.actionsSince(from)).NotTo(ContainElement("DescribeInstanceStatus"), "a node is still launching: no step can start or finish on status checks")
		}
		if o.Phase == v1.PhaseSucceeded {
			break
		}
		f.Step(max(o.RequeueAfter, 1))
	}
	g.Expect(f.Policy.Status.Phase).To(Equal(v1.PhaseSucceeded))
	g.Expect(launching).To(BeNumerically(">", 0), "the roll had reconciles while a replacement launched")
}

func TestEachInstanceIsDescribedOnce(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{})
	f.Run(300, v1.PhaseSucceeded)
	described := map[string]int{}
	for _, c := range f.Sim.Calls() {
		if c.Action != "DescribeInstances" {
			continue
		}
		for key, values := range c.Params {
			if strings.HasPrefix(key, "InstanceId.") {
				described[values[0]]++
			}
		}
	}
	g.Expect(described).To(HaveLen(6), "three nodes and their three replacements")
	for id, n := range described {
		g.Expect(n).To(Equal(1), "instance %s", id)
	}
}
