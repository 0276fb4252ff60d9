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

package asgobservation_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
	"github.com/cache-remediator/cache-remediator/controllers/asgobservation"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
)

const policies = 150

// fleetOf serves policies one-group clusters, each group and template carrying a policy's opt-in tag, and
// a builder whose settled observations may share a snapshot ten minutes old.
func fleetOf(t testing.TB) (*awssim.Server, *asgobservation.Builder, []v1.RemediationPolicySpec) {
	sim := awssim.New(awssim.Options{Clock: awssim.NewManualClock()})
	sim.AddImage(awssim.Image{ID: "ami-0aaaaaaaaaaaaaaa1"})
	sim.AddInstanceType(awssim.InstanceType{Name: "r5.large", Architectures: []string{"x86_64"}})
	var specs []v1.RemediationPolicySpec
	for i := range policies {
		name := fmt.Sprintf("cache-%03d", i)
		lt, err := sim.AddLaunchTemplate(name, 1, awssim.LaunchTemplateVersion{ImageID: "ami-0aaaaaaaaaaaaaaa1", InstanceType: "r5.large"})
		if err != nil {
			t.Fatal(err)
		}
		sim.TagLaunchTemplate(lt, v1.OptInTagKey, "default."+name)
		if err := sim.AddGroup(awssim.GroupSpec{Name: name, Zones: []string{"us-east-1a"}, Size: 2, LaunchTemplateID: lt, Version: "$Default",
			Tags: map[string]string{v1.OptInTagKey: "default." + name}}); err != nil {
			t.Fatal(err)
		}
		specs = append(specs, v1.RemediationPolicySpec{Target: v1.TargetSpec{AutoScalingGroups: &v1.AutoScalingGroupsTarget{Names: []string{name}}}})
	}
	srv := awssim.Serve(sim)
	t.Cleanup(srv.Close)
	clients := awsclient.NewClients(srv.SDKConfig())
	return srv, &asgobservation.Builder{AutoScaling: clients.AutoScaling, EC2: clients.EC2, FleetMaxAge: 10 * time.Minute}, specs
}

// observeAll observes every policy at now and answers the simulator's calls it took, by action.
func observeAll(t *testing.T, srv *awssim.Server, b *asgobservation.Builder, specs []v1.RemediationPolicySpec, now time.Time, opts asgobservation.Options) map[string]int {
	g := NewWithT(t)
	from := len(srv.Calls())
	for _, spec := range specs {
		c, err := b.Observe(context.Background(), spec, asgobservation.Credentials{}, nil, now, opts)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(c.Nodes).To(HaveLen(2), "every node was observed")
		g.Expect(c.Groups[0].Launch.Resolved).To(Equal(int64(1)), "the group's $Default version was resolved")
	}
	calls := map[string]int{}
	for _, c := range srv.Calls()[from:] {
		calls[c.Action]++
	}
	return calls
}

func TestSettledObservationsShareOneSnapshotOfTheAccountOnceEnoughPoliciesAreSettled(t *testing.T) {
	g := NewWithT(t)
	srv, b, specs := fleetOf(t)
	now := awssim.SimEpoch
	g.Expect(observeAll(t, srv, b, specs, now, asgobservation.Options{})).To(HaveKeyWithValue("DescribeAutoScalingGroups", policies),
		"a policy that is not settled describes its own groups")

	now = now.Add(time.Minute)
	calls := observeAll(t, srv, b, specs, now, asgobservation.Options{Settled: true})
	g.Expect(calls["DescribeAutoScalingGroups"]).To(Equal(99+2),
		"the first 99 settled policies describe their own groups; from the 100th, one snapshot of 150 groups in pages of 100")
	g.Expect(calls["DescribeLaunchTemplates"]).To(Equal(1), "and of their templates, in one page of up to 200")
	g.Expect(calls).NotTo(HaveKey("DescribeInstances"), "the instances were known")

	now = now.Add(5 * time.Minute)
	g.Expect(observeAll(t, srv, b, specs, now, asgobservation.Options{Settled: true})).To(BeEmpty(),
		"a snapshot younger than FleetMaxAge serves every settled policy, at no call")

	now = now.Add(10 * time.Minute)
	g.Expect(observeAll(t, srv, b, specs, now, asgobservation.Options{Settled: true})).To(Equal(map[string]int{"DescribeAutoScalingGroups": 2, "DescribeLaunchTemplates": 1}),
		"an older snapshot is taken again, once for all of them")

	g.Expect(observeAll(t, srv, b, specs[:1], now, asgobservation.Options{})).To(And(HaveKeyWithValue("DescribeAutoScalingGroups", 1), HaveKey("DescribeInstanceStatus")),
		"an observation that is not settled never uses the snapshot: it reads its own groups and their status checks")
}

func TestASettledPolicyWhoseGroupIsNotInTheSnapshotDescribesItsOwn(t *testing.T) {
	g := NewWithT(t)
	srv, b, specs := fleetOf(t)
	now := awssim.SimEpoch
	observeAll(t, srv, b, specs, now, asgobservation.Options{Settled: true})
	srv.UntagGroups(specs[0].Target.AutoScalingGroups.Names, v1.OptInTagKey)
	now = now.Add(15 * time.Minute)
	g.Expect(observeAll(t, srv, b, specs, now, asgobservation.Options{Settled: true})).To(Equal(map[string]int{"DescribeAutoScalingGroups": 2 + 1, "DescribeLaunchTemplates": 1}),
		"the snapshot, and one describe of the group that lost its tag, so that its own observation says what it has")
}
