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
	"fmt"
	"slices"
	"sort"
	"strings"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/asgobservation"
	"github.com/cache-remediator/cache-remediator/controllers/asgplanner"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
)

// owns checks, on every reconcile (it costs no AWS call), that the policy owns its groups: no earlier
// policy targets one of them (the earlier owns it, even while it is being deleted), and every group carries
// the opt-in tag naming this policy (read in this reconcile's observation). A policy that does not own its
// groups is Blocked and makes no mutation, at any phase.
func (e *Engine) owns(ctx context.Context, req rollout.Request, c *asgobservation.Cluster) (*rollout.Outcome, error) {
	policy, timings := req.Policy, e.Timings.OrDefault()
	conflict, err := rollout.CheckConflict(ctx, e.Client, policy)
	if err != nil {
		return nil, err
	}
	if conflict != nil {
		got := ""
		if g, ok := c.Group(conflict.Resource()); ok {
			got = g.Tags[v1.OptInTagKey]
		}
		o := req.BadTarget(v1.ReasonConflict, conflict.Message("auto scaling group", got), timings.Blocked)
		return &o, nil
	}
	for _, g := range c.Groups {
		if !g.OptedInFor(policy.OptInTagValue()) {
			o := req.BadTarget(v1.ReasonNotOptedIn, fmt.Sprintf("auto scaling group %s does not carry the tag %s=%s (it has %q); tag it to let this policy act on it",
				g.Name, v1.OptInTagKey, policy.OptInTagValue(), g.Tags[v1.OptInTagKey]), timings.Blocked)
			return &o, nil
		}
	}
	return nil, nil
}

// mayMutate is checked right before every mutation (AWS or Redis), after owns: every launch template the
// action would change carries the opt-in tag too, no group outside the policy follows $Latest of a template
// a new version would be added to (it would launch the new AMI), and the goal is valid (AMI and type exist
// and match; checked when a step starts, and cached). It returns the blocked outcome, nil when the mutation
// may go ahead, or an error worth retrying.
func (e *Engine) mayMutate(ctx context.Context, req rollout.Request, c *asgobservation.Cluster, d asgplanner.Decision) (*rollout.Outcome, error) {
	policy := req.Policy
	if templates := templatesChangedBy(c, d); len(templates) > 0 {
		if o, err := e.templatesOwned(ctx, req, c, templates, d.Action == asgplanner.ActionPrepareLaunchTemplate); o != nil || err != nil {
			return o, err
		}
	}
	if stored := policy.Status.CurrentStep; stored == nil || !stored.StartedAt.Equal(&d.Step.StartedAt) || stored.Type != d.Step.Type {
		// A new step: its goal is checked before its first mutation.
		return e.validate(ctx, req, d.Step.Goal)
	}
	return nil, nil
}

// templatesChangedBy lists the launch templates an action changes: the templates of the groups a
// PrepareLaunchTemplate points at a new version of, and the templates a Cleanup deletes versions of.
func templatesChangedBy(c *asgobservation.Cluster, d asgplanner.Decision) []string {
	var groups []asgobservation.Group
	switch d.Action {
	case asgplanner.ActionPrepareLaunchTemplate:
		groups = c.GroupsNotLaunching(d.Step.Goal)
	case asgplanner.ActionCleanup:
		groups = c.Groups
	}
	var ids []string
	for _, g := range groups {
		if g.Launch.TemplateID != "" && !slices.Contains(ids, g.Launch.TemplateID) {
			ids = append(ids, g.Launch.TemplateID)
		}
	}
	sort.Strings(ids)
	return ids
}

// templatesOwned checks the opt-in tag of the templates, and for a new version, that no group outside the
// policy follows $Latest of one of them.
func (e *Engine) templatesOwned(ctx context.Context, req rollout.Request, c *asgobservation.Cluster, ids []string, addsVersion bool) (*rollout.Outcome, error) {
	policy, timings := req.Policy, e.Timings.OrDefault()
	templates, err := awsclient.DescribeLaunchTemplates(ctx, e.EC2, ids)
	if err != nil {
		return refusedOrRetry(req, "describing the launch templates", err, timings)
	}
	for _, id := range ids {
		t, ok := templates[id]
		if !ok {
			o := req.BadTarget(v1.ReasonNotOptedIn, fmt.Sprintf("launch template %s of the groups does not exist", id), timings.Blocked)
			return &o, nil
		}
		if got := t.Tags[v1.OptInTagKey]; got != policy.OptInTagValue() {
			o := req.BadTarget(v1.ReasonNotOptedIn, fmt.Sprintf("launch template %s (%s) does not carry the tag %s=%s (it has %q); tag it to let this policy add versions to it",
				id, t.Name, v1.OptInTagKey, policy.OptInTagValue(), got), timings.Blocked)
			return &o, nil
		}
	}
	if !addsVersion {
		return nil, nil
	}
	outsiders, err := outsideUsers(ctx, e.AutoScaling, c, ids)
	if err != nil {
		return refusedOrRetry(req, "listing the groups that share the launch templates", err, timings)
	}
	for _, g := range outsiders {
		if g.LaunchTemplate.Version == "$Latest" {
			o := req.BadTarget(v1.ReasonConflict, fmt.Sprintf("launch template %s is shared with auto scaling group %s, which is not in this policy and launches its $Latest version: a new version would change what %s launches; pin %s to a version number, or give this policy's groups a launch template of their own",
				g.LaunchTemplate.ID, g.Name, g.Name, g.Name), timings.Blocked)
			return &o, nil
		}
	}
	return nil, nil
}

// outsideUsers are the groups of the account, not in the cluster, that launch from one of the templates.
// It reads every group of the account, which is why it runs only before a prepare or a cleanup.
func outsideUsers(ctx context.Context, api awsclient.AutoScalingAPI, c *asgobservation.Cluster, templateIDs []string) ([]awsclient.Group, error) {
	all, err := awsclient.DescribeAllGroups(ctx, api)
	if err != nil {
		return nil, err
	}
	var out []awsclient.Group
	for _, g := range all {
		if _, mine := c.Group(g.Name); mine || g.LaunchTemplate == nil || !slices.Contains(templateIDs, g.LaunchTemplate.ID) {
			continue
		}
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// validate checks the goal before a new step touches anything: the AMI exists and is available, the
// instance type exists and runs the AMI's architecture. Only describes are called, and a goal validated
// less than the cache's TTL ago is not checked again.
func (e *Engine) validate(ctx context.Context, req rollout.Request, goal v1.ImageAndType) (*rollout.Outcome, error) {
	policy, timings := req.Policy, e.Timings.OrDefault()
	if e.Validation.Fresh(policy.UID, goal, req.Now) {
		return nil, nil
	}
	bad := func(reason, message string) (*rollout.Outcome, error) {
		o := req.BadTarget(reason, message, timings.Blocked)
		return &o, nil
	}
	img, err := awsclient.DescribeImage(ctx, e.EC2, goal.ImageID)
	switch {
	case awsclient.IsNotFound(err):
		return bad(v1.ReasonImageNotFound, fmt.Sprintf("AMI %s does not exist (or is not shared with this account)", goal.ImageID))
	case err != nil:
		return refusedOrRetry(req, "checking the target", err, timings)
	case img.State != "available":
		return bad(v1.ReasonImageNotAvailable, fmt.Sprintf("AMI %s is %s, not available", goal.ImageID, img.State))
	}
	it, err := awsclient.DescribeInstanceType(ctx, e.EC2, goal.InstanceType)
	switch {
	case awsclient.IsNotFound(err):
		return bad(v1.ReasonInstanceTypeNotFound, fmt.Sprintf("instance type %s does not exist in this region", goal.InstanceType))
	case err != nil:
		return refusedOrRetry(req, "checking the target", err, timings)
	case !slices.Contains(it.Architectures, img.Architecture):
		return bad(v1.ReasonArchitectureMismatch, fmt.Sprintf("AMI %s is %s but instance type %s runs [%s]", goal.ImageID, img.Architecture, goal.InstanceType, strings.Join(it.Architectures, " ")))
	}
	e.Validation.Validated(policy.UID, goal, req.Now)
	return nil, nil
}

// refusedOrRetry blocks on a refusal (AccessDenied) and returns any other error for a retry with backoff.
func refusedOrRetry(req rollout.Request, what string, err error, timings rollout.Timings) (*rollout.Outcome, error) {
	if awsclient.IsRefusal(err) {
		o := req.BadTarget(v1.ReasonAWSError, fmt.Sprintf("%s was refused: %s", what, awsclient.Explain(err)), timings.Blocked)
		return &o, nil
	}
	return nil, err
}
