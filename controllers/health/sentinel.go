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

package health

import (
	"fmt"
	"strings"
)

// Sentinel gates: cluster gates, one per question asked of every Sentinel of health.redis.sentinel.
const (
	// GateSentinelReachable: every Sentinel answers.
	GateSentinelReachable = "SentinelReachable"
	// GateSentinelMonitors: every Sentinel monitors a master of the spec's masterName.
	GateSentinelMonitors = "SentinelMonitors"
	// GateSentinelQuorum: every Sentinel says a failover could be authorized (SENTINEL CKQUORUM).
	GateSentinelQuorum = "SentinelQuorum"
	// GateSentinelAgrees: every Sentinel names the nodes' primary as the master and knows every replica up.
	GateSentinelAgrees = "SentinelAgrees"
)

// SentinelView is what one Sentinel said about the master it monitors under the spec's name.
type SentinelView struct {
	// Address is the Sentinel's host:port, as the spec names it.
	Address string
	// Err is set when the Sentinel could not be asked (nothing listening, AUTH refused, a timeout).
	Err error
	// Monitors says whether the Sentinel monitors a master of that name; the fields below are read only then.
	Monitors bool
	// Primary is the master's address (ip:port) as the Sentinel names it (SENTINEL GET-MASTER-ADDR-BY-NAME):
	// during a failover, the replica it promotes as soon as it has seen the promotion.
	Primary string
	// FailoverInProgress: the Sentinel runs a failover of the master (its flags say failover_in_progress).
	FailoverInProgress bool
	// NoQuorum is SENTINEL CKQUORUM's refusal ("NOQUORUM ..."), empty when a failover could be authorized.
	NoQuorum string
	// Replicas are the replicas the Sentinel knows, by address (ip:port).
	Replicas map[string]SentinelReplica
}

// SentinelReplica is one replica as a Sentinel sees it.
type SentinelReplica struct {
	// Flags are the Sentinel's flags for it (slave, s_down, disconnected, ...).
	Flags string
}

// Down says whether the Sentinel sees the replica down or cannot talk to it: it would not promote it.
func (r SentinelReplica) Down() bool {
	for _, f := range strings.Split(r.Flags, ",") {
		if f == "s_down" || f == "o_down" || f == "disconnected" {
			return true
		}
	}
	return false
}

// SentinelFailoverRunning says whether a master's flags (SENTINEL MASTER's "flags") show a failover in
// progress.
func SentinelFailoverRunning(flags string) bool {
	for _, f := range strings.Split(flags, ",") {
		if f == "failover_in_progress" {
			return true
		}
	}
	return false
}

// SentinelNode is a serving node as the Sentinel gates compare it: its instance and its Redis address.
type SentinelNode struct {
	InstanceID string
	Address    string
}

// SentinelGates evaluates the Sentinel gates: every Sentinel answers, monitors masterName, can reach its
// quorum, and names primary (the nodes' one primary; nil when they do not have exactly one) as the master
// and every one of replicas as a replica it sees up. A Sentinel that does not answer is left out of the
// later gates, unless none answers: then they all fail.
func SentinelGates(views []SentinelView, masterName string, primary *SentinelNode, replicas []SentinelNode) []Result {
	reachable := pass(GateSentinelReachable, "")
	var answering []SentinelView
	for _, v := range views {
		if v.Err != nil {
			if reachable.OK {
				reachable = fail(GateSentinelReachable, "", "Unreachable", fmt.Sprintf("Sentinel %s does not answer: %v", v.Address, v.Err))
			}
			continue
		}
		answering = append(answering, v)
	}
	if len(answering) == 0 {
		message := "no Sentinel answers"
		return []Result{reachable, fail(GateSentinelMonitors, "", "Unreachable", message), fail(GateSentinelQuorum, "", "Unreachable", message),
			fail(GateSentinelAgrees, "", "Unreachable", message)}
	}
	monitors, quorum, agrees := pass(GateSentinelMonitors, ""), pass(GateSentinelQuorum, ""), pass(GateSentinelAgrees, "")
	for _, v := range answering {
		if !v.Monitors {
			if monitors.OK {
				monitors = fail(GateSentinelMonitors, "", "UnknownMaster", fmt.Sprintf("Sentinel %s monitors no master named %s", v.Address, masterName))
			}
			continue
		}
		if v.NoQuorum != "" && quorum.OK {
			quorum = fail(GateSentinelQuorum, "", "NoQuorum", fmt.Sprintf("Sentinel %s cannot reach its quorum for %s: %s", v.Address, masterName, v.NoQuorum))
		}
		if agrees.OK {
			agrees = sentinelAgrees(v, masterName, primary, replicas)
		}
	}
	return []Result{reachable, monitors, quorum, agrees}
}

// sentinelAgrees compares one Sentinel's view with the nodes: the same primary, and every replica known
// and up (a replica it does not know or sees down is one it could not promote).
func sentinelAgrees(v SentinelView, masterName string, primary *SentinelNode, replicas []SentinelNode) Result {
	if primary == nil {
		return fail(GateSentinelAgrees, "", "NoPrimary", fmt.Sprintf("Sentinel %s names %s as the primary of %s, but the nodes do not have exactly one primary", v.Address, v.Primary, masterName))
	}
	if v.Primary != primary.Address {
		return fail(GateSentinelAgrees, "", "OtherPrimary", fmt.Sprintf("Sentinel %s names %s as the primary of %s, but the nodes' primary is %s at %s",
			v.Address, v.Primary, masterName, primary.InstanceID, primary.Address))
	}
	for _, r := range replicas {
		seen, known := v.Replicas[r.Address]
		switch {
		case !known:
			return fail(GateSentinelAgrees, "", "ReplicaUnknown", fmt.Sprintf("Sentinel %s does not list replica %s at %s among the replicas of %s yet (it learns of them from the primary's INFO)",
				v.Address, r.InstanceID, r.Address, masterName))
		case seen.Down():
			return fail(GateSentinelAgrees, "", "ReplicaDown", fmt.Sprintf("Sentinel %s sees replica %s at %s as down (%s)", v.Address, r.InstanceID, r.Address, seen.Flags))
		}
	}
	return pass(GateSentinelAgrees, "")
}
