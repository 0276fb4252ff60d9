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
	"fmt"
	"sort"
	"time"
)

// launchRetry is how long a group waits after a failed launch before trying again.
const launchRetry = 10 * time.Second

// advanceLocked applies every transition due by now: instances boot and terminate, groups converge on
// their desired capacity, ElastiCache modifications and snapshots progress.
func (s *Sim) advanceLocked(now time.Time) {
	for _, id := range grownKeys(&s.instanceOrder, s.instances) {
		inst := s.instances[id]
		switch {
		case inst.LifecycleState == StatePending && !now.Before(inst.readyAt):
			s.transition(inst, StateInService, inst.readyAt)
		case inst.LifecycleState == StateTerminating && !now.Before(inst.goneAt):
			s.transition(inst, StateTerminated, inst.goneAt)
			if g := s.groups[inst.Group]; g != nil {
				g.InstanceIDs = remove(g.InstanceIDs, inst.ID)
			}
		}
	}
	for _, name := range grownKeys(&s.groupOrder, s.groups) {
		s.convergeLocked(s.groups[name], now)
	}
	s.advanceElastiCacheLocked(now)
}

// active are a group's instances that count toward its capacity.
func (s *Sim) active(g *Group) []*Instance {
	var out []*Instance
	for _, id := range g.InstanceIDs {
		if inst := s.instances[id]; inst.LifecycleState == StatePending || inst.LifecycleState == StateInService {
			out = append(out, inst)
		}
	}
	return out
}

// convergeLocked launches or terminates instances until the group has its desired capacity, as Auto
// Scaling does.
func (s *Sim) convergeLocked(g *Group, now time.Time) {
	active := int64(0)
	for _, id := range g.InstanceIDs {
		if st := s.instances[id].LifecycleState; st == StatePending || st == StateInService {
			active++
		}
	}
	for n := active; n < g.Desired; n++ {
		if now.Before(g.retryAt()) {
			return
		}
		if err := s.launchLocked(g, now, "an instance was started in response to a difference between desired and actual capacity"); err != nil {
			return
		}
	}
	for n := active; n > g.Desired; n-- {
		victim := s.scaleInVictim(g)
		if victim == nil {
			return
		}
		s.terminateLocked(victim, now, "an instance was taken out of service in response to a difference between desired and actual capacity")
	}
}

// retryAt is when a group whose last launch failed tries again.
func (g *Group) retryAt() time.Time {
	if g.launchFailures == 0 {
		return time.Time{}
	}
	return g.launchFailedAt.Add(launchRetry)
}

// resolveLaunch says what a group would launch now: image, type and where they come from.
func (s *Sim) resolveLaunch(g *Group) (imageID, instanceType string, lt *LaunchTemplate, version int64, err error) {
	if g.LaunchTemplate != nil {
		lt = s.templates[g.LaunchTemplate.ID]
		if lt == nil {
			return "", "", nil, 0, fmt.Errorf("the launch template %s does not exist", g.LaunchTemplate.ID)
		}
		version, err = lt.resolve(g.LaunchTemplate.Version)
		if err != nil {
			return "", "", nil, 0, err
		}
		v := lt.Versions[version]
		return v.ImageID, v.InstanceType, lt, version, nil
	}
	lc := s.launchConfigs[g.LaunchConfig]
	if lc == nil {
		return "", "", nil, 0, fmt.Errorf("the launch configuration %s does not exist", g.LaunchConfig)
	}
	return lc.ImageID, lc.InstanceType, nil, 0, nil
}

// resolve turns $Default, $Latest or a number into a version number of the template.
func (lt *LaunchTemplate) resolve(version string) (int64, error) {
	var n int64
	switch version {
	case "", "$Default":
		n = lt.DefaultVersion
	case "$Latest":
		n = lt.LatestVersion
	default:
		if _, err := fmt.Sscanf(version, "%d", &n); err != nil {
			return 0, fmt.Errorf("the launch template version %q is not valid", version)
		}
	}
	if lt.Versions[n] == nil {
		return 0, fmt.Errorf("the launch template %s has no version %s", lt.ID, version)
	}
	return n, nil
}

func (s *Sim) launchLocked(g *Group, now time.Time, cause string) error {
	imageID, instanceType, lt, version, err := s.resolveLaunch(g)
	if err == nil {
		err = s.checkLaunchable(imageID, instanceType)
	}
	if err != nil {
		g.launchFailures++
		g.lastLaunchError = err.Error()
		g.launchFailedAt = now
		s.activity(g.Name, "Launching a new EC2 instance. Status Reason: "+err.Error(), cause, "Failed", now)
		return err
	}
	g.launchFailures = 0
	inst := &Instance{
		ID: s.nextID("i-"), Group: g.Name, Zone: s.nextZone(g), ImageID: imageID, InstanceType: instanceType,
		PrivateIP: s.allocateIP(), LifecycleState: StatePending, LaunchedAt: now, readyAt: now.Add(s.delays.Launch),
	}
	if lt != nil {
		inst.LaunchTemplateID, inst.LaunchTemplateName, inst.LaunchTemplateVersion = lt.ID, lt.Name, version
	} else {
		inst.LaunchConfiguration = g.LaunchConfig
	}
	s.instances[inst.ID] = inst
	g.InstanceIDs = append(g.InstanceIDs, inst.ID)
	s.timeline = append(s.timeline, Transition{Time: now, InstanceID: inst.ID, Group: g.Name, Cluster: g.Cluster, To: StatePending})
	s.activity(g.Name, "Launching a new EC2 instance: "+inst.ID, cause, "Successful", now)
	s.nodes.Start(inst, g.Cluster, s.images[imageID].Unhealthy)
	return nil
}

func (s *Sim) checkLaunchable(imageID, instanceType string) error {
	img := s.images[imageID]
	if img == nil {
		return fmt.Errorf("the image id '[%s]' does not exist", imageID)
	}
	if img.State != "available" {
		return fmt.Errorf("the image id '[%s]' is not available (state %s)", imageID, img.State)
	}
	it := s.instanceTypes[instanceType]
	if it == nil {
		return fmt.Errorf("the instance type '%s' does not exist", instanceType)
	}
	if !contains(it.Architectures, img.Architecture) {
		return fmt.Errorf("the architecture '%s' of the image '%s' is not supported by instance type '%s'", img.Architecture, imageID, instanceType)
	}
	return nil
}

// nextZone balances instances over the group's zones, as Auto Scaling does.
func (s *Sim) nextZone(g *Group) string {
	count := map[string]int{}
	for _, inst := range s.active(g) {
		count[inst.Zone]++
	}
	best := g.Zones[0]
	for _, z := range g.Zones {
		if count[z] < count[best] {
			best = z
		}
	}
	return best
}

// scaleInVictim picks the instance a scale-in removes: unprotected, in the zone with the most instances,
// from the oldest launch template version or configuration, then the oldest.
func (s *Sim) scaleInVictim(g *Group) *Instance {
	count := map[string]int{}
	var candidates []*Instance
	for _, inst := range s.active(g) {
		count[inst.Zone]++
		if !inst.Protected {
			candidates = append(candidates, inst)
		}
	}
	if len(candidates) == 0 {
		return nil
	}
	sort.SliceStable(candidates, func(i, j int) bool {
		a, b := candidates[i], candidates[j]
		if count[a.Zone] != count[b.Zone] {
			return count[a.Zone] > count[b.Zone]
		}
		if a.LaunchTemplateVersion != b.LaunchTemplateVersion {
			return a.LaunchTemplateVersion < b.LaunchTemplateVersion
		}
		return a.LaunchedAt.Before(b.LaunchedAt)
	})
	return candidates[0]
}

func (s *Sim) terminateLocked(inst *Instance, now time.Time, cause string) {
	s.transition(inst, StateTerminating, now)
	inst.goneAt = now.Add(s.delays.Terminate)
	s.nodes.Stop(inst)
	s.activity(inst.Group, "Terminating EC2 instance: "+inst.ID, cause, "InProgress", now)
}

func (s *Sim) activity(group, description, cause, status string, now time.Time) *Activity {
	a := &Activity{ID: s.nextID("act-"), Group: group, Description: description, Cause: cause, StatusCode: status, StartTime: now}
	if status != "InProgress" {
		a.EndTime = now
	}
	s.activities = append(s.activities, a)
	return a
}

func (s *Sim) allocateIP() string {
	s.ipSeq++
	return s.nodes.Address(s.ipSeq)
}

func remove(list []string, v string) []string {
	out := list[:0]
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Transition is one instance changing lifecycle state, at simulated time.
type Transition struct {
	Time       time.Time
	InstanceID string
	Group      string
	Cluster    string
	From, To   string
}

func (s *Sim) transition(inst *Instance, to string, at time.Time) {
	g := s.groups[inst.Group]
	cluster := ""
	if g != nil {
		cluster = g.Cluster
	}
	s.timeline = append(s.timeline, Transition{Time: at, InstanceID: inst.ID, Group: inst.Group, Cluster: cluster, From: inst.LifecycleState, To: to})
	inst.LifecycleState = to
}

// Timeline returns every lifecycle transition so far, in the order they were applied.
func (s *Sim) Timeline() []Transition {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked(s.clock.Now())
	return append([]Transition(nil), s.timeline...)
}
