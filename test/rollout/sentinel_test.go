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

package rollout_test

import (
	"bytes"
	"context"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
	"github.com/cache-remediator/cache-remediator/test/envtestutil"
	"github.com/cache-remediator/cache-remediator/test/redisload"
	"github.com/cache-remediator/cache-remediator/test/redissentinel"
)

// startSentinels runs three real Sentinels (quorum 2) on the cluster's service address, monitoring its
// primary as the policy's name.
func startSentinels(c *simCluster, primary awssim.Instance) *redissentinel.Group {
	group, err := redissentinel.Start(GinkgoT().TempDir(), c.procs.ServiceAddress(), c.policy, net.JoinHostPort(primary.PrivateIP, "6379"), 3, 2)
	Expect(err).NotTo(HaveOccurred(), "the Sentinel tests need real Sentinels")
	DeferCleanup(group.Stop)
	return group
}

func sentinelHealth(group *redissentinel.Group) v1.HealthSpec {
	return v1.HealthSpec{Redis: &v1.RedisHealth{Sentinel: &v1.RedisSentinel{Addresses: group.Addresses(), MasterName: group.MasterName}}}
}

// commandCalls reads how often a node's redis-server ran a command ("" counts as unreachable: -1).
func commandCalls(ip, command string) int {
	c := redisClient(ip)
	defer c.Close()
	stats, err := c.Info(context.Background(), "commandstats").Result()
	if err != nil {
		return -1
	}
	return redissentinel.CommandCalls(stats, command)
}

// sentinelWitness records, at the moment of every termination call, the role of the node being terminated,
// what every Sentinel named as the primary, and how often the node had run a plain FAILOVER.
type sentinelWitness struct {
	mu        sync.Mutex
	roles     map[string]string
	named     map[string][]string
	failovers map[string]int
}

func witnessSentinels(c *simCluster, group *redissentinel.Group) *sentinelWitness {
	w := &sentinelWitness{roles: map[string]string{}, named: map[string][]string{}, failovers: map[string]int{}}
	c.srv.SetHooks(func(call awssim.Call) {
		if call.Action != "TerminateInstanceInAutoScalingGroup" {
			return
		}
		id := call.Params.Get("InstanceId")
		named := group.Named()
		w.mu.Lock()
		defer w.mu.Unlock()
		w.named[id] = named
		for _, inst := range c.instances() {
			if inst.ID == id {
				w.roles[id] = role(inst.PrivateIP)
				w.failovers[id] = commandCalls(inst.PrivateIP, "failover")
			}
		}
	}, nil)
	return w
}

// watchKubectl follows the policy with `kubectl get rp -o wide -w`, as a user would; the returned func
// stops it and gives what kubectl printed.
func watchKubectl(p *v1.RemediationPolicy) func() string {
	var out bytes.Buffer
	cmd := envtestutil.Kubectl(kubeconfigOf(), "get", "rp", "-n", p.Namespace, p.Name, "-o", "wide", "-w")
	cmd.Stdout, cmd.Stderr = &out, &out
	Expect(cmd.Start()).To(Succeed())
	return func() string {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return out.String()
	}
}

var _ = Describe("A Sentinel-watched Redis cluster", func() {
	It("is rolled with the primary handed off through SENTINEL FAILOVER, every Sentinel naming the new primary before the old node goes, and no acknowledged write lost", func() {
		c := newCluster("sessions", clusterOptions{redis: true, tagged: true})
		original := c.instances()
		Expect(role(original[0].PrivateIP)).To(Equal("master"))
		sentinels := startSentinels(c, original[0])
		seen := witnessSentinels(c, sentinels)
		// The writers are Sentinel clients: they ask the Sentinels for the primary whenever a write fails.
		writes := redisload.Start("write", sentinels.Primary)

		policy := c.policyFor(goalNew, sentinelHealth(sentinels))
		statuses := recordStatuses(c.ns)
		Expect(env.Client.Create(ctx, policy)).To(Succeed())
		kubectl := watchKubectl(policy)
		ctl := startController(c, false)
		defer ctl.stop()
		Eventually(phaseOf(policy)).WithTimeout(90 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		res, err := writes.Finish()
		Expect(err).NotTo(HaveOccurred())
		GinkgoWriter.Printf("kubectl get rp -o wide -w:\n%s\nwrites: %d acknowledged, %d lost, longest write gap %s\n", kubectl(), res.Acknowledged, res.Lost, res.LongestGap)
		describe, _ := envtestutil.Kubectl(kubeconfigOf(), "describe", "rp", "-n", policy.Namespace, policy.Name).CombinedOutput()
		GinkgoWriter.Printf("kubectl describe rp:\n%s\n", describe)

		By("replacing the replicas, then the former primary, each original node once")
		Expect(c.terminations()).To(Equal([]string{original[1].ID, original[2].ID, original[0].ID}))
		for _, inst := range c.instances() {
			Expect(inst.ImageID).To(Equal(amiNew))
		}

		By("failing over through Sentinel, once, and never sending a plain FAILOVER to a node")
		epochs, err := sentinels.ConfigEpochs()
		Expect(err).NotTo(HaveOccurred())
		Expect(epochs).To(Equal([]string{"1", "1", "1"}), "every Sentinel has the configuration of exactly one Sentinel failover")
		Expect(seen.failovers[original[0].ID]).To(Equal(0), "the old primary never ran FAILOVER")
		for _, inst := range c.instances() {
			Expect(commandCalls(inst.PrivateIP, "failover")).To(Equal(0), inst.ID)
		}

		By("terminating the former primary only once it was a synced replica and every Sentinel named another node")
		Expect(seen.roles[original[0].ID]).To(Equal("slave"))
		oldAddress := net.JoinHostPort(original[0].PrivateIP, "6379")
		for _, named := range seen.named[original[0].ID] {
			Expect(named).NotTo(BeEmpty())
			Expect(named).NotTo(Equal(oldAddress))
			Expect(named).To(Equal(seen.named[original[0].ID][0]), "the Sentinels agree")
		}

		By("saying which replica Sentinel promoted, and whether it was the one predicted")
		final := get(policy)
		var handedOff string
		for _, e := range events(final) {
			if e.Reason == "PrimaryHandedOff" {
				handedOff = e.Note
			}
		}
		Expect(handedOff).To(MatchRegexp(`^Sentinel moved the primary role of sessions from %s to i-\w+(, as predicted| \(the prediction was i-\w+: .*\))$`, original[0].ID))

		By("leaving the Sentinels agreeing with the new nodes: the new primary, and every new replica known and up")
		primary := sentinels.Primary()
		for _, named := range sentinels.Named() {
			Expect(named).To(Equal(primary))
		}
		for i := range sentinels.Addresses() {
			replicas, err := sentinels.Replicas(i)
			Expect(err).NotTo(HaveOccurred())
			for _, inst := range c.instances() {
				if address := net.JoinHostPort(inst.PrivateIP, "6379"); address != primary {
					Expect(replicas).To(HaveKey(address))
					Expect(replicas[address]).NotTo(ContainSubstring("s_down"))
				}
			}
		}

		By("never blocking on a Sentinel that has not heard of a new replica yet: the replacement waits for it")
		for _, st := range statuses() {
			Expect(st.Phase).NotTo(Equal(v1.PhaseBlocked), "blocked by %s", st.BlockedBy)
		}

		By("losing no acknowledged write")
		Expect(res.Acknowledged).To(BeNumerically(">", 100))
		Expect(res.Lost).To(Equal(0))
		Expect(final.Status.Updated).To(Equal("3/3"))
	})

	It("is Blocked with SentinelUnreachable, and nothing is touched, while a Sentinel address has nothing listening", func() {
		c := newCluster("nosentinel", clusterOptions{redis: true, tagged: true})
		nowhere := net.JoinHostPort(c.procs.ServiceAddress(), "26390")
		policy := c.policyFor(goalNew, v1.HealthSpec{Redis: &v1.RedisHealth{Sentinel: &v1.RedisSentinel{Addresses: []string{nowhere}, MasterName: "nosentinel"}}})
		Expect(env.Client.Create(ctx, policy)).To(Succeed())
		ctl := startController(c, false)
		defer ctl.stop()
		Eventually(func() string { return get(policy).Status.BlockedBy }).WithTimeout(20 * time.Second).Should(Equal(v1.ReasonSentinelUnreachable))
		got := get(policy)
		Expect(got.Status.Phase).To(Equal(v1.PhaseBlocked))
		ready := meta.FindStatusCondition(got.Status.Conditions, v1.ConditionReady)
		Expect(ready.Reason).To(Equal(v1.ReasonSentinelUnreachable))
		Expect(ready.Message).To(HavePrefix("SentinelReachable on the cluster: Sentinel " + nowhere + " does not answer: dial tcp " + nowhere))
		Expect(ready.Message).To(ContainSubstring("connection refused"))
		kubeconfig := kubeconfigOf()
		wide, _ := envtestutil.Kubectl(kubeconfig, "get", "rp", "-n", policy.Namespace, policy.Name, "-o", "wide").CombinedOutput()
		why, _ := envtestutil.Kubectl(kubeconfig, "get", "rp", "-n", policy.Namespace, policy.Name, "-o", `jsonpath={.status.conditions[?(@.type=="Ready")].message}`).CombinedOutput()
		GinkgoWriter.Printf("kubectl get rp -o wide:\n%s\nkubectl get rp -o jsonpath=Ready's message:\n%s\n", wide, why)
		// Longer than the blocked requeue (fastPoll.Blocked) several times over: the controller looks again
		// within it and still touches nothing.
		Consistently(c.mutatingCalls).WithTimeout(6 * fastPoll.Blocked).Should(BeEmpty())
		for _, inst := range c.instances() {
			Expect(commandCalls(inst.PrivateIP, "client|pause")).To(Equal(0), "no Redis command either")
			Expect(commandCalls(inst.PrivateIP, "replicaof")).To(Equal(0))
		}
	})

	It("is refused at admission, with kubectl saying why, when its master name is empty or an address is not host:port", func() {
		manifest := `apiVersion: remediation.cache-remediator.io/v1alpha1
kind: RemediationPolicy
metadata: {name: sessions-redis, namespace: default}
spec:
  target: {autoScalingGroups: {names: [sessions-a, sessions-b, sessions-c]}}
  desired: {imageId: ami-0123456789abcdef0, instanceType: r6g.large}
  health:
    redis:
      sentinel: {masterName: "", addresses: ["10.0.0.5:26379", "10.0.0.6", "10.0.0.7:263790"]}
`
		cmd := envtestutil.Kubectl(kubeconfigOf(), "apply", "-f", "-")
		cmd.Stdin = strings.NewReader(manifest)
		out, err := cmd.CombinedOutput()
		Expect(err).To(HaveOccurred(), "kubectl apply succeeded: %s", out)
		GinkgoWriter.Printf("kubectl apply:\n%s\n", out)
		Expect(string(out)).To(ContainSubstring(`spec.health.redis.sentinel.addresses[1]: Invalid value: "10.0.0.6": health.redis.sentinel.addresses must be host:port with a port from 1 to 65535`))
		Expect(string(out)).To(ContainSubstring(`spec.health.redis.sentinel.addresses[2]: Invalid value: "10.0.0.7:263790"`))
		Expect(string(out)).To(ContainSubstring(`spec.health.redis.sentinel.masterName: Invalid value: "": health.redis.sentinel.masterName must be the name the Sentinels monitor the primary under`))
	})
})

// kubeconfigOf writes a kubeconfig for the test API server.
func kubeconfigOf() string {
	kubeconfig := filepath.Join(GinkgoT().TempDir(), "kubeconfig")
	Expect(env.WriteKubeconfig(kubeconfig)).To(Succeed())
	return kubeconfig
}
