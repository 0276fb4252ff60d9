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

func backedUp(g Gomega, sim *awssim.Sim) {
	g.Expect(sim.AddReplicationGroup(awssim.ReplicationGroupSpec{ID: "nightly", NodeType: cacheOld, Zones: []string{"us-east-1a", "us-east-1b"},
		AutomaticFailover: true, SnapshotRetentionLimit: 1, SnapshotWindow: "05:00-06:00", UsedMemoryMiB: 300})).To(Succeed())
}

func TestAGroupWithBackupsTakesAnAutomaticSnapshotInItsWindowOnItsOwn(t *testing.T) {
	g := NewWithT(t)
	f := newECFixture(t, awssim.Options{}, backedUp)
	f.step(4*time.Hour + 59*time.Minute) // 04:59 UTC
	g.Expect(observe(g, f.ec, "nightly").status).To(Equal("available"))
	f.srv.ResetCalls()

	f.step(90 * time.Second) // 05:00:30
	o := observe(g, f.ec, "nightly")
	g.Expect(o.status).To(Equal("snapshotting"), "nobody asked for it")
	g.Expect(aws.ToString(o.members["nightly-002"].CacheClusterStatus)).To(Equal("snapshotting"), "the snapshotting cluster")
	g.Expect(aws.ToString(o.members["nightly-001"].CacheClusterStatus)).To(Equal("available"))
	for _, c := range f.srv.Calls() {
		g.Expect(c.Mutating()).To(BeFalse(), "no call started it: %s", c.Action)
	}
	_, err := f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("nightly"), CacheNodeType: str(cacheNew), ApplyImmediately: aws.Bool(true)})
	var state *ectypes.InvalidReplicationGroupStateFault
	g.Expect(errors.As(err, &state)).To(BeTrue(), "%v", err)
	_, err = f.ec.ListTagsForResource(ctx, &elasticache.ListTagsForResourceInput{ResourceName: str("arn:aws:elasticache:us-east-1:111122223333:replicationgroup:nightly")})
	g.Expect(errors.As(err, &state)).To(BeTrue(), "%v", err)

	sns, err := f.ec.DescribeSnapshots(ctx, &elasticache.DescribeSnapshotsInput{ReplicationGroupId: str("nightly"), SnapshotSource: str("system")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(sns.Snapshots).To(HaveLen(1))
	sn := sns.Snapshots[0]
	g.Expect(aws.ToString(sn.SnapshotName)).To(Equal("automatic.nightly-2026-01-01-05-00"))
	g.Expect(aws.ToString(sn.SnapshotSource)).To(Equal("automated"))
	g.Expect(aws.ToString(sn.SnapshotStatus)).To(Equal("creating"))
	g.Expect(aws.ToString(sn.CacheClusterId)).To(Equal("nightly-002"))
	g.Expect(aws.ToInt32(sn.SnapshotRetentionLimit)).To(Equal(int32(1)))
	none, err := f.ec.DescribeSnapshots(ctx, &elasticache.DescribeSnapshotsInput{ReplicationGroupId: str("nightly"), SnapshotSource: str("user")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(none.Snapshots).To(BeEmpty())

	f.step(2 * time.Minute)
	o = observe(g, f.ec, "nightly")
	g.Expect(o.status).To(Equal("available"))
	g.Expect(aws.ToString(o.members["nightly-002"].CacheClusterStatus)).To(Equal("available"))
	evs, err := f.ec.DescribeEvents(ctx, &elasticache.DescribeEventsInput{SourceIdentifier: str("nightly-002"), SourceType: ectypes.SourceTypeCacheCluster})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(messages(evs.Events)).To(Equal([]string{"Snapshot succeeded for snapshot with ID 'automatic.nightly-2026-01-01-05-00' of replication group with ID 'nightly'"}),
		"snapshot events are on the member cache cluster")

	// The next day's backup; the first is past its 1-day retention and goes.
	f.step(24 * time.Hour)
	sns, err = f.ec.DescribeSnapshots(ctx, &elasticache.DescribeSnapshotsInput{ReplicationGroupId: str("nightly")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(sns.Snapshots).To(HaveLen(1))
	g.Expect(aws.ToString(sns.Snapshots[0].SnapshotName)).To(Equal("automatic.nightly-2026-01-02-05-00"))
	g.Expect(aws.ToString(sns.Snapshots[0].SnapshotStatus)).To(Equal("available"))
}

func TestAnAutomaticBackupWaitsForTheGroupWithinItsWindow(t *testing.T) {
	g := NewWithT(t)
	f := newECFixture(t, awssim.Options{}, backedUp)
	f.step(4*time.Hour + 50*time.Minute)
	_, err := f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("nightly"), CacheNodeType: str(cacheNew), ApplyImmediately: aws.Bool(true)})
	g.Expect(err).NotTo(HaveOccurred())
	f.step(time.Hour) // 05:50: the change ended at 05:10 and the backup started then
	sns, err := f.ec.DescribeSnapshots(ctx, &elasticache.DescribeSnapshotsInput{ReplicationGroupId: str("nightly")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(sns.Snapshots).To(HaveLen(1))
	g.Expect(aws.ToString(sns.Snapshots[0].SnapshotName)).To(Equal("automatic.nightly-2026-01-01-05-10"))
	g.Expect(aws.ToString(sns.Snapshots[0].CacheNodeType)).To(Equal(cacheNew))
}

func TestASnapshotCanFail(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	g.Expect(f.srv.FailNextSnapshot("sessions")).To(Succeed())
	_, err := f.ec.CreateSnapshot(ctx, &elasticache.CreateSnapshotInput{ReplicationGroupId: str("sessions"), SnapshotName: str("doomed")})
	g.Expect(err).NotTo(HaveOccurred())
	f.step(3 * time.Minute)
	sns, err := f.ec.DescribeSnapshots(ctx, &elasticache.DescribeSnapshotsInput{SnapshotName: str("doomed")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(aws.ToString(sns.Snapshots[0].SnapshotStatus)).To(Equal("failed"))
	g.Expect(observe(g, f.ec, "sessions").status).To(Equal("available"))
	evs, err := f.ec.DescribeEvents(ctx, &elasticache.DescribeEventsInput{SourceType: ectypes.SourceTypeCacheCluster})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(messages(evs.Events)).To(ContainElement("Snapshot failed for snapshot with ID 'doomed' of replication group with ID 'sessions'"))

	_, err = f.ec.CreateSnapshot(ctx, &elasticache.CreateSnapshotInput{ReplicationGroupId: str("sessions"), SnapshotName: str("fine")})
	g.Expect(err).NotTo(HaveOccurred())
	f.step(3 * time.Minute)
	sns, err = f.ec.DescribeSnapshots(ctx, &elasticache.DescribeSnapshotsInput{SnapshotName: str("fine")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(aws.ToString(sns.Snapshots[0].SnapshotStatus)).To(Equal("available"), "only the next one failed")
}

func TestAManualSnapshotIsLowerCasedDescribedInFullAndRefusedWhileAMemberIsBusy(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	g.Expect(f.srv.SetMemberStatus("sessions", "sessions-003", "modifying", time.Minute)).To(Succeed())
	_, err := f.ec.CreateSnapshot(ctx, &elasticache.CreateSnapshotInput{ReplicationGroupId: str("sessions"), SnapshotName: str("x")})
	var member *ectypes.InvalidCacheClusterStateFault
	g.Expect(errors.As(err, &member)).To(BeTrue(), "%v", err)
	f.step(time.Minute)

	out, err := f.ec.CreateSnapshot(ctx, &elasticache.CreateSnapshotInput{CacheClusterId: str("sessions-003"), SnapshotName: str("Before-Upgrade")})
	g.Expect(err).NotTo(HaveOccurred())
	sn := out.Snapshot
	g.Expect(aws.ToString(sn.SnapshotName)).To(Equal("before-upgrade"))
	g.Expect(aws.ToString(sn.CacheClusterId)).To(Equal("sessions-003"))
	g.Expect(aws.ToString(sn.ReplicationGroupId)).To(Equal("sessions"))
	g.Expect(aws.ToString(sn.ARN)).To(HaveSuffix(":snapshot:before-upgrade"))
	g.Expect(aws.ToString(sn.SnapshotSource)).To(Equal("manual"))
	g.Expect(aws.ToString(sn.Engine)).To(Equal("redis"))
	g.Expect(sn.NodeSnapshots).To(HaveLen(1))
	g.Expect(aws.ToString(sn.NodeSnapshots[0].CacheClusterId)).To(Equal("sessions-003"))
	o := observe(g, f.ec, "sessions")
	g.Expect(aws.ToString(o.members["sessions-003"].CacheClusterStatus)).To(Equal("snapshotting"))
	_, err = f.ec.CreateSnapshot(ctx, &elasticache.CreateSnapshotInput{ReplicationGroupId: str("sessions"), SnapshotName: str("BEFORE-upgrade")})
	var exists *ectypes.SnapshotAlreadyExistsFault
	g.Expect(errors.As(err, &exists)).To(BeTrue(), "names compare lower-case: %v", err)
	f.step(2 * time.Minute)
	evs, err := f.ec.DescribeEvents(ctx, &elasticache.DescribeEventsInput{SourceIdentifier: str("sessions-003"), SourceType: ectypes.SourceTypeCacheCluster})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(messages(evs.Events)).To(ContainElement("Snapshot succeeded for snapshot with ID 'before-upgrade' of cache cluster with ID 'sessions-003'"))
	byCluster, err := f.ec.DescribeSnapshots(ctx, &elasticache.DescribeSnapshotsInput{CacheClusterId: str("sessions-003")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(byCluster.Snapshots).To(HaveLen(1))
	g.Expect(aws.ToString(byCluster.Snapshots[0].NodeSnapshots[0].CacheSize)).To(Equal("4000 MB"))
}

func TestAClusterModeEnabledGroupIsBackedUpAsAWhole(t *testing.T) {
	g := NewWithT(t)
	f := newECFixture(t, awssim.Options{}, func(g Gomega, sim *awssim.Sim) {
		g.Expect(sim.AddReplicationGroup(awssim.ReplicationGroupSpec{ID: "cat", NodeType: cacheOld, Zones: []string{"us-east-1a", "us-east-1b"}, Shards: 2})).To(Succeed())
	})
	_, err := f.ec.CreateSnapshot(ctx, &elasticache.CreateSnapshotInput{CacheClusterId: str("cat-0001-002"), SnapshotName: str("one-shard")})
	var bad *ectypes.InvalidParameterValueException
	g.Expect(errors.As(err, &bad)).To(BeTrue(), "no shard-level backup: %v", err)
	out, err := f.ec.CreateSnapshot(ctx, &elasticache.CreateSnapshotInput{ReplicationGroupId: str("cat"), SnapshotName: str("all")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.Snapshot.CacheClusterId).To(BeNil())
	g.Expect(aws.ToInt32(out.Snapshot.NumNodeGroups)).To(Equal(int32(2)))
	g.Expect(out.Snapshot.NodeSnapshots).To(HaveLen(2))
	o := observe(g, f.ec, "cat")
	g.Expect(o.status).To(Equal("snapshotting"))
	g.Expect(aws.ToString(o.members["cat-0001-002"].CacheClusterStatus)).To(Equal("snapshotting"))
	g.Expect(aws.ToString(o.members["cat-0002-002"].CacheClusterStatus)).To(Equal("snapshotting"))
	g.Expect(aws.ToString(o.members["cat-0002-001"].CacheClusterStatus)).To(Equal("available"))
}
