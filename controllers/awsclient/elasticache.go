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

package awsclient

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"
)

// ReplicationGroup is an ElastiCache replication group as the controller sees it.
type ReplicationGroup struct {
	ID                string
	ARN               string
	Status            string
	NodeType          string
	MultiAZ           bool
	AutomaticFailover bool
	NodeGroups        []NodeGroup
}

// NodeGroup is one shard.
type NodeGroup struct {
	ID      string
	Status  string
	Members []CacheNode
}

// CacheNode is one member of a node group.
type CacheNode struct {
	ClusterID string
	Zone      string
	Role      string // primary or replica
}

// CacheCluster is one cache cluster (node) with its own type, status and pending change.
type CacheCluster struct {
	ID              string
	NodeType        string
	Status          string
	PendingNodeType string
}

// DescribeReplicationGroup describes one replication group.
func DescribeReplicationGroup(ctx context.Context, api ElastiCacheAPI, id string) (ReplicationGroup, error) {
	out, err := api.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String(id)})
	if err != nil {
		return ReplicationGroup{}, err
	}
	if len(out.ReplicationGroups) == 0 {
		return ReplicationGroup{}, notFound("ReplicationGroupNotFoundFault", "replication group "+id+" not found")
	}
	return replicationGroupFromSDK(out.ReplicationGroups[0]), nil
}

func replicationGroupFromSDK(rg ectypes.ReplicationGroup) ReplicationGroup {
	out := ReplicationGroup{
		ID: aws.ToString(rg.ReplicationGroupId), ARN: aws.ToString(rg.ARN), Status: aws.ToString(rg.Status),
		NodeType: aws.ToString(rg.CacheNodeType), MultiAZ: rg.MultiAZ == ectypes.MultiAZStatusEnabled,
		AutomaticFailover: rg.AutomaticFailover == ectypes.AutomaticFailoverStatusEnabled,
	}
	for _, ng := range rg.NodeGroups {
		g := NodeGroup{ID: aws.ToString(ng.NodeGroupId), Status: aws.ToString(ng.Status)}
		for _, m := range ng.NodeGroupMembers {
			g.Members = append(g.Members, CacheNode{ClusterID: aws.ToString(m.CacheClusterId), Zone: aws.ToString(m.PreferredAvailabilityZone), Role: aws.ToString(m.CurrentRole)})
		}
		out.NodeGroups = append(out.NodeGroups, g)
	}
	return out
}

// DescribeCacheClusters describes every cache cluster of a replication group, paginated.
func DescribeCacheClusters(ctx context.Context, api ElastiCacheAPI, replicationGroupID string) ([]CacheCluster, error) {
	var out []CacheCluster
	p := elasticache.NewDescribeCacheClustersPaginator(api, &elasticache.DescribeCacheClustersInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range page.CacheClusters {
			if aws.ToString(c.ReplicationGroupId) != replicationGroupID {
				continue
			}
			cc := CacheCluster{ID: aws.ToString(c.CacheClusterId), NodeType: aws.ToString(c.CacheNodeType), Status: aws.ToString(c.CacheClusterStatus)}
			if c.PendingModifiedValues != nil {
				cc.PendingNodeType = aws.ToString(c.PendingModifiedValues.CacheNodeType)
			}
			out = append(out, cc)
		}
	}
	return out, nil
}

// ResourceTags returns the tags of an ElastiCache resource by ARN.
func ResourceTags(ctx context.Context, api ElastiCacheAPI, arn string) (map[string]string, error) {
	out, err := api.ListTagsForResource(ctx, &elasticache.ListTagsForResourceInput{ResourceName: aws.String(arn)})
	if err != nil {
		return nil, err
	}
	tags := map[string]string{}
	for _, t := range out.TagList {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return tags, nil
}

// AllowedScaleUps lists the node types a group may be modified to (scale up and down).
func AllowedScaleUps(ctx context.Context, api ElastiCacheAPI, replicationGroupID string) ([]string, error) {
	out, err := api.ListAllowedNodeTypeModifications(ctx, &elasticache.ListAllowedNodeTypeModificationsInput{ReplicationGroupId: aws.String(replicationGroupID)})
	if err != nil {
		return nil, err
	}
	return append(append([]string{}, out.ScaleUpModifications...), out.ScaleDownModifications...), nil
}

// ModifyNodeType starts changing a group's node type now.
func ModifyNodeType(ctx context.Context, api ElastiCacheAPI, replicationGroupID, nodeType string) error {
	_, err := api.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{
		ReplicationGroupId: aws.String(replicationGroupID), CacheNodeType: aws.String(nodeType), ApplyImmediately: aws.Bool(true),
	})
	return err
}

// TestFailover fails the primary of a node group over to a replica (limited to 5 per rolling 24 hours).
func TestFailover(ctx context.Context, api ElastiCacheAPI, replicationGroupID, nodeGroupID string) error {
	_, err := api.TestFailover(ctx, &elasticache.TestFailoverInput{ReplicationGroupId: aws.String(replicationGroupID), NodeGroupId: aws.String(nodeGroupID)})
	return err
}

// Event is an ElastiCache event.
type Event struct {
	SourceID   string
	SourceType string
	Message    string
	Date       time.Time
}

// EventsSince lists the events of a source since a time, newest first.
func EventsSince(ctx context.Context, api ElastiCacheAPI, sourceID string, sourceType ectypes.SourceType, since time.Time) ([]Event, error) {
	var out []Event
	p := elasticache.NewDescribeEventsPaginator(api, &elasticache.DescribeEventsInput{SourceIdentifier: aws.String(sourceID), SourceType: sourceType, StartTime: aws.Time(since)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, e := range page.Events {
			out = append(out, Event{SourceID: aws.ToString(e.SourceIdentifier), SourceType: string(e.SourceType), Message: aws.ToString(e.Message), Date: aws.ToTime(e.Date)})
		}
	}
	return out, nil
}

// UpdateAction is a service update applicable to a replication group.
type UpdateAction struct {
	ServiceUpdateName string
	Severity          string
	Status            string
	NodesUpdated      string
}

// PendingUpdateActions lists a group's service updates that are not complete.
func PendingUpdateActions(ctx context.Context, api ElastiCacheAPI, replicationGroupID string) ([]UpdateAction, error) {
	var out []UpdateAction
	p := elasticache.NewDescribeUpdateActionsPaginator(api, &elasticache.DescribeUpdateActionsInput{
		ReplicationGroupIds: []string{replicationGroupID},
		UpdateActionStatus:  []ectypes.UpdateActionStatus{ectypes.UpdateActionStatusNotApplied, ectypes.UpdateActionStatusWaitingToStart, ectypes.UpdateActionStatusInProgress, ectypes.UpdateActionStatusScheduled},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range page.UpdateActions {
			out = append(out, UpdateAction{ServiceUpdateName: aws.ToString(a.ServiceUpdateName), Severity: string(a.ServiceUpdateSeverity),
				Status: string(a.UpdateActionStatus), NodesUpdated: aws.ToString(a.NodesUpdated)})
		}
	}
	return out, nil
}

// ApplyUpdateAction applies a service update to a group; it returns the status ElastiCache accepted, or
// the reason it did not.
func ApplyUpdateAction(ctx context.Context, api ElastiCacheAPI, replicationGroupID, serviceUpdate string) (status, unprocessed string, err error) {
	out, err := api.BatchApplyUpdateAction(ctx, &elasticache.BatchApplyUpdateActionInput{ReplicationGroupIds: []string{replicationGroupID}, ServiceUpdateName: aws.String(serviceUpdate)})
	if err != nil {
		return "", "", err
	}
	for _, p := range out.ProcessedUpdateActions {
		return string(p.UpdateActionStatus), "", nil
	}
	for _, u := range out.UnprocessedUpdateActions {
		return "", aws.ToString(u.ErrorType) + ": " + aws.ToString(u.ErrorMessage), nil
	}
	return "", "", nil
}

// Snapshot is an ElastiCache snapshot.
type Snapshot struct {
	Name   string
	Status string
}

// CreateSnapshot starts a manual snapshot of a group.
func CreateSnapshot(ctx context.Context, api ElastiCacheAPI, replicationGroupID, name string) error {
	_, err := api.CreateSnapshot(ctx, &elasticache.CreateSnapshotInput{ReplicationGroupId: aws.String(replicationGroupID), SnapshotName: aws.String(name)})
	return err
}

// DescribeSnapshots lists a group's snapshots.
func DescribeSnapshots(ctx context.Context, api ElastiCacheAPI, replicationGroupID string) ([]Snapshot, error) {
	var out []Snapshot
	p := elasticache.NewDescribeSnapshotsPaginator(api, &elasticache.DescribeSnapshotsInput{ReplicationGroupId: aws.String(replicationGroupID)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range page.Snapshots {
			out = append(out, Snapshot{Name: aws.ToString(s.SnapshotName), Status: aws.ToString(s.SnapshotStatus)})
		}
	}
	return out, nil
}
