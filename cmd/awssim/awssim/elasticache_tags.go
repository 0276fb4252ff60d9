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
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxTags is how many tags an ElastiCache resource can have.
const maxTags = 50

// taggingRefused is ElastiCache's text for a tag call on a group (or cluster) that is not available.
const taggingRefused = "Cluster not in available state to perform tagging operations."

// taggable resolves a tag call's ARN to the resource's tags. ElastiCache tags groups, cache clusters and
// snapshots; groups and clusters must be available: while a group is modifying, snapshotting or anything
// else, every tag call on it (ListTagsForResource included) fails.
func (s *Sim) taggable(arn string) (tags map[string]string, rg *ReplicationGroup, member *CacheMember, err *apiError) {
	prefix := "arn:aws:elasticache:" + s.region + ":" + account + ":"
	rest, ok := strings.CutPrefix(arn, prefix)
	kind, id, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 || id == "" {
		return nil, nil, nil, cacheFault("InvalidARN", "The ARN %s is not valid.", arn)
	}
	switch kind {
	case "replicationgroup":
		rg, err := s.replicationGroup(id)
		if err != nil {
			return nil, nil, nil, err
		}
		if rg.Status != "available" {
			return nil, nil, nil, cacheFault("InvalidReplicationGroupState", taggingRefused)
		}
		return rg.Tags, rg, nil, nil
	case "cluster":
		rg, m, err := s.cacheCluster(id)
		if err != nil {
			return nil, nil, nil, err
		}
		if m.Status != "available" {
			// [unknown] the code for a cluster: tag calls model no InvalidCacheClusterState, and the text
			// speaks of a cluster.
			return nil, nil, nil, cacheFault("InvalidReplicationGroupState", taggingRefused)
		}
		return m.Tags, rg, m, nil
	case "snapshot":
		sn := s.snapshots[strings.ToLower(id)]
		if sn == nil {
			return nil, nil, nil, cacheFault("SnapshotNotFoundFault", "Snapshot %s not found.", id)
		}
		if sn.Tags == nil {
			sn.Tags = map[string]string{}
		}
		return sn.Tags, nil, nil, nil
	}
	return nil, nil, nil, cacheFault("InvalidARN", "The ARN %s is not valid.", arn)
}

func writeTags(tags map[string]string) []byte {
	keys := sortedKeys(tags)
	var w xw
	w.list("TagList", "Tag", len(keys), func(i int) { w.text("Key", keys[i]); w.text("Value", tags[keys[i]]) })
	return w.b.Bytes()
}

func (s *Sim) listTagsForResource(form url.Values, _ time.Time) ([]byte, *apiError) {
	tags, _, _, err := s.taggable(form.Get("ResourceName"))
	if err != nil {
		return nil, err
	}
	return writeTags(tags), nil
}

func (s *Sim) addTagsToResource(form url.Values, now time.Time) ([]byte, *apiError) {
	tags, rg, m, err := s.taggable(form.Get("ResourceName"))
	if err != nil {
		return nil, err
	}
	added := map[string]string{}
	for i := 1; ; i++ {
		k, ok := form["Tags.Tag."+strconv.Itoa(i)+".Key"]
		if !ok {
			break
		}
		added[k[0]] = form.Get("Tags.Tag." + strconv.Itoa(i) + ".Value")
	}
	n := len(tags)
	for k := range added {
		if _, ok := tags[k]; !ok {
			n++
		}
	}
	if n > maxTags {
		return nil, cacheFault("TagQuotaPerResourceExceeded", "The request cannot be processed because it would cause the resource to have more than the allowed number of tags (%d).", maxTags)
	}
	for k, v := range added {
		tags[k] = v
	}
	s.startTagging(rg, m, now)
	return writeTags(tags), nil
}

func (s *Sim) removeTagsFromResource(form url.Values, now time.Time) ([]byte, *apiError) {
	tags, rg, m, err := s.taggable(form.Get("ResourceName"))
	if err != nil {
		return nil, err
	}
	for _, k := range members(form, "TagKeys.member") {
		if _, ok := tags[k]; !ok {
			return nil, cacheFault("TagNotFound", "The tag %s was not found on the resource.", k)
		}
		delete(tags, k)
	}
	s.startTagging(rg, m, now)
	return writeTags(tags), nil
}

// startTagging makes a tag change take a while: the group (or the cluster) is modifying for
// delays.Tagging, as AWS puts a group into modifying when its tags change.
func (s *Sim) startTagging(rg *ReplicationGroup, m *CacheMember, now time.Time) {
	switch {
	case s.delays.Tagging <= 0:
	case m != nil:
		m.Status, m.heldUntil = "modifying", now.Add(s.delays.Tagging)
	case rg != nil:
		rg.op = &groupOp{until: now.Add(s.delays.Tagging)}
		rg.Status = "modifying"
	}
}
