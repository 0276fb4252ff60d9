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
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
)

// awsFaults are the AWS faults of every roll, drawn by the simulator's generator seeded with the roll's
// seed. The order matters: the first fault that fires answers the call.
var awsFaults = []awssim.Fault{
	// A mutation AWS applies but whose answer is lost (a 500 after the fact): the SDK's retry, or the next
	// controller, meets the changed state.
	{Mutations: true, Fraction: 0.2, Status: http.StatusInternalServerError, Code: "InternalFailure", AfterApply: true},
	// A mutation that fails with a 5xx before AWS does anything.
	{Mutations: true, Fraction: 0.15, Status: http.StatusInternalServerError, Code: "InternalFailure"},
	// Throttled describes.
	{Action: "Describe*", Fraction: 0.2, Status: http.StatusBadRequest, Code: "Throttling"},
	// Latency on every call.
	{Latency: 25 * time.Millisecond},
}

// injectAWSFaults seeds the simulator's fault draws and injects awsFaults.
func injectAWSFaults(srv *awssim.Server, seed int64) {
	srv.SeedFaults(seed)
	for _, f := range awsFaults {
		srv.Inject(f)
	}
}

// faultCounts says what the injected AWS faults did during a roll, from the call log: a line per kind.
func faultCounts(calls []awssim.Call) []string {
	var throttled, failed, calls5xx int
	lost := map[string]int{}
	for _, c := range calls {
		switch {
		case c.Error == "Throttling":
			throttled++
		case c.Error == "InternalFailure" && c.Applied:
			lost[c.Action]++
		case c.Error == "InternalFailure":
			failed++
		}
		if c.Error == "InternalFailure" {
			calls5xx++
		}
	}
	var applied []string
	for action, n := range lost {
		applied = append(applied, fmt.Sprintf("%s x%d", action, n))
	}
	sort.Strings(applied)
	return []string{
		fmt.Sprintf("%d AWS calls, each %s slower", len(calls), awsFaults[3].Latency),
		fmt.Sprintf("%d describes throttled (%.0f%% of describes)", throttled, awsFaults[2].Fraction*100),
		fmt.Sprintf("%d mutations failed with a 5xx before AWS acted (%.0f%% of mutations)", failed, awsFaults[1].Fraction*100),
		fmt.Sprintf("%d mutations applied by AWS with the answer lost (%.0f%%): %s", calls5xx-failed, awsFaults[0].Fraction*100, orNone(strings.Join(applied, ", "))),
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
