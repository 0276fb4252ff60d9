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

package asgobservation

import (
	"context"
	"fmt"
	"time"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/cloudwatchgates"
)

// readCloudWatch reads the policy's CloudWatch gates, once, with its windows ending at AWS's time now, when
// there is something to gate: a step in flight, or a node or group not on the goal. A cluster at rest on its
// goal costs no CloudWatch call.
func (b *Builder) readCloudWatch(ctx context.Context, c *Cluster, spec v1.RemediationPolicySpec, step *v1.StepStatus, now time.Time) error {
	goal := spec.Desired.Goal()
	atRest := step == nil && len(c.Outdated(goal)) == 0 && len(c.GroupsNotLaunching(goal)) == 0
	if spec.Health.CloudWatch == nil || atRest || len(c.MissingGroups) > 0 {
		return nil
	}
	req := cloudwatchgates.Request{Health: spec.Health.CloudWatch, DefaultNamespace: v1.DefaultEC2MetricsSpace, Now: now}
	for _, n := range c.Serving() {
		req.Nodes = append(req.Nodes, cloudwatchgates.Subject{InstanceID: n.InstanceID, Dimensions: map[string]string{"InstanceId": n.InstanceID},
			Primary: n.Role() == v1.RolePrimary})
	}
	for _, g := range c.Groups {
		req.Groups = append(req.Groups, cloudwatchgates.Subject{Dimensions: map[string]string{"AutoScalingGroupName": g.Name}})
	}
	var err error
	if c.CloudWatch, err = cloudwatchgates.Read(ctx, b.CloudWatch, req); err != nil {
		return fmt.Errorf("reading CloudWatch: %w", err)
	}
	return nil
}
