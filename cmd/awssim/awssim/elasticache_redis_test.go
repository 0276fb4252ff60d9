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
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	. "github.com/onsi/gomega"
	"github.com/redis/go-redis/v9"

	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
)

const cacheTiny = "cache.t4g.micro"

// newECRedisFixture builds a scenario whose replication group members run real redis-servers, on a manual
// clock.
func newECRedisFixture(t *testing.T, groups ...awssim.ScenarioReplicationGroup) *ecFixture {
	sc := &awssim.Scenario{Redis: true, ReplicationGroups: groups, NodeTypes: []awssim.ScenarioNodeType{
		{Name: cacheOld, MemoryMiB: 13000, ScaleUp: []string{cacheNew}, ScaleDown: []string{cacheTiny}},
		{Name: cacheNew, MemoryMiB: 26000, ScaleDown: []string{cacheOld}},
		{Name: cacheTiny, MemoryMiB: 8, ScaleUp: []string{cacheOld}},
	}, ServiceUpdates: []awssim.ScenarioServiceUpdate{{Name: update, ReplicationGroup: groups[0].ID}}}
	srv, clock := serveScenario(t, sc)
	return &ecFixture{srv: srv, clock: clock, ec: elasticache.NewFromConfig(oneAttempt(srv))}
}

var sessionsGroup = awssim.ScenarioReplicationGroup{ID: "sessions", NodeType: cacheOld, Zones: []string{"us-east-1a", "us-east-1b", "us-east-1c"},
	AutomaticFailover: true, MultiAZ: true}

// endpoints maps each member to the address DescribeCacheClusters gives for its node.
func endpoints(g Gomega, ec *elasticache.Client) map[string]string {
	out, err := ec.DescribeCacheClusters(ctx, &elasticache.DescribeCacheClustersInput{ShowCacheNodeInfo: aws.Bool(true)})
	g.Expect(err).NotTo(HaveOccurred())
	m := map[string]string{}
	for _, c := range out.CacheClusters {
		ep := c.CacheNodes[0].Endpoint
		g.Expect(aws.ToInt32(ep.Port)).To(Equal(int32(6379)))
		m[aws.ToString(c.CacheClusterId)] = aws.ToString(ep.Address)
	}
	return m
}

// info reads one INFO section of the redis-server at ip.
func info(t *testing.T, ip, section string) map[string]string {
	c := redis.NewClient(&redis.Options{Addr: net.JoinHostPort(ip, "6379"), DialTimeout: time.Second, ReadTimeout: time.Second, MaxRetries: -1})
	defer c.Close()
	m, err := c.InfoMap(ctx, section).Result()
	if err != nil {
		return nil
	}
	for _, v := range m {
		return v
	}
	return nil
}

func replicaOf(t *testing.T, ip string) func() map[string]string {
	return func() map[string]string { return info(t, ip, "replication") }
}

func linkedTo(primary string) OmegaMatcher {
	return And(HaveKeyWithValue("role", "slave"), HaveKeyWithValue("master_host", primary), HaveKeyWithValue("master_link_status", "up"))
}

func TestMembersEndpointsAreRealRedisServersThatAnswerINFOWithTheirRoles(t *testing.T) {
	g := NewWithT(t)
	f := newECRedisFixture(t, sessionsGroup, awssim.ScenarioReplicationGroup{ID: "cat", NodeType: cacheOld, Engine: "valkey",
		Zones: []string{"us-east-1a", "us-east-1b"}, Shards: 2})
	eps := endpoints(g, f.ec)
	g.Expect(eps).To(HaveLen(7))
	for id, ip := range eps {
		g.Expect(net.ParseIP(ip).IsLoopback()).To(BeTrue(), "%s: %s", id, ip)
	}
	g.Expect(info(t, eps["sessions-001"], "replication")).To(HaveKeyWithValue("role", "master"))
	for _, id := range []string{"sessions-002", "sessions-003"} {
		g.Eventually(replicaOf(t, eps[id])).WithTimeout(10*time.Second).Should(linkedTo(eps["sessions-001"]), id)
	}
	rgs, err := f.ec.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: str("sessions")})
	g.Expect(err).NotTo(HaveOccurred())
	ng := rgs.ReplicationGroups[0].NodeGroups[0]
	g.Expect(aws.ToString(ng.PrimaryEndpoint.Address)).To(Equal(eps["sessions-001"]))
	g.Expect(aws.ToString(ng.ReaderEndpoint.Address)).To(Equal(eps["sessions-002"]))
	for _, m := range ng.NodeGroupMembers {
		g.Expect(aws.ToString(m.ReadEndpoint.Address)).To(Equal(eps[aws.ToString(m.CacheClusterId)]))
	}

	// Cluster mode enabled: each shard's replica replicates from that shard's primary.
	rgs, err = f.ec.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: str("cat")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(aws.ToString(rgs.ReplicationGroups[0].ConfigurationEndpoint.Address)).To(Equal(eps["cat-0001-001"]))
	for _, shard := range []string{"0001", "0002"} {
		primary := eps["cat-"+shard+"-001"]
		g.Expect(info(t, primary, "replication")).To(HaveKeyWithValue("role", "master"))
		g.Eventually(replicaOf(t, eps["cat-"+shard+"-002"])).WithTimeout(10 * time.Second).Should(linkedTo(primary))
	}
}

func TestATestFailoverReallyMovesThePrimaryRoleToTheMostCaughtUpReplica(t *testing.T) {
	g := NewWithT(t)
	f := newECRedisFixture(t, sessionsGroup)
	eps := endpoints(g, f.ec)
	primary := redis.NewClient(&redis.Options{Addr: net.JoinHostPort(eps["sessions-001"], "6379")})
	defer primary.Close()
	for _, id := range []string{"sessions-002", "sessions-003"} {
		g.Eventually(replicaOf(t, eps[id])).WithTimeout(10 * time.Second).Should(linkedTo(eps["sessions-001"]))
	}
	// sessions-002 loses its link; what is written next reaches only sessions-003, which is then the most
	// caught-up replica although it comes second.
	lagging := redis.NewClient(&redis.Options{Addr: net.JoinHostPort(eps["sessions-002"], "6379")})
	defer lagging.Close()
	g.Expect(lagging.Do(ctx, "REPLICAOF", "127.0.0.1", "1").Err()).To(Succeed())
	for i := 0; i < 100; i++ {
		g.Expect(primary.Set(ctx, "k"+strconv.Itoa(i), "v", 0).Err()).To(Succeed())
	}
	target := info(t, eps["sessions-001"], "replication")["master_repl_offset"]
	g.Eventually(func() string { return info(t, eps["sessions-003"], "replication")["slave_repl_offset"] }).WithTimeout(10 * time.Second).Should(Equal(target))

	_, err := f.ec.TestFailover(ctx, &elasticache.TestFailoverInput{ReplicationGroupId: str("sessions"), NodeGroupId: str("0001")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(info(t, eps["sessions-001"], "replication")).To(HaveKeyWithValue("role", "master"), "nothing has happened yet")
	f.step(time.Minute)
	g.Expect(info(t, eps["sessions-003"], "replication")).To(HaveKeyWithValue("role", "master"))
	for _, id := range []string{"sessions-001", "sessions-002"} {
		g.Eventually(replicaOf(t, eps[id])).WithTimeout(10*time.Second).Should(linkedTo(eps["sessions-003"]), id)
	}
	rgs, err := f.ec.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: str("sessions")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(aws.ToString(rgs.ReplicationGroups[0].NodeGroups[0].PrimaryEndpoint.Address)).To(Equal(eps["sessions-003"]), "the primary endpoint follows")
	newPrimary := redis.NewClient(&redis.Options{Addr: net.JoinHostPort(eps["sessions-003"], "6379")})
	defer newPrimary.Close()
	g.Expect(newPrimary.Set(ctx, "after", "failover", 0).Err()).To(Succeed())
	g.Eventually(func() string { return lagging.Get(ctx, "after").Val() }).WithTimeout(10 * time.Second).Should(Equal("failover"))
	g.Expect(lagging.Get(ctx, "k99").Val()).To(Equal("v"), "the lagging replica resynced from the new primary")
}

func TestAScaleDownWhoseRealDataDoesNotFitIsReverted(t *testing.T) {
	g := NewWithT(t)
	f := newECRedisFixture(t, sessionsGroup)
	// About 10 MB of data against the 6 MiB usable on an 8 MiB node.
	g.Expect(f.srv.PopulateReplicationGroup("sessions", 2000, 5000)).To(Succeed())
	_, err := f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("sessions"), CacheNodeType: str(cacheTiny), ApplyImmediately: aws.Bool(true)})
	g.Expect(err).NotTo(HaveOccurred())
	f.step(20 * time.Minute)
	o := observe(g, f.ec, "sessions")
	g.Expect(o.status).To(Equal("available"))
	g.Expect(o.nodeType).To(Equal(cacheOld))
	evs, err := f.ec.DescribeEvents(ctx, &elasticache.DescribeEventsInput{SourceIdentifier: str("sessions"), SourceType: ectypes.SourceTypeReplicationGroup})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(strings.Join(messages(evs.Events), "\n")).To(ContainSubstring("because the node has insufficient memory"))
}

func TestAServiceUpdateRestartsEachRedisServerAndTheReplicasResync(t *testing.T) {
	g := NewWithT(t)
	f := newECRedisFixture(t, sessionsGroup)
	eps := endpoints(g, f.ec)
	runIDs := map[string]string{}
	for id, ip := range eps {
		runIDs[id] = info(t, ip, "server")["run_id"]
	}
	primary := redis.NewClient(&redis.Options{Addr: net.JoinHostPort(eps["sessions-001"], "6379")})
	defer primary.Close()
	g.Expect(primary.Set(ctx, "session:42", "alice", 0).Err()).To(Succeed())
	_, err := f.ec.BatchApplyUpdateAction(ctx, &elasticache.BatchApplyUpdateActionInput{ReplicationGroupIds: []string{"sessions"}, ServiceUpdateName: str(update)})
	g.Expect(err).NotTo(HaveOccurred())

	f.step(time.Minute + time.Second) // sessions-002 is being updated: its redis-server is down
	g.Expect(info(t, eps["sessions-002"], "server")).To(BeNil())
	f.step(5 * time.Minute) // back, as a fresh replica that resyncs
	g.Eventually(replicaOf(t, eps["sessions-002"])).WithTimeout(10 * time.Second).Should(linkedTo(eps["sessions-001"]))
	f.step(10 * time.Minute) // sessions-003, then the primary after a failover to sessions-002
	a := actionOf(g, f.ec, "sessions")
	g.Expect(a.UpdateActionStatus).To(Equal(ectypes.UpdateActionStatusComplete))
	g.Expect(info(t, eps["sessions-002"], "replication")).To(HaveKeyWithValue("role", "master"))
	for _, id := range []string{"sessions-001", "sessions-003"} {
		g.Eventually(replicaOf(t, eps[id])).WithTimeout(10*time.Second).Should(linkedTo(eps["sessions-002"]), id)
	}
	for id, ip := range eps {
		g.Expect(info(t, ip, "server")["run_id"]).NotTo(Equal(runIDs[id]), "%s was restarted", id)
		c := redis.NewClient(&redis.Options{Addr: net.JoinHostPort(ip, "6379")})
		g.Eventually(func() string { return c.Get(ctx, "session:42").Val() }).WithTimeout(10*time.Second).Should(Equal("alice"), "%s has the data", id)
		_ = c.Close()
	}
}
