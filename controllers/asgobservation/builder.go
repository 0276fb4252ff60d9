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
	"slices"
	"strconv"
	"sync"
	"time"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
	"github.com/cache-remediator/cache-remediator/controllers/health"
	"github.com/cache-remediator/cache-remediator/controllers/probe"
)

// HTTPProber reads a node's status endpoint.
type HTTPProber interface {
	Probe(ctx context.Context, ip string, port int32, path string) health.HTTPStatus
}

// Builder observes clusters. What never changes it remembers across reconciles: numbered launch template
// versions, and an instance's AMI, address and launch time; the groups and the status checks are read
// anew.
type Builder struct {
	AutoScaling awsclient.AutoScalingAPI
	EC2         awsclient.EC2API
	CloudWatch  awsclient.CloudWatchAPI
	HTTP        HTTPProber
	// NewRedis returns a Redis prober that authenticates with the cluster's credentials.
	NewRedis func(probe.RedisCredentials) probe.RedisProber
	// FleetMaxAge is how old the account snapshot that settled observations share may be (see fleet); zero
	// gives every observation its own describes.
	FleetMaxAge time.Duration
	// NewSentinel returns a Sentinel prober that authenticates with the Sentinels' credentials.
	NewSentinel func(probe.RedisCredentials) probe.SentinelProber

	mu        sync.Mutex
	versions  map[string]awsclient.TemplateVersion // templateID/number
	pointers  map[string]templatePointers          // templateID
	instances map[string]knownInstance
	swept     time.Time
	fleet     fleet
}

// Credentials are what the probes of a cluster authenticate and encrypt with: the nodes', and the
// Sentinels' when health.redis.sentinel is set.
type Credentials struct {
	Nodes     probe.RedisCredentials
	Sentinels probe.RedisCredentials
}

// templatePointers are a template's $Default and $Latest version numbers, as read at a time.
type templatePointers struct {
	defaultVersion, latestVersion int64
	read                          time.Time
}

// pointersTrustedFor is how long a settled observation trusts a template's $Default and $Latest numbers:
// a group following them that someone repointed is noticed within it, at no cost to idle policies.
const pointersTrustedFor = time.Hour

// knownInstance is what DescribeInstances said of an instance, and when an observation last listed it.
type knownInstance struct {
	awsclient.Instance
	seen time.Time
}

// forgetAfter is how long an instance no group lists any more is remembered.
const forgetAfter = time.Hour

// Options say what an observation may leave out.
type Options struct {
	// Settled is for a policy whose goal was met and that has nothing in flight, where no step starts
	// unless something changed (and then the engine observes again without it): the observation leaves out
	// the EC2 status checks, and trusts what it read of $Default and $Latest in the last hour.
	Settled bool
}

// Observe builds the snapshot of a policy's cluster at now, with step the step in flight (nil: none). It costs one DescribeAutoScalingGroups, one
// DescribeInstances for instances it has not seen before, and one DescribeInstanceStatus when every
// serving node is InService (a node still launching or leaving fails its InService gate anyway, so no
// step can start or finish on status checks until then) and the options do not skip it.
func (b *Builder) Observe(ctx context.Context, spec v1.RemediationPolicySpec, credentials Credentials, step *v1.StepStatus, now time.Time, opts Options) (*Cluster, error) {
	ctx, aws := awsclient.WithServerClock(ctx)
	names := spec.Target.AutoScalingGroups.Names
	var groups map[string]awsclient.Group
	shared, err := false, error(nil)
	if opts.Settled {
		groups, shared, err = b.settledGroups(ctx, names, now)
	}
	if err == nil && !shared {
		groups, err = awsclient.DescribeGroups(ctx, b.AutoScaling, names)
	}
	if err != nil {
		return nil, fmt.Errorf("describing auto scaling groups: %w", err)
	}
	c := &Cluster{Now: now}
	if err := b.readPointers(ctx, groups, now, opts.Settled); err != nil {
		return nil, fmt.Errorf("describing launch templates: %w", err)
	}
	if spec.Health.Redis != nil {
		c.RedisPort = spec.Health.Redis.PortOrDefault()
	}
	var ids []string
	members := map[string]awsclient.GroupInstance{}
	memberGroup := map[string]string{}
	for pos, name := range names {
		g, ok := groups[name]
		if !ok {
			c.MissingGroups = append(c.MissingGroups, name)
			continue
		}
		launch, err := b.launchSource(ctx, g)
		if err != nil {
			return nil, err
		}
		c.Groups = append(c.Groups, Group{Name: name, Zones: g.Zones, Desired: g.Desired, Max: g.Max, Tags: g.Tags, Launch: launch, Position: pos})
		for _, inst := range g.Instances {
			ids = append(ids, inst.ID)
			members[inst.ID], memberGroup[inst.ID] = inst, name
		}
	}
	instances, err := b.describeInstances(ctx, ids, now)
	if err != nil {
		return nil, fmt.Errorf("describing instances: %w", err)
	}
	for _, id := range ids {
		m, inst := members[id], instances[id]
		c.Nodes = append(c.Nodes, Node{
			InstanceID: id, Group: memberGroup[id], Zone: m.Zone, PrivateIP: inst.PrivateIP, ImageID: inst.ImageID,
			InstanceType: m.InstanceType, LifecycleState: m.LifecycleState, LaunchedAt: inst.LaunchTime,
		})
	}
	if !opts.Settled && c.allServingInService() {
		if err := b.checkStatus(ctx, c); err != nil {
			return nil, fmt.Errorf("reading the instances' status checks: %w", err)
		}
	}
	b.probe(ctx, c, spec.Health, credentials)
	if err := b.readCloudWatch(ctx, c, spec, step, aws.Now(now)); err != nil {
		return nil, err
	}
	evaluateGates(c, spec.Health)
	return c, nil
}

// describeInstances returns the instances, describing only those it does not know yet (or knew without an
// address, as a just-launched instance may be), and forgets the instances no observation listed for
// forgetAfter.
func (b *Builder) describeInstances(ctx context.Context, ids []string, now time.Time) (map[string]awsclient.Instance, error) {
	out := make(map[string]awsclient.Instance, len(ids))
	var unknown []string
	b.mu.Lock()
	if b.instances == nil {
		b.instances = map[string]knownInstance{}
	}
	for _, id := range ids {
		if k, ok := b.instances[id]; ok && k.PrivateIP != "" {
			k.seen = now
			b.instances[id] = k
			out[id] = k.Instance
		} else {
			unknown = append(unknown, id)
		}
	}
	if now.Sub(b.swept) > forgetAfter {
		for id, k := range b.instances {
			if now.Sub(k.seen) > forgetAfter {
				delete(b.instances, id)
			}
		}
		b.swept = now
	}
	b.mu.Unlock()
	if len(unknown) == 0 {
		return out, nil
	}
	described, err := awsclient.DescribeInstances(ctx, b.EC2, unknown)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for id, inst := range described {
		b.instances[id] = knownInstance{Instance: inst, seen: now}
		out[id] = inst
	}
	return out, nil
}

// checkStatus reads the serving nodes' status checks; a node EC2 does not report is "unknown".
func (b *Builder) checkStatus(ctx context.Context, c *Cluster) error {
	var ids []string
	for _, n := range c.Nodes {
		if !n.Leaving() {
			ids = append(ids, n.InstanceID)
		}
	}
	statuses, err := awsclient.InstanceStatuses(ctx, b.EC2, ids)
	if err != nil {
		return err
	}
	for i := range c.Nodes {
		n := &c.Nodes[i]
		if n.Leaving() {
			continue
		}
		n.EC2Status = statuses[n.InstanceID]
		if n.EC2Status == "" {
			n.EC2Status = "unknown"
		}
	}
	c.StatusChecked = true
	return nil
}

// launchSource resolves what a group launches.
func (b *Builder) launchSource(ctx context.Context, g awsclient.Group) (LaunchSource, error) {
	if g.LaunchTemplate == nil {
		lcs, err := awsclient.DescribeLaunchConfigurations(ctx, b.AutoScaling, []string{g.LaunchConfiguration})
		if err != nil {
			return LaunchSource{}, fmt.Errorf("describing launch configuration %s: %w", g.LaunchConfiguration, err)
		}
		lc := lcs[g.LaunchConfiguration]
		return LaunchSource{LaunchConfiguration: g.LaunchConfiguration, ImageID: lc.ImageID, InstanceType: lc.InstanceType}, nil
	}
	ref := g.LaunchTemplate
	number, err := b.versionNumber(ref.ID, ref.Version)
	if err != nil {
		return LaunchSource{}, fmt.Errorf("resolving launch template %s version %s of group %s: %w", ref.ID, ref.Version, g.Name, err)
	}
	v, err := b.templateVersion(ctx, ref.ID, number)
	if err != nil {
		return LaunchSource{}, fmt.Errorf("resolving launch template %s version %s of group %s: %w", ref.ID, ref.Version, g.Name, err)
	}
	return LaunchSource{TemplateID: ref.ID, TemplateName: ref.Name, Version: ref.Version, Resolved: v.Number, ImageID: v.ImageID, InstanceType: v.InstanceType}, nil
}

// readPointers reads, in one call, the $Default and $Latest numbers of the templates the groups follow by
// name rather than by number; a settled observation reuses numbers read in the last pointersTrustedFor.
func (b *Builder) readPointers(ctx context.Context, groups map[string]awsclient.Group, now time.Time, settled bool) error {
	var ids []string
	b.mu.Lock()
	for _, g := range groups {
		ref := g.LaunchTemplate
		if ref == nil || isNumber(ref.Version) || slices.Contains(ids, ref.ID) {
			continue
		}
		if p, ok := b.pointers[ref.ID]; ok && settled && now.Sub(p.read) < pointersTrustedFor {
			continue
		}
		ids = append(ids, ref.ID)
	}
	b.mu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	slices.Sort(ids)
	templates, err := awsclient.DescribeLaunchTemplates(ctx, b.EC2, ids)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pointers == nil {
		b.pointers = map[string]templatePointers{}
	}
	for _, id := range ids {
		t, ok := templates[id]
		if !ok {
			delete(b.pointers, id)
			continue
		}
		b.pointers[id] = templatePointers{defaultVersion: t.DefaultVersion, latestVersion: t.LatestVersion, read: now}
	}
	return nil
}

// versionNumber is the number a group's version names, by the pointers readPointers read.
func (b *Builder) versionNumber(templateID, version string) (int64, error) {
	if n, err := strconv.ParseInt(version, 10, 64); err == nil {
		return n, nil
	}
	b.mu.Lock()
	p, ok := b.pointers[templateID]
	b.mu.Unlock()
	switch {
	case !ok:
		return 0, fmt.Errorf("launch template %s does not exist", templateID)
	case version == "$Default":
		return p.defaultVersion, nil
	case version == "$Latest":
		return p.latestVersion, nil
	}
	return 0, fmt.Errorf("version %q is neither a number, $Default nor $Latest", version)
}

// templateVersion describes a numbered version, once: it never changes.
func (b *Builder) templateVersion(ctx context.Context, templateID string, number int64) (awsclient.TemplateVersion, error) {
	key := templateID + "/" + strconv.FormatInt(number, 10)
	b.mu.Lock()
	v, cached := b.versions[key]
	b.mu.Unlock()
	if cached {
		return v, nil
	}
	found, err := awsclient.DescribeTemplateVersions(ctx, b.EC2, templateID, strconv.FormatInt(number, 10))
	if err != nil {
		return awsclient.TemplateVersion{}, err
	}
	if len(found) == 0 {
		return awsclient.TemplateVersion{}, fmt.Errorf("launch template %s has no version %d", templateID, number)
	}
	v = found[0]
	b.mu.Lock()
	if b.versions == nil {
		b.versions = map[string]awsclient.TemplateVersion{}
	}
	b.versions[key] = v
	b.mu.Unlock()
	return v, nil
}

func isNumber(version string) bool {
	_, err := strconv.ParseInt(version, 10, 64)
	return err == nil
}

// probe reads every serving node's Redis and HTTP status, and what every Sentinel says, in parallel.
func (b *Builder) probe(ctx context.Context, c *Cluster, h v1.HealthSpec, credentials Credentials) {
	var redis probe.RedisProber
	if h.Redis != nil {
		redis = b.NewRedis(credentials.Nodes)
	}
	var wg sync.WaitGroup
	if h.Redis != nil && h.Redis.Sentinel != nil {
		sentinel := b.NewSentinel(credentials.Sentinels)
		c.Sentinels = make([]health.SentinelView, len(h.Redis.Sentinel.Addresses))
		for i, address := range h.Redis.Sentinel.Addresses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.Sentinels[i] = sentinel.Observe(ctx, address, h.Redis.Sentinel.MasterName)
			}()
		}
	}
	for i := range c.Nodes {
		n := &c.Nodes[i]
		if n.Leaving() || n.PrivateIP == "" {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if redis != nil {
				info := redis.Probe(ctx, n.PrivateIP, h.Redis.PortOrDefault())
				n.Redis = &info
			}
			if h.HTTP != nil {
				st := b.HTTP.Probe(ctx, n.PrivateIP, h.HTTP.Port, h.HTTP.Path)
				n.HTTP = &st
			}
		}()
	}
	wg.Wait()
}
