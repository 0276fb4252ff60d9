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

package awssim

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

var autoScalingHandlers = map[string]handler{
	"DescribeAutoScalingGroups":           (*Sim).describeAutoScalingGroups,
	"UpdateAutoScalingGroup":              (*Sim).updateAutoScalingGroup,
	"SetDesiredCapacity":                  (*Sim).setDesiredCapacity,
	"TerminateInstanceInAutoScalingGroup": (*Sim).terminateInstanceInAutoScalingGroup,
	"SetInstanceProtection":               (*Sim).setInstanceProtection,
	"DescribeScalingActivities":           (*Sim).describeScalingActivities,
	"CreateLaunchConfiguration":           (*Sim).createLaunchConfiguration,
	"DescribeLaunchConfigurations":        (*Sim).describeLaunchConfigurations,
	"DeleteLaunchConfiguration":           (*Sim).deleteLaunchConfiguration,
	"DescribeTags":                        (*Sim).describeAutoScalingTags,
}

func pageSize(form url.Values, field string) int {
	n, _ := strconv.Atoi(form.Get(field))
	return n
}

func (s *Sim) describeAutoScalingGroups(form url.Values, _ time.Time) ([]byte, *apiError) {
	// Unknown names are left out of the answer, not an error.
	named, _ := named(s.groups, members(form, "AutoScalingGroupNames.member"), nil)
	filters := asgFilters(form)
	var groups []*Group
	for _, g := range named {
		ok, err := matchTags(g.Tags, filters)
		if err != nil {
			return nil, err
		}
		if ok {
			groups = append(groups, g)
		}
	}
	start, end, next, err := page("DescribeAutoScalingGroups", form.Get("NextToken"), pageSize(form, "MaxRecords"), 50, 100, len(groups))
	if err != nil {
		return nil, err
	}
	var w xw
	w.list("AutoScalingGroups", "member", end-start, func(i int) { s.writeGroup(&w, groups[start+i]) })
	w.text("NextToken", next)
	return w.b.Bytes(), nil
}

func (s *Sim) writeGroup(w *xw, g *Group) {
	w.text("AutoScalingGroupName", g.Name)
	w.text("AutoScalingGroupARN", "arn:aws:autoscaling:"+s.region+":111122223333:autoScalingGroup:uuid:autoScalingGroupName/"+g.Name)
	w.int("MinSize", g.Min)
	w.int("MaxSize", g.Max)
	w.int("DesiredCapacity", g.Desired)
	w.int("DefaultCooldown", 300)
	w.strings("AvailabilityZones", "member", g.Zones)
	w.text("HealthCheckType", "EC2")
	w.int("HealthCheckGracePeriod", 300)
	w.time("CreatedTime", g.CreatedAt)
	if g.LaunchTemplate != nil {
		w.open("LaunchTemplate")
		w.text("LaunchTemplateId", g.LaunchTemplate.ID)
		if lt := s.templates[g.LaunchTemplate.ID]; lt != nil {
			w.text("LaunchTemplateName", lt.Name)
		}
		w.text("Version", g.LaunchTemplate.Version)
		w.close("LaunchTemplate")
	}
	w.text("LaunchConfigurationName", g.LaunchConfig)
	var insts []*Instance
	for _, id := range g.InstanceIDs {
		insts = append(insts, s.instances[id])
	}
	w.list("Instances", "member", len(insts), func(i int) {
		inst := insts[i]
		w.text("InstanceId", inst.ID)
		w.text("InstanceType", inst.InstanceType)
		w.text("AvailabilityZone", inst.Zone)
		w.text("LifecycleState", inst.LifecycleState)
		w.text("HealthStatus", "Healthy")
		w.bool("ProtectedFromScaleIn", inst.Protected)
		if inst.LaunchTemplateID != "" {
			w.open("LaunchTemplate")
			w.text("LaunchTemplateId", inst.LaunchTemplateID)
			w.text("LaunchTemplateName", inst.LaunchTemplateName)
			w.text("Version", strconv.FormatInt(inst.LaunchTemplateVersion, 10))
			w.close("LaunchTemplate")
		}
		w.text("LaunchConfigurationName", inst.LaunchConfiguration)
	})
	keys := sortedKeys(g.Tags)
	w.list("Tags", "member", len(keys), func(i int) { s.writeGroupTag(w, g, keys[i]) })
}

func (s *Sim) writeGroupTag(w *xw, g *Group, key string) {
	w.text("ResourceId", g.Name)
	w.text("ResourceType", "auto-scaling-group")
	w.text("Key", key)
	w.b.WriteString("<Value>" + escape(g.Tags[key]) + "</Value>")
	w.bool("PropagateAtLaunch", true)
}

func (s *Sim) group(form url.Values) (*Group, *apiError) {
	name := form.Get("AutoScalingGroupName")
	g := s.groups[name]
	if g == nil {
		return nil, validation("AutoScaling group not found: %s", name)
	}
	return g, nil
}

func (s *Sim) updateAutoScalingGroup(form url.Values, now time.Time) ([]byte, *apiError) {
	g, err := s.group(form)
	if err != nil {
		return nil, err
	}
	minSize, maxSize, desired := g.Min, g.Max, g.Desired
	if v := form.Get("MinSize"); v != "" {
		minSize, _ = strconv.ParseInt(v, 10, 64)
	}
	if v := form.Get("MaxSize"); v != "" {
		maxSize, _ = strconv.ParseInt(v, 10, 64)
	}
	if v := form.Get("DesiredCapacity"); v != "" {
		desired, _ = strconv.ParseInt(v, 10, 64)
	}
	if minSize > maxSize {
		return nil, validation("The minimum size (%d) must be less than or equal to the maximum size (%d)", minSize, maxSize)
	}
	if desired < minSize || desired > maxSize {
		return nil, validation("Desired capacity:%d must be between the specified min size:%d and max size:%d", desired, minSize, maxSize)
	}
	if id := form.Get("LaunchTemplate.LaunchTemplateId"); id != "" || form.Get("LaunchTemplate.LaunchTemplateName") != "" {
		lt := s.templateByIDOrName(id, form.Get("LaunchTemplate.LaunchTemplateName"))
		if lt == nil {
			return nil, validation("Launch template %s%s does not exist", id, form.Get("LaunchTemplate.LaunchTemplateName"))
		}
		version := form.Get("LaunchTemplate.Version")
		if version == "" {
			version = "$Default"
		}
		if _, err := lt.resolve(version); err != nil {
			return nil, validation("%s", err.Error())
		}
		g.LaunchTemplate = &GroupTemplateRef{ID: lt.ID, Version: version}
		g.LaunchConfig = ""
	}
	if lc := form.Get("LaunchConfigurationName"); lc != "" {
		if s.launchConfigs[lc] == nil {
			return nil, validation("Launch configuration name not found - Launch configuration %s not found", lc)
		}
		g.LaunchConfig = lc
		g.LaunchTemplate = nil
	}
	g.Min, g.Max, g.Desired = minSize, maxSize, desired
	g.launchFailures = 0
	s.convergeLocked(g, now)
	return nil, nil
}

func (s *Sim) setDesiredCapacity(form url.Values, now time.Time) ([]byte, *apiError) {
	g, err := s.group(form)
	if err != nil {
		return nil, err
	}
	desired, _ := strconv.ParseInt(form.Get("DesiredCapacity"), 10, 64)
	if desired < g.Min || desired > g.Max {
		return nil, validation("New SetDesiredCapacity value %d is below min value %d or above max value %d for the AutoScalingGroup.", desired, g.Min, g.Max)
	}
	g.Desired = desired
	s.convergeLocked(g, now)
	return nil, nil
}

func (s *Sim) terminateInstanceInAutoScalingGroup(form url.Values, now time.Time) ([]byte, *apiError) {
	id := form.Get("InstanceId")
	inst := s.instances[id]
	if inst == nil || inst.Group == "" || inst.LifecycleState == StateTerminated {
		return nil, validation("Instance Id not found - No managed instance found for instance ID: %s", id)
	}
	g := s.groups[inst.Group]
	if inst.LifecycleState == StateTerminating {
		return nil, validation("The instance %s is already terminating", id)
	}
	decrement := form.Get("ShouldDecrementDesiredCapacity") == "true"
	if decrement && g.Desired-1 < g.Min {
		return nil, validation("Currently, desiredSize equals minSize (%d). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.", g.Min)
	}
	cause := "instance " + id + " was taken out of service in response to a user request"
	if decrement {
		g.Desired--
		cause += ", shrinking the capacity from " + strconv.FormatInt(g.Desired+1, 10) + " to " + strconv.FormatInt(g.Desired, 10)
	}
	s.terminateLocked(inst, now, cause)
	act := s.activities[len(s.activities)-1]
	s.convergeLocked(g, now)
	var w xw
	w.open("Activity")
	w.text("ActivityId", act.ID)
	w.text("AutoScalingGroupName", g.Name)
	w.text("Description", act.Description)
	w.text("Cause", act.Cause)
	w.time("StartTime", act.StartTime)
	w.text("StatusCode", act.StatusCode)
	w.int("Progress", 0)
	w.text("Details", "{}")
	w.close("Activity")
	return w.b.Bytes(), nil
}

func (s *Sim) setInstanceProtection(form url.Values, _ time.Time) ([]byte, *apiError) {
	g, err := s.group(form)
	if err != nil {
		return nil, err
	}
	protect := form.Get("ProtectedFromScaleIn") == "true"
	ids := members(form, "InstanceIds.member")
	for _, id := range ids {
		if inst := s.instances[id]; inst == nil || inst.Group != g.Name {
			return nil, validation("The instance %s is not part of Auto Scaling group %s.", id, g.Name)
		}
	}
	for _, id := range ids {
		s.instances[id].Protected = protect
	}
	return nil, nil
}

func (s *Sim) describeScalingActivities(form url.Values, _ time.Time) ([]byte, *apiError) {
	group := form.Get("AutoScalingGroupName")
	if group != "" && s.groups[group] == nil {
		return nil, validation("AutoScaling group not found: %s", group)
	}
	// Newest first, as Auto Scaling lists them.
	var acts []*Activity
	for i := len(s.activities) - 1; i >= 0; i-- {
		if a := s.activities[i]; group == "" || a.Group == group {
			acts = append(acts, a)
		}
	}
	start, end, next, err := page("DescribeScalingActivities", form.Get("NextToken"), pageSize(form, "MaxRecords"), 100, 100, len(acts))
	if err != nil {
		return nil, err
	}
	var w xw
	w.list("Activities", "member", end-start, func(i int) {
		a := acts[start+i]
		w.text("ActivityId", a.ID)
		w.text("AutoScalingGroupName", a.Group)
		w.text("Description", a.Description)
		w.text("Cause", a.Cause)
		w.time("StartTime", a.StartTime)
		w.time("EndTime", a.EndTime)
		w.text("StatusCode", a.StatusCode)
		w.text("StatusMessage", a.Message)
		progress := int64(100)
		if a.StatusCode == "InProgress" {
			progress = 50
		}
		w.int("Progress", progress)
	})
	w.text("NextToken", next)
	return w.b.Bytes(), nil
}

func (s *Sim) createLaunchConfiguration(form url.Values, now time.Time) ([]byte, *apiError) {
	name := form.Get("LaunchConfigurationName")
	if name == "" {
		return nil, validation("LaunchConfigurationName is required")
	}
	if s.launchConfigs[name] != nil {
		return nil, errorf(http.StatusBadRequest, "AlreadyExists", "Launch Configuration by this name already exists - A launch configuration already exists with the name %s", name)
	}
	imageID, instanceType := form.Get("ImageId"), form.Get("InstanceType")
	if img := s.images[imageID]; img == nil {
		return nil, validation("AMI '%s' is invalid: The image id '[%s]' does not exist", imageID, imageID)
	}
	if s.instanceTypes[instanceType] == nil {
		return nil, validation("Invalid value for InstanceType: %s", instanceType)
	}
	s.launchConfigs[name] = &LaunchConfiguration{Name: name, ImageID: imageID, InstanceType: instanceType, CreatedAt: now}
	return nil, nil
}

func (s *Sim) describeLaunchConfigurations(form url.Values, _ time.Time) ([]byte, *apiError) {
	lcs, _ := named(s.launchConfigs, members(form, "LaunchConfigurationNames.member"), nil)
	start, end, next, err := page("DescribeLaunchConfigurations", form.Get("NextToken"), pageSize(form, "MaxRecords"), 50, 100, len(lcs))
	if err != nil {
		return nil, err
	}
	var w xw
	w.list("LaunchConfigurations", "member", end-start, func(i int) {
		lc := lcs[start+i]
		w.text("LaunchConfigurationName", lc.Name)
		w.text("LaunchConfigurationARN", "arn:aws:autoscaling:"+s.region+":111122223333:launchConfiguration:uuid:launchConfigurationName/"+lc.Name)
		w.text("ImageId", lc.ImageID)
		w.text("InstanceType", lc.InstanceType)
		w.time("CreatedTime", lc.CreatedAt)
	})
	w.text("NextToken", next)
	return w.b.Bytes(), nil
}

func (s *Sim) deleteLaunchConfiguration(form url.Values, _ time.Time) ([]byte, *apiError) {
	name := form.Get("LaunchConfigurationName")
	if s.launchConfigs[name] == nil {
		return nil, validation("Launch configuration name not found - Launch configuration %s not found", name)
	}
	for _, g := range s.groups {
		if g.LaunchConfig == name {
			return nil, errorf(http.StatusBadRequest, "ResourceInUse", "Cannot delete launch configuration %s because it is attached to AutoScalingGroup %s", name, g.Name)
		}
	}
	delete(s.launchConfigs, name)
	return nil, nil
}

func (s *Sim) describeAutoScalingTags(form url.Values, _ time.Time) ([]byte, *apiError) {
	filters := asgFilters(form)
	type tagRef struct {
		g   *Group
		key string
	}
	var tags []tagRef
	for _, name := range sortedKeys(s.groups) {
		g := s.groups[name]
		if v, ok := filters["auto-scaling-group"]; ok && !contains(v, name) {
			continue
		}
		for _, k := range sortedKeys(g.Tags) {
			if v, ok := filters["key"]; ok && !contains(v, k) {
				continue
			}
			if v, ok := filters["value"]; ok && !contains(v, g.Tags[k]) {
				continue
			}
			tags = append(tags, tagRef{g, k})
		}
	}
	start, end, next, err := page("DescribeTags", form.Get("NextToken"), pageSize(form, "MaxRecords"), 50, 100, len(tags))
	if err != nil {
		return nil, err
	}
	var w xw
	w.list("Tags", "member", end-start, func(i int) { s.writeGroupTag(&w, tags[start+i].g, tags[start+i].key) })
	w.text("NextToken", next)
	return w.b.Bytes(), nil
}

func escape(v string) string {
	var b strings.Builder
	for _, r := range v {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
