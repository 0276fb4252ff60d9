/*
Copyright 2026 The cache-remediator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package asgengine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
	"github.com/cache-remediator/cache-remediator/controllers/health"
	"github.com/cache-remediator/cache-remediator/controllers/observation"
	"github.com/cache-remediator/cache-remediator/controllers/planner"
)

// handOffTimeout bounds how long the primary pauses writes while its chosen replica catches up.
const handOffTimeout = 5 * time.Second

// act performs the decision's one mutating action. Every action is idempotent, so repeating it after a
// crash does no harm.
func (e *Engine) act(ctx context.Context, policy *v1.RemediationPolicy, c *observation.Cluster, d planner.Decision) error {
	switch d.Action {
	case planner.ActionPrepareLaunchTemplate:
		return e.prepareLaunch(ctx, policy, c, d.Step.Goal)
	case planner.ActionHandOff:
		return e.handOff(ctx, policy, c, d.Step.InstanceID)
	case planner.ActionTerminate:
		_, err := awsclient.TerminateInstance(ctx, e.AWS.AutoScaling, d.Step.InstanceID, false)
		return err
	case planner.ActionTerminateWithDecrement:
		_, err := awsclient.TerminateInstance(ctx, e.AWS.AutoScaling, d.Step.InstanceID, true)
		return err
	case planner.ActionSurge:
		g, _ := c.Group(d.Step.Group)
		return awsclient.SetCapacity(ctx, e.AWS.AutoScaling, awsclient.Group{Name: g.Name, Max: g.Max}, int64(d.Step.OriginalCapacity.Desired)+1)
	case planner.ActionRestoreCapacity:
		return awsclient.SetMaxSize(ctx, e.AWS.AutoScaling, d.Step.Group, int64(d.Step.OriginalCapacity.Max))
	case planner.ActionRemoveSurgedNode:
		_, err := awsclient.TerminateInstance(ctx, e.AWS.AutoScaling, d.Step.ReplacementInstanceID, true)
		return err
	case planner.ActionRestoreDesired:
		g, _ := c.Group(d.Step.Group)
		return awsclient.SetCapacity(ctx, e.AWS.AutoScaling, awsclient.Group{Name: g.Name, Max: g.Max}, int64(d.Step.OriginalCapacity.Desired))
	case planner.ActionCleanup:
		return e.cleanup(ctx, policy, c)
	}
	return nil
}

// prepareLaunch points every group that does not launch the goal at a numbered launch template version
// (created once per template, from the version the group used) or at a launch configuration copy.
func (e *Engine) prepareLaunch(ctx context.Context, policy *v1.RemediationPolicy, c *observation.Cluster, goal v1.ImageAndType) error {
	if err := e.recordSupersededConfigurations(ctx, policy, c, goal); err != nil {
		return err
	}
	created := map[string]int64{} // template id -> new version
	for _, g := range c.GroupsNotLaunching(goal) {
		if g.Launch.LaunchConfiguration != "" {
			if err := e.prepareLaunchConfiguration(ctx, policy, g, goal); err != nil {
				return err
			}
			continue
		}
		version, ok := created[g.Launch.TemplateID]
		if !ok {
			v, err := awsclient.CreateTemplateVersion(ctx, e.AWS.EC2, g.Launch.TemplateID, g.Launch.Resolved, goal.ImageID, goal.InstanceType,
				versionDescriptionPrefix(policy)+goal.String(), clientToken(policy, g.Launch.TemplateID, goal))
			if err != nil {
				return fmt.Errorf("creating a version of launch template %s: %w", g.Launch.TemplateID, err)
			}
			version = v.Number
			created[g.Launch.TemplateID] = version
		}
		if err := awsclient.PointGroupAtTemplate(ctx, e.AWS.AutoScaling, g.Name, g.Launch.TemplateID, strconv.FormatInt(version, 10)); err != nil {
			return fmt.Errorf("pointing group %s at launch template version %d: %w", g.Name, version, err)
		}
	}
	return nil
}

// prepareLaunchConfiguration copies a group's launch configuration with the goal's AMI and type (launch
// configurations cannot be changed) and points the group at the copy.
func (e *Engine) prepareLaunchConfiguration(ctx context.Context, policy *v1.RemediationPolicy, g observation.Group, goal v1.ImageAndType) error {
	name := LaunchConfigurationName(g.Name, goal)
	existing, err := awsclient.DescribeLaunchConfigurations(ctx, e.AWS.AutoScaling, []string{name})
	if err != nil {
		return err
	}
	if _, ok := existing[name]; !ok {
		if err := awsclient.CreateLaunchConfiguration(ctx, e.AWS.AutoScaling, awsclient.LaunchConfiguration{Name: name, ImageID: goal.ImageID, InstanceType: goal.InstanceType}); err != nil {
			return fmt.Errorf("creating launch configuration %s: %w", name, err)
		}
	}
	return awsclient.PointGroupAtLaunchConfiguration(ctx, e.AWS.AutoScaling, g.Name, name)
}

// recordSupersededConfigurations remembers, on the API server before any group moves, the launch
// configurations the groups are about to leave, so that cleanup deletes them once the rollout succeeded
// even if this reconcile dies half-way.
func (e *Engine) recordSupersededConfigurations(ctx context.Context, policy *v1.RemediationPolicy, c *observation.Cluster, goal v1.ImageAndType) error {
	recorded := false
	for _, g := range c.GroupsNotLaunching(goal) {
		old := g.Launch.LaunchConfiguration
		if old == "" || old == LaunchConfigurationName(g.Name, goal) || slices.Contains(policy.Status.SupersededLaunchConfigurations, old) {
			continue
		}
		policy.Status.SupersededLaunchConfigurations = append(policy.Status.SupersededLaunchConfigurations, old)
		recorded = true
	}
	if !recorded {
		return nil
	}
	return e.checkpoint(ctx, policy)
}

// LaunchConfigurationName is the name of the launch configuration the controller creates for a group and
// goal: stable, so a retry finds the one it created.
func LaunchConfigurationName(group string, goal v1.ImageAndType) string {
	sum := sha256.Sum256([]byte(goal.String()))
	return group + "-cr-" + hex.EncodeToString(sum[:])[:10]
}

// clientToken makes CreateLaunchTemplateVersion idempotent per policy, template and goal.
func clientToken(policy *v1.RemediationPolicy, templateID string, goal v1.ImageAndType) string {
	sum := sha256.Sum256([]byte(string(policy.UID) + "/" + templateID + "/" + goal.String()))
	return hex.EncodeToString(sum[:])[:64]
}

// handOff moves the primary role off primaryID: a coordinated FAILOVER to the most caught-up healthy
// replica while the node is still primary, then re-pointing the other replicas at the new primary (FAILOVER
// leaves them following the old one).
func (e *Engine) handOff(ctx context.Context, policy *v1.RemediationPolicy, c *observation.Cluster, primaryID string) error {
	password, _, err := e.redisPassword(ctx, policy)
	if err != nil {
		return err
	}
	prober := health.RedisProber{Password: password}
	port := policy.Spec.Health.Redis.PortOrDefault()
	old, ok := c.Node(primaryID)
	if !ok {
		return fmt.Errorf("primary %s is gone", primaryID)
	}
	if old.Role() == v1.RolePrimary {
		target, ok := planner.HandOffTarget(c, primaryID)
		if !ok {
			return fmt.Errorf("no healthy replica can take over from %s", primaryID)
		}
		return prober.Failover(ctx, old.PrivateIP, target.PrivateIP, port, handOffTimeout)
	}
	primary, ok := c.Primary()
	if !ok {
		return fmt.Errorf("the cluster has no single primary to re-point replicas at")
	}
	for _, n := range c.ReplicasNotFollowingPrimary() {
		if err := prober.ReplicaOf(ctx, n.PrivateIP, primary.PrivateIP, port); err != nil {
			return fmt.Errorf("re-pointing %s at %s: %w", n.InstanceID, primary.InstanceID, err)
		}
	}
	return nil
}

// actionFailed reports a failed action. Retryable AWS errors go back to the caller for backoff; a refused
// action blocks the rollout with the reason, and the step stays so that the next reconcile retries it.
func (e *Engine) actionFailed(policy *v1.RemediationPolicy, d planner.Decision, err error, now time.Time) error {
	if awsclient.IsRetryable(err) || awsclient.Code(err) == "" {
		e.report(policy, outcome{phase: v1.PhaseProgressing, reason: v1.ReasonAWSError, message: err.Error(), transient: true}, now)
		return err
	}
	e.event(policy, corev1.EventTypeWarning, v1.ReasonAWSError, string(d.Action), err.Error())
	e.report(policy, outcome{phase: v1.PhaseBlocked, reason: v1.ReasonAWSError, message: fmt.Sprintf("%s was refused: %v", d.Action, err)}, now)
	return nil
}

// completed records a finished step: the ledger notes the replacement, an event says so, and the AWS calls
// spent on the node go to the metric.
func (e *Engine) completed(policy *v1.RemediationPolicy, step *v1.StepStatus, now time.Time) {
	observeStep(step, now)
	switch step.Type {
	case v1.StepBake:
		e.event(policy, corev1.EventTypeNormal, "CanaryBaked", "Bake", fmt.Sprintf("the canary on %s held every gate for its bake; rolling out the rest", step.Goal))
		return
	case v1.StepCleanup:
		e.event(policy, corev1.EventTypeNormal, "CleanedUp", "Cleanup", "deleted the launch template versions and launch configurations the rollout no longer needs")
		return
	case v1.StepReplaceNode, v1.StepSurgeNode:
	default:
		return
	}
	t := now
	policy.Status.Nodes = append(policy.Status.Nodes, v1.NodeStatus{InstanceID: step.ReplacementInstanceID, ReplacedInstanceID: step.InstanceID,
		Group: step.Group, Zone: step.Zone, State: v1.NodeUpdated, UpdatedAt: timePtr(t)})
	e.event(policy, corev1.EventTypeNormal, "NodeReplaced", "Replace",
		fmt.Sprintf("%s replaced %s in %s and is healthy on %s", step.ReplacementInstanceID, step.InstanceID, step.Zone, step.Goal))
	c := e.counterFor(policy)
	total := c.counter.Total()
	awsCallsPerReplacedNode.Observe(float64(total - c.mark))
	c.mark = total
}

// failed records a failed goal: it is not retried until the spec changes or the retry annotation is set.
func (e *Engine) failed(policy *v1.RemediationPolicy, f *v1.FailedTarget) {
	policy.Status.FailedTarget = f
	e.event(policy, corev1.EventTypeWarning, f.Reason, "Fail", f.Message)
	result := "failed"
	if policy.Spec.Strategy.RollbackOnFailure && !f.RollbackFailed {
		result = "rolling_back"
	}
	rolloutsTotal.WithLabelValues(result).Inc()
}
