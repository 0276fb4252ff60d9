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
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	. "github.com/onsi/gomega"

	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
)

func roles(rg *ectypes.ReplicationGroup) []string {
	var out []string
	for _, m := range rg.NodeGroups[0].NodeGroupMembers {
		out = append(out, aws.ToString(m.CacheClusterId)+"="+aws.ToString(m.CurrentRole))
	}
	return out
}

type sourcedEvent struct{ source, sourceType, message string }

// allEvents lists every event of the last hour, oldest first.
func allEvents(g Gomega, ec *elasticache.Client) []sourcedEvent {
	out, err := ec.DescribeEvents(ctx, &elasticache.DescribeEventsInput{Duration: aws.Int32(60)})
	g.Expect(err).NotTo(HaveOccurred())
	var evs []sourcedEvent
	for _, e := range out.Events {
		evs = append(evs, sourcedEvent{aws.ToString(e.SourceIdentifier), string(e.SourceType), aws.ToString(e.Message)})
	}
	slices.Reverse(evs)
	return evs
}

func TestTestFailoverAnswersBeforeTheFailoverWhichThenPromotesTheMostCaughtUpReplicaWithFiveEvents(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	// sessions-003 is further ahead than sessions-002: it is the one promoted.
	g.Expect(f.srv.SetReplicationLag("sessions", "sessions-002", 3*time.Second)).To(Succeed())
	g.Expect(f.srv.SetReplicationLag("sessions", "sessions-003", 100*time.Millisecond)).To(Succeed())
	out, err := f.ec.TestFailover(ctx, &elasticache.TestFailoverInput{ReplicationGroupId: str("sessions"), NodeGroupId: str("0001")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(aws.ToString(out.ReplicationGroup.Status)).To(Equal("available"))
	before := []string{"sessions-001=primary", "sessions-002=replica", "sessions-003=replica"}
	g.Expect(roles(out.ReplicationGroup)).To(Equal(before), "the response shows the old roles")
	g.Expect(allEvents(g, f.ec)).To(Equal([]sourcedEvent{{"sessions", "replication-group", "Test Failover API called for node group 0001"}}))

	f.step(30 * time.Second)
	rgs, err := f.ec.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: str("sessions")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(roles(&rgs.ReplicationGroups[0])).To(Equal(before), "nothing has happened yet")
	_, err = f.ec.TestFailover(ctx, &elasticache.TestFailoverInput{ReplicationGroupId: str("sessions"), NodeGroupId: str("0001")})
	var state *ectypes.InvalidReplicationGroupStateFault
	g.Expect(errors.As(err, &state)).To(BeTrue(), "one failover at a time per group: %v", err)

	f.step(30 * time.Second)
	rgs, err = f.ec.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: str("sessions")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(roles(&rgs.ReplicationGroups[0])).To(Equal([]string{"sessions-001=replica", "sessions-002=replica", "sessions-003=primary"}))
	g.Expect(aws.ToString(rgs.ReplicationGroups[0].Status)).To(Equal("available"))
	_, err = f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("sessions"), CacheNodeType: str(cacheNew), ApplyImmediately: aws.Bool(true)})
	g.Expect(errors.As(err, &state)).To(BeTrue(), "changes wait for the recovery: %v", err)

	f.step(4 * time.Minute)
	failover := "Failover from primary node sessions-001 to replica node sessions-003 completed"
	g.Expect(allEvents(g, f.ec)).To(Equal([]sourcedEvent{
		{"sessions", "replication-group", "Test Failover API called for node group 0001"},
		{"sessions-001", "cache-cluster", failover},
		{"sessions", "replication-group", failover},
		{"sessions-001", "cache-cluster", "Recovering cache nodes 0001"},
		{"sessions-001", "cache-cluster", "Finished recovery for cache nodes 0001"},
	}))
	_, err = f.ec.TestFailover(ctx, &elasticache.TestFailoverInput{ReplicationGroupId: str("sessions"), NodeGroupId: str("0001")})
	g.Expect(err).NotTo(HaveOccurred(), "the next failover may start once the recovery has finished")
}

func TestTheSixteenthTestFailoverOfTheAccountIn24HoursIsRefusedAndTheSDKDoesNotRetryIt(t *testing.T) {
	g := NewWithT(t)
	f := newECFixture(t, awssim.Options{}, func(g Gomega, sim *awssim.Sim) {
		for i := 0; i < 16; i++ {
			g.Expect(sim.AddReplicationGroup(awssim.ReplicationGroupSpec{ID: fmt.Sprintf("g%02d", i), NodeType: cacheOld,
				Zones: []string{"us-east-1a", "us-east-1b"}, AutomaticFailover: true})).To(Succeed())
		}
	})
	// The SDK's standard retryer, as a controller would use it.
	retrying := elasticache.NewFromConfig(f.srv.SDKConfig())
	for i := 0; i < 15; i++ {
		_, err := retrying.TestFailover(ctx, &elasticache.TestFailoverInput{ReplicationGroupId: str(fmt.Sprintf("g%02d", i)), NodeGroupId: str("0001")})
		g.Expect(err).NotTo(HaveOccurred(), "call %d", i+1)
		f.step(time.Hour)
	}
	f.srv.ResetCalls()
	_, err := retrying.TestFailover(ctx, &elasticache.TestFailoverInput{ReplicationGroupId: str("g15"), NodeGroupId: str("0001")})
	var quota *ectypes.APICallRateForCustomerExceededFault
	g.Expect(errors.As(err, &quota)).To(BeTrue(), "15 node groups per account per rolling 24 hours: %v", err)
	calls := f.srv.Calls()
	g.Expect(calls).To(HaveLen(1), "the SDK made exactly one attempt")
	g.Expect(calls[0].Error).To(Equal("APICallRateForCustomerExceeded"))
	g.Expect(calls[0].Attempt).To(Equal(1))
	g.Expect(calls[0].Mutating()).To(BeTrue())

	f.step(9*time.Hour + time.Second) // the first call is now more than 24 hours old
	_, err = retrying.TestFailover(ctx, &elasticache.TestFailoverInput{ReplicationGroupId: str("g15"), NodeGroupId: str("0001")})
	g.Expect(err).NotTo(HaveOccurred(), "the window rolls")
}

func TestTheTestFailoverQuotaIsConfigurable(t *testing.T) {
	g := NewWithT(t)
	f := newECFixture(t, awssim.Options{TestFailoverQuota: 1}, func(g Gomega, sim *awssim.Sim) {
		g.Expect(sim.AddReplicationGroup(awssim.ReplicationGroupSpec{ID: "a", NodeType: cacheOld, Zones: []string{"us-east-1a", "us-east-1b"}, AutomaticFailover: true})).To(Succeed())
		g.Expect(sim.AddReplicationGroup(awssim.ReplicationGroupSpec{ID: "b", NodeType: cacheOld, Zones: []string{"us-east-1a", "us-east-1b"}, AutomaticFailover: true})).To(Succeed())
	})
	_, err := f.ec.TestFailover(ctx, &elasticache.TestFailoverInput{ReplicationGroupId: str("a"), NodeGroupId: str("0001")})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = f.ec.TestFailover(ctx, &elasticache.TestFailoverInput{ReplicationGroupId: str("b"), NodeGroupId: str("0001")})
	var quota *ectypes.APICallRateForCustomerExceededFault
	g.Expect(errors.As(err, &quota)).To(BeTrue(), "the quota is per account, not per group: %v", err)
}

func TestTestFailoverPreconditions(t *testing.T) {
	g := NewWithT(t)
	f := newECFixture(t, awssim.Options{}, func(g Gomega, sim *awssim.Sim) {
		g.Expect(sim.AddReplicationGroup(awssim.ReplicationGroupSpec{ID: "manual", NodeType: cacheOld, Zones: []string{"us-east-1a", "us-east-1b"}})).To(Succeed())
		g.Expect(sim.AddReplicationGroup(awssim.ReplicationGroupSpec{ID: "ok", NodeType: cacheOld, Zones: []string{"us-east-1a", "us-east-1b"}, AutomaticFailover: true})).To(Succeed())
	})
	_, err := f.ec.TestFailover(ctx, &elasticache.TestFailoverInput{ReplicationGroupId: str("manual"), NodeGroupId: str("0001")})
	g.Expect(err).To(HaveOccurred(), "automatic failover must be enabled")
	_, err = f.ec.TestFailover(ctx, &elasticache.TestFailoverInput{ReplicationGroupId: str("ok"), NodeGroupId: str("0002")})
	var ng *ectypes.NodeGroupNotFoundFault
	g.Expect(errors.As(err, &ng)).To(BeTrue(), "%v", err)

	g.Expect(f.srv.SetMemberStatus("ok", "ok-002", "modifying", time.Minute)).To(Succeed())
	_, err = f.ec.TestFailover(ctx, &elasticache.TestFailoverInput{ReplicationGroupId: str("ok"), NodeGroupId: str("0001")})
	var member *ectypes.InvalidCacheClusterStateFault
	g.Expect(errors.As(err, &member)).To(BeTrue(), "a member is not available: %v", err)
	f.step(time.Minute)

	_, err = f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("ok"), CacheNodeType: str(cacheNew), ApplyImmediately: aws.Bool(true)})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = f.ec.TestFailover(ctx, &elasticache.TestFailoverInput{ReplicationGroupId: str("ok"), NodeGroupId: str("0001")})
	var state *ectypes.InvalidReplicationGroupStateFault
	g.Expect(errors.As(err, &state)).To(BeTrue(), "the group is modifying: %v", err)
}

func TestTestFailoverOnAClusterModeEnabledGroupFailsOverOneShard(t *testing.T) {
	g := NewWithT(t)
	f := newECFixture(t, awssim.Options{}, func(g Gomega, sim *awssim.Sim) {
		g.Expect(sim.AddReplicationGroup(awssim.ReplicationGroupSpec{ID: "cat", NodeType: cacheOld, Engine: "valkey", Zones: []string{"us-east-1a", "us-east-1b"}, Shards: 2})).To(Succeed())
	})
	_, err := f.ec.TestFailover(ctx, &elasticache.TestFailoverInput{ReplicationGroupId: str("cat"), NodeGroupId: str("0002")})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = f.ec.TestFailover(ctx, &elasticache.TestFailoverInput{ReplicationGroupId: str("cat"), NodeGroupId: str("0001")})
	g.Expect(err).To(HaveOccurred(), "the next shard of the same group waits for the first replacement")
	f.step(5 * time.Minute)
	_, members, _ := f.srv.ReplicationGroupState("cat")
	var primaries []string
	for _, m := range members {
		if m.Role == "primary" {
			primaries = append(primaries, m.ClusterID)
		}
	}
	g.Expect(primaries).To(Equal([]string{"cat-0001-001", "cat-0002-002"}))
	evs := allEvents(g, f.ec)
	g.Expect(evs[0]).To(Equal(sourcedEvent{"cat", "replication-group", "Test Failover API called for node group 0002"}))
	g.Expect(evs).To(HaveLen(5))
}

func TestDescribeEventsFiltersBySourceAndTime(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	_, err := f.ec.TestFailover(ctx, &elasticache.TestFailoverInput{ReplicationGroupId: str("sessions"), NodeGroupId: str("0001")})
	g.Expect(err).NotTo(HaveOccurred())
	f.step(5 * time.Minute)
	out, err := f.ec.DescribeEvents(ctx, &elasticache.DescribeEventsInput{SourceIdentifier: str("sessions"), SourceType: ectypes.SourceTypeReplicationGroup, Duration: aws.Int32(60)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(messages(out.Events)).To(Equal([]string{"Failover from primary node sessions-001 to replica node sessions-002 completed",
		"Test Failover API called for node group 0001"}), "newest first; the cache-cluster events are on their own sources")
	g.Expect(out.Events[0].Date.After(*out.Events[1].Date)).To(BeTrue())
	out, err = f.ec.DescribeEvents(ctx, &elasticache.DescribeEventsInput{SourceIdentifier: str("sessions-001"), SourceType: ectypes.SourceTypeCacheCluster, Duration: aws.Int32(60)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.Events).To(HaveLen(3))

	f.step(2 * time.Hour)
	out, err = f.ec.DescribeEvents(ctx, &elasticache.DescribeEventsInput{SourceIdentifier: str("sessions"), Duration: aws.Int32(60)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.Events).To(BeEmpty(), "events older than the duration are left out")
}
