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
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	. "github.com/onsi/gomega"

	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
)

func TestAClusterModeEnabledValkeyGroupHasShardsAConfigurationEndpointAndNoRoles(t *testing.T) {
	g := NewWithT(t)
	f := newECFixture(t, awssim.Options{}, func(g Gomega, sim *awssim.Sim) {
		g.Expect(sim.AddReplicationGroup(awssim.ReplicationGroupSpec{ID: "Catalog", NodeType: cacheOld, Engine: "valkey", EngineVersion: "8.0",
			Zones: []string{"us-east-1a", "us-east-1b", "us-east-1c"}, Shards: 2, ReplicasPerShard: intp(2), MultiAZ: true})).To(Succeed())
	})
	out, err := f.ec.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: str("CATALOG")})
	g.Expect(err).NotTo(HaveOccurred(), "ids are case-insensitive")
	rg := out.ReplicationGroups[0]
	g.Expect(aws.ToString(rg.ReplicationGroupId)).To(Equal("catalog"), "and stored lower-case")
	g.Expect(aws.ToBool(rg.ClusterEnabled)).To(BeTrue())
	g.Expect(rg.ClusterMode).To(Equal(ectypes.ClusterModeEnabled))
	g.Expect(aws.ToString(rg.Engine)).To(Equal("valkey"))
	g.Expect(rg.AutomaticFailover).To(Equal(ectypes.AutomaticFailoverStatusEnabled), "cluster mode enabled always fails over automatically")
	g.Expect(rg.ConfigurationEndpoint).NotTo(BeNil())
	g.Expect(aws.ToString(rg.ConfigurationEndpoint.Address)).To(HavePrefix("clustercfg.catalog."))
	g.Expect(rg.MemberClusters).To(Equal([]string{"catalog-0001-001", "catalog-0001-002", "catalog-0001-003",
		"catalog-0002-001", "catalog-0002-002", "catalog-0002-003"}))
	g.Expect(rg.NodeGroups).To(HaveLen(2))
	for i, ng := range rg.NodeGroups {
		g.Expect(aws.ToString(ng.NodeGroupId)).To(Equal(fmt.Sprintf("%04d", i+1)))
		g.Expect(ng.PrimaryEndpoint).To(BeNil(), "shards of a cluster-mode-enabled group have no primary endpoint")
		g.Expect(ng.ReaderEndpoint).To(BeNil())
		g.Expect(ng.NodeGroupMembers).To(HaveLen(3))
		for _, m := range ng.NodeGroupMembers {
			g.Expect(m.CurrentRole).To(BeNil(), "no roles with cluster mode enabled")
			g.Expect(m.ReadEndpoint).To(BeNil())
		}
	}
	g.Expect(aws.ToString(rg.NodeGroups[0].Slots)).To(Equal("0-8191"))
	g.Expect(aws.ToString(rg.NodeGroups[1].Slots)).To(Equal("8192-16383"))
	g.Expect(aws.ToString(rg.NodeGroups[1].NodeGroupMembers[0].PreferredAvailabilityZone)).To(Equal("us-east-1b"), "each shard starts on the next zone")

	cc, err := f.ec.DescribeCacheClusters(ctx, &elasticache.DescribeCacheClustersInput{CacheClusterId: str("catalog-0002-003"), ShowCacheNodeInfo: aws.Bool(true)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(aws.ToString(cc.CacheClusters[0].Engine)).To(Equal("valkey"))
	g.Expect(aws.ToString(cc.CacheClusters[0].EngineVersion)).To(Equal("8.0"))
	g.Expect(aws.ToString(cc.CacheClusters[0].ReplicationGroupId)).To(Equal("catalog"))
	g.Expect(aws.ToString(cc.CacheClusters[0].ARN)).To(HaveSuffix(":cluster:catalog-0002-003"))
}

func TestAClusterModeDisabledGroupHasOneNodeGroupWithRolesAndEndpoints(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	out, err := f.ec.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: str("sessions")})
	g.Expect(err).NotTo(HaveOccurred())
	rg := out.ReplicationGroups[0]
	g.Expect(aws.ToBool(rg.ClusterEnabled)).To(BeFalse())
	g.Expect(rg.ClusterMode).To(Equal(ectypes.ClusterModeDisabled))
	g.Expect(aws.ToString(rg.Engine)).To(Equal("redis"))
	g.Expect(rg.ConfigurationEndpoint).To(BeNil())
	g.Expect(rg.GlobalReplicationGroupInfo).To(BeNil())
	g.Expect(rg.NodeGroups).To(HaveLen(1))
	ng := rg.NodeGroups[0]
	g.Expect(aws.ToString(ng.NodeGroupId)).To(Equal("0001"))
	g.Expect(aws.ToString(ng.PrimaryEndpoint.Address)).NotTo(BeEmpty())
	g.Expect(aws.ToString(ng.ReaderEndpoint.Address)).NotTo(BeEmpty())
	g.Expect(aws.ToString(ng.NodeGroupMembers[0].CurrentRole)).To(Equal("primary"))
	g.Expect(aws.ToString(ng.NodeGroupMembers[1].ReadEndpoint.Address)).To(HavePrefix("sessions-002."))
}

func TestAGlobalDatastoreMemberAndItsBackupSettingsAreDescribed(t *testing.T) {
	g := NewWithT(t)
	f := newECFixture(t, awssim.Options{}, func(g Gomega, sim *awssim.Sim) {
		g.Expect(sim.AddReplicationGroup(awssim.ReplicationGroupSpec{ID: "eu-sessions", NodeType: cacheOld, Zones: []string{"us-east-1a", "us-east-1b"},
			AutomaticFailover: true, GlobalReplicationGroupID: "ldgnf-sessions", GlobalReplicationGroupRole: "secondary",
			SnapshotRetentionLimit: 7, SnapshotWindow: "03:00-04:00"})).To(Succeed())
	})
	out, err := f.ec.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: str("eu-sessions")})
	g.Expect(err).NotTo(HaveOccurred())
	rg := out.ReplicationGroups[0]
	g.Expect(aws.ToString(rg.GlobalReplicationGroupInfo.GlobalReplicationGroupId)).To(Equal("ldgnf-sessions"))
	g.Expect(aws.ToString(rg.GlobalReplicationGroupInfo.GlobalReplicationGroupMemberRole)).To(Equal("secondary"))
	g.Expect(aws.ToInt32(rg.SnapshotRetentionLimit)).To(Equal(int32(7)))
	g.Expect(aws.ToString(rg.SnapshotWindow)).To(Equal("03:00-04:00"))
	g.Expect(aws.ToString(rg.SnapshottingClusterId)).To(Equal("eu-sessions-002"), "a replica by default")
}

func TestAScenarioRefusesGroupsThatCannotExist(t *testing.T) {
	g := NewWithT(t)
	sim := awssim.New(awssim.Options{Clock: awssim.NewManualClock()})
	g.Expect(sim.AddReplicationGroup(awssim.ReplicationGroupSpec{ID: "a", NodeType: cacheOld, Zones: []string{"us-east-1a"}, AutomaticFailover: true})).
		To(MatchError(ContainSubstring("needs a replica")))
	g.Expect(sim.AddReplicationGroup(awssim.ReplicationGroupSpec{ID: "b", NodeType: cacheOld, Zones: []string{"us-east-1a", "us-east-1b"}, MultiAZ: true})).
		To(MatchError(ContainSubstring("Multi-AZ needs automatic failover")))
	g.Expect(sim.AddReplicationGroup(awssim.ReplicationGroupSpec{ID: "c", NodeType: cacheOld, Zones: []string{"us-east-1a"}, Engine: "memcached"})).
		To(MatchError(ContainSubstring("neither redis nor valkey")))
	g.Expect(sim.AddReplicationGroup(awssim.ReplicationGroupSpec{ID: "d", NodeType: cacheOld, Zones: []string{"us-east-1a"}, SnapshotRetentionLimit: 1, SnapshotWindow: "05:00-05:30"})).
		To(MatchError(ContainSubstring("shorter than 60 minutes")))
}

func TestMaxRecordsOutsideTheDocumentedBoundsIsRefused(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	var bad *ectypes.InvalidParameterValueException
	for _, n := range []int32{19, 101} {
		_, err := f.ec.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{MaxRecords: aws.Int32(n)})
		g.Expect(errors.As(err, &bad)).To(BeTrue(), "DescribeReplicationGroups %d: %v", n, err)
		_, err = f.ec.DescribeCacheClusters(ctx, &elasticache.DescribeCacheClustersInput{MaxRecords: aws.Int32(n)})
		g.Expect(errors.As(err, &bad)).To(BeTrue(), "DescribeCacheClusters %d: %v", n, err)
		_, err = f.ec.DescribeEvents(ctx, &elasticache.DescribeEventsInput{MaxRecords: aws.Int32(n)})
		g.Expect(err).To(HaveOccurred(), "DescribeEvents %d", n)
		_, err = f.ec.DescribeUpdateActions(ctx, &elasticache.DescribeUpdateActionsInput{MaxRecords: aws.Int32(n)})
		g.Expect(errors.As(err, &bad)).To(BeTrue(), "DescribeUpdateActions %d: %v", n, err)
	}
	for _, n := range []int32{19, 51} {
		_, err := f.ec.DescribeSnapshots(ctx, &elasticache.DescribeSnapshotsInput{MaxRecords: aws.Int32(n)})
		g.Expect(err).To(HaveOccurred(), "DescribeSnapshots %d", n)
	}
	for _, n := range []int32{20, 100} {
		_, err := f.ec.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{MaxRecords: aws.Int32(n)})
		g.Expect(err).NotTo(HaveOccurred())
	}
	_, err := f.ec.DescribeSnapshots(ctx, &elasticache.DescribeSnapshotsInput{MaxRecords: aws.Int32(50)})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = f.ec.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{Marker: str("not-a-marker")})
	g.Expect(errors.As(err, &bad)).To(BeTrue(), "a bad marker is a bad parameter value: %v", err)
}

func TestDescribeEventsLooksBackAtMostFourteenDaysAndFiltersBySourceType(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	_, err := f.ec.CreateSnapshot(ctx, &elasticache.CreateSnapshotInput{ReplicationGroupId: str("sessions"), SnapshotName: str("day-one")})
	g.Expect(err).NotTo(HaveOccurred())
	f.step(3 * time.Minute)
	out, err := f.ec.DescribeEvents(ctx, &elasticache.DescribeEventsInput{Duration: aws.Int32(60)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.Events).NotTo(BeEmpty())
	out, err = f.ec.DescribeEvents(ctx, &elasticache.DescribeEventsInput{Duration: aws.Int32(60), SourceType: ectypes.SourceTypeCacheParameterGroup})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.Events).To(BeEmpty(), "the source type is respected")

	_, err = f.ec.DescribeEvents(ctx, &elasticache.DescribeEventsInput{Duration: aws.Int32(14*24*60 + 1)})
	var bad *ectypes.InvalidParameterValueException
	g.Expect(errors.As(err, &bad)).To(BeTrue(), "more than 14 days: %v", err)
	_, err = f.ec.DescribeEvents(ctx, &elasticache.DescribeEventsInput{SourceType: "cache-node"})
	g.Expect(errors.As(err, &bad)).To(BeTrue(), "an unknown source type: %v", err)

	f.step(15 * 24 * time.Hour)
	out, err = f.ec.DescribeEvents(ctx, &elasticache.DescribeEventsInput{StartTime: aws.Time(awssim.SimEpoch)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.Events).To(BeEmpty(), "events older than 14 days are gone")
}
