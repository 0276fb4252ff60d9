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
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The ElastiCache side of the simulator follows what the real service does as far as it is documented
// (see reference/elasticache-semantics.md in the project's shared notes); where AWS documents nothing, the
// choice made here is marked [unknown] in a comment, so that it is easy to find and change.

var elastiCacheHandlers = map[string]handler{
	"DescribeReplicationGroups":        (*Sim).describeReplicationGroups,
	"DescribeCacheClusters":            (*Sim).describeCacheClusters,
	"ModifyReplicationGroup":           (*Sim).modifyReplicationGroup,
	"TestFailover":                     (*Sim).testFailover,
	"DescribeEvents":                   (*Sim).describeEvents,
	"DescribeUpdateActions":            (*Sim).describeUpdateActions,
	"BatchApplyUpdateAction":           (*Sim).batchApplyUpdateAction,
	"BatchStopUpdateAction":            (*Sim).batchStopUpdateAction,
	"DescribeServiceUpdates":           (*Sim).describeServiceUpdates,
	"ListAllowedNodeTypeModifications": (*Sim).listAllowedNodeTypeModifications,
	"CreateSnapshot":                   (*Sim).createSnapshot,
	"DescribeSnapshots":                (*Sim).describeSnapshots,
	"ListTagsForResource":              (*Sim).listTagsForResource,
	"AddTagsToResource":                (*Sim).addTagsToResource,
	"RemoveTagsFromResource":           (*Sim).removeTagsFromResource,
}

// account is the simulated AWS account id in ARNs.
const account = "111122223333"

// eventRetention is how far back DescribeEvents can look: 14 days.
const eventRetention = 14 * 24 * time.Hour

func cacheFault(code, format string, args ...any) *apiError {
	status := http.StatusBadRequest
	if strings.HasSuffix(code, "NotFoundFault") || code == "CacheClusterNotFound" {
		status = http.StatusNotFound
	}
	return errorf(status, code, format, args...)
}

func invalidValue(format string, args ...any) *apiError {
	return cacheFault("InvalidParameterValue", format, args...)
}

func invalidCombination(format string, args ...any) *apiError {
	return cacheFault("InvalidParameterCombination", format, args...)
}

// replicationGroup finds a group; ids are case-insensitive (ElastiCache stores them lower-case).
func (s *Sim) replicationGroup(id string) (*ReplicationGroup, *apiError) {
	rg := s.replication[strings.ToLower(id)]
	if rg == nil {
		return nil, cacheFault("ReplicationGroupNotFoundFault", "Replication group %s not found.", id)
	}
	return rg, nil
}

// cacheCluster finds a member cache cluster by id.
func (s *Sim) cacheCluster(id string) (*ReplicationGroup, *CacheMember, *apiError) {
	id = strings.ToLower(id)
	for _, rgID := range sortedKeys(s.replication) {
		rg := s.replication[rgID]
		for _, m := range rg.Members {
			if m.ClusterID == id {
				return rg, m, nil
			}
		}
	}
	return nil, nil, cacheFault("CacheClusterNotFound", "Cache cluster %s not found.", id)
}

func (s *Sim) arn(kind, id string) string {
	return "arn:aws:elasticache:" + s.region + ":" + account + ":" + kind + ":" + id
}

func (s *Sim) rgARN(id string) string { return s.arn("replicationgroup", id) }

// maxRecords reads MaxRecords: absent means def; outside [lo, hi] is refused, as ElastiCache does.
func maxRecords(form url.Values, def, lo, hi int) (int, *apiError) {
	v := form.Get("MaxRecords")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, invalidValue("The parameter MaxRecords must be between %d and %d.", lo, hi)
	}
	return n, nil
}

// ecPage cuts one page of n items for an ElastiCache Describe: MaxRecords lo..hi (default hi), Marker.
func ecPage(action string, form url.Values, lo, hi, n int) (start, end int, next string, err *apiError) {
	size, err := maxRecords(form, hi, lo, hi)
	if err != nil {
		return 0, 0, "", err
	}
	start, end, next, err = page(action, form.Get("Marker"), size, hi, hi, n)
	if err != nil {
		// ElastiCache models no InvalidNextToken: a bad marker is a bad parameter value.
		return 0, 0, "", invalidValue("The parameter Marker is not valid.")
	}
	return start, end, next, nil
}

func (rg *ReplicationGroup) primaryOf(nodeGroup string) *CacheMember {
	for _, m := range rg.Members {
		if m.NodeGroupID == nodeGroup && m.Role == "primary" {
			return m
		}
	}
	return nil
}

func (rg *ReplicationGroup) nodeGroupMembers(nodeGroup string) []*CacheMember {
	var out []*CacheMember
	for _, m := range rg.Members {
		if m.NodeGroupID == nodeGroup {
			out = append(out, m)
		}
	}
	return out
}

// regionCode is the short region name in ElastiCache DNS names.
func (s *Sim) regionCode() string {
	parts := strings.Split(s.region, "-")
	if len(parts) != 3 {
		return s.region
	}
	return parts[0][:min(2, len(parts[0]))] + parts[1][:1] + parts[2]
}

// host is where a member answers: its redis-server's loopback address when the simulator runs one, else a
// DNS-style name.
func (s *Sim) host(m *CacheMember) string {
	if m.Address != "" {
		return m.Address
	}
	return m.ClusterID + ".xxxxxx.0001." + s.regionCode() + ".cache.amazonaws.com"
}

func endpoint(w *xw, name, host string) {
	w.open(name)
	w.text("Address", host)
	w.int("Port", 6379)
	w.close(name)
}

// slots is the hash slot range of the i-th of n shards.
func slots(i, n int) string {
	per := 16384 / n
	lo, hi := i*per, (i+1)*per-1
	if i == n-1 {
		hi = 16383
	}
	return fmt.Sprintf("%d-%d", lo, hi)
}

func enabled(b bool) string {
	if b {
		return "enabled"
	}
	return "disabled"
}

func (s *Sim) writeReplicationGroup(w *xw, rg *ReplicationGroup) {
	w.text("ReplicationGroupId", rg.ID)
	w.text("Description", rg.Description)
	if rg.GlobalReplicationGroupID != "" {
		w.open("GlobalReplicationGroupInfo")
		w.text("GlobalReplicationGroupId", rg.GlobalReplicationGroupID)
		w.text("GlobalReplicationGroupMemberRole", rg.GlobalReplicationGroupRole)
		w.close("GlobalReplicationGroupInfo")
	}
	w.text("Status", rg.Status)
	w.open("PendingModifiedValues")
	if rg.op != nil && rg.op.autoFailover != nil {
		w.text("AutomaticFailoverStatus", enabled(*rg.op.autoFailover))
	}
	w.close("PendingModifiedValues")
	ids := make([]string, len(rg.Members))
	for i, m := range rg.Members {
		ids[i] = m.ClusterID
	}
	w.strings("MemberClusters", "ClusterId", ids)
	groups := rg.NodeGroupIDs()
	w.list("NodeGroups", "NodeGroup", len(groups), func(i int) {
		ng := groups[i]
		w.text("NodeGroupId", ng)
		w.text("Status", rg.Status)
		if rg.ClusterEnabled {
			w.text("Slots", slots(i, len(groups)))
		} else if p := rg.primaryOf(ng); p != nil {
			if p.Address != "" {
				endpoint(w, "PrimaryEndpoint", p.Address)
				endpoint(w, "ReaderEndpoint", s.readerHost(rg, ng))
			} else {
				endpoint(w, "PrimaryEndpoint", rg.ID+".xxxxxx.ng.0001."+s.regionCode()+".cache.amazonaws.com")
				endpoint(w, "ReaderEndpoint", rg.ID+"-ro.xxxxxx.ng.0001."+s.regionCode()+".cache.amazonaws.com")
			}
		}
		members := rg.nodeGroupMembers(ng)
		w.list("NodeGroupMembers", "NodeGroupMember", len(members), func(j int) {
			m := members[j]
			w.text("CacheClusterId", m.ClusterID)
			w.text("CacheNodeId", "0001")
			if !rg.ClusterEnabled {
				// ReadEndpoint and CurrentRole exist only with cluster mode disabled.
				endpoint(w, "ReadEndpoint", s.host(m))
			}
			w.text("PreferredAvailabilityZone", m.Zone)
			if !rg.ClusterEnabled {
				w.text("CurrentRole", m.Role)
			}
		})
	})
	if rg.SnapshottingClusterID != "" && !rg.ClusterEnabled {
		w.text("SnapshottingClusterId", rg.SnapshottingClusterID)
	}
	switch {
	case rg.op != nil && rg.op.autoFailover != nil && *rg.op.autoFailover:
		w.text("AutomaticFailover", "enabling")
	case rg.op != nil && rg.op.autoFailover != nil:
		w.text("AutomaticFailover", "disabling")
	default:
		w.text("AutomaticFailover", enabled(rg.AutomaticFailover))
	}
	w.text("MultiAZ", enabled(rg.MultiAZ))
	if rg.ClusterEnabled {
		host := "clustercfg." + rg.ID + ".xxxxxx." + s.regionCode() + ".cache.amazonaws.com"
		if p := rg.primaryOf(groups[0]); p != nil && p.Address != "" {
			// The real configuration endpoint is a DNS name resolving to the cluster's nodes; with processes
			// it is the first shard's primary.
			host = p.Address
		}
		endpoint(w, "ConfigurationEndpoint", host)
	}
	w.int("SnapshotRetentionLimit", int64(rg.SnapshotRetentionLimit))
	w.text("SnapshotWindow", rg.SnapshotWindow)
	w.bool("ClusterEnabled", rg.ClusterEnabled)
	w.text("ClusterMode", enabled(rg.ClusterEnabled))
	w.text("CacheNodeType", rg.NodeType)
	w.text("Engine", rg.Engine)
	w.time("ReplicationGroupCreateTime", rg.CreatedAt)
	w.text("ARN", s.rgARN(rg.ID))
}

// readerHost is the address a cluster-mode-disabled group's reader endpoint resolves to with processes:
// the first available replica (the real one balances over the replicas), else the primary.
func (s *Sim) readerHost(rg *ReplicationGroup, ng string) string {
	for _, m := range rg.nodeGroupMembers(ng) {
		if m.Role == "replica" && m.Status == "available" {
			return s.host(m)
		}
	}
	return s.host(rg.primaryOf(ng))
}

func (s *Sim) describeReplicationGroups(form url.Values, _ time.Time) ([]byte, *apiError) {
	var rgs []*ReplicationGroup
	if id := form.Get("ReplicationGroupId"); id != "" {
		rg, err := s.replicationGroup(id)
		if err != nil {
			return nil, err
		}
		rgs = append(rgs, rg)
	} else {
		for _, id := range sortedKeys(s.replication) {
			rgs = append(rgs, s.replication[id])
		}
	}
	start, end, next, err := ecPage("DescribeReplicationGroups", form, 20, 100, len(rgs))
	if err != nil {
		return nil, err
	}
	var w xw
	w.text("Marker", next)
	w.list("ReplicationGroups", "ReplicationGroup", end-start, func(i int) { s.writeReplicationGroup(&w, rgs[start+i]) })
	return w.b.Bytes(), nil
}

// nodeStatus is a member's CacheNode status (available, creating, rebooting, deleting).
func nodeStatus(m *CacheMember) string {
	switch m.Status {
	case "creating", "deleting":
		return m.Status
	case "rebooting cluster nodes":
		return "rebooting"
	}
	return "available"
}

func (s *Sim) describeCacheClusters(form url.Values, _ time.Time) ([]byte, *apiError) {
	type member struct {
		rg *ReplicationGroup
		m  *CacheMember
	}
	var all []member
	if id := form.Get("CacheClusterId"); id != "" {
		rg, m, err := s.cacheCluster(id)
		if err != nil {
			return nil, err
		}
		all = append(all, member{rg, m})
	} else {
		for _, id := range sortedKeys(s.replication) {
			for _, m := range s.replication[id].Members {
				all = append(all, member{s.replication[id], m})
			}
		}
	}
	start, end, next, err := ecPage("DescribeCacheClusters", form, 20, 100, len(all))
	if err != nil {
		return nil, err
	}
	showNodes := form.Get("ShowCacheNodeInfo") == "true"
	var w xw
	w.text("Marker", next)
	w.list("CacheClusters", "CacheCluster", end-start, func(i int) {
		x := all[start+i]
		w.text("CacheClusterId", x.m.ClusterID)
		w.text("CacheNodeType", x.m.NodeType)
		w.text("Engine", x.rg.Engine)
		w.text("EngineVersion", x.rg.EngineVersion)
		w.text("CacheClusterStatus", x.m.Status)
		w.int("NumCacheNodes", 1)
		w.text("PreferredAvailabilityZone", x.m.Zone)
		w.time("CacheClusterCreateTime", x.m.CreatedAt)
		w.open("PendingModifiedValues")
		w.text("CacheNodeType", x.m.PendingNodeType)
		w.close("PendingModifiedValues")
		if showNodes {
			w.list("CacheNodes", "CacheNode", 1, func(int) {
				w.text("CacheNodeId", "0001")
				w.text("CacheNodeStatus", nodeStatus(x.m))
				w.time("CacheNodeCreateTime", x.m.CreatedAt)
				endpoint(&w, "Endpoint", s.host(x.m))
				w.text("CustomerAvailabilityZone", x.m.Zone)
			})
		}
		w.text("ReplicationGroupId", x.rg.ID)
		w.int("SnapshotRetentionLimit", int64(x.rg.SnapshotRetentionLimit))
		w.text("SnapshotWindow", x.rg.SnapshotWindow)
		w.text("ARN", s.arn("cluster", x.m.ClusterID))
	})
	return w.b.Bytes(), nil
}

// event records an event; events older than 14 days are forgotten, as ElastiCache does.
func (s *Sim) event(sourceID, sourceType, message string, at time.Time) {
	s.cacheEvents = append(s.cacheEvents, CacheEvent{SourceID: sourceID, SourceType: sourceType, Message: message, Date: at})
	cut := 0
	for cut < len(s.cacheEvents) && at.Sub(s.cacheEvents[cut].Date) > eventRetention {
		cut++
	}
	s.cacheEvents = s.cacheEvents[cut:]
}

var eventSourceTypes = []string{"cache-cluster", "cache-parameter-group", "cache-security-group", "cache-subnet-group",
	"replication-group", "serverless-cache", "serverless-cache-snapshot", "user", "user-group"}

func (s *Sim) describeEvents(form url.Values, now time.Time) ([]byte, *apiError) {
	src, typ := strings.ToLower(form.Get("SourceIdentifier")), form.Get("SourceType")
	if typ != "" && !contains(eventSourceTypes, typ) {
		return nil, invalidValue("Invalid source type: %s.", typ)
	}
	// The default window is the last hour; Duration is in minutes; nothing older than 14 days is kept.
	from := now.Add(-time.Hour)
	if d := form.Get("Duration"); d != "" {
		minutes, err := strconv.Atoi(d)
		if err != nil || minutes < 0 || time.Duration(minutes)*time.Minute > eventRetention {
			// [infer] the code and text of the rejection; the 14-day limit is documented.
			return nil, invalidValue("The parameter Duration must be between 0 and %d minutes.", int(eventRetention/time.Minute))
		}
		from = now.Add(-time.Duration(minutes) * time.Minute)
	}
	if t := form.Get("StartTime"); t != "" {
		v, err := time.Parse(time.RFC3339, t)
		if err != nil {
			return nil, invalidValue("The parameter StartTime is not valid.")
		}
		from = v
	}
	if oldest := now.Add(-eventRetention); from.Before(oldest) {
		from = oldest
	}
	until := now
	if t := form.Get("EndTime"); t != "" {
		v, err := time.Parse(time.RFC3339, t)
		if err != nil {
			return nil, invalidValue("The parameter EndTime is not valid.")
		}
		until = v
	}
	var evs []CacheEvent
	// Newest first, as ElastiCache lists them.
	for i := len(s.cacheEvents) - 1; i >= 0; i-- {
		e := s.cacheEvents[i]
		if (src == "" || e.SourceID == src) && (typ == "" || e.SourceType == typ) && !e.Date.Before(from) && !e.Date.After(until) {
			evs = append(evs, e)
		}
	}
	start, end, next, err := ecPage("DescribeEvents", form, 20, 100, len(evs))
	if err != nil {
		return nil, err
	}
	var w xw
	w.text("Marker", next)
	w.list("Events", "Event", end-start, func(i int) {
		e := evs[start+i]
		w.text("SourceIdentifier", e.SourceID)
		w.text("SourceType", e.SourceType)
		w.text("Message", e.Message)
		w.time("Date", e.Date)
	})
	return w.b.Bytes(), nil
}

func (s *Sim) listAllowedNodeTypeModifications(form url.Values, _ time.Time) ([]byte, *apiError) {
	rgID, ccID := form.Get("ReplicationGroupId"), form.Get("CacheClusterId")
	var current string
	switch {
	case rgID != "" && ccID != "", rgID == "" && ccID == "":
		return nil, invalidCombination("Exactly one of ReplicationGroupId and CacheClusterId must be specified.")
	case rgID != "":
		rg, err := s.replicationGroup(rgID)
		if err != nil {
			return nil, err
		}
		current = rg.NodeType
	default:
		_, m, err := s.cacheCluster(ccID)
		if err != nil {
			return nil, err
		}
		current = m.NodeType
	}
	// [unknown] whether it answers while the group is modifying; it does here.
	var up, down []string
	if nt := s.nodeTypes[current]; nt != nil {
		up, down = nt.ScaleUp, nt.ScaleDown
	}
	var w xw
	w.strings("ScaleUpModifications", "member", up)
	w.strings("ScaleDownModifications", "member", down)
	return w.b.Bytes(), nil
}
