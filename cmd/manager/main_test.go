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

package main

import (
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/cache-remediator/cache-remediator/controllers"
)

func parse(t *testing.T, args ...string) (options, error) {
	t.Helper()
	fs := flag.NewFlagSet("manager", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return parseFlags(fs, args)
}

func TestABadWatchLabelSelectorIsRefused(t *testing.T) {
	_, err := parse(t, "--watch-label-selector", "sharding.cache-remediator.io/key in (a")
	if err == nil || !strings.Contains(err.Error(), "--watch-label-selector") {
		t.Fatalf("parseFlags accepted a bad selector, or did not name the flag: %v", err)
	}
}

func TestWithoutASelectorEveryPolicyAndTheUsualLease(t *testing.T) {
	o, err := parse(t)
	if err != nil {
		t.Fatal(err)
	}
	if o.watchSelector != nil || o.leaderElectionID != controllers.LeaderElectionID {
		t.Errorf("got selector %v and Lease %q, want none and %q", o.watchSelector, o.leaderElectionID, controllers.LeaderElectionID)
	}
}

func TestEachShardElectsItsOwnLeader(t *testing.T) {
	a, err := parse(t, "--watch-label-selector=sharding.cache-remediator.io/key in (a)")
	if err != nil {
		t.Fatal(err)
	}
	main, err := parse(t, "--watch-label-selector=sharding.cache-remediator.io/key notin (a)")
	if err != nil {
		t.Fatal(err)
	}
	if a.watchSelector.String() != "sharding.cache-remediator.io/key in (a)" {
		t.Errorf("selector = %q", a.watchSelector)
	}
	if a.leaderElectionID == main.leaderElectionID || a.leaderElectionID == controllers.LeaderElectionID {
		t.Errorf("shards share a Lease: %q and %q", a.leaderElectionID, main.leaderElectionID)
	}
	named, err := parse(t, "--watch-label-selector=sharding.cache-remediator.io/key in (a)", "--leader-election-id=shard-a")
	if err != nil {
		t.Fatal(err)
	}
	if named.leaderElectionID != "shard-a" {
		t.Errorf("--leader-election-id was not taken: %q", named.leaderElectionID)
	}
}
