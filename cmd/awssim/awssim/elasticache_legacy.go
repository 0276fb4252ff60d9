/*
Copyright 2026 The cache-remediator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package awssim

import (
	"fmt"
	"net/url"
	"time"
)

// modification is an in-progress node type change: one member after another, replicas first, then a
// failover and the old primary.
type modification struct {
	target       string
	from         string
	nextAt       time.Time
	revert       bool // the data does not fit: ElastiCache gives up and reverts
	done         map[string]bool
	serviceApply string // the service update being applied, if this is one
}

func (s *Sim) startLegacyModification(rg *ReplicationGroup, m *modification, now time.Time) {
	m.done = map[string]bool{}
	m.nextAt = now.Add(s.delays.ServiceNode)
	rg.modification = m
	rg.Status = "modifying"
}

// legacyTimers offers the service update's next node step.
func (s *Sim) legacyTimers(rg *ReplicationGroup, consider func(time.Time, func(time.Time))) {
	if m := rg.modification; m != nil {
		consider(m.nextAt, func(at time.Time) { s.modificationStepLocked(rg, m, at) })
	}
}

func (s *Sim) modificationStepLocked(rg *ReplicationGroup, m *modification, at time.Time) {
	next := s.nextMemberToModify(rg, m)
	if next == nil {
		for _, mem := range rg.Members {
			mem.Status = "available"
		}
		rg.Status, rg.modification = "available", nil
		s.finishServiceUpdate(rg, m.serviceApply, at)
		return
	}
	if next.Role == "primary" {
		// Hand the primary role to a modified replica before replacing the old primary.
		for _, mem := range rg.Members {
			if mem.Role == "replica" && m.done[mem.ClusterID] {
				next.Role, mem.Role = "replica", "primary"
				s.event(rg.ID, "replication-group", "Failover from primary node "+next.ClusterID+" to replica node "+mem.ClusterID+" completed", at)
				break
			}
		}
	}
	s.serviceUpdateNodeDone(rg, m.serviceApply, next.ClusterID, at)
	m.done[next.ClusterID] = true
	m.nextAt = at.Add(s.delays.ServiceNode)
}

// nextMemberToModify is the next member a change replaces: replicas first, the primary last.
func (s *Sim) nextMemberToModify(rg *ReplicationGroup, m *modification) *CacheMember {
	var primary *CacheMember
	for _, mem := range rg.Members {
		if m.done[mem.ClusterID] {
			continue
		}
		if mem.Role == "primary" {
			primary = mem
			continue
		}
		return mem
	}
	return primary
}

func (s *Sim) describeUpdateActions(form url.Values, _ time.Time) ([]byte, *apiError) {
	groups := members(form, "ReplicationGroupIds.member")
	statuses := members(form, "UpdateActionStatus.member")
	name := form.Get("ServiceUpdateName")
	var acts []*UpdateAction
	for _, a := range s.updateActions {
		if (len(groups) == 0 || contains(groups, a.ReplicationGroup)) && (len(statuses) == 0 || contains(statuses, a.Status)) && (name == "" || a.ServiceUpdateName == name) {
			acts = append(acts, a)
		}
	}
	start, end, next, err := ecPage("DescribeUpdateActions", form, 20, 100, len(acts))
	if err != nil {
		return nil, err
	}
	var w xw
	w.text("Marker", next)
	w.list("UpdateActions", "UpdateAction", end-start, func(i int) {
		a := acts[start+i]
		w.text("ReplicationGroupId", a.ReplicationGroup)
		w.text("ServiceUpdateName", a.ServiceUpdateName)
		w.time("ServiceUpdateReleaseDate", s.serviceUpdates[a.ServiceUpdateName].ReleaseDate)
		w.text("ServiceUpdateSeverity", s.serviceUpdates[a.ServiceUpdateName].Severity)
		w.text("ServiceUpdateStatus", "available")
		w.text("ServiceUpdateType", "security-update")
		w.text("UpdateActionStatus", a.Status)
		total := 0
		if rg := s.replication[a.ReplicationGroup]; rg != nil {
			total = len(rg.Members)
		}
		done := 0
		for _, n := range a.Nodes {
			if n.Status == "complete" {
				done++
			}
		}
		w.text("NodesUpdated", fmt.Sprintf("%d/%d", done, total))
		w.text("SlaMet", "no")
		if rg := s.replication[a.ReplicationGroup]; rg != nil {
			w.text("Engine", rg.Engine)
		}
	})
	return w.b.Bytes(), nil
}

func (s *Sim) updateAction(rgID, name string) *UpdateAction {
	for _, a := range s.updateActions {
		if a.ReplicationGroup == rgID && a.ServiceUpdateName == name {
			return a
		}
	}
	return nil
}

func (s *Sim) batchApplyUpdateAction(form url.Values, now time.Time) ([]byte, *apiError) {
	name := form.Get("ServiceUpdateName")
	known := false
	for _, a := range s.updateActions {
		known = known || a.ServiceUpdateName == name
	}
	if !known {
		return nil, cacheFault("ServiceUpdateNotFoundFault", "The service update %s could not be found.", name)
	}
	type result struct{ rg, status, errType, errMsg string }
	var processed, unprocessed []result
	for _, id := range members(form, "ReplicationGroupIds.member") {
		a := s.updateAction(id, name)
		rg := s.replication[id]
		switch {
		case a == nil || rg == nil:
			unprocessed = append(unprocessed, result{rg: id, errType: "ReplicationGroupNotFound", errMsg: "the update does not apply to " + id})
		case rg.modification != nil || rg.Status != "available":
			unprocessed = append(unprocessed, result{rg: id, errType: "InvalidReplicationGroupState", errMsg: "replication group " + id + " is not available"})
		default:
			if a.Status == "not-applied" {
				a.Status = "in-progress"
				s.startLegacyModification(rg, &modification{serviceApply: name}, now)
				s.event(id, "replication-group", "Service update "+name+" started", now)
			}
			processed = append(processed, result{rg: id, status: a.Status})
		}
	}
	var w xw
	w.list("ProcessedUpdateActions", "ProcessedUpdateAction", len(processed), func(i int) {
		w.text("ReplicationGroupId", processed[i].rg)
		w.text("ServiceUpdateName", name)
		w.text("UpdateActionStatus", processed[i].status)
	})
	w.list("UnprocessedUpdateActions", "UnprocessedUpdateAction", len(unprocessed), func(i int) {
		w.text("ReplicationGroupId", unprocessed[i].rg)
		w.text("ServiceUpdateName", name)
		w.text("ErrorType", unprocessed[i].errType)
		w.text("ErrorMessage", unprocessed[i].errMsg)
	})
	return w.b.Bytes(), nil
}

func (s *Sim) serviceUpdateNodeDone(rg *ReplicationGroup, name, clusterID string, at time.Time) {
	if a := s.updateAction(rg.ID, name); a != nil {
		a.Nodes[clusterID] = &NodeUpdate{Status: "complete"}
		s.event(clusterID, "cache-cluster", "Service update "+name+" applied to cache cluster "+clusterID, at)
	}
}

func (s *Sim) finishServiceUpdate(rg *ReplicationGroup, name string, at time.Time) {
	if a := s.updateAction(rg.ID, name); a != nil {
		a.Status = "complete"
		s.event(rg.ID, "replication-group", "Service update "+name+" completed for replication group "+rg.ID, at)
	}
}

// updateInProgress says whether a service update is being applied to the group.
func (s *Sim) updateInProgress(rg *ReplicationGroup) bool { return rg.modification != nil }
