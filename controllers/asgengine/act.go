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

package asgengine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/asgobservation"
	"github.com/cache-remediator/cache-remediator/controllers/asgplanner"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
)

// handOffTimeout bounds how long the primary pauses writes while its chosen replica catches up.
const handOffTimeout = 5 * time.Second

// act performs the decision's one mutating action; each AWS call and Redis command goes through
// rollout.Mutate, which writes the audit log. Every action is idempotent, so repeating it after a crash does
// no harm. An action may leave what it did in the step's message (the versions it created or deleted).
func (e *Engine) act(ctx context.Context, policy *v1.RemediationPolicy, c *asgobservation.Cluster, credentials asgobservation.Credentials, d *asgplanner.Decision, st *v1.ASGStatus) error {
	step := d.Step
	switch d.Action {
	case asgplanner.ActionPrepareLaunchTemplate:
		return e.prepareLaunch(ctx, policy, c, step)
	case asgplanner.ActionHandOff:
		return e.handOff(ctx, policy, c, e.NewRedis(credentials.Nodes), step)
	case asgplanner.ActionSentinelFailover:
		return e.sentinelFailover(ctx, policy, c, e.NewRedis(credentials.Nodes), e.NewSentinel(credentials.Sentinels), step)
	case asgplanner.ActionDemoteOldPrimary:
		return e.demoteOldPrimary(ctx, policy, c, e.NewRedis(credentials.Nodes), step)
	case asgplanner.ActionTerminate:
		return e.terminate(ctx, step.Group, step.InstanceID, false)
	case asgplanner.ActionTerminateWithDecrement:
		return e.terminate(ctx, step.Group, step.InstanceID, true)
	case asgplanner.ActionRemoveSurgedNode:
		return e.terminate(ctx, step.Group, step.ReplacementInstanceID, true)
	case asgplanner.ActionSurge:
		return e.setCapacity(ctx, c, step.Group, int64(step.ASG.OriginalCapacity.Desired)+1)
	case asgplanner.ActionRestoreDesired:
		return e.setCapacity(ctx, c, step.Group, int64(step.ASG.OriginalCapacity.Desired))
	case asgplanner.ActionRestoreCapacity:
		return rollout.Mutate(ctx, string(d.Action), []any{"AutoScalingGroup", step.Group, "maxSize", step.ASG.OriginalCapacity.Max}, func(ctx context.Context) error {
			return awsclient.SetMaxSize(ctx, e.AutoScaling, step.Group, int64(step.ASG.OriginalCapacity.Max))
		})
	case asgplanner.ActionCleanup:
		return e.cleanup(ctx, policy, c, step, st)
	}
	return nil
}

// terminate terminates an instance of a group. A termination AWS refuses because the instance is already
// terminating or gone is this controller's own earlier call (whose answer was lost) being repeated: it is
// progress, not a refusal.
func (e *Engine) terminate(ctx context.Context, group, instanceID string, decrement bool) error {
	action := "TerminateInstance"
	err := rollout.Mutate(ctx, action, []any{"AutoScalingGroup", group, "instanceId", instanceID, "decrementCapacity", decrement}, func(ctx context.Context) error {
		return awsclient.TerminateInstance(ctx, e.AutoScaling, instanceID, decrement)
	})
	if !awsclient.IsRefusal(err) {
		return err
	}
	groups, derr := awsclient.DescribeGroups(ctx, e.AutoScaling, []string{group})
	if derr != nil {
		return err
	}
	for _, inst := range groups[group].Instances {
		if inst.ID == instanceID && inst.LifecycleState != asgobservation.StateInService && inst.LifecycleState != asgobservation.StatePending {
			return nil
		}
		if inst.ID == instanceID {
			return err
		}
	}
	// Not in the group any more: it is gone.
	return nil
}

func (e *Engine) setCapacity(ctx context.Context, c *asgobservation.Cluster, group string, desired int64) error {
	g, _ := c.Group(group)
	return rollout.Mutate(ctx, "SetDesiredCapacity", []any{"AutoScalingGroup", group, "desiredCapacity", desired}, func(ctx context.Context) error {
		return awsclient.SetCapacity(ctx, e.AutoScaling, awsclient.Group{Name: g.Name, Max: g.Max}, desired)
	})
}

// prepareLaunch points every group that does not launch the goal at a numbered launch template version
// (created once per template, from the version the group used) or at a launch configuration copy. The
// step's message says what it created.
func (e *Engine) prepareLaunch(ctx context.Context, policy *v1.RemediationPolicy, c *asgobservation.Cluster, step *v1.StepStatus) error {
	goal := step.Goal
	created := map[string]int64{} // template id -> new version
	var done []string
	for _, g := range c.GroupsNotLaunching(goal) {
		if g.Launch.LaunchConfiguration != "" {
			name, err := e.prepareLaunchConfiguration(ctx, g, goal)
			if err != nil {
				return err
			}
			done = append(done, fmt.Sprintf("%s on launch configuration %s", g.Name, name))
			continue
		}
		version, ok := created[g.Launch.TemplateID]
		if !ok {
			err := rollout.Mutate(ctx, "CreateLaunchTemplateVersion", []any{"launchTemplateId", g.Launch.TemplateID, "sourceVersion", g.Launch.Resolved, "goal", goal.String()}, func(ctx context.Context) error {
				v, err := awsclient.CreateTemplateVersion(ctx, e.EC2, g.Launch.TemplateID, g.Launch.Resolved, goal.ImageID, goal.InstanceType,
					versionDescriptionPrefix(policy)+goal.String(), clientToken(policy, g.Launch.TemplateID, step))
				version = v.Number
				return err
			})
			if err != nil {
				return fmt.Errorf("creating a version of launch template %s: %w", g.Launch.TemplateID, err)
			}
			created[g.Launch.TemplateID] = version
		}
		versionText := strconv.FormatInt(version, 10)
		err := rollout.Mutate(ctx, "PointGroupAtLaunchTemplate", []any{"AutoScalingGroup", g.Name, "launchTemplateId", g.Launch.TemplateID, "version", versionText}, func(ctx context.Context) error {
			return awsclient.PointGroupAtTemplate(ctx, e.AutoScaling, g.Name, g.Launch.TemplateID, versionText)
		})
		if err != nil {
			return fmt.Errorf("pointing group %s at launch template version %d: %w", g.Name, version, err)
		}
		done = append(done, fmt.Sprintf("%s on launch template %s version %d", g.Name, g.Launch.TemplateID, version))
	}
	step.Message = fmt.Sprintf("pointed %s (%s)", strings.Join(done, ", "), goal)
	return nil
}

// prepareLaunchConfiguration copies a group's launch configuration with the goal's AMI and type (launch
// configurations cannot be changed) and points the group at the copy.
func (e *Engine) prepareLaunchConfiguration(ctx context.Context, g asgobservation.Group, goal v1.ImageAndType) (string, error) {
	name := LaunchConfigurationName(g.Name, goal)
	existing, err := awsclient.DescribeLaunchConfigurations(ctx, e.AutoScaling, []string{name})
	if err != nil {
		return "", err
	}
	if _, ok := existing[name]; !ok {
		err := rollout.Mutate(ctx, "CreateLaunchConfiguration", []any{"launchConfiguration", name, "goal", goal.String()}, func(ctx context.Context) error {
			return awsclient.CreateLaunchConfiguration(ctx, e.AutoScaling, awsclient.LaunchConfiguration{Name: name, ImageID: goal.ImageID, InstanceType: goal.InstanceType})
		})
		if err != nil {
			return "", fmt.Errorf("creating launch configuration %s: %w", name, err)
		}
	}
	return name, rollout.Mutate(ctx, "PointGroupAtLaunchConfiguration", []any{"AutoScalingGroup", g.Name, "launchConfiguration", name}, func(ctx context.Context) error {
		return awsclient.PointGroupAtLaunchConfiguration(ctx, e.AutoScaling, g.Name, name)
	})
}

// recordSupersededConfigurations remembers the launch configurations the groups are about to leave, so
// that cleanup deletes them once the rollout succeeded (the checkpoint stores them before any group moves).
func recordSupersededConfigurations(st *v1.ASGStatus, c *asgobservation.Cluster, goal v1.ImageAndType) {
	for _, g := range c.GroupsNotLaunching(goal) {
		old := g.Launch.LaunchConfiguration
		if old != "" && old != LaunchConfigurationName(g.Name, goal) && !slices.Contains(st.SupersededLaunchConfigurations, old) {
			st.SupersededLaunchConfigurations = append(st.SupersededLaunchConfigurations, old)
		}
	}
}

// LaunchConfigurationName is the name of the launch configuration the controller creates for a group and
// goal: stable, so a retry finds the one it created.
func LaunchConfigurationName(group string, goal v1.ImageAndType) string {
	sum := sha256.Sum256([]byte(goal.String()))
	return group + "-cr-" + hex.EncodeToString(sum[:])[:10]
}

// clientToken makes CreateLaunchTemplateVersion idempotent per policy, template and step: a retry of the
// step (after a crash or a lost answer) gets the version the first call created, and a later rollout to the
// same goal (whose earlier version cleanup may have deleted) gets a version of its own.
func clientToken(policy *v1.RemediationPolicy, templateID string, step *v1.StepStatus) string {
	sum := sha256.Sum256([]byte(string(policy.UID) + "/" + templateID + "/" + step.Goal.String() + "/" + step.StartedAt.UTC().Format(time.RFC3339))) // seconds: what the API server stores
	return hex.EncodeToString(sum[:])[:64]
}

// handOff moves the primary role off the step's node to the replica the step chose: a coordinated FAILOVER
// while the node is still primary, then re-pointing the other replicas at the new primary (FAILOVER leaves
// them following the old one).
func (e *Engine) handOff(ctx context.Context, policy *v1.RemediationPolicy, c *asgobservation.Cluster, redis RedisActions, step *v1.StepStatus) error {
	port := policy.Spec.Health.Redis.PortOrDefault()
	old, _ := c.Node(step.InstanceID)
	if old.Role() == v1.RolePrimary {
		target, ok := c.Node(step.HandOffTo)
		if !ok {
			return fmt.Errorf("the replica %s chosen to take over from %s is gone", step.HandOffTo, step.InstanceID)
		}
		return rollout.Mutate(ctx, "RedisFailover", []any{"instanceId", old.InstanceID, "to", target.InstanceID,
			"redisCommand", fmt.Sprintf("FAILOVER TO %s %d TIMEOUT %d", target.PrivateIP, port, handOffTimeout.Milliseconds())}, func(ctx context.Context) error {
			return redis.Failover(ctx, old.PrivateIP, target.PrivateIP, port, handOffTimeout)
		})
	}
	primary, ok := c.Primary()
	if !ok {
		return fmt.Errorf("the cluster has no single primary to re-point replicas at")
	}
	for _, n := range c.ReplicasNotFollowingPrimary() {
		if err := replicaOf(ctx, redis, n, primary, port); err != nil {
			return err
		}
	}
	return nil
}

// replicaOf makes node n replicate from primary (REPLICAOF).
func replicaOf(ctx context.Context, redis RedisActions, n, primary asgobservation.Node, port int32) error {
	err := rollout.Mutate(ctx, "RedisReplicaOf", []any{"instanceId", n.InstanceID, "primary", primary.InstanceID,
		"redisCommand", fmt.Sprintf("REPLICAOF %s %d", primary.PrivateIP, port)}, func(ctx context.Context) error {
		return redis.ReplicaOf(ctx, n.PrivateIP, primary.PrivateIP, port)
	})
	if err != nil {
		return fmt.Errorf("re-pointing %s at %s: %w", n.InstanceID, primary.InstanceID, err)
	}
	return nil
}
