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
	"os"
	"sort"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// Scenario describes a simulated account: images, instance types, launch templates or configurations,
// Auto Scaling groups grouped into cache clusters, ElastiCache replication groups, and CloudWatch alarms
// and metrics.
type Scenario struct {
	Region string `json:"region,omitempty"`
	// ClockSpeed runs simulated time this many times faster than real time (default 1).
	ClockSpeed float64         `json:"clockSpeed,omitempty"`
	Delays     *ScenarioDelays `json:"delays,omitempty"`
	// Redis runs a real redis-server per instance and per ElastiCache member (replicas replicating from
	// their shard's primary); HTTPStatusPort > 0 serves a Dynomite-Manager-style status endpoint per instance.
	Redis bool `json:"redis,omitempty"`
	// TestFailoverQuota is how many node groups TestFailover may be called on in a rolling 24 hours in the
	// whole account (default 15, the API reference's figure since 2024).
	TestFailoverQuota    int                           `json:"testFailoverQuota,omitempty"`
	HTTPStatusPort       int                           `json:"httpStatusPort,omitempty"`
	Images               []ScenarioImage               `json:"images,omitempty"`
	InstanceTypes        []ScenarioInstanceType        `json:"instanceTypes,omitempty"`
	LaunchTemplates      []ScenarioLaunchTemplate      `json:"launchTemplates,omitempty"`
	LaunchConfigurations []ScenarioLaunchConfiguration `json:"launchConfigurations,omitempty"`
	Clusters             []ScenarioCluster             `json:"clusters,omitempty"`
	// Roles are the IAM roles AssumeRole may assume (policies with spec.aws.roleArn).
	Roles             []ScenarioRole             `json:"roles,omitempty"`
	NodeTypes         []ScenarioNodeType         `json:"nodeTypes,omitempty"`
	ReplicationGroups []ScenarioReplicationGroup `json:"replicationGroups,omitempty"`
	ServiceUpdates    []ScenarioServiceUpdate    `json:"serviceUpdates,omitempty"`
	// CloudWatch holds alarms and fixed metric values; the metrics of instances and cache clusters are
	// derived from the simulation without it.
	CloudWatch *ScenarioCloudWatch `json:"cloudWatch,omitempty"`
}

// ScenarioDelays are durations as strings (90s, 5m); see Delays for what each one is.
type ScenarioDelays struct {
	Launch    string `json:"launch,omitempty"`
	Terminate string `json:"terminate,omitempty"`
	// ModifyGroup is a whole-group ElastiCache node type change (default 20m).
	ModifyGroup string `json:"modifyGroup,omitempty"`
	// FailoverSettings is enabling/disabling automatic failover or Multi-AZ (default 2m).
	FailoverSettings string `json:"failoverSettings,omitempty"`
	// Tagging is how long a tag change leaves the group modifying (default 30s).
	Tagging  string `json:"tagging,omitempty"`
	Snapshot string `json:"snapshot,omitempty"`
	// TestFailover is the call to the promotion (default 1m), FailoverRecovery the promotion to "Finished
	// recovery" (default 4m).
	TestFailover     string `json:"testFailover,omitempty"`
	FailoverRecovery string `json:"failoverRecovery,omitempty"`
	// ServiceUpdateStart is waiting-to-start to in-progress (default 1m); ServiceNode one node's update
	// (default 5m).
	ServiceUpdateStart string `json:"serviceUpdateStart,omitempty"`
	ServiceNode        string `json:"serviceNode,omitempty"`
	WarmUp             string `json:"warmUp,omitempty"`
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

// ScenarioNodeType is an ElastiCache node type with its memory and the types
// ListAllowedNodeTypeModifications offers from it (scaleUp, scaleDown).
type ScenarioNodeType struct {
	Name      string   `json:"name"`
	MemoryMiB int64    `json:"memoryMiB"`
	ScaleUp   []string `json:"scaleUp,omitempty"`
	ScaleDown []string `json:"scaleDown,omitempty"`
}

// ScenarioReplicationGroup is an ElastiCache replication group.
type ScenarioReplicationGroup struct {
	ID          string `json:"id"`
	Description string `json:"description,omitempty"`
	NodeType    string `json:"nodeType"`
	// Engine is redis (default) or valkey; EngineVersion defaults to 7.1 (redis) or 8.0 (valkey).
	Engine        string `json:"engine,omitempty"`
	EngineVersion string `json:"engineVersion,omitempty"`
	// Zones places the members: with cluster mode disabled and no replicasPerShard, one member per zone
	// (the first is the primary); otherwise the zones are used round-robin.
	Zones []string `json:"zones"`
	// Shards > 0 makes a cluster-mode-enabled group with that many node groups (0001...), each with
	// replicasPerShard replicas (default: one node per zone).
	Shards           int  `json:"shards,omitempty"`
	ReplicasPerShard *int `json:"replicasPerShard,omitempty"`
	// MultiAZ needs automaticFailover; automaticFailover needs a replica in every shard; cluster mode
	// enabled always has automatic failover.
	MultiAZ           bool `json:"multiAZ,omitempty"`
	AutomaticFailover bool `json:"automaticFailover,omitempty"`
	// UsedMemoryMiB is the data in each shard when no redis-server runs; a node-type change whose target
	// cannot hold it (100 - reservedMemoryPercent, default 25, percent of the node's memory) is reverted.
	UsedMemoryMiB         int64             `json:"usedMemoryMiB,omitempty"`
	ReservedMemoryPercent int               `json:"reservedMemoryPercent,omitempty"`
	Tags                  map[string]string `json:"tags,omitempty"`
	// GlobalReplicationGroupID makes the group a member of that Global Datastore, with
	// GlobalReplicationGroupRole primary (default) or secondary: ModifyReplicationGroup is then refused.
	GlobalReplicationGroupID   string `json:"globalReplicationGroupId,omitempty"`
	GlobalReplicationGroupRole string `json:"globalReplicationGroupRole,omitempty"`
	// SnapshotRetentionLimit > 0 turns on automatic daily backups during SnapshotWindow (UTC, default
	// 05:00-06:00) from SnapshottingClusterID (cluster mode disabled; default the first replica).
	SnapshotRetentionLimit int    `json:"snapshotRetentionLimit,omitempty"`
	SnapshotWindow         string `json:"snapshotWindow,omitempty"`
	SnapshottingClusterID  string `json:"snapshottingClusterId,omitempty"`
	// FailSnapshots makes the group's next N snapshots (manual or automatic) fail.
	FailSnapshots int `json:"failSnapshots,omitempty"`
}

// ScenarioServiceUpdate is a service update and the replication groups it applies to.
type ScenarioServiceUpdate struct {
	Name string `json:"name"`
	// ReplicationGroup (one) or ReplicationGroups (several) the update applies to.
	ReplicationGroup  string   `json:"replicationGroup,omitempty"`
	ReplicationGroups []string `json:"replicationGroups,omitempty"`
	// Severity: critical, important (default), medium, low. Type: security-update (default) or
	// engine-update. Status: available (default), cancelled, expired.
	Severity      string `json:"severity,omitempty"`
	Type          string `json:"type,omitempty"`
	Status        string `json:"status,omitempty"`
	Engine        string `json:"engine,omitempty"`
	EngineVersion string `json:"engineVersion,omitempty"`
	Description   string `json:"description,omitempty"`
	// EstimatedUpdateTime is free text (default "30 minutes per node").
	EstimatedUpdateTime string `json:"estimatedUpdateTime,omitempty"`
	// RecommendedApplyBy is how long after the scenario starts the recommended apply-by date is (default
	// by severity: critical 14 days, important 30, medium 60, low 90).
	RecommendedApplyBy string `json:"recommendedApplyBy,omitempty"`
	AutoUpdate         bool   `json:"autoUpdate,omitempty"`
	// ActionStatus is the initial status of the groups' update actions (default not-applied; e.g.
	// scheduled or not-applicable).
	ActionStatus string `json:"actionStatus,omitempty"`
}

// ScenarioCloudWatch is the scenario's CloudWatch: alarms, and metric values that hold from the start.
type ScenarioCloudWatch struct {
	Alarms  []ScenarioAlarm  `json:"alarms,omitempty"`
	Metrics []ScenarioMetric `json:"metrics,omitempty"`
}

// ScenarioAlarm is a CloudWatch metric alarm.
type ScenarioAlarm struct {
	// Name is the alarm's name (required); Description is optional.
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Namespace, Metric and Dimensions are the metric the alarm watches, e.g. AWS/ElastiCache,
	// DatabaseMemoryUsagePercentage, {CacheClusterId: sessions-001}.
	Namespace  string            `json:"namespace,omitempty"`
	Metric     string            `json:"metric,omitempty"`
	Dimensions map[string]string `json:"dimensions,omitempty"`
	// Statistic is Average (default), Sum, Minimum, Maximum, SampleCount or a percentile such as p99.
	Statistic string `json:"statistic,omitempty"`
	// Period is one evaluated period as a duration (default 1m; a multiple of 1m, or 10s or 30s).
	Period string `json:"period,omitempty"`
	// EvaluationPeriods is how many periods are evaluated (default 1); DatapointsToAlarm how many of them
	// must breach (default all).
	EvaluationPeriods int `json:"evaluationPeriods,omitempty"`
	DatapointsToAlarm int `json:"datapointsToAlarm,omitempty"`
	// Threshold and Comparison: GreaterThanThreshold (default), GreaterThanOrEqualToThreshold,
	// LessThanThreshold or LessThanOrEqualToThreshold.
	Threshold  float64 `json:"threshold,omitempty"`
	Comparison string  `json:"comparison,omitempty"`
	// TreatMissingData is missing (default), breaching, notBreaching or ignore.
	TreatMissingData string `json:"treatMissingData,omitempty"`
	// State is the state the alarm starts in (OK, ALARM or INSUFFICIENT_DATA, the default), with Reason.
	State  string `json:"state,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Evaluate makes the alarm follow its metric at the end of every period; without it the alarm keeps
	// its state until SetAlarmState changes it.
	Evaluate bool `json:"evaluate,omitempty"`
}

// ScenarioMetric fixes a CloudWatch metric from the start: a value (one datapoint a minute), or missing
// (no datapoints, even for a metric the simulator derives).
type ScenarioMetric struct {
	// Namespace, Metric and Dimensions identify the metric (dimensions must match exactly, as in CloudWatch).
	Namespace  string            `json:"namespace"`
	Metric     string            `json:"metric"`
	Dimensions map[string]string `json:"dimensions,omitempty"`
	// Value is the metric's value; Missing makes it have no datapoints. Exactly one is given.
	Value   *float64 `json:"value,omitempty"`
	Missing bool     `json:"missing,omitempty"`
	// Unit is the value's CloudWatch unit (default: the derived metric's, or None).
	Unit string `json:"unit,omitempty"`
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

// ResolvedDelays returns the scenario's delays over the defaults.
func (sc *Scenario) ResolvedDelays() (Delays, error) {
	d := DefaultDelays
	if sc.Delays == nil {
		return d, nil
	}
	for _, f := range []struct {
		text string
		into *time.Duration
	}{{sc.Delays.Launch, &d.Launch}, {sc.Delays.Terminate, &d.Terminate}, {sc.Delays.ModifyGroup, &d.ModifyGroup},
		{sc.Delays.FailoverSettings, &d.FailoverSettings}, {sc.Delays.Tagging, &d.Tagging}, {sc.Delays.Snapshot, &d.Snapshot},
		{sc.Delays.TestFailover, &d.TestFailover}, {sc.Delays.FailoverRecovery, &d.FailoverRecovery},
		{sc.Delays.ServiceUpdateStart, &d.ServiceUpdateStart}, {sc.Delays.ServiceNode, &d.ServiceNode},
		{sc.Delays.WarmUp, &d.HTTPWarmUp}} {
		if f.text == "" {
			continue
		}
		v, err := time.ParseDuration(f.text)
		if err != nil {
			return d, err
		}
		*f.into = v
	}
	return d, nil
}

// Build creates a simulator for the scenario. With nodes nil and Redis or an HTTP status port asked for,
// it starts real processes with working files in dir.
func (sc *Scenario) Build(clock Clock, dir string) (*Sim, *ProcessNodes, error) {
	delays, err := sc.ResolvedDelays()
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
	opts := Options{Clock: clock, Delays: &delays, Region: sc.Region, TestFailoverQuota: sc.TestFailoverQuota}
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
	for _, r := range sc.Roles {
		trusted := r.TrustedPrincipals
		if len(trusted) == 0 {
			trusted = []string{DefaultPrincipal}
		}
		s.AddRole(Role{ARN: r.ARN, TrustedPrincipals: trusted, ExternalID: r.ExternalID})
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
		s.AddNodeType(NodeType{Name: nt.Name, MemoryMiB: nt.MemoryMiB, ScaleUp: nt.ScaleUp, ScaleDown: nt.ScaleDown})
	}
	for _, rg := range sc.ReplicationGroups {
		if err := s.AddReplicationGroup(ReplicationGroupSpec{ID: rg.ID, Description: rg.Description, NodeType: rg.NodeType,
			Engine: rg.Engine, EngineVersion: rg.EngineVersion, Zones: rg.Zones, Shards: rg.Shards, ReplicasPerShard: rg.ReplicasPerShard,
			MultiAZ: rg.MultiAZ, AutomaticFailover: rg.AutomaticFailover, UsedMemoryMiB: rg.UsedMemoryMiB,
			ReservedMemoryPercent: rg.ReservedMemoryPercent, Tags: rg.Tags, GlobalReplicationGroupID: rg.GlobalReplicationGroupID,
			GlobalReplicationGroupRole: rg.GlobalReplicationGroupRole, SnapshotRetentionLimit: rg.SnapshotRetentionLimit,
			SnapshotWindow: rg.SnapshotWindow, SnapshottingClusterID: rg.SnapshottingClusterID, FailSnapshots: rg.FailSnapshots}); err != nil {
			return err
		}
	}
	for _, su := range sc.ServiceUpdates {
		spec := ServiceUpdateSpec{Name: su.Name, ReplicationGroups: su.ReplicationGroups, Severity: su.Severity, Type: su.Type,
			Status: su.Status, Engine: su.Engine, EngineVersion: su.EngineVersion, Description: su.Description,
			EstimatedUpdateTime: su.EstimatedUpdateTime, AutoUpdate: su.AutoUpdate, ActionStatus: su.ActionStatus}
		if su.ReplicationGroup != "" {
			spec.ReplicationGroups = append([]string{su.ReplicationGroup}, spec.ReplicationGroups...)
		}
		if su.RecommendedApplyBy != "" {
			d, err := time.ParseDuration(su.RecommendedApplyBy)
			if err != nil {
				return fmt.Errorf("service update %s: %w", su.Name, err)
			}
			spec.RecommendedApplyBy = d
		}
		if err := s.AddServiceUpdate(spec); err != nil {
			return err
		}
	}
	if sc.CloudWatch != nil {
		return s.applyCloudWatch(sc.CloudWatch)
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

// AddNodeType registers an ElastiCache node type, its memory and the types it may be modified to.
func (s *Sim) AddNodeType(nt NodeType) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nodeTypes[nt.Name] = &nt
}

// ReplicationGroupSpec describes a new, available replication group.
type ReplicationGroupSpec struct {
	ID          string
	Description string
	NodeType    string
	// Engine is redis (default) or valkey; EngineVersion defaults to 7.1 (redis) or 8.0 (valkey).
	Engine        string
	EngineVersion string
	// Zones places the members: each shard has one member per zone (the first is the primary) unless
	// ReplicasPerShard is set; then it has ReplicasPerShard+1 members on the zones round-robin.
	Zones            []string
	ReplicasPerShard *int
	// Shards > 0 makes a cluster-mode-enabled group with that many node groups (automatic failover on).
	Shards                int
	MultiAZ               bool
	AutomaticFailover     bool
	UsedMemoryMiB         int64 // data per shard when no redis-server runs
	ReservedMemoryPercent int   // default 25
	Tags                  map[string]string
	// GlobalReplicationGroupID makes the group a Global Datastore member with role
	// GlobalReplicationGroupRole (primary by default).
	GlobalReplicationGroupID   string
	GlobalReplicationGroupRole string
	// SnapshotRetentionLimit > 0 turns on automatic backups during SnapshotWindow (default 05:00-06:00)
	// from SnapshottingClusterID (cluster mode disabled only; default the first replica, else the primary).
	SnapshotRetentionLimit int
	SnapshotWindow         string
	SnapshottingClusterID  string
	FailSnapshots          int // the group's next N snapshots fail
}

// AddReplicationGroup creates an available replication group.
func (s *Sim) AddReplicationGroup(spec ReplicationGroupSpec) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := strings.ToLower(spec.ID)
	switch {
	case id == "":
		return fmt.Errorf("a replication group needs an id")
	case s.replication[id] != nil:
		return fmt.Errorf("replication group %s already exists", id)
	case spec.NodeType == "":
		return fmt.Errorf("replication group %s needs a node type", id)
	case len(spec.Zones) == 0:
		return fmt.Errorf("replication group %s needs at least one zone", id)
	case spec.Shards < 0:
		return fmt.Errorf("replication group %s: shards must not be negative", id)
	}
	engine := spec.Engine
	if engine == "" {
		engine = "redis"
	}
	version := spec.EngineVersion
	switch {
	case engine != "redis" && engine != "valkey":
		return fmt.Errorf("replication group %s: engine %q is neither redis nor valkey", id, engine)
	case version == "" && engine == "redis":
		version = "7.1"
	case version == "":
		version = "8.0"
	}
	perShard := len(spec.Zones)
	if spec.ReplicasPerShard != nil {
		perShard = *spec.ReplicasPerShard + 1
	}
	if perShard < 1 || perShard > 6 {
		return fmt.Errorf("replication group %s: a shard has 0 to 5 replicas, not %d", id, perShard-1)
	}
	now := s.clock.Now()
	rg := &ReplicationGroup{ID: id, Description: spec.Description, Status: "available", NodeType: spec.NodeType, Engine: engine,
		EngineVersion: version, ClusterEnabled: spec.Shards > 0, MultiAZ: spec.MultiAZ, AutomaticFailover: spec.AutomaticFailover,
		UsedMemoryMiB: spec.UsedMemoryMiB, ReservedMemoryPercent: spec.ReservedMemoryPercent, Tags: map[string]string{}, CreatedAt: now,
		GlobalReplicationGroupID: spec.GlobalReplicationGroupID, GlobalReplicationGroupRole: spec.GlobalReplicationGroupRole,
		SnapshotRetentionLimit: spec.SnapshotRetentionLimit, SnapshotWindow: spec.SnapshotWindow,
		SnapshottingClusterID: strings.ToLower(spec.SnapshottingClusterID), failSnapshots: spec.FailSnapshots, backupFrom: now, cursor: now}
	if rg.Description == "" {
		rg.Description = id
	}
	if rg.ReservedMemoryPercent == 0 {
		rg.ReservedMemoryPercent = 25
	}
	if rg.GlobalReplicationGroupID != "" && rg.GlobalReplicationGroupRole == "" {
		rg.GlobalReplicationGroupRole = "primary"
	}
	for k, v := range spec.Tags {
		rg.Tags[k] = v
	}
	shards := max(spec.Shards, 1)
	for sh := 0; sh < shards; sh++ {
		ng := fmt.Sprintf("%04d", sh+1)
		for i := 0; i < perShard; i++ {
			m := &CacheMember{NodeGroupID: ng, Role: "replica", NodeType: spec.NodeType, Status: "available", CreatedAt: now, Tags: map[string]string{}}
			if i == 0 {
				m.Role = "primary"
			}
			if rg.ClusterEnabled {
				// Each shard starts on the next zone, so that primaries spread.
				m.ClusterID, m.Zone = fmt.Sprintf("%s-%s-%03d", id, ng, i+1), spec.Zones[(sh+i)%len(spec.Zones)]
			} else {
				m.ClusterID, m.Zone = fmt.Sprintf("%s-%03d", id, i+1), spec.Zones[i%len(spec.Zones)]
			}
			rg.Members = append(rg.Members, m)
		}
	}
	if rg.ClusterEnabled {
		// Automatic failover cannot be turned off with cluster mode enabled.
		rg.AutomaticFailover = true
	}
	if rg.MultiAZ && !rg.AutomaticFailover {
		return fmt.Errorf("replication group %s: Multi-AZ needs automatic failover", id)
	}
	if rg.AutomaticFailover && perShard < 2 {
		return fmt.Errorf("replication group %s: automatic failover needs a replica in every shard", id)
	}
	if err := s.setupBackups(rg); err != nil {
		return err
	}
	s.replication[id] = rg
	s.startGroupProcesses(rg)
	return nil
}

// setupBackups checks and completes a new group's automatic backup settings.
func (s *Sim) setupBackups(rg *ReplicationGroup) error {
	if rg.SnapshotRetentionLimit < 0 || rg.SnapshotRetentionLimit > 35 {
		return fmt.Errorf("replication group %s: snapshot retention is 0 to 35 days", rg.ID)
	}
	if rg.SnapshotRetentionLimit == 0 {
		return nil
	}
	if rg.SnapshotWindow == "" {
		// AWS picks a window when none is given; [unknown] which one.
		rg.SnapshotWindow = "05:00-06:00"
	}
	if _, _, err := parseWindow(rg.SnapshotWindow); err != nil {
		return fmt.Errorf("replication group %s: %w", rg.ID, err)
	}
	switch {
	case rg.ClusterEnabled && rg.SnapshottingClusterID != "":
		return fmt.Errorf("replication group %s: a cluster-mode-enabled group backs up every shard; it has no snapshotting cluster", rg.ID)
	case rg.ClusterEnabled:
	case rg.SnapshottingClusterID == "":
		// [unknown] which member AWS would pick; a replica spares the primary BGSAVE's load, as the guide advises.
		rg.SnapshottingClusterID = rg.Members[0].ClusterID
		if len(rg.Members) > 1 {
			rg.SnapshottingClusterID = rg.Members[1].ClusterID
		}
	default:
		found := false
		for _, m := range rg.Members {
			found = found || m.ClusterID == rg.SnapshottingClusterID
		}
		if !found {
			return fmt.Errorf("replication group %s: snapshotting cluster %s is not a member", rg.ID, rg.SnapshottingClusterID)
		}
	}
	return nil
}

// parseWindow reads a daily window "hh:mm-hh:mm" (UTC) as offsets from midnight; it is at least 60 minutes.
func parseWindow(w string) (from, to time.Duration, err error) {
	var h1, m1, h2, m2 int
	if _, err := fmt.Sscanf(w, "%d:%d-%d:%d", &h1, &m1, &h2, &m2); err != nil || h1 > 23 || h2 > 23 || m1 > 59 || m2 > 59 {
		return 0, 0, fmt.Errorf("the snapshot window %q is not hh:mm-hh:mm", w)
	}
	from = time.Duration(h1)*time.Hour + time.Duration(m1)*time.Minute
	to = time.Duration(h2)*time.Hour + time.Duration(m2)*time.Minute
	if to <= from {
		to += 24 * time.Hour
	}
	if to-from < time.Hour {
		return 0, 0, fmt.Errorf("the snapshot window %q is shorter than 60 minutes", w)
	}
	return from, to, nil
}

// ServiceUpdateSpec describes a service update and the replication groups it applies to.
type ServiceUpdateSpec struct {
	Name              string
	ReplicationGroups []string
	Severity          string // critical, important (default), medium, low
	Type              string // security-update (default), engine-update
	Status            string // available (default), cancelled, expired
	Engine            string
	EngineVersion     string
	Description       string
	// EstimatedUpdateTime is free text (default "30 minutes per node").
	EstimatedUpdateTime string
	// RecommendedApplyBy is the recommended apply-by date, from now (default by severity: 14, 30, 60 or 90
	// days).
	RecommendedApplyBy time.Duration
	AutoUpdate         bool
	// ActionStatus is the initial status of the groups' update actions (default not-applied).
	ActionStatus string
}

// AddServiceUpdate releases a service update (now) and makes it applicable to replication groups.
func (s *Sim) AddServiceUpdate(spec ServiceUpdateSpec) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	su := s.serviceUpdates[spec.Name]
	if su == nil {
		su = &ServiceUpdate{Name: spec.Name, Description: spec.Description, Severity: spec.Severity, Type: spec.Type, Status: spec.Status,
			Engine: spec.Engine, EngineVersion: spec.EngineVersion, ReleaseDate: now, AutoUpdate: spec.AutoUpdate,
			EstimatedUpdateTime: spec.EstimatedUpdateTime}
		if su.Severity == "" {
			su.Severity = "important"
		}
		days := map[string]int{"critical": 14, "important": 30, "medium": 60, "low": 90}[su.Severity]
		if days == 0 {
			return fmt.Errorf("service update %s: severity %q is not critical, important, medium or low", spec.Name, su.Severity)
		}
		if su.Type == "" {
			su.Type = "security-update"
		}
		if su.Status == "" {
			su.Status = "available"
		}
		if su.EstimatedUpdateTime == "" {
			su.EstimatedUpdateTime = "30 minutes per node"
		}
		applyBy := spec.RecommendedApplyBy
		if applyBy == 0 {
			applyBy = time.Duration(days) * 24 * time.Hour
		}
		su.RecommendedApplyByDate = now.Add(applyBy)
		// [unknown] how long after the apply-by date an update stays available; a year here.
		su.EndDate = su.RecommendedApplyByDate.Add(365 * 24 * time.Hour)
		s.serviceUpdates[spec.Name] = su
	}
	status := spec.ActionStatus
	if status == "" {
		status = "not-applied"
	}
	for _, id := range spec.ReplicationGroups {
		rg := s.replication[strings.ToLower(id)]
		if rg == nil {
			return fmt.Errorf("service update %s: no replication group %s", spec.Name, id)
		}
		a := &UpdateAction{ServiceUpdateName: spec.Name, ReplicationGroup: rg.ID, Status: status, AvailableDate: now,
			StatusModifiedDate: now, Nodes: map[string]*NodeUpdate{}}
		for _, m := range rg.Members {
			a.Nodes[m.ClusterID] = &NodeUpdate{Status: "not-applied", StatusModifiedDate: now}
		}
		s.updateActions = append(s.updateActions, a)
	}
	return nil
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

// ReplicationGroupState returns a copy of a replication group and copies of its members in order, with
// their roles, statuses and pending node types (the copy's Members point to the same copies).
func (s *Sim) ReplicationGroupState(id string) (ReplicationGroup, []CacheMember, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked(s.clock.Now())
	rg, ok := s.replication[strings.ToLower(id)]
	if !ok {
		return ReplicationGroup{}, nil, false
	}
	ms := make([]CacheMember, len(rg.Members))
	c := *rg
	c.Members, c.Tags = make([]*CacheMember, len(rg.Members)), copyTags(rg.Tags)
	c.op, c.failover = nil, nil
	for i, m := range rg.Members {
		ms[i] = *m
		ms[i].Tags = copyTags(m.Tags)
		c.Members[i] = &ms[i]
	}
	return c, ms, true
}

func copyTags(tags map[string]string) map[string]string {
	out := make(map[string]string, len(tags))
	for k, v := range tags {
		out[k] = v
	}
	return out
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

// UntagGroups removes a tag from groups (as a user taking a group out of a policy would).
func (s *Sim) UntagGroups(groups []string, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, name := range groups {
		if g := s.groups[name]; g != nil {
			delete(g.Tags, key)
		}
	}
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

// ScenarioRole is an IAM role and its trust policy: who may assume it (default: DefaultPrincipal, the
// controller's own role) and the external ID it requires, if any.
type ScenarioRole struct {
	ARN               string   `json:"arn"`
	TrustedPrincipals []string `json:"trustedPrincipals,omitempty"`
	ExternalID        string   `json:"externalId,omitempty"`
}
