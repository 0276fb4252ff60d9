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

package asgplanner_test

import (
	"fmt"
	"testing"
	"time"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/asgobservation"
	planner "github.com/cache-remediator/cache-remediator/controllers/asgplanner"
)

// BenchmarkPlan plans the next step of clusters of growing size, every node outdated (the planner's most
// work: ordering them all and forecasting the rest of the rollout), and of a cluster already on its goal.
func BenchmarkPlan(b *testing.B) {
	for _, size := range []int{3, 30, 300} {
		b.Run(fmt.Sprintf("outdated-%d-nodes", size), func(b *testing.B) {
			benchmarkPlan(b, input(cluster(oldGoal, sized(size, oldGoal)...)))
		})
	}
	b.Run("settled-300-nodes", func(b *testing.B) {
		benchmarkPlan(b, input(cluster(newGoal, sized(300, newGoal)...)))
	})
}

func benchmarkPlan(b *testing.B, in planner.Input) {
	in.Gates = held(in.Cluster, time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		planner.Plan(in)
	}
}

// sized is n nodes on img spread over the three groups, the first the primary.
func sized(n int, img v1.ImageAndType) []asgobservation.Node {
	nodes := make([]asgobservation.Node, n)
	for i := range nodes {
		g := []string{"c-a", "c-b", "c-c"}[i%3]
		nodes[i] = node(fmt.Sprintf("i-%04d", i), g, img, i == 0)
	}
	return nodes
}
