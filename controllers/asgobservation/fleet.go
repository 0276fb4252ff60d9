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
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
)

// fleetMinPolicies is how many settled policies a manager must watch before their observations share one
// snapshot of the account: a snapshot costs a DescribeAutoScalingGroups per 100 opted-in groups and a
// DescribeLaunchTemplates per 200 templates, twice per idle interval, which a few policies' own describes
// (one each per idle interval) cost less than.
const fleetMinPolicies = 100

// fleet is one view of every opted-in group and launch template of the account (the ones carrying the
// opt-in tag key, whichever policy's), shared by the settled observations of every policy, so that a
// fleet's AWS call rate grows with the number of policies moving, not the number that exist. A snapshot
// is at most MaxAge old; a policy that finds in it a change it must act on observes again in full.
type fleet struct {
	mu       sync.Mutex
	flight   singleflight.Group
	snapshot *fleetSnapshot
	settled  map[string]time.Time // a policy's group names → when it was last observed settled
	swept    time.Time
}

type fleetSnapshot struct {
	groups    map[string]awsclient.Group
	templates map[string]awsclient.LaunchTemplate
	taken     time.Time
}

// settledGroups answers the groups named from the shared snapshot, taking a new one when the last is older
// than maxAge; ok is false (and nothing was read) while too few policies are settled for a snapshot to pay,
// or when a name is not in it (a group without the opt-in tag: the caller's own describe says why).
func (b *Builder) settledGroups(ctx context.Context, names []string, now time.Time) (map[string]awsclient.Group, bool, error) {
	maxAge := b.FleetMaxAge
	if maxAge <= 0 || !b.fleet.enough(strings.Join(names, ","), now, 2*maxAge) {
		return nil, false, nil
	}
	s, err := b.fleetSnapshot(ctx, now, maxAge)
	if err != nil {
		return nil, false, err
	}
	out := make(map[string]awsclient.Group, len(names))
	for _, name := range names {
		g, ok := s.groups[name]
		if !ok {
			return nil, false, nil
		}
		out[name] = g
	}
	return out, true, nil
}

// enough records that the policy of key was observed settled at now, and says whether at least
// fleetMinPolicies were within the last window.
func (f *fleet) enough(key string, now time.Time, window time.Duration) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.settled == nil {
		f.settled = map[string]time.Time{}
	}
	f.settled[key] = now
	if now.Sub(f.swept) > window/10 {
		for k, seen := range f.settled {
			if now.Sub(seen) > window {
				delete(f.settled, k)
			}
		}
		f.swept = now
	}
	return len(f.settled) >= fleetMinPolicies
}

// fleetSnapshot returns a snapshot at most maxAge old; concurrent callers share one refresh.
func (b *Builder) fleetSnapshot(ctx context.Context, now time.Time, maxAge time.Duration) (*fleetSnapshot, error) {
	fresh := func() *fleetSnapshot {
		b.fleet.mu.Lock()
		defer b.fleet.mu.Unlock()
		if s := b.fleet.snapshot; s != nil && now.Sub(s.taken) < maxAge && !now.Before(s.taken) {
			return s
		}
		return nil
	}
	if s := fresh(); s != nil {
		return s, nil
	}
	v, err, _ := b.fleet.flight.Do("fleet", func() (any, error) {
		if s := fresh(); s != nil {
			return s, nil
		}
		groups, err := awsclient.DescribeTaggedGroups(ctx, b.AutoScaling, v1.OptInTagKey)
		if err != nil {
			return nil, err
		}
		templates, err := awsclient.DescribeTaggedLaunchTemplates(ctx, b.EC2, v1.OptInTagKey)
		if err != nil {
			return nil, err
		}
		s := &fleetSnapshot{groups: make(map[string]awsclient.Group, len(groups)), templates: templates, taken: now}
		for _, g := range groups {
			s.groups[g.Name] = g
		}
		b.fleet.mu.Lock()
		b.fleet.snapshot = s
		b.fleet.mu.Unlock()
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.pointers == nil {
			b.pointers = map[string]templatePointers{}
		}
		for id, t := range templates {
			b.pointers[id] = templatePointers{defaultVersion: t.DefaultVersion, latestVersion: t.LatestVersion, read: now}
		}
		return s, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*fleetSnapshot), nil
}
