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
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"
)

// ReplicationGroup is an ElastiCache replication group as the controller sees it.
type ReplicationGroup struct {
	ID             string
	ARN            string
	Status         string // creating, available, modifying, deleting, create-failed, snapshotting
	Engine         string // redis or valkey
	NodeType       string
	ClusterEnabled bool
	// AutomaticFailover is enabled, disabled, enabling or disabling; MultiAZ enabled or disabled.
	AutomaticFailover string
	MultiAZ           string
	NodeGroups        []NodeGroup
	// MemberClusters are the group's cache cluster ids, as the group lists them.
	MemberClusters []string
	// GlobalDatastore is the Global Datastore the group belongs to, if any.
	GlobalDatastore string
	// SnapshottingCluster is the member automatic backups are taken from (cluster mode disabled).
	SnapshottingCluster string
}

// NodeGroup is one shard.
type NodeGroup struct {
	ID      string
	Status  string
	Members []NodeGroupMember
}

// NodeGroupMember is one member of a shard, as the group lists it.
type NodeGroupMember struct {
	ClusterID string
	Zone      string
	// Role is primary or replica; empty with cluster mode enabled, where ElastiCache does not say.
	Role string
	// Address and Port are where the member answers (cluster mode disabled; see CacheCluster otherwise).
	Address string
	Port    int32
}

// DescribeReplicationGroup describes one replication group; a missing group is a NotFound error.
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
		ID: aws.ToString(rg.ReplicationGroupId), ARN: aws.ToString(rg.ARN), Status: aws.ToString(rg.Status), Engine: aws.ToString(rg.Engine),
		NodeType: aws.ToString(rg.CacheNodeType), ClusterEnabled: aws.ToBool(rg.ClusterEnabled),
		AutomaticFailover: string(rg.AutomaticFailover), MultiAZ: string(rg.MultiAZ), MemberClusters: rg.MemberClusters,
		SnapshottingCluster: aws.ToString(rg.SnapshottingClusterId),
	}
	if g := rg.GlobalReplicationGroupInfo; g != nil {
		out.GlobalDatastore = aws.ToString(g.GlobalReplicationGroupId)
	}
	for _, ng := range rg.NodeGroups {
		g := NodeGroup{ID: aws.ToString(ng.NodeGroupId), Status: aws.ToString(ng.Status)}
		for _, m := range ng.NodeGroupMembers {
			member := NodeGroupMember{ClusterID: aws.ToString(m.CacheClusterId), Zone: aws.ToString(m.PreferredAvailabilityZone), Role: aws.ToString(m.CurrentRole)}
			if e := m.ReadEndpoint; e != nil {
				member.Address, member.Port = aws.ToString(e.Address), aws.ToInt32(e.Port)
			}
			g.Members = append(g.Members, member)
		}
		out.NodeGroups = append(out.NodeGroups, g)
	}
	return out
}

// CacheCluster is one member of a replication group, as DescribeCacheClusters says.
type CacheCluster struct {
	ID       string
	Status   string // available, creating, modifying, snapshotting, rebooting cluster nodes, ...
	NodeType string
	// PendingNodeType is the node type a change in progress (or waiting for the maintenance window) moves
	// the member to: ElastiCache shows it on the members only, never on the group.
	PendingNodeType string
	Address         string
	Port            int32
}

// DescribeCacheCluster describes one member cache cluster with its node's endpoint.
func DescribeCacheCluster(ctx context.Context, api ElastiCacheAPI, id string) (CacheCluster, error) {
	out, err := api.DescribeCacheClusters(ctx, &elasticache.DescribeCacheClustersInput{CacheClusterId: aws.String(id), ShowCacheNodeInfo: aws.Bool(true)})
	if err != nil {
		return CacheCluster{}, err
	}
	if len(out.CacheClusters) == 0 {
		return CacheCluster{}, notFound("CacheClusterNotFound", "cache cluster "+id+" not found")
	}
	c := out.CacheClusters[0]
	cc := CacheCluster{ID: aws.ToString(c.CacheClusterId), NodeType: aws.ToString(c.CacheNodeType), Status: aws.ToString(c.CacheClusterStatus)}
	if c.PendingModifiedValues != nil {
		cc.PendingNodeType = aws.ToString(c.PendingModifiedValues.CacheNodeType)
	}
	for _, n := range c.CacheNodes {
		if n.Endpoint != nil {
			cc.Address, cc.Port = aws.ToString(n.Endpoint.Address), aws.ToInt32(n.Endpoint.Port)
		}
	}
	return cc, nil
}

// ResourceTags returns the tags of an ElastiCache resource by ARN. ElastiCache answers only while the
// resource is available (InvalidReplicationGroupState otherwise).
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

// AllowedNodeTypes are the node types a group may be modified to.
type AllowedNodeTypes struct {
	ScaleUp, ScaleDown []string
}

// Allows says whether the node type is in either list.
func (a AllowedNodeTypes) Allows(nodeType string) bool {
	return slices.Contains(a.ScaleUp, nodeType) || slices.Contains(a.ScaleDown, nodeType)
}

// ListAllowedNodeTypes lists the node types a group may be modified to.
func ListAllowedNodeTypes(ctx context.Context, api ElastiCacheAPI, replicationGroupID string) (AllowedNodeTypes, error) {
	out, err := api.ListAllowedNodeTypeModifications(ctx, &elasticache.ListAllowedNodeTypeModificationsInput{ReplicationGroupId: aws.String(replicationGroupID)})
	if err != nil {
		return AllowedNodeTypes{}, err
	}
	return AllowedNodeTypes{ScaleUp: out.ScaleUpModifications, ScaleDown: out.ScaleDownModifications}, nil
}

// ModifyNodeType starts changing a group's node type now (ApplyImmediately: without it the change waits
// for the maintenance window). Only the node type is sent: re-sending unchanged settings can make
// ElastiCache refuse the request.
func ModifyNodeType(ctx context.Context, api ElastiCacheAPI, replicationGroupID, nodeType string) error {
	_, err := api.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{
		ReplicationGroupId: aws.String(replicationGroupID), CacheNodeType: aws.String(nodeType), ApplyImmediately: aws.Bool(true),
	})
	return err
}

// EnableAutomaticFailover turns on automatic failover and Multi-AZ now.
func EnableAutomaticFailover(ctx context.Context, api ElastiCacheAPI, replicationGroupID string) error {
	_, err := api.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{
		ReplicationGroupId: aws.String(replicationGroupID), AutomaticFailoverEnabled: aws.Bool(true), MultiAZEnabled: aws.Bool(true),
		ApplyImmediately: aws.Bool(true),
	})
	return err
}

// TestFailover fails a shard's primary over to a replica. ElastiCache answers before the failover happens;
// it is limited to 15 node groups per account in a rolling 24 hours (see IsTestFailoverQuota).
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

// EventsSince lists the events of the given sources (the group and its members: snapshot, failover and
// recovery events are on the member cache clusters) since a time, newest first, in one walk over the
// account's events of that window.
func EventsSince(ctx context.Context, api ElastiCacheAPI, sources []string, since time.Time) ([]Event, error) {
	want := map[string]bool{}
	for _, s := range sources {
		want[strings.ToLower(s)] = true
	}
	var out []Event
	p := elasticache.NewDescribeEventsPaginator(api, &elasticache.DescribeEventsInput{StartTime: aws.Time(since), MaxRecords: aws.Int32(100)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, e := range page.Events {
			if want[strings.ToLower(aws.ToString(e.SourceIdentifier))] {
				out = append(out, Event{SourceID: aws.ToString(e.SourceIdentifier), SourceType: string(e.SourceType), Message: aws.ToString(e.Message), Date: aws.ToTime(e.Date)})
			}
		}
	}
	return out, nil
}

// UpdateAction is a service update applicable to a replication group, with how far each node got.
type UpdateAction struct {
	ServiceUpdateName string
	Severity          string
	Type              string
	// Status is not-applied, waiting-to-start, in-progress, stopping, stopped, complete, scheduling,
	// scheduled or not-applicable.
	Status       string
	NodesUpdated string
	// Nodes is each member's status for this update (not-applied, waiting-to-start, in-progress, stopping,
	// stopped, complete), by cache cluster id.
	Nodes map[string]string
}

// UpdateActions lists a group's service updates, whatever their status, with node-level status.
func UpdateActions(ctx context.Context, api ElastiCacheAPI, replicationGroupID string) ([]UpdateAction, error) {
	var out []UpdateAction
	p := elasticache.NewDescribeUpdateActionsPaginator(api, &elasticache.DescribeUpdateActionsInput{
		ReplicationGroupIds: []string{replicationGroupID}, ShowNodeLevelUpdateStatus: aws.Bool(true), MaxRecords: aws.Int32(100),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range page.UpdateActions {
			ua := UpdateAction{ServiceUpdateName: aws.ToString(a.ServiceUpdateName), Severity: string(a.ServiceUpdateSeverity),
				Type: string(a.ServiceUpdateType), Status: string(a.UpdateActionStatus), NodesUpdated: aws.ToString(a.NodesUpdated), Nodes: map[string]string{}}
			for _, ng := range a.NodeGroupUpdateStatus {
				for _, m := range ng.NodeGroupMemberUpdateStatus {
					ua.Nodes[aws.ToString(m.CacheClusterId)] = string(m.NodeUpdateStatus)
				}
			}
			out = append(out, ua)
		}
	}
	return out, nil
}

// ApplyUpdateAction applies a service update to a group. ElastiCache says per group whether it took it
// (the status it accepted) or not (why, in UnprocessedUpdateActions: not an error of the call).
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

// CreateSnapshot starts a manual snapshot of a group.
func CreateSnapshot(ctx context.Context, api ElastiCacheAPI, replicationGroupID, name string) error {
	_, err := api.CreateSnapshot(ctx, &elasticache.CreateSnapshotInput{ReplicationGroupId: aws.String(replicationGroupID), SnapshotName: aws.String(name)})
	return err
}

// SnapshotStatus is a snapshot's status (creating, available, failed, ...); a missing snapshot is a NotFound
// error.
func SnapshotStatus(ctx context.Context, api ElastiCacheAPI, name string) (string, error) {
	out, err := api.DescribeSnapshots(ctx, &elasticache.DescribeSnapshotsInput{SnapshotName: aws.String(name)})
	if err != nil {
		return "", err
	}
	if len(out.Snapshots) == 0 {
		return "", notFound("SnapshotNotFoundFault", "snapshot "+name+" not found")
	}
	return aws.ToString(out.Snapshots[0].SnapshotStatus), nil
}
