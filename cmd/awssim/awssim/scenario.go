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

package awssim

import (
	"fmt"
	"os"
	"sort"
	"time"

	"sigs.k8s.io/yaml"
)

// Scenario describes a simulated account: images, instance types, launch templates or configurations,
// Auto Scaling groups grouped into cache clusters, and ElastiCache replication groups.
type Scenario struct {
	Region string `json:"region,omitempty"`
	// ClockSpeed runs simulated time this many times faster than real time (default 1).
	ClockSpeed float64         `json:"clockSpeed,omitempty"`
	Delays     *ScenarioDelays `json:"delays,omitempty"`
	// Redis runs a real redis-server per instance; HTTPStatusPort > 0 serves a Dynomite-Manager-style
	// status endpoint per instance.
	Redis                bool                          `json:"redis,omitempty"`
	HTTPStatusPort       int                           `json:"httpStatusPort,omitempty"`
	Images               []ScenarioImage               `json:"images,omitempty"`
	InstanceTypes        []ScenarioInstanceType        `json:"instanceTypes,omitempty"`
	LaunchTemplates      []ScenarioLaunchTemplate      `json:"launchTemplates,omitempty"`
	LaunchConfigurations []ScenarioLaunchConfiguration `json:"launchConfigurations,omitempty"`
	Clusters             []ScenarioCluster             `json:"clusters,omitempty"`
	NodeTypes            []ScenarioNodeType            `json:"nodeTypes,omitempty"`
	ReplicationGroups    []ScenarioReplicationGroup    `json:"replicationGroups,omitempty"`
	ServiceUpdates       []ScenarioServiceUpdate       `json:"serviceUpdates,omitempty"`
}

// ScenarioDelays are durations as strings (90s, 5m).
type ScenarioDelays struct {
	Launch     string `json:"launch,omitempty"`
	Terminate  string `json:"terminate,omitempty"`
	ModifyNode string `json:"modifyNode,omitempty"`
	Snapshot   string `json:"snapshot,omitempty"`
	WarmUp     string `json:"warmUp,omitempty"`
}

// ScenarioImage is an AMI.
type ScenarioImage struct {
	ID           string `json:"id"`
	Name         string `json:"name,omitempty"`
	Architecture string `json:"architecture,omitempty"`
	State        string `json:"state,omitempty"`
	Unhealthy    bool   `json:"unhealthy,omitempty"`
}

// ScenarioInstanceType is an EC2 instance type.
type ScenarioInstanceType struct {
	Name          string   `json:"name"`
	Architectures []string `json:"architectures"`
	MemoryMiB     int64    `json:"memoryMiB,omitempty"`
}

// ScenarioLaunchTemplate is a launch template whose versions are listed in order (version 1 first).
type ScenarioLaunchTemplate struct {
	Name           string                    `json:"name"`
	Versions       []ScenarioTemplateVersion `json:"versions"`
	DefaultVersion int64                     `json:"defaultVersion,omitempty"`
	// Tags of the template (the controller's opt-in tag among them).
	Tags map[string]string `json:"tags,omitempty"`
}

// ScenarioTemplateVersion is one launch template version.
type ScenarioTemplateVersion struct {
	ImageID      string `json:"imageId"`
	InstanceType string `json:"instanceType"`
}

// ScenarioLaunchConfiguration is a legacy launch configuration.
type ScenarioLaunchConfiguration struct {
	Name         string `json:"name"`
	ImageID      string `json:"imageId"`
	InstanceType string `json:"instanceType"`
}

// ScenarioCluster is a cache cluster made of Auto Scaling groups.
type ScenarioCluster struct {
	Name   string          `json:"name"`
	Groups []ScenarioGroup `json:"groups"`
}

// ScenarioGroup is an Auto Scaling group in one zone.
type ScenarioGroup struct {
	Name                string            `json:"name"`
	Zone                string            `json:"zone"`
	Size                int64             `json:"size"`
	MaxSize             int64             `json:"maxSize,omitempty"`
	LaunchTemplate      string            `json:"launchTemplate,omitempty"`
	Version             string            `json:"version,omitempty"`
	LaunchConfiguration string            `json:"launchConfiguration,omitempty"`
	Tags                map[string]string `json:"tags,omitempty"`
}

// ScenarioNodeType is an ElastiCache node type with its memory and allowed scale-up targets.
type ScenarioNodeType struct {
	Name      string   `json:"name"`
	MemoryMiB int64    `json:"memoryMiB"`
	ScaleUp   []string `json:"scaleUp,omitempty"`
}

// ScenarioReplicationGroup is an ElastiCache replication group (cluster mode disabled).
type ScenarioReplicationGroup struct {
	ID                string            `json:"id"`
	NodeType          string            `json:"nodeType"`
	Zones             []string          `json:"zones"`
	MultiAZ           bool              `json:"multiAZ,omitempty"`
	AutomaticFailover bool              `json:"automaticFailover,omitempty"`
	UsedMemoryMiB     int64             `json:"usedMemoryMiB,omitempty"`
	Tags              map[string]string `json:"tags,omitempty"`
}

// ScenarioServiceUpdate is a service update that applies to a replication group.
type ScenarioServiceUpdate struct {
	Name             string `json:"name"`
	ReplicationGroup string `json:"replicationGroup"`
	Severity         string `json:"severity,omitempty"`
}

// LoadScenario reads a scenario file.
func LoadScenario(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sc := &Scenario{}
	if err := yaml.UnmarshalStrict(data, sc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return sc, nil
}

// Delays returns the scenario's delays over the defaults.
func (sc *Scenario) delays() (Delays, error) {
	d := DefaultDelays
	if sc.Delays == nil {
		return d, nil
	}
	for _, f := range []struct {
		text string
		into *time.Duration
	}{{sc.Delays.Launch, &d.Launch}, {sc.Delays.Terminate, &d.Terminate}, {sc.Delays.ModifyNode, &d.ModifyNode},
		{sc.Delays.Snapshot, &d.Snapshot}, {sc.Delays.WarmUp, &d.HTTPWarmUp}} {
		if f.text == "" {
			continue
		}
		v, err := time.ParseDuration(f.text)
		if err != nil {
			return d, err
		}
		*f.into = v
	}
	d.ServiceNode = d.ModifyNode
	return d, nil
}

// Build creates a simulator for the scenario. With nodes nil and Redis or an HTTP status port asked for,
// it starts real processes with working files in dir.
func (sc *Scenario) Build(clock Clock, dir string) (*Sim, *ProcessNodes, error) {
	delays, err := sc.delays()
	if err != nil {
		return nil, nil, err
	}
	if clock == nil {
		speed := sc.ClockSpeed
		if speed <= 0 {
			speed = 1
		}
		clock = NewScaledClock(speed)
	}
	var procs *ProcessNodes
	opts := Options{Clock: clock, Delays: &delays, Region: sc.Region}
	if sc.Redis || sc.HTTPStatusPort > 0 {
		procs = NewProcessNodes(clock, dir)
		procs.Redis, procs.HTTPPort, procs.WarmUp = sc.Redis, sc.HTTPStatusPort, delays.HTTPWarmUp
		opts.Nodes = procs
	}
	s := New(opts)
	if err := s.apply(sc); err != nil {
		s.Close()
		return nil, nil, err
	}
	return s, procs, nil
}

func (s *Sim) apply(sc *Scenario) error {
	for _, img := range sc.Images {
		s.AddImage(Image{ID: img.ID, Name: img.Name, Architecture: img.Architecture, State: img.State, Unhealthy: img.Unhealthy})
	}
	for _, it := range sc.InstanceTypes {
		s.AddInstanceType(InstanceType{Name: it.Name, Architectures: it.Architectures, MemoryMiB: it.MemoryMiB})
	}
	templates := map[string]string{}
	for _, lt := range sc.LaunchTemplates {
		var versions []LaunchTemplateVersion
		for _, v := range lt.Versions {
			versions = append(versions, LaunchTemplateVersion{ImageID: v.ImageID, InstanceType: v.InstanceType})
		}
		id, err := s.AddLaunchTemplate(lt.Name, lt.DefaultVersion, versions...)
		if err != nil {
			return err
		}
		for k, v := range lt.Tags {
			s.TagLaunchTemplate(id, k, v)
		}
		templates[lt.Name] = id
	}
	for _, lc := range sc.LaunchConfigurations {
		s.AddLaunchConfiguration(LaunchConfiguration{Name: lc.Name, ImageID: lc.ImageID, InstanceType: lc.InstanceType})
	}
	for _, c := range sc.Clusters {
		for _, g := range c.Groups {
			spec := GroupSpec{Name: g.Name, Cluster: c.Name, Zones: []string{g.Zone}, Size: g.Size, MaxSize: g.MaxSize,
				LaunchConfiguration: g.LaunchConfiguration, Tags: g.Tags, Version: g.Version}
			if g.LaunchTemplate != "" {
				spec.LaunchTemplateID = templates[g.LaunchTemplate]
				if spec.LaunchTemplateID == "" {
					return fmt.Errorf("group %s: unknown launch template %s", g.Name, g.LaunchTemplate)
				}
			}
			if err := s.AddGroup(spec); err != nil {
				return err
			}
		}
	}
	for _, nt := range sc.NodeTypes {
		s.AddNodeType(nt.Name, nt.MemoryMiB, nt.ScaleUp...)
	}
	for _, rg := range sc.ReplicationGroups {
		s.AddReplicationGroup(ReplicationGroupSpec{ID: rg.ID, NodeType: rg.NodeType, Zones: rg.Zones, MultiAZ: rg.MultiAZ,
			AutomaticFailover: rg.AutomaticFailover, UsedMemoryMiB: rg.UsedMemoryMiB, Tags: rg.Tags})
	}
	for _, su := range sc.ServiceUpdates {
		s.AddServiceUpdate(su.Name, su.ReplicationGroup, su.Severity)
	}
	return nil
}

// AddImage registers an AMI (state defaults to available, architecture to x86_64).
func (s *Sim) AddImage(img Image) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if img.State == "" {
		img.State = "available"
	}
	if img.Architecture == "" {
		img.Architecture = "x86_64"
	}
	s.images[img.ID] = &img
}

// AddInstanceType registers an instance type.
func (s *Sim) AddInstanceType(it InstanceType) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.instanceTypes[it.Name] = &it
}

// AddLaunchTemplate creates a launch template with the given versions (1..n) and returns its id.
func (s *Sim) AddLaunchTemplate(name string, defaultVersion int64, versions ...LaunchTemplateVersion) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(versions) == 0 {
		return "", fmt.Errorf("launch template %s needs at least one version", name)
	}
	now := s.clock.Now()
	lt := &LaunchTemplate{ID: s.nextID("lt-"), Name: name, Versions: map[int64]*LaunchTemplateVersion{}, CreatedAt: now, Tags: map[string]string{}}
	for i := range versions {
		v := versions[i]
		v.Number, v.CreatedAt = int64(i+1), now
		lt.Versions[v.Number] = &v
	}
	lt.LatestVersion = int64(len(versions))
	lt.DefaultVersion = defaultVersion
	if lt.DefaultVersion == 0 {
		lt.DefaultVersion = 1
	}
	s.templates[lt.ID] = lt
	return lt.ID, nil
}

// AddLaunchConfiguration registers a launch configuration.
func (s *Sim) AddLaunchConfiguration(lc LaunchConfiguration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	lc.CreatedAt = s.clock.Now()
	s.launchConfigs[lc.Name] = &lc
}

// GroupSpec describes a new Auto Scaling group.
type GroupSpec struct {
	Name    string
	Cluster string
	Zones   []string
	Size    int64
	MaxSize int64
	// LaunchTemplateID and Version ($Default by default), or LaunchConfiguration.
	LaunchTemplateID    string
	Version             string
	LaunchConfiguration string
	Tags                map[string]string
}

// AddGroup creates an Auto Scaling group and launches its instances; they are InService at once (the
// scenario starts from a healthy, running cluster).
func (s *Sim) AddGroup(spec GroupSpec) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(spec.Zones) == 0 {
		return fmt.Errorf("group %s needs a zone", spec.Name)
	}
	maxSize := spec.MaxSize
	if maxSize == 0 {
		maxSize = spec.Size + 1
	}
	g := &Group{Name: spec.Name, Cluster: spec.Cluster, Zones: spec.Zones, Min: 0, Max: maxSize, Desired: spec.Size,
		Tags: map[string]string{}, CreatedAt: s.clock.Now(), LaunchConfig: spec.LaunchConfiguration}
	if g.Cluster == "" {
		g.Cluster = spec.Name
	}
	for k, v := range spec.Tags {
		g.Tags[k] = v
	}
	if spec.LaunchTemplateID != "" {
		version := spec.Version
		if version == "" {
			version = "$Default"
		}
		g.LaunchTemplate = &GroupTemplateRef{ID: spec.LaunchTemplateID, Version: version}
	}
	s.groups[g.Name] = g
	now := s.clock.Now()
	for i := int64(0); i < g.Desired; i++ {
		if err := s.launchLocked(g, now, "the scenario created the group"); err != nil {
			return err
		}
		inst := s.instances[g.InstanceIDs[len(g.InstanceIDs)-1]]
		inst.readyAt = now
		s.transition(inst, StateInService, now)
	}
	return nil
}

// AddNodeType registers an ElastiCache node type, its memory and the types it may scale up to.
func (s *Sim) AddNodeType(name string, memoryMiB int64, scaleUp ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nodeTypeMemory[name] = memoryMiB
	s.allowedNodeType[name] = scaleUp
}

// ReplicationGroupSpec describes a new replication group: one member per zone, the first the primary.
type ReplicationGroupSpec struct {
	ID                string
	NodeType          string
	Zones             []string
	MultiAZ           bool
	AutomaticFailover bool
	UsedMemoryMiB     int64
	Tags              map[string]string
}

// AddReplicationGroup creates an available replication group.
func (s *Sim) AddReplicationGroup(spec ReplicationGroupSpec) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	rg := &ReplicationGroup{ID: spec.ID, Description: spec.ID, Status: "available", NodeType: spec.NodeType, EngineVersion: "7.1",
		MultiAZ: spec.MultiAZ, AutomaticFailover: spec.AutomaticFailover, UsedMemoryMiB: spec.UsedMemoryMiB, Tags: map[string]string{}, CreatedAt: now}
	for k, v := range spec.Tags {
		rg.Tags[k] = v
	}
	for i, z := range spec.Zones {
		role := "replica"
		if i == 0 {
			role = "primary"
		}
		rg.Members = append(rg.Members, &CacheMember{ClusterID: fmt.Sprintf("%s-%03d", spec.ID, i+1), Zone: z, Role: role,
			NodeType: spec.NodeType, Status: "available", CreatedAt: now})
	}
	s.replication[rg.ID] = rg
}

// AddServiceUpdate makes a service update applicable (not-applied) to a replication group.
func (s *Sim) AddServiceUpdate(name, replicationGroup, severity string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if severity == "" {
		severity = "important"
	}
	s.updateActions = append(s.updateActions, &UpdateAction{ServiceUpdateName: name, ReplicationGroup: replicationGroup,
		Severity: severity, ReleaseDate: s.clock.Now(), Status: "not-applied", NodesUpdated: map[string]bool{}})
}

// GroupInstances returns copies of a group's instances in launch order (including terminating ones).
func (s *Sim) GroupInstances(group string) []Instance {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked(s.clock.Now())
	var out []Instance
	if g := s.groups[group]; g != nil {
		for _, id := range g.InstanceIDs {
			out = append(out, *s.instances[id])
		}
	}
	return out
}

// Instance returns a copy of an instance.
func (s *Sim) Instance(id string) (Instance, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inst, ok := s.instances[id]
	if !ok {
		return Instance{}, false
	}
	return *inst, true
}

// GroupState returns a copy of a group.
func (s *Sim) GroupState(name string) (Group, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.groups[name]
	if !ok {
		return Group{}, false
	}
	return *g, true
}

// ReplicationGroupState returns a copy of a replication group and its members.
func (s *Sim) ReplicationGroupState(id string) (ReplicationGroup, []CacheMember, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked(s.clock.Now())
	rg, ok := s.replication[id]
	if !ok {
		return ReplicationGroup{}, nil, false
	}
	var ms []CacheMember
	for _, m := range rg.Members {
		ms = append(ms, *m)
	}
	return *rg, ms, true
}

// LaunchTemplateState returns a copy of a launch template and its version numbers in order.
func (s *Sim) LaunchTemplateState(id string) (LaunchTemplate, []int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	lt, ok := s.templates[id]
	if !ok {
		return LaunchTemplate{}, nil, false
	}
	var versions []int64
	for n := range lt.Versions {
		versions = append(versions, n)
	}
	sort.Slice(versions, func(i, j int) bool { return versions[i] < versions[j] })
	return *lt, versions, true
}

// LaunchConfigurationNames lists the launch configurations.
func (s *Sim) LaunchConfigurationNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sortedKeys(s.launchConfigs)
}

// SetImpaired makes DescribeInstanceStatus report an instance impaired (or not).
func (s *Sim) SetImpaired(id string, impaired bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if inst := s.instances[id]; inst != nil {
		inst.Impaired = impaired
	}
}

// SetImageState changes an AMI's state (e.g. to deregistered).
func (s *Sim) SetImageState(id, state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if img := s.images[id]; img != nil {
		img.State = state
	}
}

// SetGroupLaunchTemplateVersion points a group at another version of its launch template ($Default,
// $Latest or a number), as a user would.
func (s *Sim) SetGroupLaunchTemplateVersion(group, version string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.groups[group]; g != nil && g.LaunchTemplate != nil {
		g.LaunchTemplate.Version = version
	}
}

// TagLaunchTemplate sets a tag on a launch template.
func (s *Sim) TagLaunchTemplate(id, key, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if lt := s.templates[id]; lt != nil {
		lt.Tags[key] = value
	}
}

// LaunchTemplateID returns the id of the launch template with the name.
func (s *Sim) LaunchTemplateID(name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, lt := range s.templates {
		if lt.Name == name {
			return id, true
		}
	}
	return "", false
}

// TagGroups sets a tag on groups (as a user fixing a missing opt-in tag would).
func (s *Sim) TagGroups(groups []string, key, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, name := range groups {
		if g := s.groups[name]; g != nil {
			g.Tags[key] = value
		}
	}
}
