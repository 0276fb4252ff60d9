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
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	. "github.com/onsi/gomega"
)

func TestDescribeReplicationGroupsDecodesNodeGroupsRolesAndSettings(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	out, err := f.ec.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: str("sessions")})
	g.Expect(err).NotTo(HaveOccurred())
	rg := out.ReplicationGroups[0]
	g.Expect(aws.ToString(rg.Status)).To(Equal("available"))
	g.Expect(aws.ToString(rg.CacheNodeType)).To(Equal(cacheOld))
	g.Expect(rg.MultiAZ).To(Equal(ectypes.MultiAZStatusEnabled))
	g.Expect(rg.AutomaticFailover).To(Equal(ectypes.AutomaticFailoverStatusEnabled))
	g.Expect(rg.MemberClusters).To(Equal([]string{"sessions-001", "sessions-002", "sessions-003"}))
	g.Expect(aws.ToString(rg.ARN)).To(HaveSuffix(":replicationgroup:sessions"))
	members := rg.NodeGroups[0].NodeGroupMembers
	g.Expect(members).To(HaveLen(3))
	g.Expect(aws.ToString(members[0].CurrentRole)).To(Equal("primary"))
	g.Expect(aws.ToString(members[1].CurrentRole)).To(Equal("replica"))
	g.Expect(aws.ToString(members[2].PreferredAvailabilityZone)).To(Equal("us-east-1c"))

	_, err = f.ec.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: str("nope")})
	var nf *ectypes.ReplicationGroupNotFoundFault
	g.Expect(errors.As(err, &nf)).To(BeTrue(), "%v", err)
}

func TestDescribeCacheClustersShowsNodesAndPendingType(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	_, err := f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("sessions"), CacheNodeType: str(cacheNew), ApplyImmediately: aws.Bool(true)})
	g.Expect(err).NotTo(HaveOccurred())
	out, err := f.ec.DescribeCacheClusters(ctx, &elasticache.DescribeCacheClustersInput{CacheClusterId: str("sessions-002"), ShowCacheNodeInfo: aws.Bool(true)})
	g.Expect(err).NotTo(HaveOccurred())
	c := out.CacheClusters[0]
	g.Expect(aws.ToString(c.ReplicationGroupId)).To(Equal("sessions"))
	g.Expect(aws.ToString(c.CacheNodeType)).To(Equal(cacheOld))
	g.Expect(aws.ToString(c.PendingModifiedValues.CacheNodeType)).To(Equal(cacheNew))
	g.Expect(aws.ToString(c.CacheNodes[0].CacheNodeStatus)).To(Equal("available"))
	g.Expect(aws.ToString(c.CacheNodes[0].CustomerAvailabilityZone)).To(Equal("us-east-1b"))

	_, err = f.ec.DescribeCacheClusters(ctx, &elasticache.DescribeCacheClustersInput{CacheClusterId: str("nope")})
	var nf *ectypes.CacheClusterNotFoundFault
	g.Expect(errors.As(err, &nf)).To(BeTrue(), "%v", err)
}

func TestModifyReplicationGroupValidatesAndStartsAModification(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	_, err := f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("sessions"), CacheNodeType: str(cacheOld), ApplyImmediately: aws.Bool(true)})
	var combo *ectypes.InvalidParameterCombinationException
	g.Expect(errors.As(err, &combo)).To(BeTrue(), "the same node type is refused: %v", err)
	_, err = f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("sessions"), CacheNodeType: str("cache.t2.micro"), ApplyImmediately: aws.Bool(true)})
	var value *ectypes.InvalidParameterValueException
	g.Expect(errors.As(err, &value)).To(BeTrue(), "a type not in the allowed modifications is refused: %v", err)

	out, err := f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("sessions"), CacheNodeType: str(cacheNew), ApplyImmediately: aws.Bool(true)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(aws.ToString(out.ReplicationGroup.Status)).To(Equal("modifying"))
	_, err = f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("sessions"), CacheNodeType: str(cacheNew), ApplyImmediately: aws.Bool(true)})
	var state *ectypes.InvalidReplicationGroupStateFault
	g.Expect(errors.As(err, &state)).To(BeTrue(), "a group that is modifying cannot be modified: %v", err)
}

func TestListAllowedNodeTypeModificationsAndTags(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	out, err := f.ec.ListAllowedNodeTypeModifications(ctx, &elasticache.ListAllowedNodeTypeModificationsInput{ReplicationGroupId: str("sessions")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.ScaleUpModifications).To(Equal([]string{cacheNew}))

	tags, err := f.ec.ListTagsForResource(ctx, &elasticache.ListTagsForResourceInput{ResourceName: str("arn:aws:elasticache:us-east-1:111122223333:replicationgroup:sessions")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(tags.TagList).To(ConsistOf(ectypes.Tag{Key: str("cache-remediator.io/policy"), Value: str("default.sessions")}))
}

func TestSnapshotsAreCreatedAndBecomeAvailable(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	created, err := f.ec.CreateSnapshot(ctx, &elasticache.CreateSnapshotInput{ReplicationGroupId: str("sessions"), SnapshotName: str("before-upgrade")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(aws.ToString(created.Snapshot.SnapshotStatus)).To(Equal("creating"))
	rg, _, _ := f.srv.ReplicationGroupState("sessions")
	g.Expect(rg.Status).To(Equal("snapshotting"))

	_, err = f.ec.CreateSnapshot(ctx, &elasticache.CreateSnapshotInput{ReplicationGroupId: str("sessions"), SnapshotName: str("before-upgrade")})
	var exists *ectypes.SnapshotAlreadyExistsFault
	g.Expect(errors.As(err, &exists)).To(BeTrue(), "%v", err)

	f.step(3 * time.Minute)
	out, err := f.ec.DescribeSnapshots(ctx, &elasticache.DescribeSnapshotsInput{ReplicationGroupId: str("sessions")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.Snapshots).To(HaveLen(1))
	g.Expect(aws.ToString(out.Snapshots[0].SnapshotStatus)).To(Equal("available"))
	g.Expect(aws.ToString(out.Snapshots[0].CacheNodeType)).To(Equal(cacheOld))
	rg, _, _ = f.srv.ReplicationGroupState("sessions")
	g.Expect(rg.Status).To(Equal("available"))

	_, err = f.ec.DescribeSnapshots(ctx, &elasticache.DescribeSnapshotsInput{SnapshotName: str("nope")})
	var nf *ectypes.SnapshotNotFoundFault
	g.Expect(errors.As(err, &nf)).To(BeTrue(), "%v", err)
}

func TestElastiCacheThrottlingDecodesToItsType(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	// The SDK has a typed fault for it only on TestFailover; elsewhere it is a generic API error.
	f.srv.FailNext("elasticache", "TestFailover", http.StatusBadRequest, "APICallRateForCustomerExceeded")
	_, err := f.ec.TestFailover(ctx, &elasticache.TestFailoverInput{ReplicationGroupId: str("sessions"), NodeGroupId: str("0001")})
	var throttled *ectypes.APICallRateForCustomerExceededFault
	g.Expect(errors.As(err, &throttled)).To(BeTrue(), "%v", err)
}
