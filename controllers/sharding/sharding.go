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

// Package sharding splits the RemediationPolicies of a cluster across several managers by a label, as Flux
// shards its controllers with --watch-label-selector: each manager caches, and so reconciles, only the
// policies its selector matches. Only the policies are sharded: the Secrets a policy names, the Events and
// the leader-election Lease are read or written by whichever manager owns the policy.
package sharding

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
)

// Key is the label the documentation and the examples shard by. Any label works: the selector is what
// decides, the key is only a convention (Flux's is sharding.fluxcd.io/key).
const Key = "sharding.cache-remediator.io/key"

// ParseSelector parses a --watch-label-selector value. An empty value means no sharding (every policy) and
// gives a nil selector; anything labels.Parse refuses is an error that says which flag was wrong, so that a
// typo stops the manager at start-up instead of leaving it reconciling nothing, or everything.
func ParseSelector(s string) (labels.Selector, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	selector, err := labels.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("--watch-label-selector %q is not a label selector: %w", s, err)
	}
	if selector.Empty() {
		// Cannot happen for a non-blank string today, but a selector that matches everything is no shard.
		return nil, nil
	}
	return selector, nil
}

// LeaderElectionID is the Lease a shard's replicas elect their leader with. Without a selector it is base,
// the Lease an unsharded manager has always used, so turning sharding off changes nothing. With one it is
// derived from the selector: two shards sharing one Lease would mean only one of them ever runs. The
// selector's String sorts requirements by key and values within them, so the order they are written in
// does not change the ID (give every replica of a shard the same flag value all the same, or set
// --leader-election-id).
func LeaderElectionID(base string, selector labels.Selector) string {
	if selector == nil || selector.Empty() {
		return base
	}
	sum := sha256.Sum256([]byte(selector.String()))
	return "shard-" + hex.EncodeToString(sum[:5]) + "." + base
}

// CacheOptions returns base with the RemediationPolicies restricted to those selector matches (base
// unchanged when selector is nil). Every other kind keeps base's settings: a manager must still read the
// Secrets of its own policies, whatever labels those carry. A policy outside the selector never enters the
// cache, so the manager gets no event for it and its reads of it answer NotFound: it cannot reconcile it,
// write its status or make an AWS call for it. A policy relabelled out of the selector is a delete to this
// manager and an add to the manager whose selector now matches.
func CacheOptions(base cache.Options, selector labels.Selector) cache.Options {
	if selector == nil {
		return base
	}
	byObject := make(map[client.Object]cache.ByObject, len(base.ByObject)+1)
	maps.Copy(byObject, base.ByObject)
	byObject[&v1.RemediationPolicy{}] = cache.ByObject{Label: selector}
	base.ByObject = byObject
	return base
}
