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
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	. "github.com/onsi/gomega"
	"github.com/redis/go-redis/v9"

	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
)

func redisAt(t *testing.T, ip string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: net.JoinHostPort(ip, "6379"), DialTimeout: time.Second, ReadTimeout: time.Second, MaxRetries: -1})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func replication(c *redis.Client) map[string]string {
	info, err := c.InfoMap(context.Background(), "replication").Result()
	if err != nil {
		return nil
	}
	return info["Replication"]
}

// serveRedisCluster serves a 3-zone cluster with a real redis-server per instance until the test ends.
func serveRedisCluster(t *testing.T) (*awssim.Server, *awssim.ProcessNodes) {
	sc := &awssim.Scenario{
		ClockSpeed: 100, Redis: true,
		Images:          []awssim.ScenarioImage{{ID: amiOld}},
		InstanceTypes:   []awssim.ScenarioInstanceType{{Name: typeOld, Architectures: []string{"x86_64"}}},
		LaunchTemplates: []awssim.ScenarioLaunchTemplate{{Name: "redis", Versions: []awssim.ScenarioTemplateVersion{{ImageID: amiOld, InstanceType: typeOld}}}},
		Clusters: []awssim.ScenarioCluster{{Name: "sessions", Groups: []awssim.ScenarioGroup{
			{Name: "sessions-a", Zone: "us-east-1a", Size: 1, LaunchTemplate: "redis"},
			{Name: "sessions-b", Zone: "us-east-1b", Size: 1, LaunchTemplate: "redis"},
			{Name: "sessions-c", Zone: "us-east-1c", Size: 1, LaunchTemplate: "redis"},
		}}},
	}
	sim, procs, err := sc.Build(nil, t.TempDir())
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	srv := awssim.Serve(sim)
	t.Cleanup(srv.Close)
	return srv, procs
}

// syncedReplica matches a replica's INFO replication once its link to the primary is up and synced.
func syncedReplica() OmegaMatcher {
	return And(HaveKeyWithValue("role", "slave"), HaveKeyWithValue("master_link_status", "up"), HaveKeyWithValue("master_sync_in_progress", "0"))
}

// TestRealRedisNodesReplicateAndAReplacementSyncsTheData runs a real redis-server per instance.
func TestRealRedisNodesReplicateAndAReplacementSyncsTheData(t *testing.T) {
	g := NewWithT(t)
	srv, _ := serveRedisCluster(t)
	primary := redisAt(t, srv.GroupInstances("sessions-a")[0].PrivateIP)
	g.Expect(replication(primary)["role"]).To(Equal("master"), "the first node of the cluster is the primary")
	var replicas []*redis.Client
	for _, grp := range []string{"sessions-b", "sessions-c"} {
		replicas = append(replicas, redisAt(t, srv.GroupInstances(grp)[0].PrivateIP))
	}
	for _, r := range replicas {
		g.Eventually(func() map[string]string { return replication(r) }).WithTimeout(10 * time.Second).Should(syncedReplica())
	}

	g.Expect(primary.Set(ctx, "session:42", "alice", 0).Err()).To(Succeed())
	old := srv.GroupInstances("sessions-b")[0]
	asg := autoscaling.NewFromConfig(srv.SDKConfig())
	_, err := asg.TerminateInstanceInAutoScalingGroup(ctx, &autoscaling.TerminateInstanceInAutoScalingGroupInput{InstanceId: aws.String(old.ID), ShouldDecrementDesiredCapacity: aws.Bool(false)})
	g.Expect(err).NotTo(HaveOccurred())

	g.Eventually(func() error {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(old.PrivateIP, "6379"), 100*time.Millisecond)
		if err == nil {
			_ = c.Close()
		}
		return err
	}).WithTimeout(5*time.Second).Should(HaveOccurred(), "the terminated instance's redis-server is killed")

	var replacement awssim.Instance
	g.Eventually(func() string {
		insts := srv.GroupInstances("sessions-b")
		replacement = insts[len(insts)-1]
		return replacement.LifecycleState
	}).WithTimeout(10 * time.Second).Should(Equal(awssim.StateInService))
	g.Expect(replacement.ID).NotTo(Equal(old.ID))
	fresh := redisAt(t, replacement.PrivateIP)
	g.Eventually(func() map[string]string { return replication(fresh) }).WithTimeout(10 * time.Second).Should(And(
		HaveKeyWithValue("role", "slave"), HaveKeyWithValue("master_link_status", "up")))
	g.Eventually(func() string { return fresh.Get(ctx, "session:42").Val() }).WithTimeout(5*time.Second).Should(Equal("alice"),
		"the replacement synced the data from the primary")
}

func TestARestartedRedisServerComesBackEmptyAsAReplicaOfThePrimaryAndSyncs(t *testing.T) {
	g := NewWithT(t)
	srv, procs := serveRedisCluster(t)
	primary := redisAt(t, srv.GroupInstances("sessions-a")[0].PrivateIP)
	replica := srv.GroupInstances("sessions-b")[0]
	g.Expect(primary.Set(ctx, "session:7", "bob", 0).Err()).To(Succeed())
	g.Expect(procs.RestartRedis(replica.ID)).To(BeFalse(), "its redis-server still runs")

	procs.KillRedis(replica.ID)
	g.Expect(redisAt(t, replica.PrivateIP).Ping(ctx).Err()).To(HaveOccurred(), "killed")
	inst, _ := srv.Instance(replica.ID)
	g.Expect(inst.LifecycleState).To(Equal(awssim.StateInService), "a crash is not a termination")

	g.Expect(procs.RestartRedis(replica.ID)).To(BeTrue())
	restarted := redisAt(t, replica.PrivateIP)
	g.Eventually(func() map[string]string { return replication(restarted) }).WithTimeout(10 * time.Second).Should(syncedReplica())
	g.Expect(restarted.Get(ctx, "session:7").Val()).To(Equal("bob"), "the data came back from the primary")
}

func TestTheDynomiteStyleStatusEndpointReportsWarmUpThenHealthy(t *testing.T) {
	g := NewWithT(t)
	sc := &awssim.Scenario{
		ClockSpeed: 100, HTTPStatusPort: 8080, Delays: &awssim.ScenarioDelays{WarmUp: "100s"},
		Images:          []awssim.ScenarioImage{{ID: amiOld}},
		InstanceTypes:   []awssim.ScenarioInstanceType{{Name: typeOld, Architectures: []string{"x86_64"}}},
		LaunchTemplates: []awssim.ScenarioLaunchTemplate{{Name: "dyno", Versions: []awssim.ScenarioTemplateVersion{{ImageID: amiOld, InstanceType: typeOld}}}},
		Clusters:        []awssim.ScenarioCluster{{Name: "dyno", Groups: []awssim.ScenarioGroup{{Name: "dyno-a", Zone: "us-east-1a", Size: 1, LaunchTemplate: "dyno"}}}},
	}
	sim, procs, err := sc.Build(nil, t.TempDir())
	g.Expect(err).NotTo(HaveOccurred())
	srv := awssim.Serve(sim)
	defer srv.Close()
	inst := srv.GroupInstances("dyno-a")[0]
	status := func() awssim.DynomiteStatus {
		var st awssim.DynomiteStatus
		g.Expect(getJSON("http://"+net.JoinHostPort(inst.PrivateIP, "8080")+"/REST/v1/admin/status", &st)).To(Succeed())
		return st
	}
	g.Expect(status().WarmUpInProgress).To(BeTrue(), "a new node cold-bootstraps first")
	g.Eventually(status).WithTimeout(5 * time.Second).Should(Equal(awssim.DynomiteStatus{Healthy: true}))
	procs.SetBackup(inst.ID, true)
	g.Expect(status().BackupInProgress).To(BeTrue())
}

func TestTwoSimulatorsNeverShareALoopbackBlock(t *testing.T) {
	g := NewWithT(t)
	a := awssim.NewProcessNodes(awssim.NewManualClock(), t.TempDir())
	b := awssim.NewProcessNodes(awssim.NewManualClock(), t.TempDir())
	defer a.Close()
	defer b.Close()
	g.Expect(a.Address(1)).NotTo(Equal(b.Address(1)))
	blockOf := func(addr string) string { return strings.Join(strings.Split(addr, ".")[:2], ".") }
	g.Expect(blockOf(a.Address(1))).NotTo(Equal(blockOf(b.Address(1))), "each simulator holds its block while it runs")
	// The claim is held: listening on the block's .0.1 fails while the simulator runs.
	_, err := net.Listen("tcp", blockOf(a.Address(1))+".0.1:6379")
	g.Expect(err).To(HaveOccurred())
}
