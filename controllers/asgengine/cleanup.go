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
	"strconv"
	"strings"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/asgobservation"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
)

// cleanup runs once every node runs the goal, after a rollout that created launch template versions or
// launch configurations. Per launch template of the groups, it makes the version the groups run the default
// (so that anything launched from $Default gets the same AMI and type) and keeps exactly
// strategy.keepLaunchTemplateVersions of the versions this policy created, deleting the older ones; it
// deletes the launch configurations the groups left. It never changes what a group outside the policy
// launches: a template's default stays where it is while such a group follows $Default, and no version such
// a group runs is deleted. Every part is idempotent; the step's message says what was done.
func (e *Engine) cleanup(ctx context.Context, policy *v1.RemediationPolicy, c *asgobservation.Cluster, step *v1.StepStatus, st *v1.ASGStatus) error {
	inUse := map[string][]int64{} // template id -> versions the groups run
	usedConfigs := map[string]bool{}
	for _, g := range c.Groups {
		if g.Launch.LaunchConfiguration != "" {
			usedConfigs[g.Launch.LaunchConfiguration] = true
			continue
		}
		inUse[g.Launch.TemplateID] = append(inUse[g.Launch.TemplateID], g.Launch.Resolved)
	}
	templates := make([]string, 0, len(inUse))
	for id := range inUse {
		templates = append(templates, id)
	}
	sort.Strings(templates)
	var report []string
	if len(templates) > 0 {
		outsiders, err := outsideUsers(ctx, e.AutoScaling, c, templates)
		if err != nil {
			return err
		}
		for _, id := range templates {
			did, err := e.cleanupTemplate(ctx, policy, id, inUse[id], outsiders)
			if err != nil {
				return err
			}
			report = append(report, did...)
		}
	}
	var kept []string
	for _, name := range st.SupersededLaunchConfigurations {
		if usedConfigs[name] {
			kept = append(kept, name)
			continue
		}
		var result awsclient.DeleteResult
		err := rollout.Mutate(ctx, "DeleteLaunchConfiguration", []any{"launchConfiguration", name}, func(ctx context.Context) error {
			var err error
			result, err = awsclient.DeleteLaunchConfiguration(ctx, e.AutoScaling, name)
			return err
		})
		if err != nil {
			return fmt.Errorf("deleting launch configuration %s: %w", name, err)
		}
		switch result {
		case awsclient.Deleted:
			report = append(report, "deleted launch configuration "+name)
		case awsclient.InUse:
			report = append(report, "kept launch configuration "+name+" (a group outside the policy uses it)")
		}
	}
	st.SupersededLaunchConfigurations = kept
	if len(report) == 0 {
		report = []string{"nothing to delete"}
	}
	step.Message = "cleaned up: " + strings.Join(report, "; ")
	return nil
}

// cleanupTemplate makes the version the groups run the default, then deletes this policy's versions beyond
// the newest keep, and says what it did.
func (e *Engine) cleanupTemplate(ctx context.Context, policy *v1.RemediationPolicy, templateID string, inUse []int64, outsiders []awsclient.Group) ([]string, error) {
	versions, err := awsclient.DescribeTemplateVersions(ctx, e.EC2, templateID)
	if err != nil {
		return nil, fmt.Errorf("listing versions of launch template %s: %w", templateID, err)
	}
	var defaultVersion, latest int64
	for _, v := range versions {
		if v.IsDefault {
			defaultVersion = v.Number
		}
		latest = max(latest, v.Number)
	}
	// What groups outside the policy run, and whether one follows the default.
	protected := map[int64]bool{}
	outsiderOnDefault := false
	for _, g := range outsiders {
		if g.LaunchTemplate.ID != templateID {
			continue
		}
		switch g.LaunchTemplate.Version {
		case "", "$Default":
			outsiderOnDefault = true
			protected[defaultVersion] = true
		case "$Latest":
			protected[latest] = true
		default:
			if n, err := strconv.ParseInt(g.LaunchTemplate.Version, 10, 64); err == nil {
				protected[n] = true
			}
		}
	}
	var did []string
	slices.Sort(inUse)
	inUse = slices.Compact(inUse)
	if len(inUse) == 1 && inUse[0] != defaultVersion && !outsiderOnDefault {
		version := inUse[0]
		err := rollout.Mutate(ctx, "SetDefaultLaunchTemplateVersion", []any{"launchTemplateId", templateID, "version", version}, func(ctx context.Context) error {
			return awsclient.SetDefaultTemplateVersion(ctx, e.EC2, templateID, version)
		})
		if err != nil {
			return nil, fmt.Errorf("making version %d the default of launch template %s: %w", version, templateID, err)
		}
		defaultVersion = version
		did = append(did, fmt.Sprintf("made version %d the default of launch template %s", version, templateID))
	}
	ours := versionDescriptionPrefix(policy)
	sort.Slice(versions, func(i, j int) bool { return versions[i].Number > versions[j].Number })
	keep := int(policy.Spec.Strategy.KeepVersionsOrDefault())
	var stale []int64
	kept := 0
	for _, v := range versions {
		if !strings.HasPrefix(v.Description, ours) {
			continue
		}
		// The newest keep versions stay; a version a group runs, or the default, always does.
		if kept < keep {
			kept++
			continue
		}
		if slices.Contains(inUse, v.Number) || v.Number == defaultVersion || protected[v.Number] {
			continue
		}
		stale = append(stale, v.Number)
	}
	if len(stale) > 0 {
		slices.Sort(stale)
		err := rollout.Mutate(ctx, "DeleteLaunchTemplateVersions", []any{"launchTemplateId", templateID, "versions", stale}, func(ctx context.Context) error {
			_, err := awsclient.DeleteTemplateVersions(ctx, e.EC2, templateID, stale)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("deleting versions %v of launch template %s: %w", stale, templateID, err)
		}
		did = append(did, fmt.Sprintf("deleted versions %s of launch template %s", joinInts(stale), templateID))
	}
	return did, nil
}

// versionDescriptionPrefix marks the launch template versions a policy created.
func versionDescriptionPrefix(policy *v1.RemediationPolicy) string {
	return fmt.Sprintf("cache-remediator %s/%s: ", policy.Namespace, policy.Name)
}

func joinInts(ns []int64) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = strconv.FormatInt(n, 10)
	}
	return strings.Join(parts, ", ")
}
