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
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	. "github.com/onsi/gomega"
)

const sessionsARN = "arn:aws:elasticache:us-east-1:111122223333:replicationgroup:sessions"

func TestListTagsForResourceIsRefusedWhileTheGroupIsNotAvailable(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	_, err := f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("sessions"), CacheNodeType: str(cacheNew), ApplyImmediately: aws.Bool(true)})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = f.ec.ListTagsForResource(ctx, &elasticache.ListTagsForResourceInput{ResourceName: str(sessionsARN)})
	var state *ectypes.InvalidReplicationGroupStateFault
	g.Expect(errors.As(err, &state)).To(BeTrue(), "%v", err)
	g.Expect(err.Error()).To(ContainSubstring("Cluster not in available state to perform tagging operations."))
	calls := f.srv.Calls()
	g.Expect(calls[len(calls)-1].Error).To(Equal("InvalidReplicationGroupState"))
	g.Expect(calls[len(calls)-1].Mutating()).To(BeFalse())

	f.step(20 * time.Minute)
	tags, err := f.ec.ListTagsForResource(ctx, &elasticache.ListTagsForResourceInput{ResourceName: str(sessionsARN)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(tags.TagList).To(HaveLen(1))
}

func TestAddingOrRemovingTagsPutsTheGroupIntoModifyingForAWhile(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	out, err := f.ec.AddTagsToResource(ctx, &elasticache.AddTagsToResourceInput{ResourceName: str(sessionsARN), Tags: []ectypes.Tag{{Key: str("team"), Value: str("web")}}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.TagList).To(HaveLen(2))
	calls := f.srv.Calls()
	g.Expect(calls[len(calls)-1].Mutating()).To(BeTrue())

	g.Expect(observe(g, f.ec, "sessions").status).To(Equal("modifying"))
	_, err = f.ec.ListTagsForResource(ctx, &elasticache.ListTagsForResourceInput{ResourceName: str(sessionsARN)})
	var state *ectypes.InvalidReplicationGroupStateFault
	g.Expect(errors.As(err, &state)).To(BeTrue(), "a tag change makes the tags unreadable for a while: %v", err)
	_, err = f.ec.AddTagsToResource(ctx, &elasticache.AddTagsToResourceInput{ResourceName: str(sessionsARN), Tags: []ectypes.Tag{{Key: str("x"), Value: str("y")}}})
	g.Expect(errors.As(err, &state)).To(BeTrue(), "%v", err)
	_, err = f.ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: str("sessions"), CacheNodeType: str(cacheNew), ApplyImmediately: aws.Bool(true)})
	g.Expect(errors.As(err, &state)).To(BeTrue(), "%v", err)

	f.step(30 * time.Second)
	g.Expect(observe(g, f.ec, "sessions").status).To(Equal("available"))
	removed, err := f.ec.RemoveTagsFromResource(ctx, &elasticache.RemoveTagsFromResourceInput{ResourceName: str(sessionsARN), TagKeys: []string{"team"}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(removed.TagList).To(ConsistOf(ectypes.Tag{Key: str("cache-remediator.io/policy"), Value: str("default.sessions")}))
	g.Expect(observe(g, f.ec, "sessions").status).To(Equal("modifying"))
	f.step(30 * time.Second)

	_, err = f.ec.RemoveTagsFromResource(ctx, &elasticache.RemoveTagsFromResourceInput{ResourceName: str(sessionsARN), TagKeys: []string{"nope"}})
	var notFound *ectypes.TagNotFoundFault
	g.Expect(errors.As(err, &notFound)).To(BeTrue(), "%v", err)
}

func TestCacheClustersHaveTheirOwnTagsAndBadARNsAreRefused(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t)
	member := "arn:aws:elasticache:us-east-1:111122223333:cluster:sessions-002"
	_, err := f.ec.AddTagsToResource(ctx, &elasticache.AddTagsToResourceInput{ResourceName: str(member), Tags: []ectypes.Tag{{Key: str("k"), Value: str("v")}}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(aws.ToString(observe(g, f.ec, "sessions").members["sessions-002"].CacheClusterStatus)).To(Equal("modifying"))
	_, err = f.ec.ListTagsForResource(ctx, &elasticache.ListTagsForResourceInput{ResourceName: str(member)})
	var state *ectypes.InvalidReplicationGroupStateFault
	g.Expect(errors.As(err, &state)).To(BeTrue(), "%v", err)
	f.step(time.Minute)
	tags, err := f.ec.ListTagsForResource(ctx, &elasticache.ListTagsForResourceInput{ResourceName: str(member)})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(tags.TagList).To(ConsistOf(ectypes.Tag{Key: str("k"), Value: str("v")}))

	_, err = f.ec.ListTagsForResource(ctx, &elasticache.ListTagsForResourceInput{ResourceName: str("arn:aws:ec2:us-east-1:111122223333:instance/i-1")})
	var arn *ectypes.InvalidARNFault
	g.Expect(errors.As(err, &arn)).To(BeTrue(), "%v", err)
	_, err = f.ec.ListTagsForResource(ctx, &elasticache.ListTagsForResourceInput{ResourceName: str("arn:aws:elasticache:us-east-1:111122223333:replicationgroup:nope")})
	var rgNotFound *ectypes.ReplicationGroupNotFoundFault
	g.Expect(errors.As(err, &rgNotFound)).To(BeTrue(), "%v", err)
}
