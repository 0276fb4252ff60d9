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

package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
)

// elastiCacheGroup is the replication group (and policy) of the ElastiCache roll.
const elastiCacheGroup = "sessions-ec"

// elastiCacheOperations are the ElastiCache operations the policy starts, each of which must be issued
// exactly once however often the manager dies.
var elastiCacheOperations = []string{"CreateSnapshot", "ModifyReplicationGroup", "BatchApplyUpdateAction"}

// runElastiCacheRoll snapshots a replication group, changes its node type and applies a service update,
// with the manager killed again and again and the AWS faults; the first call of each operation either
// kills the manager inside it or is applied with its answer lost, in turn from a random start. Then it
// checks that each operation was issued once and the policy succeeded.
func (c *campaign) runElastiCacheRoll(ctx context.Context, spec rollSpec) (*report, error) {
	ns := namespace(spec)
	r, err := c.startRoll(spec, elastiCacheAccount(ns, elastiCacheGroup))
	if err != nil {
		return nil, err
	}
	defer r.close()
	killIn := map[string]bool{}
	var lost []awssim.Fault
	var modes []string
	first := r.rng.Intn(2)
	for i, op := range elastiCacheOperations {
		if (i+first)%2 == 0 {
			killIn[op] = true
			modes = append(modes, op+": manager killed inside its first call")
			continue
		}
		lost = append(lost, awssim.Fault{Service: "elasticache", Action: op, Count: 1, AfterApply: true,
			Status: http.StatusInternalServerError, Code: "InternalFailure"})
		modes = append(modes, op+": its first call applied, the answer lost")
	}
	err = r.begin(elastiCachePolicy(ns, elastiCacheGroup), func(k *managerKiller, call awssim.Call) {
		if killIn[call.Action] {
			k.KillDuring(call.Action)
		}
	}, lost...)
	if err != nil {
		return nil, err
	}
	watchErr := r.watch(ctx, func() bool { return true })
	took := time.Since(r.started)
	r.stopChaos()

	rep := &report{spec: spec, took: took, started: r.started, kills: r.killer.Kills(), logDir: r.dir}
	policy := r.Latest()
	rep.phase = describe(policy)
	calls := r.srv.Calls()
	rep.faults = append(faultCounts(calls), modes...)
	exits, startErrs := r.killer.Exits()
	rep.checks = append(rep.checks, checkKills(rep.kills, c.o.killsPerRoll, exits, startErrs)...)
	if watchErr != nil {
		rep.checks = append(rep.checks, violation("roll ended", time.Now(), "%v; last: %s", watchErr, rep.phase))
	}
	for _, op := range elastiCacheOperations {
		rep.checks = append(rep.checks, checkIssuedOnce(calls, op, r.realTime))
	}
	rep.checks = append(rep.checks, checkElastiCacheEnd(r.srv, policy))
	r.end(rep)
	return rep, nil
}

// checkElastiCacheEnd: the policy succeeded, and the group is available on the new node type.
func checkElastiCacheEnd(srv *awssim.Server, p *v1.RemediationPolicy) check {
	const name = "policy Succeeded, group on the new type"
	rg, _, _ := srv.ReplicationGroupState(elastiCacheGroup)
	detail := fmt.Sprintf("%s; group %s on %s", describe(p), rg.Status, rg.NodeType)
	if p.Status.Phase != v1.PhaseSucceeded || rg.Status != "available" || rg.NodeType != cacheNew {
		return violation(name, time.Time{}, "%s", detail)
	}
	return pass(name, "%s", detail)
}
