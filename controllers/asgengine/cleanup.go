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
	"fmt"
	"slices"
	"sort"
	"strings"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
	"github.com/cache-remediator/cache-remediator/controllers/observation"
)

// cleanup runs once every node runs the goal: per launch template, it keeps the newest
// strategy.keepLaunchTemplateVersions versions this policy created (and always the one the groups run and
// the default), deletes the older ones it created, and makes the version the groups run the default; it deletes the launch configurations the
// groups left. Every part is idempotent.
func (e *Engine) cleanup(ctx context.Context, policy *v1.RemediationPolicy, c *observation.Cluster) error {
	inUse := map[string][]int64{} // template id -> versions the groups use
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
	for _, id := range templates {
		if err := e.cleanupTemplate(ctx, policy, id, inUse[id]); err != nil {
			return err
		}
	}
	var kept []string
	for _, name := range policy.Status.SupersededLaunchConfigurations {
		if usedConfigs[name] {
			kept = append(kept, name)
			continue
		}
		err := awsclient.DeleteLaunchConfiguration(ctx, e.AWS.AutoScaling, name)
		switch {
		case awsclient.IsNotFound(err):
		case awsclient.Code(err) == "ResourceInUse":
			// Another group outside this policy launches from it: not ours to delete.
		case err != nil:
			return fmt.Errorf("deleting launch configuration %s: %w", name, err)
		}
	}
	policy.Status.SupersededLaunchConfigurations = kept
	return nil
}

func (e *Engine) cleanupTemplate(ctx context.Context, policy *v1.RemediationPolicy, templateID string, inUse []int64) error {
	versions, err := awsclient.DescribeTemplateVersions(ctx, e.AWS.EC2, templateID)
	if err != nil {
		return fmt.Errorf("listing versions of launch template %s: %w", templateID, err)
	}
	ours := versionDescriptionPrefix(policy)
	sort.Slice(versions, func(i, j int) bool { return versions[i].Number > versions[j].Number })
	keep := int(policy.Spec.Strategy.KeepVersionsOrDefault())
	var stale []int64
	var isDefault int64
	kept := 0
	for _, v := range versions {
		if v.IsDefault {
			isDefault = v.Number
		}
		if !strings.HasPrefix(v.Description, ours) {
			continue
		}
		// The newest keep versions stay (a version a group runs, or the default, always does).
		if kept < keep || slices.Contains(inUse, v.Number) || v.IsDefault {
			kept++
			continue
		}
		stale = append(stale, v.Number)
	}
	if len(stale) > 0 {
		if _, err := awsclient.DeleteTemplateVersions(ctx, e.AWS.EC2, templateID, stale); err != nil {
			return fmt.Errorf("deleting versions %v of launch template %s: %w", stale, templateID, err)
		}
	}
	// Make the version the groups run the default, so that anything launched from $Default (a console
	// launch, a new group) gets the same AMI and type.
	slices.Sort(inUse)
	if inUse = slices.Compact(inUse); len(inUse) == 1 && inUse[0] != isDefault {
		if err := awsclient.SetDefaultTemplateVersion(ctx, e.AWS.EC2, templateID, inUse[0]); err != nil {
			return fmt.Errorf("making version %d the default of launch template %s: %w", inUse[0], templateID, err)
		}
	}
	return nil
}

// versionDescriptionPrefix marks the launch template versions a policy created.
func versionDescriptionPrefix(policy *v1.RemediationPolicy) string {
	return fmt.Sprintf("cache-remediator %s/%s: ", policy.Namespace, policy.Name)
}
