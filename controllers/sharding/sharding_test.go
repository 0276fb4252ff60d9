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

package sharding

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
)

func TestParseSelectorRefusesWhatLabelsRefuses(t *testing.T) {
	for _, bad := range []string{"sharding.cache-remediator.io/key in (a", "key notin a", "=a", "key in (a,,", "!"} {
		if _, err := ParseSelector(bad); err == nil || !strings.Contains(err.Error(), "--watch-label-selector") {
			t.Errorf("ParseSelector(%q) = %v, want an error naming the flag", bad, err)
		}
	}
}

func TestParseSelectorBlankIsNoSharding(t *testing.T) {
	for _, blank := range []string{"", "  "} {
		if s, err := ParseSelector(blank); err != nil || s != nil {
			t.Errorf("ParseSelector(%q) = %v, %v, want nil, nil", blank, s, err)
		}
	}
}

func TestParseSelectorMatchesTheShard(t *testing.T) {
	shard, err := ParseSelector(Key + " in (a)")
	if err != nil {
		t.Fatal(err)
	}
	main, err := ParseSelector(Key + " notin (a, b)")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		labels      labels.Set
		shard, main bool
	}{
		{labels.Set{Key: "a"}, true, false},
		{labels.Set{Key: "b"}, false, false},
		{labels.Set{Key: "c"}, false, true},
		{labels.Set{}, false, true}, // an unlabelled policy belongs to the main instance
	} {
		if got := shard.Matches(c.labels); got != c.shard {
			t.Errorf("shard matches %v = %v", c.labels, got)
		}
		if got := main.Matches(c.labels); got != c.main {
			t.Errorf("main matches %v = %v", c.labels, got)
		}
	}
}

func TestLeaderElectionIDIsOnePerShard(t *testing.T) {
	const base = "cache-remediator.remediation.cache-remediator.io"
	if got := LeaderElectionID(base, nil); got != base {
		t.Errorf("unsharded ID = %q, want %q", got, base)
	}
	parse := func(s string) labels.Selector {
		sel, err := ParseSelector(s)
		if err != nil {
			t.Fatal(err)
		}
		return sel
	}
	a, main := LeaderElectionID(base, parse(Key+" in (a)")), LeaderElectionID(base, parse(Key+" notin (a)"))
	if a == main || a == base || main == base {
		t.Errorf("shard IDs %q and %q must differ from each other and from %q", a, main, base)
	}
	// One selector written in another order is one shard, so one Lease.
	if x, y := LeaderElectionID(base, parse("k in (b, a), j=1")), LeaderElectionID(base, parse("j=1,k in (a,b)")); x != y {
		t.Errorf("equivalent selectors gave %q and %q", x, y)
	}
	if len(a) > 253 || strings.ToLower(a) != a {
		t.Errorf("%q is not a valid Lease name", a)
	}
}

func TestCacheOptionsRestrictsOnlyPolicies(t *testing.T) {
	base := cache.Options{DefaultNamespaces: map[string]cache.Config{"ns": {}}}
	if got := CacheOptions(base, nil); got.ByObject != nil {
		t.Errorf("no selector must leave the cache as it was, got %v", got.ByObject)
	}
	sel, _ := ParseSelector(Key + " in (a)")
	got := CacheOptions(base, sel)
	if len(got.ByObject) != 1 {
		t.Fatalf("ByObject = %v, want the policies only", got.ByObject)
	}
	for obj, by := range got.ByObject {
		if _, ok := obj.(*v1.RemediationPolicy); !ok || by.Label.String() != sel.String() {
			t.Errorf("ByObject[%T] = %v", obj, by)
		}
	}
	if len(got.DefaultNamespaces) != 1 || got.DefaultLabelSelector != nil {
		t.Errorf("the other options changed: %+v", got)
	}
}
