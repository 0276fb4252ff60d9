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
	"bytes"
	"context"
	"os"
	"testing"
	"time"
)

// TestShortCampaign runs the fault campaign in small: one SurgeFirst roll of a 3-node Redis cluster with a
// fixed seed, the manager killed at least 5 times, every AWS and data-plane fault, every invariant. The
// full campaign is `make chaos`.
func TestShortCampaign(t *testing.T) {
	o := options{
		seed: 20260301, rolls: 1, killsPerRoll: 5, strategy: "SurgeFirst", nodesPerGroup: 1,
		lifetime: span{300 * time.Millisecond, 2500 * time.Millisecond}, rollTimeout: 3 * time.Minute,
		managerBuildFlags: raceFlags,
	}
	// The roll's directory (the manager's log, the events) is kept when the campaign fails.
	dir, err := os.MkdirTemp("", "chaos-short-")
	if err != nil {
		t.Fatal(err)
	}
	o.dir = dir
	var out bytes.Buffer
	_, err = run(context.Background(), o, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatalf("%v (the rolls' logs are in %s)", err, dir)
	}
	_ = os.RemoveAll(dir)
}
