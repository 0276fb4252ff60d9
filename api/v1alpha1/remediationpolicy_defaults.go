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

package v1alpha1

import (
	"fmt"
	"time"
)

// Defaults applied when a field is unset. They live here, not in CRD default markers, so that an unset field
// keeps meaning "the project's current default" and the stored object shows what the user wrote.
const (
	DefaultRedisPort                  = 6379
	DefaultMaxReplicationLagBytes     = 1 << 20
	DefaultStableFor                  = 30 * time.Second
	DefaultNodeTimeout                = 20 * time.Minute
	DefaultCanaryNodes                = 1
	DefaultBakeTime                   = 10 * time.Minute
	DefaultKeepLaunchTemplateVersions = 3
)

// StableForOrDefault is health.stableFor or its default.
func (h HealthSpec) StableForOrDefault() time.Duration {
	if h.StableFor == nil {
		return DefaultStableFor
	}
	return h.StableFor.Duration
}

// NodeTimeoutOrDefault is health.nodeTimeout or its default.
func (h HealthSpec) NodeTimeoutOrDefault() time.Duration {
	if h.NodeTimeout == nil {
		return DefaultNodeTimeout
	}
	return h.NodeTimeout.Duration
}

// RedisSentinel is health.redis.sentinel, nil when either is unset.
func (h HealthSpec) RedisSentinel() *RedisSentinel {
	if h.Redis == nil {
		return nil
	}
	return h.Redis.Sentinel
}

// PortOrDefault is redis.port or its default.
func (r RedisHealth) PortOrDefault() int32 {
	if r.Port == 0 {
		return DefaultRedisPort
	}
	return r.Port
}

// MaxLagOrDefault is redis.maxReplicationLagBytes or its default.
func (r RedisHealth) MaxLagOrDefault() int64 {
	if r.MaxReplicationLagBytes == nil {
		return DefaultMaxReplicationLagBytes
	}
	return *r.MaxReplicationLagBytes
}

// NodesOrDefault is canary.nodes or its default.
func (c CanarySpec) NodesOrDefault() int32 {
	if c.Nodes == nil {
		return DefaultCanaryNodes
	}
	return *c.Nodes
}

// BakeTimeOrDefault is canary.bakeTime or its default.
func (c CanarySpec) BakeTimeOrDefault() time.Duration {
	if c.BakeTime == nil {
		return DefaultBakeTime
	}
	return c.BakeTime.Duration
}

// ReplacementOrDefault is strategy.replacement or its default.
func (s StrategySpec) ReplacementOrDefault() ReplacementStrategy {
	if s.Replacement == "" {
		return TerminateFirst
	}
	return s.Replacement
}

// KeepVersionsOrDefault is strategy.keepLaunchTemplateVersions or its default.
func (s StrategySpec) KeepVersionsOrDefault() int32 {
	if s.KeepLaunchTemplateVersions == 0 {
		return DefaultKeepLaunchTemplateVersions
	}
	return s.KeepLaunchTemplateVersions
}

// Goal is spec.desired as an ImageAndType.
func (d DesiredSpec) Goal() ImageAndType {
	return ImageAndType{ImageID: d.ImageID, InstanceType: d.InstanceType}
}

// String renders the pair as ami/type for messages.
func (g ImageAndType) String() string {
	if g.ImageID == "" {
		return g.InstanceType
	}
	return fmt.Sprintf("%s/%s", g.ImageID, g.InstanceType)
}

// Summary is a one-line description of the target for kubectl get.
func (t TargetSpec) Summary() string {
	switch {
	case t.AutoScalingGroups != nil && len(t.AutoScalingGroups.Names) > 1:
		return fmt.Sprintf("asg/%s(+%d)", t.AutoScalingGroups.Names[0], len(t.AutoScalingGroups.Names)-1)
	case t.AutoScalingGroups != nil && len(t.AutoScalingGroups.Names) == 1:
		return "asg/" + t.AutoScalingGroups.Names[0]
	case t.ElastiCache != nil:
		return "elasticache/" + t.ElastiCache.ReplicationGroupID
	}
	return ""
}

// OptInTagValue is the value of the opt-in tag a target resource must carry for this policy.
func (p *RemediationPolicy) OptInTagValue() string {
	return p.Namespace + "." + p.Name
}

// IsPaused says whether the policy is paused, and by what.
func (p *RemediationPolicy) IsPaused() (paused bool, reason string) {
	if p.Spec.Paused {
		return true, ReasonPausedBySpec
	}
	if p.Annotations[AnnotationPaused] == "true" {
		return true, ReasonPausedByAnnotation
	}
	return false, ReasonNotPaused
}
