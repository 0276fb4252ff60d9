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

package awssim_test

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	. "github.com/onsi/gomega"

	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
)

// observed is what a controller sees of a group through the API: the group, and its members' clusters.
type observed struct {
	status, nodeType string
	nodeGroups       []string // node group statuses
	members          map[string]ectypes.CacheCluster
}

func observe(g Gomega, ec *elasticache.Client, id string) observed {
	out, err := ec.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: str(id)})
	g.Expect(err).NotTo(HaveOccurred())
	rg := out.ReplicationGroups[0]
	o := observed{status: aws.ToString(rg.Status), nodeType: aws.ToString(rg.CacheNodeType), members: map[string]ectypes.CacheCluster{}}
	for _, ng := range rg.NodeGroups {
		o.nodeGroups = append(o.nodeGroups, aws.ToString(ng.Status))
	}
	cc, err := ec.DescribeCacheClusters(ctx, &elasticache.DescribeCacheClustersInput{ShowCacheNodeInfo: aws.Bool(true)})
	g.Expect(err).NotTo(HaveOccurred())
	for _, c := range cc.CacheClusters {
		if aws.ToString(c.ReplicationGroupId) == id {
			o.members[aws.ToString(c.CacheClusterId)] = c
		}
	}
	return o
}

func pendingType(c ectypes.CacheCluster) string {
	if c.PendingModifiedValues == nil {
		return ""
	}
	return aws.ToString(c.PendingModifiedValues.CacheNodeType)
}

func TestANodeTypeChangeIsOneWholeGroupOperationWhoseTypesFlipTogetherAtTheEnd(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	out, err := f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("sessions"), CacheNodeType: str(cacheNew), ApplyImmediately: aws.Bool(true)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(aws.ToString(out.ReplicationGroup.Status)).To(Equal("modifying"))
	g.Expect(aws.ToString(out.ReplicationGroup.CacheNodeType)).To(Equal(cacheOld), "the response still shows the old type")

	for _, at := range []time.Duration{0, 10 * time.Minute, 9*time.Minute + 59*time.Second} {
		f.step(at)
		o := observe(g, f.ec, "sessions")
		g.Expect(o.status).To(Equal("modifying"))
		g.Expect(o.nodeGroups).To(Equal([]string{"modifying"}))
		g.Expect(o.nodeType).To(Equal(cacheOld), "the group's type is the old one until the end")
		g.Expect(o.members).To(HaveLen(3))
		for id, c := range o.members {
			g.Expect(aws.ToString(c.CacheClusterStatus)).To(Equal("modifying"), "%s: every member is modifying, all together", id)
			g.Expect(aws.ToString(c.CacheNodeType)).To(Equal(cacheOld), "%s: no member flips before the end", id)
			g.Expect(pendingType(c)).To(Equal(cacheNew), "%s: the new type is only pending on the members", id)
		}
	}

	f.step(time.Second)
	o := observe(g, f.ec, "sessions")
	g.Expect(o.status).To(Equal("available"))
	g.Expect(o.nodeGroups).To(Equal([]string{"available"}))
	g.Expect(o.nodeType).To(Equal(cacheNew))
	for id, c := range o.members {
		g.Expect(aws.ToString(c.CacheClusterStatus)).To(Equal("available"), id)
		g.Expect(aws.ToString(c.CacheNodeType)).To(Equal(cacheNew), id)
		g.Expect(pendingType(c)).To(BeEmpty(), id)
	}
	_, members, _ := f.srv.ReplicationGroupState("sessions")
	g.Expect(members[0].Role).To(Equal("primary"), "a node type change fails nothing over")

	evs, err := f.ec.DescribeEvents(ctx, &elasticache.DescribeEventsInput{Duration: aws.Int32(60)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(messages(evs.Events)).NotTo(ContainElement(ContainSubstring("Failover")))
	clusterEvents, err := f.ec.DescribeEvents(ctx, &elasticache.DescribeEventsInput{SourceIdentifier: str("sessions-002"), SourceType: ectypes.SourceTypeCacheCluster, Duration: aws.Int32(60)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(messages(clusterEvents.Events)).To(ConsistOf("Succeeded applying modification to cache node type to " + cacheNew + "."))
}

func TestAScaleDownThatDoesNotFitTheUsableMemoryIsAcceptedThenRevertedWithTheRealEvent(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	// 5000 MiB of data fits the 6000 MiB of cache.m6g.large, but not its usable 75% (4500 MiB).
	g.Expect(f.srv.SetUsedMemory("sessions", 5000)).To(Succeed())
	out, err := f.ec.ListAllowedNodeTypeModifications(ctx, &elasticache.ListAllowedNodeTypeModificationsInput{ReplicationGroupId: str("sessions")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.ScaleDownModifications).To(Equal([]string{cacheSmall}), "scale-downs are listed apart from scale-ups")
	g.Expect(out.ScaleUpModifications).To(Equal([]string{cacheNew}))

	_, err = f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("sessions"), CacheNodeType: str(cacheSmall), ApplyImmediately: aws.Bool(true)})
	g.Expect(err).NotTo(HaveOccurred(), "ElastiCache accepts the change and reverts it later")
	f.step(21 * time.Minute)
	o := observe(g, f.ec, "sessions")
	g.Expect(o.status).To(Equal("available"))
	g.Expect(o.nodeType).To(Equal(cacheOld), "reverted to the old type")
	for id, c := range o.members {
		g.Expect(aws.ToString(c.CacheNodeType)).To(Equal(cacheOld), id)
		g.Expect(pendingType(c)).To(BeEmpty(), id)
		g.Expect(aws.ToString(c.CacheClusterStatus)).To(Equal("available"), id)
	}
	evs, err := f.ec.DescribeEvents(ctx, &elasticache.DescribeEventsInput{SourceIdentifier: str("sessions"), SourceType: ectypes.SourceTypeReplicationGroup, Duration: aws.Int32(60)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(messages(evs.Events)).To(ContainElements(
		"Failed to scale down to cache node type Replication Group sessions because the node has insufficient memory. Please select a different node type or reduce current memory usage and retry",
		"Failed applying modification to cache node type to "+cacheSmall+"."))

	// With 4000 MiB, the same scale-down fits.
	g.Expect(f.srv.SetUsedMemory("sessions", 4000)).To(Succeed())
	_, err = f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("sessions"), CacheNodeType: str(cacheSmall), ApplyImmediately: aws.Bool(true)})
	g.Expect(err).NotTo(HaveOccurred())
	f.step(21 * time.Minute)
	g.Expect(observe(g, f.ec, "sessions").nodeType).To(Equal(cacheSmall))
}

func TestAChangeNotAppliedImmediatelyIsPendingOnTheMembersUntilAnImmediateModifyAppliesIt(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	out, err := f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("sessions"), CacheNodeType: str(cacheNew)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(aws.ToString(out.ReplicationGroup.Status)).To(Equal("available"), "nothing happens before the maintenance window")
	f.step(time.Hour)
	o := observe(g, f.ec, "sessions")
	g.Expect(o.status).To(Equal("available"))
	g.Expect(o.nodeType).To(Equal(cacheOld))
	for id, c := range o.members {
		g.Expect(pendingType(c)).To(Equal(cacheNew), "%s: the pending type is visible on the members", id)
		g.Expect(aws.ToString(c.CacheNodeType)).To(Equal(cacheOld))
	}

	_, err = f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("sessions"), ApplyImmediately: aws.Bool(true)})
	g.Expect(err).NotTo(HaveOccurred(), "ApplyImmediately applies what is pending")
	g.Expect(observe(g, f.ec, "sessions").status).To(Equal("modifying"))
	f.step(20 * time.Minute)
	g.Expect(observe(g, f.ec, "sessions").nodeType).To(Equal(cacheNew))
}

func TestModifyRefusesNoChangesUnknownTypesUnsimulatedParametersAndGlobalDatastoreMembers(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	_, err := f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("sessions"), CacheNodeType: str(cacheOld), ApplyImmediately: aws.Bool(true)})
	var combo *ectypes.InvalidParameterCombinationException
	g.Expect(errors.As(err, &combo)).To(BeTrue(), "%v", err)
	g.Expect(err.Error()).To(ContainSubstring("No modifications were requested"))

	_, err = f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("sessions"), CacheNodeType: str("cache.t2.micro"), ApplyImmediately: aws.Bool(true)})
	var value *ectypes.InvalidParameterValueException
	g.Expect(errors.As(err, &value)).To(BeTrue(), "a type not in the allowed modifications: %v", err)

	_, err = f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("sessions"), SnapshotRetentionLimit: aws.Int32(3)})
	g.Expect(errors.As(err, &value)).To(BeTrue(), "a parameter the simulator does not model is refused, not ignored: %v", err)

	g.Expect(f.srv.AddReplicationGroup(awssim.ReplicationGroupSpec{ID: "eu", NodeType: cacheOld, Zones: []string{"us-east-1a", "us-east-1b"},
		AutomaticFailover: true, GlobalReplicationGroupID: "ldgnf-eu"})).To(Succeed())
	_, err = f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("eu"), CacheNodeType: str(cacheNew), ApplyImmediately: aws.Bool(true)})
	g.Expect(errors.As(err, &value)).To(BeTrue(), "%v", err)
	g.Expect(err.Error()).To(ContainSubstring("Cluster [eu] is part of a global cluster [ldgnf-eu]. Request rejected."))
	g.Expect(f.srv.Calls()[len(f.srv.Calls())-1].Error).To(Equal("InvalidParameterValue"))
}

func TestAGroupAvailableWithAMemberStillModifyingRefusesModifyWithInvalidCacheClusterState(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	g.Expect(f.srv.SetMemberStatus("sessions", "sessions-003", "creating", 10*time.Minute)).To(Succeed())
	o := observe(g, f.ec, "sessions")
	g.Expect(o.status).To(Equal("available"), "the group says available")
	g.Expect(aws.ToString(o.members["sessions-003"].CacheClusterStatus)).To(Equal("creating"))
	g.Expect(aws.ToString(o.members["sessions-003"].CacheNodes[0].CacheNodeStatus)).To(Equal("creating"))

	_, err := f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("sessions"), CacheNodeType: str(cacheNew), ApplyImmediately: aws.Bool(true)})
	var member *ectypes.InvalidCacheClusterStateFault
	g.Expect(errors.As(err, &member)).To(BeTrue(), "%v", err)

	f.step(10 * time.Minute)
	g.Expect(aws.ToString(observe(g, f.ec, "sessions").members["sessions-003"].CacheClusterStatus)).To(Equal("available"))
	_, err = f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("sessions"), CacheNodeType: str(cacheNew), ApplyImmediately: aws.Bool(true)})
	g.Expect(err).NotTo(HaveOccurred())
}

func TestEnablingAutomaticFailoverAndMultiAZTakesAWhileAndIsValidated(t *testing.T) {
	g := NewWithT(t)
	f := newECFixture(t, awssim.Options{}, func(g Gomega, sim *awssim.Sim) {
		g.Expect(sim.AddReplicationGroup(awssim.ReplicationGroupSpec{ID: "pair", NodeType: cacheOld, Zones: []string{"us-east-1a", "us-east-1b"}})).To(Succeed())
		g.Expect(sim.AddReplicationGroup(awssim.ReplicationGroupSpec{ID: "single", NodeType: cacheOld, Zones: []string{"us-east-1a"}})).To(Succeed())
		g.Expect(sim.AddReplicationGroup(awssim.ReplicationGroupSpec{ID: "sharded", NodeType: cacheOld, Zones: []string{"us-east-1a", "us-east-1b"}, Shards: 2})).To(Succeed())
	})
	var combo *ectypes.InvalidParameterCombinationException
	_, err := f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("pair"), MultiAZEnabled: aws.Bool(true), ApplyImmediately: aws.Bool(true)})
	g.Expect(errors.As(err, &combo)).To(BeTrue(), "Multi-AZ needs automatic failover: %v", err)
	_, err = f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("single"), AutomaticFailoverEnabled: aws.Bool(true), ApplyImmediately: aws.Bool(true)})
	g.Expect(errors.As(err, &combo)).To(BeTrue(), "automatic failover needs a replica: %v", err)
	_, err = f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("sharded"), AutomaticFailoverEnabled: aws.Bool(false), ApplyImmediately: aws.Bool(true)})
	g.Expect(errors.As(err, &combo)).To(BeTrue(), "%v", err)
	g.Expect(err.Error()).To(ContainSubstring("Turning off automatic failover for replication group with cluster mode enabled is not supported."))

	out, err := f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("pair"),
		AutomaticFailoverEnabled: aws.Bool(true), MultiAZEnabled: aws.Bool(true), ApplyImmediately: aws.Bool(true)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(aws.ToString(out.ReplicationGroup.Status)).To(Equal("modifying"))
	f.step(time.Minute)
	rgs, err := f.ec.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: str("pair")})
	g.Expect(err).NotTo(HaveOccurred())
	rg := rgs.ReplicationGroups[0]
	g.Expect(aws.ToString(rg.Status)).To(Equal("modifying"), "not instant")
	g.Expect(rg.AutomaticFailover).To(Equal(ectypes.AutomaticFailoverStatusEnabling))
	g.Expect(rg.PendingModifiedValues.AutomaticFailoverStatus).To(Equal(ectypes.PendingAutomaticFailoverStatusEnabled))
	g.Expect(rg.MultiAZ).To(Equal(ectypes.MultiAZStatusDisabled), "Multi-AZ changes at the end")
	_, err = f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("pair"), CacheNodeType: str(cacheNew), ApplyImmediately: aws.Bool(true)})
	var state *ectypes.InvalidReplicationGroupStateFault
	g.Expect(errors.As(err, &state)).To(BeTrue(), "the next change waits: %v", err)

	f.step(time.Minute)
	rgs, err = f.ec.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: str("pair")})
	g.Expect(err).NotTo(HaveOccurred())
	rg = rgs.ReplicationGroups[0]
	g.Expect(aws.ToString(rg.Status)).To(Equal("available"))
	g.Expect(rg.AutomaticFailover).To(Equal(ectypes.AutomaticFailoverStatusEnabled))
	g.Expect(rg.MultiAZ).To(Equal(ectypes.MultiAZStatusEnabled))
	g.Expect(rg.PendingModifiedValues.AutomaticFailoverStatus).To(BeEmpty())
	evs, err := f.ec.DescribeEvents(ctx, &elasticache.DescribeEventsInput{SourceIdentifier: str("pair"), SourceType: ectypes.SourceTypeReplicationGroup})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(messages(evs.Events)).To(ContainElement("Automatic failover has been turned on for replication group pair"))

	// Turning automatic failover off while Multi-AZ stays on is refused; both together disable.
	_, err = f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("pair"), AutomaticFailoverEnabled: aws.Bool(false), ApplyImmediately: aws.Bool(true)})
	g.Expect(errors.As(err, &combo)).To(BeTrue(), "%v", err)
	_, err = f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("pair"), AutomaticFailoverEnabled: aws.Bool(false), MultiAZEnabled: aws.Bool(false), ApplyImmediately: aws.Bool(true)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.ReplicationGroup).NotTo(BeNil())
	rgs, err = f.ec.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: str("pair")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(rgs.ReplicationGroups[0].AutomaticFailover).To(Equal(ectypes.AutomaticFailoverStatusDisabling))
}
