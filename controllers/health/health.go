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

// Package health turns what the probes read from cache nodes (Redis INFO, a Dynomite-Manager-style HTTP
// status endpoint) into gate results. It is pure: the probes that do the I/O are in package probe.
package health

import "time"

// Gate names, as they appear in status.gates and in blocking reasons.
const (
	GateInService             = "InService"
	GateEC2Status             = "EC2Status"
	GateRedisReachable        = "RedisReachable"
	GateRedisReplication      = "RedisReplication"
	GateRedisPersistence      = "RedisPersistence"
	GateHTTPStatus            = "HTTPStatus"
	GateCapacity              = "Capacity"
	GateSinglePrimary         = "SinglePrimary"
	GateReplicasFollowPrimary = "ReplicasFollowPrimary"
)

// Result is one gate's verdict on one node (or the cluster when InstanceID is empty).
type Result struct {
	Gate       string
	InstanceID string
	OK         bool
	// Reason is a CamelCase word; Message says what was seen, for a human.
	Reason  string
	Message string
	// NotBefore, when set, is the earliest the gate can have held: the start of the process it reads (a
	// Redis that restarted). The gate memory never dates a node's health before it, so a crash that no look
	// saw (the controller was down) still restarts the node's stableFor.
	NotBefore time.Time
}

func pass(gate, id string) Result {
	return Result{Gate: gate, InstanceID: id, OK: true, Reason: "Healthy"}
}

func fail(gate, id, reason, message string) Result {
	return Result{Gate: gate, InstanceID: id, Reason: reason, Message: message}
}

// FirstFailure returns the first result that does not hold, if any.
func FirstFailure(results []Result) (Result, bool) {
	for _, r := range results {
		if !r.OK {
			return r, true
		}
	}
	return Result{}, false
}
