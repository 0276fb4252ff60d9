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

// Builder observes clusters. Numbered launch template versions never change, so it remembers them across
// reconciles; everything else is read anew.
type Builder struct {
	AutoScaling awsclient.AutoScalingAPI
	EC2         awsclient.EC2API
	HTTP        HTTPProber
	// NewRedis returns a Redis prober that authenticates with the cluster's credentials.
	NewRedis func(probe.RedisCredentials) probe.RedisProber

	mu       sync.Mutex
	versions map[string]awsclient.TemplateVersion // templateID/number
}

// Observe builds the snapshot of a policy's cluster at now.
func (b *Builder) Observe(ctx context.Context, spec v1.RemediationPolicySpec, credentials probe.RedisCredentials, now time.Time) (*Cluster, error) {
	names := spec.Target.AutoScalingGroups.Names
	groups, err := awsclient.DescribeGroups(ctx, b.AutoScaling, names)
	if err != nil {
		return nil, fmt.Errorf("describing auto scaling groups: %w", err)
	}
	c := &Cluster{Now: now}
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
	instances, err := awsclient.DescribeInstances(ctx, b.EC2, ids)
	if err != nil {
		return nil, fmt.Errorf("describing instances: %w", err)
	}
	for _, id := range ids {
		m, inst := members[id], instances[id]
		c.Nodes = append(c.Nodes, Node{
			InstanceID: id, Group: memberGroup[id], Zone: m.Zone, PrivateIP: inst.PrivateIP, ImageID: inst.ImageID,
			InstanceType: m.InstanceType, LifecycleState: m.LifecycleState, EC2Status: inst.Status, LaunchedAt: inst.LaunchTime,
		})
	}
	b.probe(ctx, c, spec.Health, credentials)
	evaluateGates(c, spec.Health)
	return c, nil
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
	v, err := b.templateVersion(ctx, ref.ID, ref.Version)
	if err != nil {
		return LaunchSource{}, fmt.Errorf("resolving launch template %s version %s of group %s: %w", ref.ID, ref.Version, g.Name, err)
	}
	return LaunchSource{TemplateID: ref.ID, TemplateName: ref.Name, Version: ref.Version, Resolved: v.Number, ImageID: v.ImageID, InstanceType: v.InstanceType}, nil
}

func (b *Builder) templateVersion(ctx context.Context, templateID, version string) (awsclient.TemplateVersion, error) {
	key := templateID + "/" + version
	b.mu.Lock()
	v, cached := b.versions[key]
	b.mu.Unlock()
	if cached {
		return v, nil
	}
	found, err := awsclient.DescribeTemplateVersions(ctx, b.EC2, templateID, version)
	if err != nil {
		return awsclient.TemplateVersion{}, err
	}
	if len(found) == 0 {
		return awsclient.TemplateVersion{}, fmt.Errorf("launch template %s has no version %s", templateID, version)
	}
	v = found[0]
	if _, err := strconv.ParseInt(version, 10, 64); err == nil {
		b.mu.Lock()
		if b.versions == nil {
			b.versions = map[string]awsclient.TemplateVersion{}
		}
		b.versions[key] = v
		b.mu.Unlock()
	}
	return v, nil
}

// probe reads every serving node's Redis and HTTP status in parallel.
func (b *Builder) probe(ctx context.Context, c *Cluster, h v1.HealthSpec, credentials probe.RedisCredentials) {
	var redis probe.RedisProber
	if h.Redis != nil {
		redis = b.NewRedis(credentials)
	}
	var wg sync.WaitGroup
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
