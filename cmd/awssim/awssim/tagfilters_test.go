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
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	. "github.com/onsi/gomega"

	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
)

// tagged serves three groups on three launch templates: "a" and "b" (and their templates) carry the opt-in
// tag of two policies, "c" (and its template) an unrelated tag.
func tagged(t *testing.T) (*autoscaling.Client, *ec2.Client) {
	sc := &awssim.Scenario{
		Images:        []awssim.ScenarioImage{{ID: amiOld, Architecture: "x86_64"}},
		InstanceTypes: []awssim.ScenarioInstanceType{{Name: typeOld, Architectures: []string{"x86_64"}}},
	}
	for name, tags := range map[string]map[string]string{
		"a": {"cache-remediator.io/policy": "default.a"}, "b": {"cache-remediator.io/policy": "default.b", "team": "x"}, "c": {"team": "x"},
	} {
		sc.LaunchTemplates = append(sc.LaunchTemplates, awssim.ScenarioLaunchTemplate{Name: "lt-" + name, Tags: tags,
			Versions: []awssim.ScenarioTemplateVersion{{ImageID: amiOld, InstanceType: typeOld}}})
		sc.Clusters = append(sc.Clusters, awssim.ScenarioCluster{Name: name, Groups: []awssim.ScenarioGroup{{Name: name, Zone: "us-east-1a", Size: 1,
			LaunchTemplate: "lt-" + name, Tags: tags}}})
	}
	srv, _ := serveScenario(t, sc)
	cfg := oneAttempt(srv)
	return autoscaling.NewFromConfig(cfg), ec2.NewFromConfig(cfg)
}

func TestDescribeAutoScalingGroupsAppliesTagFiltersAsAutoScalingDoes(t *testing.T) {
	asg, _ := tagged(t)
	cases := []struct {
		name    string
		filters []astypes.Filter
		expect  []string
	}{
		{"tag-key keeps the groups that carry the key, whatever its value",
			[]astypes.Filter{{Name: aws.String("tag-key"), Values: []string{"cache-remediator.io/policy"}}}, []string{"a", "b"}},
		{"tag:<key> keeps the groups whose key has one of the values",
			[]astypes.Filter{{Name: aws.String("tag:cache-remediator.io/policy"), Values: []string{"default.b", "default.z"}}}, []string{"b"}},
		{"tag-value matches any key's value",
			[]astypes.Filter{{Name: aws.String("tag-value"), Values: []string{"x"}}}, []string{"b", "c"}},
		{"two filters must both hold",
			[]astypes.Filter{{Name: aws.String("tag:team"), Values: []string{"x"}}, {Name: aws.String("tag-key"), Values: []string{"cache-remediator.io/policy"}}}, []string{"b"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			out, err := asg.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{Filters: c.filters})
			g.Expect(err).NotTo(HaveOccurred())
			var names []string
			for _, grp := range out.AutoScalingGroups {
				names = append(names, aws.ToString(grp.AutoScalingGroupName))
			}
			g.Expect(names).To(ConsistOf(c.expect))
		})
	}
	_, err := asg.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{Filters: []astypes.Filter{{Name: aws.String("owner"), Values: []string{"x"}}}})
	NewWithT(t).Expect(err).To(MatchError(ContainSubstring("The filter 'owner' is invalid")))
}

func TestDescribeLaunchTemplatesAppliesTagFiltersAndPagesOfAtMost200(t *testing.T) {
	g := NewWithT(t)
	_, ec := tagged(t)
	var names []string
	p := ec2.NewDescribeLaunchTemplatesPaginator(ec, &ec2.DescribeLaunchTemplatesInput{MaxResults: aws.Int32(1),
		Filters: []ec2types.Filter{{Name: aws.String("tag-key"), Values: []string{"cache-remediator.io/policy"}}}})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		g.Expect(err).NotTo(HaveOccurred())
		pages++
		for _, lt := range out.LaunchTemplates {
			names = append(names, aws.ToString(lt.LaunchTemplateName))
		}
	}
	g.Expect(names).To(ConsistOf("lt-a", "lt-b"))
	g.Expect(pages).To(Equal(2))
	_, err := ec.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{MaxResults: aws.Int32(201)})
	g.Expect(err).To(MatchError(ContainSubstring("Expecting a value between 1 and 200")))
}
