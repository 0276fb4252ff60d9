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
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// violationWindow is how much of a roll's events is shown on either side of a violation.
const violationWindow = 5 * time.Second

// printRoll says what a roll did: how it ended, when the manager was killed, which faults it met. Its
// events go to events.log in the roll's directory.
func printRoll(out io.Writer, r *report) {
	fmt.Fprintf(out, "\n%s (seed %d): %s in %s\n", r.spec.title(), r.spec.seed, r.phase, r.took.Round(100*time.Millisecond))
	var at []string
	for _, k := range r.kills {
		s := "+" + k.at.Round(10*time.Millisecond).String()
		if k.during != "" {
			s += "(in " + k.during + ")"
		}
		at = append(at, s)
	}
	fmt.Fprintf(out, "    kills (%d, from the roll's start): %s\n", len(r.kills), strings.Join(at, " "))
	for _, f := range r.faults {
		fmt.Fprintf(out, "    fault: %s\n", f)
	}
	sortEvents(r.events)
	if err := writeEvents(filepath.Join(r.logDir, "events.log"), r); err == nil {
		fmt.Fprintf(out, "    events: %s, manager log: %s\n", filepath.Join(r.logDir, "events.log"), filepath.Join(r.logDir, "manager.log"))
	}
}

// printTable prints every roll's invariants, then the events around each violation.
func printTable(out io.Writer, seed int64, reports []*report) {
	fmt.Fprintf(out, "\n==> invariants (seed %d)\n", seed)
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ROLL\tINVARIANT\tRESULT\tDETAIL")
	for _, r := range reports {
		for _, c := range r.checks {
			result := "PASS"
			if !c.ok {
				result = "FAIL"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", r.spec.title(), c.name, result, c.detail)
		}
	}
	_ = w.Flush()
	for _, r := range reports {
		for _, c := range r.checks {
			if c.ok || c.at.IsZero() {
				continue
			}
			fmt.Fprintf(out, "\n--- %s: %s, at +%s; the roll's events from %s before to %s after:\n", r.spec.title(), c.name,
				c.at.Sub(r.started).Round(10*time.Millisecond), violationWindow, violationWindow)
			for _, e := range r.events {
				if e.at.After(c.at.Add(-violationWindow)) && e.at.Before(c.at.Add(violationWindow)) {
					fmt.Fprintf(out, "    %s\n", eventLine(r, e))
				}
			}
		}
	}
}

func sortEvents(events []event) {
	sort.SliceStable(events, func(i, j int) bool { return events[i].at.Before(events[j].at) })
}

func eventLine(r *report, e event) string {
	return fmt.Sprintf("+%-9s %s", e.at.Sub(r.started).Round(time.Millisecond), e.what)
}

func writeEvents(path string, r *report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, e := range r.events {
		fmt.Fprintln(f, eventLine(r, e))
	}
	return nil
}
