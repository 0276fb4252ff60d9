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

package awssim

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Service updates (the managed analog of an AMI patch). BatchApplyUpdateAction answers waiting-to-start;
// the update then goes through in-progress to complete one node at a time within each shard (shards in
// parallel, [unknown]), replicas first, the primary last after a failover to an updated, caught-up replica.
// BatchStopUpdateAction lets the nodes in progress finish, stops the others, and rolls nothing back.
//
// [unknown] the group's status during an update: it stays available here while the node being updated is
// modifying, so a Modify, TestFailover or CreateSnapshot meanwhile fails with InvalidCacheClusterState.
// [unknown] the events of an update: none is emitted but the failover of the primary.

// maxBatchGroups is how many replication groups (and, apart, cache clusters) one Batch call takes.
const maxBatchGroups = 20

// Unprocessed ErrorType values are not documented ([unknown]); these are plausible and easy to change.
const (
	errTypeNotFound      = "replication-group-not-found"
	errTypeNotApplicable = "update-not-applicable"
	errTypeUnavailable   = "service-update-not-available"
	errTypeInvalidState  = "invalid-update-action-state"
	errTypeNotStoppable  = "update-not-stoppable"
)

func (s *Sim) updateAction(rgID, name string) *UpdateAction {
	for _, a := range s.updateActions {
		if a.ReplicationGroup == rgID && a.ServiceUpdateName == name {
			return a
		}
	}
	return nil
}

// updateInProgress says whether a service update is being applied to the group's nodes.
func (s *Sim) updateInProgress(rg *ReplicationGroup) bool {
	for _, a := range s.updateActions {
		if a.ReplicationGroup == rg.ID && (a.Status == "in-progress" || a.Status == "stopping") {
			return true
		}
	}
	return false
}

type batchResult struct{ id, cluster, status, errType, errMsg string }

// batchTargets reads a Batch call's service update and targets.
func (s *Sim) batchTargets(form url.Values) (*ServiceUpdate, []string, []string, *apiError) {
	name := form.Get("ServiceUpdateName")
	su := s.serviceUpdates[name]
	if su == nil {
		return nil, nil, nil, cacheFault("ServiceUpdateNotFoundFault", "The service update %s could not be found.", name)
	}
	rgs, ccs := members(form, "ReplicationGroupIds.member"), members(form, "CacheClusterIds.member")
	if len(rgs) > maxBatchGroups || len(ccs) > maxBatchGroups {
		return nil, nil, nil, invalidValue("At most %d replication groups and %d cache clusters can be given.", maxBatchGroups, maxBatchGroups)
	}
	if len(rgs)+len(ccs) == 0 {
		return nil, nil, nil, invalidValue("Either ReplicationGroupIds or CacheClusterIds must be given.")
	}
	return su, rgs, ccs, nil
}

// memberClusterResult answers for cache cluster ids: the simulator has only replication group members,
// to which updates apply through their group.
func (s *Sim) memberClusterResults(ccs []string) []batchResult {
	var out []batchResult
	for _, id := range ccs {
		r := batchResult{cluster: id, errType: errTypeNotFound, errMsg: "Cache cluster " + id + " not found."}
		if rg, _, err := s.cacheCluster(id); err == nil {
			r.errType, r.errMsg = errTypeNotApplicable, "Cache cluster "+id+" is a member of replication group "+rg.ID+": apply the update to the group."
		}
		out = append(out, r)
	}
	return out
}

func writeBatchResults(name string, processed, unprocessed []batchResult) []byte {
	var w xw
	w.list("ProcessedUpdateActions", "ProcessedUpdateAction", len(processed), func(i int) {
		w.text("ReplicationGroupId", processed[i].id)
		w.text("ServiceUpdateName", name)
		w.text("UpdateActionStatus", processed[i].status)
	})
	w.list("UnprocessedUpdateActions", "UnprocessedUpdateAction", len(unprocessed), func(i int) {
		w.text("ReplicationGroupId", unprocessed[i].id)
		w.text("CacheClusterId", unprocessed[i].cluster)
		w.text("ServiceUpdateName", name)
		w.text("ErrorType", unprocessed[i].errType)
		w.text("ErrorMessage", unprocessed[i].errMsg)
	})
	return w.b.Bytes()
}

// batchUpdateActions answers a Batch call: a named group that does not exist is unprocessed, act decides
// for each other group (given its update action, nil if the update does not apply to it) with a result
// that is processed unless it carries an error type, and cache cluster ids are answered as members.
func (s *Sim) batchUpdateActions(form url.Values, act func(su *ServiceUpdate, rg *ReplicationGroup, a *UpdateAction) batchResult) ([]byte, *apiError) {
	su, rgs, ccs, err := s.batchTargets(form)
	if err != nil {
		return nil, err
	}
	var processed, unprocessed []batchResult
	for _, id := range rgs {
		rg := s.replication[strings.ToLower(id)]
		if rg == nil {
			unprocessed = append(unprocessed, batchResult{id: id, errType: errTypeNotFound, errMsg: "Replication group " + id + " not found."})
			continue
		}
		r := act(su, rg, s.updateAction(rg.ID, su.Name))
		r.id = rg.ID
		if r.errType != "" {
			unprocessed = append(unprocessed, r)
		} else {
			processed = append(processed, r)
		}
	}
	unprocessed = append(unprocessed, s.memberClusterResults(ccs)...)
	return writeBatchResults(su.Name, processed, unprocessed), nil
}

func notApplicable(su *ServiceUpdate, rg *ReplicationGroup) batchResult {
	return batchResult{errType: errTypeNotApplicable, errMsg: "The service update " + su.Name + " does not apply to replication group " + rg.ID + "."}
}

func invalidActionState(rg *ReplicationGroup, a *UpdateAction) batchResult {
	return batchResult{errType: errTypeInvalidState, errMsg: "The update action for replication group " + rg.ID + " is " + a.Status + "."}
}

func (s *Sim) batchApplyUpdateAction(form url.Values, now time.Time) ([]byte, *apiError) {
	return s.batchUpdateActions(form, func(su *ServiceUpdate, rg *ReplicationGroup, a *UpdateAction) batchResult {
		switch {
		case a == nil || a.Status == "not-applicable":
			return notApplicable(su, rg)
		case su.Status != "available":
			return batchResult{errType: errTypeUnavailable, errMsg: "The service update " + su.Name + " is " + su.Status + "."}
		case a.Status == "waiting-to-start" || a.Status == "in-progress":
			return batchResult{status: a.Status}
		case a.Status == "complete" || a.Status == "stopping": // [unknown] refused rather than answered as is
			return invalidActionState(rg, a)
		default: // not-applied, stopped, scheduling, scheduled
			a.Status, a.StatusModifiedDate, a.startAt = "waiting-to-start", now, now.Add(s.delays.ServiceUpdateStart)
			for _, n := range a.Nodes {
				if n.Status != "complete" {
					n.Status, n.StatusModifiedDate, n.InitiatedBy, n.InitiatedDate = "waiting-to-start", now, "customer", now
					n.StartDate, n.EndDate = time.Time{}, time.Time{}
				}
			}
			return batchResult{status: a.Status}
		}
	})
}

func (s *Sim) batchStopUpdateAction(form url.Values, now time.Time) ([]byte, *apiError) {
	return s.batchUpdateActions(form, func(su *ServiceUpdate, rg *ReplicationGroup, a *UpdateAction) batchResult {
		switch {
		case a == nil:
			return notApplicable(su, rg)
		case a.Status == "stopping":
			return batchResult{status: a.Status}
		case a.Status != "waiting-to-start" && a.Status != "in-progress":
			return invalidActionState(rg, a)
		case su.Type == "engine-update" && a.Status == "in-progress":
			// An engine update that changes the engine version cannot be stopped once started.
			return batchResult{errType: errTypeNotStoppable, errMsg: "The engine update " + su.Name + " cannot be stopped once started."}
		default:
			a.Status, a.StatusModifiedDate, a.stopping = "stopping", now, true
			for _, n := range a.Nodes {
				if n.Status == "waiting-to-start" {
					n.Status, n.StatusModifiedDate = "stopping", now
				}
			}
			return batchResult{status: a.Status}
		}
	})
}

// updateTimers offers the group's update actions' next steps: a waiting action starts once the group is
// idle ([unknown]: it waits here for a change, a backup or a failover in progress to end, and for any other
// update of the group), a node in progress finishes, a stopping action with nothing in progress stops.
func (s *Sim) updateTimers(rg *ReplicationGroup, consider func(time.Time, func(time.Time))) {
	for _, a := range s.updateActions {
		if a.ReplicationGroup != rg.ID {
			continue
		}
		a := a
		switch a.Status {
		case "waiting-to-start":
			if s.idle(rg) {
				consider(maxTime(a.startAt, rg.cursor), func(at time.Time) { s.startUpdateLocked(rg, a, at) })
			}
		case "in-progress", "stopping":
			busy := false
			for _, id := range sortedKeys(a.Nodes) {
				if n := a.Nodes[id]; n.Status == "in-progress" {
					busy = true
					consider(n.endsAt, func(at time.Time) { s.finishNodeUpdateLocked(rg, a, id, at) })
				}
			}
			if !busy {
				consider(rg.cursor, func(at time.Time) { s.endUpdateLocked(rg, a, at) })
			}
		}
	}
}

func (s *Sim) startUpdateLocked(rg *ReplicationGroup, a *UpdateAction, at time.Time) {
	a.Status, a.StatusModifiedDate = "in-progress", at
	for _, ng := range rg.NodeGroupIDs() {
		s.nextNodeUpdateLocked(rg, a, ng, at)
	}
}

// nextNodeUpdateLocked starts the update of a shard's next node: a replica if one is left, else the
// primary, after failing it over to the most caught-up updated replica.
func (s *Sim) nextNodeUpdateLocked(rg *ReplicationGroup, a *UpdateAction, ng string, at time.Time) {
	if a.stopping {
		return
	}
	var next *CacheMember
	for _, m := range rg.nodeGroupMembers(ng) {
		if a.Nodes[m.ClusterID].Status != "waiting-to-start" {
			continue
		}
		if next == nil || (next.Role == "primary" && m.Role == "replica") {
			next = m
		}
	}
	if next == nil {
		return
	}
	if next.Role == "primary" {
		updated := func(m *CacheMember) bool { return a.Nodes[m.ClusterID].Status == "complete" && m.Status == "available" }
		if to := s.mostCaughtUp(rg, ng, updated); to != nil {
			s.promote(rg, to)
			msg := fmt.Sprintf("Failover from primary node %s to replica node %s completed", next.ClusterID, to.ClusterID)
			s.event(next.ClusterID, "cache-cluster", msg, at)
			s.event(rg.ID, "replication-group", msg, at)
		}
	}
	n := a.Nodes[next.ClusterID]
	n.Status, n.StartDate, n.StatusModifiedDate, n.endsAt = "in-progress", at, at, at.Add(s.delays.ServiceNode)
	next.Status = "modifying"
	if r := s.cacheRunner(); r != nil {
		// The node is down while it is updated; it comes back empty and resyncs from its shard's primary.
		r.StopCacheNode(next.ClusterID)
	}
}

func (s *Sim) finishNodeUpdateLocked(rg *ReplicationGroup, a *UpdateAction, id string, at time.Time) {
	n := a.Nodes[id]
	n.Status, n.EndDate, n.StatusModifiedDate, n.endsAt = "complete", at, at, time.Time{}
	for _, m := range rg.Members {
		if m.ClusterID == id {
			if m.Status == "modifying" {
				m.Status = "available"
			}
			if r := s.cacheRunner(); r != nil {
				primary := ""
				if p := rg.primaryOf(m.NodeGroupID); p != nil && p != m {
					primary = p.Address
				}
				r.StartCacheNode(m.ClusterID, m.Address, primary)
			}
			s.nextNodeUpdateLocked(rg, a, m.NodeGroupID, at)
		}
	}
}

// endUpdateLocked ends an action once no node is in progress: complete, or stopped.
func (s *Sim) endUpdateLocked(_ *ReplicationGroup, a *UpdateAction, at time.Time) {
	a.StatusModifiedDate, a.stopping = at, false
	a.Status = "complete"
	for _, n := range a.Nodes {
		if n.Status == "stopping" || n.Status == "waiting-to-start" {
			n.Status, n.StatusModifiedDate = "stopped", at
		}
		if n.Status != "complete" {
			a.Status = "stopped"
		}
	}
}

func (a *UpdateAction) nodesUpdated() (done, total int) {
	for _, n := range a.Nodes {
		if n.Status == "complete" {
			done++
		}
	}
	return done, len(a.Nodes)
}

// slaMet says whether every node was updated by the recommended apply-by date (n/a for a group created
// after it).
func (a *UpdateAction) slaMet(rg *ReplicationGroup, su *ServiceUpdate) string {
	if rg != nil && rg.CreatedAt.After(su.RecommendedApplyByDate) {
		return "n/a"
	}
	for _, n := range a.Nodes {
		if n.Status != "complete" || n.EndDate.After(su.RecommendedApplyByDate) {
			return "no"
		}
	}
	return "yes"
}

func parseTimeParam(form url.Values, name string) (time.Time, *apiError) {
	v := form.Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, invalidValue("The parameter %s is not a valid time.", name)
	}
	return t, nil
}

func (s *Sim) describeUpdateActions(form url.Values, _ time.Time) ([]byte, *apiError) {
	name, engine := form.Get("ServiceUpdateName"), form.Get("Engine")
	groups, clusters := members(form, "ReplicationGroupIds.member"), members(form, "CacheClusterIds.member")
	statuses, suStatuses := members(form, "UpdateActionStatus.member"), members(form, "ServiceUpdateStatus.member")
	if len(groups) > maxBatchGroups || len(clusters) > maxBatchGroups {
		return nil, invalidValue("At most %d replication groups and %d cache clusters can be given.", maxBatchGroups, maxBatchGroups)
	}
	if len(groups) > 0 && len(clusters) > 0 {
		return nil, invalidCombination("ReplicationGroupIds and CacheClusterIds cannot be given together.")
	}
	for i := range groups {
		groups[i] = strings.ToLower(groups[i])
	}
	from, err := parseTimeParam(form, "ServiceUpdateTimeRange.StartTime")
	if err != nil {
		return nil, err
	}
	until, err := parseTimeParam(form, "ServiceUpdateTimeRange.EndTime")
	if err != nil {
		return nil, err
	}
	var acts []*UpdateAction
	for _, a := range s.updateActions {
		su, rg := s.serviceUpdates[a.ServiceUpdateName], s.replication[a.ReplicationGroup]
		switch {
		case len(clusters) > 0: // the simulator has no standalone cache cluster; their actions are none
		case len(groups) > 0 && !contains(groups, a.ReplicationGroup):
		case len(statuses) > 0 && !contains(statuses, a.Status):
		case len(suStatuses) > 0 && !contains(suStatuses, su.Status):
		case name != "" && a.ServiceUpdateName != name:
		case engine != "" && rg.Engine != engine:
		case !from.IsZero() && su.ReleaseDate.Before(from):
		case !until.IsZero() && su.ReleaseDate.After(until):
		default:
			acts = append(acts, a)
		}
	}
	start, end, next, err := ecPage("DescribeUpdateActions", form, 20, 100, len(acts))
	if err != nil {
		return nil, err
	}
	nodeLevel := form.Get("ShowNodeLevelUpdateStatus") == "true"
	var w xw
	w.text("Marker", next)
	w.list("UpdateActions", "UpdateAction", end-start, func(i int) {
		a := acts[start+i]
		su, rg := s.serviceUpdates[a.ServiceUpdateName], s.replication[a.ReplicationGroup]
		w.text("ReplicationGroupId", a.ReplicationGroup)
		w.text("ServiceUpdateName", su.Name)
		w.time("ServiceUpdateReleaseDate", su.ReleaseDate)
		w.text("ServiceUpdateSeverity", su.Severity)
		w.text("ServiceUpdateStatus", su.Status)
		w.time("ServiceUpdateRecommendedApplyByDate", su.RecommendedApplyByDate)
		w.text("ServiceUpdateType", su.Type)
		w.time("UpdateActionAvailableDate", a.AvailableDate)
		w.text("UpdateActionStatus", a.Status)
		done, total := a.nodesUpdated()
		w.text("NodesUpdated", fmt.Sprintf("%d/%d", done, total))
		w.time("UpdateActionStatusModifiedDate", a.StatusModifiedDate)
		w.text("SlaMet", a.slaMet(rg, su))
		if nodeLevel {
			ngs := rg.NodeGroupIDs()
			w.list("NodeGroupUpdateStatus", "NodeGroupUpdateStatus", len(ngs), func(j int) {
				w.text("NodeGroupId", ngs[j])
				ms := rg.nodeGroupMembers(ngs[j])
				w.list("NodeGroupMemberUpdateStatus", "NodeGroupMemberUpdateStatus", len(ms), func(k int) {
					n := a.Nodes[ms[k].ClusterID]
					w.text("CacheClusterId", ms[k].ClusterID)
					w.text("CacheNodeId", "0001")
					w.text("NodeUpdateStatus", n.Status)
					w.time("NodeUpdateStartDate", n.StartDate)
					w.time("NodeUpdateEndDate", n.EndDate)
					w.text("NodeUpdateInitiatedBy", n.InitiatedBy)
					w.time("NodeUpdateInitiatedDate", n.InitiatedDate)
					w.time("NodeUpdateStatusModifiedDate", n.StatusModifiedDate)
				})
			})
		}
		w.text("EstimatedUpdateTime", su.EstimatedUpdateTime)
		w.text("Engine", rg.Engine)
	})
	return w.b.Bytes(), nil
}

func (s *Sim) describeServiceUpdates(form url.Values, _ time.Time) ([]byte, *apiError) {
	name, statuses := form.Get("ServiceUpdateName"), members(form, "ServiceUpdateStatus.member")
	if len(statuses) > 3 {
		return nil, invalidValue("At most 3 service update statuses can be given.")
	}
	if name != "" && s.serviceUpdates[name] == nil {
		return nil, cacheFault("ServiceUpdateNotFoundFault", "The service update %s could not be found.", name)
	}
	var sus []*ServiceUpdate
	for _, n := range sortedKeys(s.serviceUpdates) {
		su := s.serviceUpdates[n]
		if (name == "" || su.Name == name) && (len(statuses) == 0 || contains(statuses, su.Status)) {
			sus = append(sus, su)
		}
	}
	start, end, next, err := ecPage("DescribeServiceUpdates", form, 20, 100, len(sus))
	if err != nil {
		return nil, err
	}
	var w xw
	w.text("Marker", next)
	w.list("ServiceUpdates", "ServiceUpdate", end-start, func(i int) {
		su := sus[start+i]
		w.text("ServiceUpdateName", su.Name)
		w.time("ServiceUpdateReleaseDate", su.ReleaseDate)
		w.time("ServiceUpdateEndDate", su.EndDate)
		w.text("ServiceUpdateSeverity", su.Severity)
		w.time("ServiceUpdateRecommendedApplyByDate", su.RecommendedApplyByDate)
		w.text("ServiceUpdateStatus", su.Status)
		w.text("ServiceUpdateDescription", su.Description)
		w.text("ServiceUpdateType", su.Type)
		w.text("Engine", su.Engine)
		w.text("EngineVersion", su.EngineVersion)
		w.bool("AutoUpdateAfterRecommendedApplyByDate", su.AutoUpdate)
		w.text("EstimatedUpdateTime", su.EstimatedUpdateTime)
	})
	return w.b.Bytes(), nil
}
