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

package health_test

import (
	"errors"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/cache-remediator/cache-remediator/controllers/health"
)

func TestSentinelGates(t *testing.T) {
	primary := &health.SentinelNode{InstanceID: "i-a", Address: "10.0.0.1:6379"}
	replicas := []health.SentinelNode{{InstanceID: "i-b", Address: "10.0.0.2:6379"}, {InstanceID: "i-c", Address: "10.0.0.3:6379"}}
	agreeing := func(address string, mutate func(*health.SentinelView)) health.SentinelView {
		v := health.SentinelView{Address: address, Monitors: true, Primary: "10.0.0.1:6379", Replicas: map[string]health.SentinelReplica{
			"10.0.0.2:6379": {Flags: "slave"}, "10.0.0.3:6379": {Flags: "slave"}, "10.0.0.9:6379": {Flags: "s_down,slave,disconnected"}}}
		mutate(&v)
		return v
	}
	same := func(*health.SentinelView) {}
	cases := []struct {
		name    string
		views   []health.SentinelView
		primary *health.SentinelNode
		failed  string // the gate that fails first, "" when all hold
		reason  string
		message string
	}{
		{"three Sentinels that name the nodes' primary and know every replica up hold every gate, whatever down replicas they still list",
			[]health.SentinelView{agreeing("s1:26379", same), agreeing("s2:26379", same), agreeing("s3:26379", same)}, primary, "", "", ""},
		{"a Sentinel with nothing listening fails reachability, naming it and the error",
			[]health.SentinelView{agreeing("s1:26379", same), {Address: "s2:26379", Err: errors.New("dial tcp s2:26379: connect: connection refused")}}, primary,
			health.GateSentinelReachable, "Unreachable", "Sentinel s2:26379 does not answer: dial tcp s2:26379: connect: connection refused"},
		{"a Sentinel that monitors no master of that name fails the monitoring gate",
			[]health.SentinelView{agreeing("s1:26379", func(v *health.SentinelView) { *v = health.SentinelView{Address: v.Address} })}, primary,
			health.GateSentinelMonitors, "UnknownMaster", "Sentinel s1:26379 monitors no master named sessions"},
		{"a Sentinel that cannot reach its quorum fails the quorum gate with its own words",
			[]health.SentinelView{agreeing("s1:26379", func(v *health.SentinelView) { v.NoQuorum = "NOQUORUM 1 usable Sentinels" })}, primary,
			health.GateSentinelQuorum, "NoQuorum", "Sentinel s1:26379 cannot reach its quorum for sessions: NOQUORUM 1 usable Sentinels"},
		{"a Sentinel that names another primary than the nodes' disagrees",
			[]health.SentinelView{agreeing("s1:26379", same), agreeing("s2:26379", func(v *health.SentinelView) { v.Primary = "10.0.0.2:6379" })}, primary,
			health.GateSentinelAgrees, "OtherPrimary", "Sentinel s2:26379 names 10.0.0.2:6379 as the primary of sessions, but the nodes' primary is i-a at 10.0.0.1:6379"},
		{"a Sentinel on a cluster without a single primary disagrees",
			[]health.SentinelView{agreeing("s1:26379", same)}, nil, health.GateSentinelAgrees, "NoPrimary", "the nodes do not have exactly one primary"},
		{"a Sentinel that has not learnt of a new replica yet disagrees",
			[]health.SentinelView{agreeing("s1:26379", func(v *health.SentinelView) { delete(v.Replicas, "10.0.0.3:6379") })}, primary,
			health.GateSentinelAgrees, "ReplicaUnknown", "Sentinel s1:26379 does not list replica i-c at 10.0.0.3:6379 among the replicas of sessions"},
		{"a Sentinel that sees a serving replica down disagrees",
			[]health.SentinelView{agreeing("s1:26379", func(v *health.SentinelView) {
				v.Replicas["10.0.0.2:6379"] = health.SentinelReplica{Flags: "slave,s_down"}
			})}, primary,
			health.GateSentinelAgrees, "ReplicaDown", "Sentinel s1:26379 sees replica i-b at 10.0.0.2:6379 as down (slave,s_down)"},
		{"when no Sentinel answers, every Sentinel gate fails rather than hold on nothing",
			[]health.SentinelView{{Address: "s1:26379", Err: errors.New("i/o timeout")}}, primary, health.GateSentinelReachable, "Unreachable", "i/o timeout"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			results := health.SentinelGates(c.views, "sessions", c.primary, replicas)
			g.Expect(results).To(HaveLen(4), "every gate has a result, so status.gates always lists them")
			r, failed := health.FirstFailure(results)
			if c.failed == "" {
				g.Expect(failed).To(BeFalse(), "%+v", r)
				return
			}
			g.Expect(failed).To(BeTrue())
			g.Expect(r.Gate).To(Equal(c.failed))
			g.Expect(r.Reason).To(Equal(c.reason))
			g.Expect(r.Message).To(ContainSubstring(c.message))
			g.Expect(r.InstanceID).To(BeEmpty(), "Sentinel gates are cluster gates")
		})
	}
}

func TestWhenNoSentinelAnswersTheLaterGatesFailToo(t *testing.T) {
	g := NewWithT(t)
	results := health.SentinelGates([]health.SentinelView{{Address: "s1:26379", Err: errors.New("refused")}}, "sessions", nil, nil)
	for _, r := range results {
		g.Expect(r.OK).To(BeFalse(), r.Gate)
	}
}

func TestParseRedisInfoReadsTheReplicaPriority(t *testing.T) {
	g := NewWithT(t)
	info := health.ParseRedisInfo(map[string]string{"role": "slave", "slave_priority": "0"}, nil, nil)
	g.Expect(info.NeverPromoted).To(BeTrue())
	info = health.ParseRedisInfo(map[string]string{"role": "slave", "slave_priority": "10"}, nil, nil)
	g.Expect(info.ReplicaPriority).To(Equal(10))
	g.Expect(info.NeverPromoted).To(BeFalse())
	info = health.ParseRedisInfo(map[string]string{"role": "master"}, nil, nil)
	g.Expect(info.NeverPromoted).To(BeFalse(), "a node that reports no priority is not excluded")
}

func TestASentinelReplicaIsDownWhenSentinelSaysSoOrCannotTalkToIt(t *testing.T) {
	g := NewWithT(t)
	g.Expect(health.SentinelReplica{Flags: "slave"}.Down()).To(BeFalse())
	g.Expect(health.SentinelReplica{Flags: "slave,disconnected"}.Down()).To(BeTrue())
	g.Expect(health.SentinelReplica{Flags: "s_down,slave"}.Down()).To(BeTrue())
	g.Expect(health.SentinelFailoverRunning("master,failover_in_progress,force_failover")).To(BeTrue())
	g.Expect(health.SentinelFailoverRunning("master")).To(BeFalse())
}
