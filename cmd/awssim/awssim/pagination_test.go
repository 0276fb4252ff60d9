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
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	. "github.com/onsi/gomega"

	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
)

// walk drains a paginator and returns the number of pages and items it saw.
func walk[O any](g Gomega, hasMore func() bool, next func() (O, error), count func(O) int) (pages, items int) {
	for hasMore() {
		out, err := next()
		g.Expect(err).NotTo(HaveOccurred())
		pages++
		items += count(out)
		g.Expect(pages).To(BeNumerically("<", 100), "the paginator does not end")
	}
	return pages, items
}

func TestEveryPaginatedDescribeWalksAllPagesWithTheSDKPaginator(t *testing.T) {
	f := newFixture(t)
	g := NewWithT(t)
	// More of everything, so that every listing spans several pages: pages of two for Auto Scaling and EC2,
	// of twenty (ElastiCache's smallest MaxRecords) for ElastiCache.
	for i := 0; i < 3; i++ {
		f.srv.AddLaunchConfiguration(awssim.LaunchConfiguration{Name: fmt.Sprintf("extra-%d", i), ImageID: amiOld, InstanceType: typeOld})
		_, err := f.srv.AddLaunchTemplate(fmt.Sprintf("extra-%d", i), 1, awssim.LaunchTemplateVersion{ImageID: amiOld, InstanceType: typeOld})
		g.Expect(err).NotTo(HaveOccurred())
		_, err = f.ec2.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: str(f.ltID), SourceVersion: str("1"), LaunchTemplateData: &ec2types.RequestLaunchTemplateData{}})
		g.Expect(err).NotTo(HaveOccurred())
	}
	var extra []string
	for i := 0; i < 44; i++ {
		id := fmt.Sprintf("extra-%02d", i)
		extra = append(extra, id)
		g.Expect(f.srv.AddReplicationGroup(awssim.ReplicationGroupSpec{ID: id, NodeType: cacheOld, Zones: []string{"us-east-1a"}})).To(Succeed())
		_, err := f.ec.CreateSnapshot(ctx, &elasticache.CreateSnapshotInput{ReplicationGroupId: str(id), SnapshotName: str("snap-" + id)})
		g.Expect(err).NotTo(HaveOccurred())
	}
	g.Expect(f.srv.AddServiceUpdate(awssim.ServiceUpdateSpec{Name: "elc-extra", ReplicationGroups: extra})).To(Succeed())
	f.step(10 * time.Minute) // the snapshots finish, each with an event
	two, twenty := aws.Int32(2), aws.Int32(20)

	cases := []struct {
		name  string
		items int
		size  int // the page size asked for
		walk  func() (int, int)
	}{
		{"DescribeAutoScalingGroups", 4, 2, func() (int, int) {
			p := autoscaling.NewDescribeAutoScalingGroupsPaginator(f.asg, &autoscaling.DescribeAutoScalingGroupsInput{MaxRecords: two})
			return walk(g, p.HasMorePages, func() (*autoscaling.DescribeAutoScalingGroupsOutput, error) { return p.NextPage(ctx) },
				func(o *autoscaling.DescribeAutoScalingGroupsOutput) int { return len(o.AutoScalingGroups) })
		}},
		{"DescribeScalingActivities", 5, 2, func() (int, int) {
			p := autoscaling.NewDescribeScalingActivitiesPaginator(f.asg, &autoscaling.DescribeScalingActivitiesInput{MaxRecords: two})
			return walk(g, p.HasMorePages, func() (*autoscaling.DescribeScalingActivitiesOutput, error) { return p.NextPage(ctx) },
				func(o *autoscaling.DescribeScalingActivitiesOutput) int { return len(o.Activities) })
		}},
		{"DescribeLaunchConfigurations", 4, 2, func() (int, int) {
			p := autoscaling.NewDescribeLaunchConfigurationsPaginator(f.asg, &autoscaling.DescribeLaunchConfigurationsInput{MaxRecords: two})
			return walk(g, p.HasMorePages, func() (*autoscaling.DescribeLaunchConfigurationsOutput, error) { return p.NextPage(ctx) },
				func(o *autoscaling.DescribeLaunchConfigurationsOutput) int { return len(o.LaunchConfigurations) })
		}},
		{"DescribeTags (Auto Scaling)", 3, 2, func() (int, int) {
			p := autoscaling.NewDescribeTagsPaginator(f.asg, &autoscaling.DescribeTagsInput{MaxRecords: two})
			return walk(g, p.HasMorePages, func() (*autoscaling.DescribeTagsOutput, error) { return p.NextPage(ctx) },
				func(o *autoscaling.DescribeTagsOutput) int { return len(o.Tags) })
		}},
		{"DescribeInstances", 5, 2, func() (int, int) {
			p := ec2.NewDescribeInstancesPaginator(f.ec2, &ec2.DescribeInstancesInput{MaxResults: two})
			return walk(g, p.HasMorePages, func() (*ec2.DescribeInstancesOutput, error) { return p.NextPage(ctx) },
				func(o *ec2.DescribeInstancesOutput) int { return len(o.Reservations) })
		}},
		{"DescribeInstanceStatus", 5, 2, func() (int, int) {
			p := ec2.NewDescribeInstanceStatusPaginator(f.ec2, &ec2.DescribeInstanceStatusInput{MaxResults: two, IncludeAllInstances: aws.Bool(true)})
			return walk(g, p.HasMorePages, func() (*ec2.DescribeInstanceStatusOutput, error) { return p.NextPage(ctx) },
				func(o *ec2.DescribeInstanceStatusOutput) int { return len(o.InstanceStatuses) })
		}},
		{"DescribeImages", 4, 2, func() (int, int) {
			p := ec2.NewDescribeImagesPaginator(f.ec2, &ec2.DescribeImagesInput{MaxResults: two})
			return walk(g, p.HasMorePages, func() (*ec2.DescribeImagesOutput, error) { return p.NextPage(ctx) },
				func(o *ec2.DescribeImagesOutput) int { return len(o.Images) })
		}},
		{"DescribeInstanceTypes", 3, 2, func() (int, int) {
			p := ec2.NewDescribeInstanceTypesPaginator(f.ec2, &ec2.DescribeInstanceTypesInput{MaxResults: two})
			return walk(g, p.HasMorePages, func() (*ec2.DescribeInstanceTypesOutput, error) { return p.NextPage(ctx) },
				func(o *ec2.DescribeInstanceTypesOutput) int { return len(o.InstanceTypes) })
		}},
		{"DescribeLaunchTemplates", 4, 2, func() (int, int) {
			p := ec2.NewDescribeLaunchTemplatesPaginator(f.ec2, &ec2.DescribeLaunchTemplatesInput{MaxResults: two})
			return walk(g, p.HasMorePages, func() (*ec2.DescribeLaunchTemplatesOutput, error) { return p.NextPage(ctx) },
				func(o *ec2.DescribeLaunchTemplatesOutput) int { return len(o.LaunchTemplates) })
		}},
		{"DescribeLaunchTemplateVersions", 4, 2, func() (int, int) {
			p := ec2.NewDescribeLaunchTemplateVersionsPaginator(f.ec2, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: str(f.ltID), MaxResults: two})
			return walk(g, p.HasMorePages, func() (*ec2.DescribeLaunchTemplateVersionsOutput, error) { return p.NextPage(ctx) },
				func(o *ec2.DescribeLaunchTemplateVersionsOutput) int { return len(o.LaunchTemplateVersions) })
		}},
		{"DescribeReplicationGroups", 45, 20, func() (int, int) {
			p := elasticache.NewDescribeReplicationGroupsPaginator(f.ec, &elasticache.DescribeReplicationGroupsInput{MaxRecords: twenty})
			return walk(g, p.HasMorePages, func() (*elasticache.DescribeReplicationGroupsOutput, error) { return p.NextPage(ctx) },
				func(o *elasticache.DescribeReplicationGroupsOutput) int { return len(o.ReplicationGroups) })
		}},
		{"DescribeCacheClusters", 47, 20, func() (int, int) {
			p := elasticache.NewDescribeCacheClustersPaginator(f.ec, &elasticache.DescribeCacheClustersInput{MaxRecords: twenty})
			return walk(g, p.HasMorePages, func() (*elasticache.DescribeCacheClustersOutput, error) { return p.NextPage(ctx) },
				func(o *elasticache.DescribeCacheClustersOutput) int { return len(o.CacheClusters) })
		}},
		{"DescribeEvents", 44, 20, func() (int, int) {
			p := elasticache.NewDescribeEventsPaginator(f.ec, &elasticache.DescribeEventsInput{MaxRecords: twenty})
			return walk(g, p.HasMorePages, func() (*elasticache.DescribeEventsOutput, error) { return p.NextPage(ctx) },
				func(o *elasticache.DescribeEventsOutput) int { return len(o.Events) })
		}},
		{"DescribeUpdateActions", 45, 20, func() (int, int) {
			p := elasticache.NewDescribeUpdateActionsPaginator(f.ec, &elasticache.DescribeUpdateActionsInput{MaxRecords: twenty})
			return walk(g, p.HasMorePages, func() (*elasticache.DescribeUpdateActionsOutput, error) { return p.NextPage(ctx) },
				func(o *elasticache.DescribeUpdateActionsOutput) int { return len(o.UpdateActions) })
		}},
		{"DescribeSnapshots", 44, 20, func() (int, int) {
			p := elasticache.NewDescribeSnapshotsPaginator(f.ec, &elasticache.DescribeSnapshotsInput{MaxRecords: twenty})
			return walk(g, p.HasMorePages, func() (*elasticache.DescribeSnapshotsOutput, error) { return p.NextPage(ctx) },
				func(o *elasticache.DescribeSnapshotsOutput) int { return len(o.Snapshots) })
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pages, items := c.walk()
			if items < c.items {
				t.Fatalf("saw %d items, want at least %d", items, c.items)
			}
			if want := (items + c.size - 1) / c.size; pages != want {
				t.Fatalf("saw %d pages of %d items, want %d pages of at most %d", pages, items, want, c.size)
			}
		})
	}
}
