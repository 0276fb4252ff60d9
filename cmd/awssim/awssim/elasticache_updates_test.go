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
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	. "github.com/onsi/gomega"

	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
)

const update = "elc-20260101-001"

// actionOf describes the update action of a group with node-level status.
func actionOf(g Gomega, ec *elasticache.Client, rg string) ectypes.UpdateAction {
	out, err := ec.DescribeUpdateActions(ctx, &elasticache.DescribeUpdateActionsInput{ReplicationGroupIds: []string{rg}, ServiceUpdateName: str(update), ShowNodeLevelUpdateStatus: aws.Bool(true)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.UpdateActions).To(HaveLen(1))
	return out.UpdateActions[0]
}

// nodeStatuses maps each member to its node update status.
func nodeStatuses(a ectypes.UpdateAction) map[string]ectypes.NodeUpdateStatus {
	out := map[string]ectypes.NodeUpdateStatus{}
	for _, ng := range a.NodeGroupUpdateStatus {
		for _, m := range ng.NodeGroupMemberUpdateStatus {
			out[aws.ToString(m.CacheClusterId)] = m.NodeUpdateStatus
		}
	}
	return out
}

func TestAServiceUpdateWaitsToStartThenUpdatesOneNodeAtATimeReplicasFirstThenThePrimaryAfterAFailover(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	a := actionOf(g, f.ec, "sessions")
	g.Expect(a.UpdateActionStatus).To(Equal(ectypes.UpdateActionStatusNotApplied))
	g.Expect(aws.ToString(a.NodesUpdated)).To(Equal("0/3"))
	g.Expect(a.ServiceUpdateSeverity).To(Equal(ectypes.ServiceUpdateSeverityCritical))
	g.Expect(a.ServiceUpdateType).To(Equal(ectypes.ServiceUpdateTypeSecurityUpdate))
	g.Expect(aws.ToString(a.Engine)).To(Equal("redis"))
	g.Expect(aws.ToString(a.EstimatedUpdateTime)).To(Equal("30 minutes per node"))
	g.Expect(a.ServiceUpdateRecommendedApplyByDate).NotTo(BeNil())

	applied, err := f.ec.BatchApplyUpdateAction(ctx, &elasticache.BatchApplyUpdateActionInput{ReplicationGroupIds: []string{"sessions", "other"}, ServiceUpdateName: str(update)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(applied.ProcessedUpdateActions).To(HaveLen(1))
	g.Expect(applied.ProcessedUpdateActions[0].UpdateActionStatus).To(Equal(ectypes.UpdateActionStatusWaitingToStart))
	g.Expect(applied.UnprocessedUpdateActions).To(HaveLen(1))
	g.Expect(aws.ToString(applied.UnprocessedUpdateActions[0].ReplicationGroupId)).To(Equal("other"))
	g.Expect(aws.ToString(applied.UnprocessedUpdateActions[0].ErrorType)).NotTo(BeEmpty())
	a = actionOf(g, f.ec, "sessions")
	g.Expect(a.UpdateActionStatus).To(Equal(ectypes.UpdateActionStatusWaitingToStart))
	g.Expect(nodeStatuses(a)).To(HaveKeyWithValue("sessions-001", ectypes.NodeUpdateStatusWaitingToStart))
	g.Expect(a.NodeGroupUpdateStatus[0].NodeGroupMemberUpdateStatus[0].NodeUpdateInitiatedBy).To(Equal(ectypes.NodeUpdateInitiatedByCustomer))

	// One node at a time: the two replicas, then the primary.
	expect := []map[string]ectypes.NodeUpdateStatus{
		{"sessions-002": "in-progress", "sessions-003": "waiting-to-start", "sessions-001": "waiting-to-start"},
		{"sessions-002": "complete", "sessions-003": "in-progress", "sessions-001": "waiting-to-start"},
		{"sessions-002": "complete", "sessions-003": "complete", "sessions-001": "in-progress"},
	}
	for i, want := range expect {
		f.step(map[bool]time.Duration{true: time.Minute + time.Second, false: 5 * time.Minute}[i == 0])
		a = actionOf(g, f.ec, "sessions")
		g.Expect(a.UpdateActionStatus).To(Equal(ectypes.UpdateActionStatusInProgress), "step %d", i)
		g.Expect(nodeStatuses(a)).To(Equal(want), "step %d", i)
		g.Expect(aws.ToString(a.NodesUpdated)).To(Equal(fmt.Sprintf("%d/3", i)))
		o := observe(g, f.ec, "sessions")
		g.Expect(o.status).To(Equal("available"), "the group stays available during an update")
		for id, st := range want {
			wantStatus := map[ectypes.NodeUpdateStatus]string{"in-progress": "modifying"}[st]
			if wantStatus == "" {
				wantStatus = "available"
			}
			g.Expect(aws.ToString(o.members[id].CacheClusterStatus)).To(Equal(wantStatus), "step %d %s", i, id)
		}
	}
	_, members, _ := f.srv.ReplicationGroupState("sessions")
	g.Expect(members[0].Role).To(Equal("replica"), "the primary was failed over before its update")
	g.Expect(members[1].Role).To(Equal("primary"))
	evs, err := f.ec.DescribeEvents(ctx, &elasticache.DescribeEventsInput{SourceIdentifier: str("sessions"), SourceType: ectypes.SourceTypeReplicationGroup})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(messages(evs.Events)).To(ContainElement("Failover from primary node sessions-001 to replica node sessions-002 completed"))
	_, err = f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("sessions"), CacheNodeType: str(cacheNew), ApplyImmediately: aws.Bool(true)})
	var member *ectypes.InvalidCacheClusterStateFault
	g.Expect(errors.As(err, &member)).To(BeTrue(), "a node is being updated: %v", err)

	f.step(5 * time.Minute)
	a = actionOf(g, f.ec, "sessions")
	g.Expect(a.UpdateActionStatus).To(Equal(ectypes.UpdateActionStatusComplete))
	g.Expect(aws.ToString(a.NodesUpdated)).To(Equal("3/3"))
	g.Expect(a.SlaMet).To(Equal(ectypes.SlaMetYes))
	g.Expect(aws.ToTime(a.UpdateActionStatusModifiedDate)).To(Equal(awssim.SimEpoch.Add(16*time.Minute)), "it started a minute after the call; three nodes of 5 minutes")
	var starts []time.Time
	for _, id := range []string{"sessions-002", "sessions-003", "sessions-001"} {
		for _, m := range a.NodeGroupUpdateStatus[0].NodeGroupMemberUpdateStatus {
			if aws.ToString(m.CacheClusterId) == id {
				g.Expect(m.NodeUpdateStatus).To(Equal(ectypes.NodeUpdateStatusComplete))
				g.Expect(aws.ToTime(m.NodeUpdateEndDate).Sub(aws.ToTime(m.NodeUpdateStartDate))).To(Equal(5 * time.Minute))
				starts = append(starts, aws.ToTime(m.NodeUpdateStartDate))
			}
		}
	}
	g.Expect(starts[0].Before(starts[1]) && starts[1].Before(starts[2])).To(BeTrue(), "%v", starts)
	g.Expect(observe(g, f.ec, "sessions").members["sessions-001"].CacheClusterStatus).To(Equal(str("available")))
}

func TestStoppingAServiceUpdateFinishesTheNodeInProgressAndRollsNothingBack(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	_, err := f.ec.BatchApplyUpdateAction(ctx, &elasticache.BatchApplyUpdateActionInput{ReplicationGroupIds: []string{"sessions"}, ServiceUpdateName: str(update)})
	g.Expect(err).NotTo(HaveOccurred())
	f.step(7 * time.Minute) // 002 done, 003 in progress
	stopped, err := f.ec.BatchStopUpdateAction(ctx, &elasticache.BatchStopUpdateActionInput{ReplicationGroupIds: []string{"sessions"}, ServiceUpdateName: str(update)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(stopped.ProcessedUpdateActions).To(HaveLen(1))
	g.Expect(stopped.ProcessedUpdateActions[0].UpdateActionStatus).To(Equal(ectypes.UpdateActionStatusStopping))
	calls := f.srv.Calls()
	g.Expect(calls[len(calls)-1].Mutating()).To(BeTrue())
	a := actionOf(g, f.ec, "sessions")
	g.Expect(a.UpdateActionStatus).To(Equal(ectypes.UpdateActionStatusStopping))
	g.Expect(nodeStatuses(a)).To(Equal(map[string]ectypes.NodeUpdateStatus{"sessions-002": "complete", "sessions-003": "in-progress", "sessions-001": "stopping"}))

	f.step(5 * time.Minute)
	a = actionOf(g, f.ec, "sessions")
	g.Expect(a.UpdateActionStatus).To(Equal(ectypes.UpdateActionStatusStopped))
	g.Expect(nodeStatuses(a)).To(Equal(map[string]ectypes.NodeUpdateStatus{"sessions-002": "complete", "sessions-003": "complete", "sessions-001": "stopped"}),
		"the node in progress finished, the updated ones stay updated")
	g.Expect(aws.ToString(a.NodesUpdated)).To(Equal("2/3"))
	g.Expect(a.SlaMet).To(Equal(ectypes.SlaMetNo))
	out, err := f.ec.DescribeUpdateActions(ctx, &elasticache.DescribeUpdateActionsInput{UpdateActionStatus: []ectypes.UpdateActionStatus{ectypes.UpdateActionStatusStopped}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.UpdateActions).To(HaveLen(1), "the stopped filter finds it")
	_, members, _ := f.srv.ReplicationGroupState("sessions")
	g.Expect(members[0].Role).To(Equal("primary"), "the primary was never reached")

	// It can be applied again: only the node left is updated.
	applied, err := f.ec.BatchApplyUpdateAction(ctx, &elasticache.BatchApplyUpdateActionInput{ReplicationGroupIds: []string{"sessions"}, ServiceUpdateName: str(update)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(applied.ProcessedUpdateActions[0].UpdateActionStatus).To(Equal(ectypes.UpdateActionStatusWaitingToStart))
	g.Expect(nodeStatuses(actionOf(g, f.ec, "sessions"))).To(HaveKeyWithValue("sessions-002", ectypes.NodeUpdateStatusComplete))
	f.step(6*time.Minute + time.Second)
	a = actionOf(g, f.ec, "sessions")
	g.Expect(a.UpdateActionStatus).To(Equal(ectypes.UpdateActionStatusComplete))
	g.Expect(aws.ToString(a.NodesUpdated)).To(Equal("3/3"))
}

func TestBatchUpdateCallsTakeAtMostTwentyGroups(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	var ids []string
	for i := 0; i < 21; i++ {
		ids = append(ids, fmt.Sprintf("g%02d", i))
	}
	var bad *ectypes.InvalidParameterValueException
	_, err := f.ec.BatchApplyUpdateAction(ctx, &elasticache.BatchApplyUpdateActionInput{ReplicationGroupIds: ids, ServiceUpdateName: str(update)})
	g.Expect(errors.As(err, &bad)).To(BeTrue(), "%v", err)
	_, err = f.ec.BatchStopUpdateAction(ctx, &elasticache.BatchStopUpdateActionInput{ReplicationGroupIds: ids, ServiceUpdateName: str(update)})
	g.Expect(errors.As(err, &bad)).To(BeTrue(), "%v", err)
	_, err = f.ec.DescribeUpdateActions(ctx, &elasticache.DescribeUpdateActionsInput{ReplicationGroupIds: ids})
	g.Expect(errors.As(err, &bad)).To(BeTrue(), "%v", err)
	_, err = f.ec.BatchApplyUpdateAction(ctx, &elasticache.BatchApplyUpdateActionInput{ReplicationGroupIds: ids[:20], ServiceUpdateName: str(update)})
	g.Expect(err).NotTo(HaveOccurred(), "twenty is fine (the unknown ones come back unprocessed)")
	_, err = f.ec.BatchApplyUpdateAction(ctx, &elasticache.BatchApplyUpdateActionInput{ReplicationGroupIds: []string{"sessions"}, ServiceUpdateName: str("nope")})
	var nf *ectypes.ServiceUpdateNotFoundFault
	g.Expect(errors.As(err, &nf)).To(BeTrue(), "%v", err)
}

func TestServiceUpdatesAreDescribedAndUpdateActionsFiltered(t *testing.T) {
	g := NewWithT(t)
	f := newECFixture(t, awssim.Options{}, func(g Gomega, sim *awssim.Sim) {
		g.Expect(sim.AddReplicationGroup(awssim.ReplicationGroupSpec{ID: "web", NodeType: cacheOld, Zones: []string{"us-east-1a", "us-east-1b"}, AutomaticFailover: true})).To(Succeed())
		g.Expect(sim.AddReplicationGroup(awssim.ReplicationGroupSpec{ID: "cat", NodeType: cacheOld, Engine: "valkey", Zones: []string{"us-east-1a", "us-east-1b"}, Shards: 2})).To(Succeed())
		g.Expect(sim.AddReplicationGroup(awssim.ReplicationGroupSpec{ID: "late", NodeType: cacheOld, Zones: []string{"us-east-1a"}})).To(Succeed())
		g.Expect(sim.AddServiceUpdate(awssim.ServiceUpdateSpec{Name: "elc-sec", ReplicationGroups: []string{"web", "cat"}, Severity: "important",
			Description: "OS patches", EngineVersion: "7.1.x"})).To(Succeed())
		g.Expect(sim.AddServiceUpdate(awssim.ServiceUpdateSpec{Name: "elc-engine", ReplicationGroups: []string{"web"}, Severity: "low", Type: "engine-update",
			AutoUpdate: true, ActionStatus: "scheduled"})).To(Succeed())
		g.Expect(sim.AddServiceUpdate(awssim.ServiceUpdateSpec{Name: "elc-old", ReplicationGroups: []string{"late"}, Status: "expired", ActionStatus: "not-applicable"})).To(Succeed())
	})
	sus, err := f.ec.DescribeServiceUpdates(ctx, &elasticache.DescribeServiceUpdatesInput{ServiceUpdateName: str("elc-sec")})
	g.Expect(err).NotTo(HaveOccurred())
	su := sus.ServiceUpdates[0]
	g.Expect(su.ServiceUpdateType).To(Equal(ectypes.ServiceUpdateTypeSecurityUpdate))
	g.Expect(su.ServiceUpdateStatus).To(Equal(ectypes.ServiceUpdateStatusAvailable))
	g.Expect(aws.ToString(su.ServiceUpdateDescription)).To(Equal("OS patches"))
	g.Expect(aws.ToTime(su.ServiceUpdateRecommendedApplyByDate).Sub(aws.ToTime(su.ServiceUpdateReleaseDate))).To(Equal(30 * 24 * time.Hour))
	g.Expect(aws.ToString(su.EstimatedUpdateTime)).NotTo(BeEmpty())
	sus, err = f.ec.DescribeServiceUpdates(ctx, &elasticache.DescribeServiceUpdatesInput{ServiceUpdateStatus: []ectypes.ServiceUpdateStatus{ectypes.ServiceUpdateStatusExpired}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(sus.ServiceUpdates).To(HaveLen(1))
	g.Expect(string(sus.ServiceUpdates[0].ServiceUpdateType)).To(Equal("security-update"))
	engine, err := f.ec.DescribeServiceUpdates(ctx, &elasticache.DescribeServiceUpdatesInput{ServiceUpdateName: str("elc-engine")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(engine.ServiceUpdates[0].ServiceUpdateType)).To(Equal("engine-update"))
	_, err = f.ec.DescribeServiceUpdates(ctx, &elasticache.DescribeServiceUpdatesInput{ServiceUpdateName: str("nope")})
	var nf *ectypes.ServiceUpdateNotFoundFault
	g.Expect(errors.As(err, &nf)).To(BeTrue(), "%v", err)

	count := func(in *elasticache.DescribeUpdateActionsInput) int {
		out, err := f.ec.DescribeUpdateActions(ctx, in)
		g.Expect(err).NotTo(HaveOccurred())
		return len(out.UpdateActions)
	}
	g.Expect(count(&elasticache.DescribeUpdateActionsInput{})).To(Equal(4))
	g.Expect(count(&elasticache.DescribeUpdateActionsInput{Engine: str("valkey")})).To(Equal(1))
	g.Expect(count(&elasticache.DescribeUpdateActionsInput{UpdateActionStatus: []ectypes.UpdateActionStatus{ectypes.UpdateActionStatusScheduled}})).To(Equal(1))
	g.Expect(count(&elasticache.DescribeUpdateActionsInput{UpdateActionStatus: []ectypes.UpdateActionStatus{ectypes.UpdateActionStatusNotApplicable}})).To(Equal(1))
	g.Expect(count(&elasticache.DescribeUpdateActionsInput{UpdateActionStatus: []ectypes.UpdateActionStatus{ectypes.UpdateActionStatusScheduling}})).To(Equal(0))
	g.Expect(count(&elasticache.DescribeUpdateActionsInput{ServiceUpdateStatus: []ectypes.ServiceUpdateStatus{ectypes.ServiceUpdateStatusExpired}})).To(Equal(1))
	g.Expect(count(&elasticache.DescribeUpdateActionsInput{ServiceUpdateTimeRange: &ectypes.TimeRangeFilter{
		StartTime: aws.Time(awssim.SimEpoch.Add(time.Hour)), EndTime: aws.Time(awssim.SimEpoch.Add(2 * time.Hour))}})).To(Equal(0))
	cat, err := f.ec.DescribeUpdateActions(ctx, &elasticache.DescribeUpdateActionsInput{ReplicationGroupIds: []string{"cat"}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(aws.ToString(cat.UpdateActions[0].Engine)).To(Equal("valkey"))
	g.Expect(cat.UpdateActions[0].NodeGroupUpdateStatus).To(BeEmpty(), "only with ShowNodeLevelUpdateStatus")

	// The scheduled engine update can be applied; the expired one cannot.
	applied, err := f.ec.BatchApplyUpdateAction(ctx, &elasticache.BatchApplyUpdateActionInput{ReplicationGroupIds: []string{"web"}, ServiceUpdateName: str("elc-engine")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(applied.ProcessedUpdateActions).To(HaveLen(1))
	applied, err = f.ec.BatchApplyUpdateAction(ctx, &elasticache.BatchApplyUpdateActionInput{ReplicationGroupIds: []string{"late"}, ServiceUpdateName: str("elc-old")})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(applied.UnprocessedUpdateActions).To(HaveLen(1))

	// On a cluster-mode-enabled group, the shards are updated side by side, one node at a time each.
	_, err = f.ec.BatchApplyUpdateAction(ctx, &elasticache.BatchApplyUpdateActionInput{ReplicationGroupIds: []string{"cat"}, ServiceUpdateName: str("elc-sec")})
	g.Expect(err).NotTo(HaveOccurred())
	f.step(time.Minute)
	out, err := f.ec.DescribeUpdateActions(ctx, &elasticache.DescribeUpdateActionsInput{ReplicationGroupIds: []string{"cat"}, ShowNodeLevelUpdateStatus: aws.Bool(true)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(nodeStatuses(out.UpdateActions[0])).To(Equal(map[string]ectypes.NodeUpdateStatus{
		"cat-0001-001": "waiting-to-start", "cat-0001-002": "in-progress", "cat-0002-001": "waiting-to-start", "cat-0002-002": "in-progress"}))
}
