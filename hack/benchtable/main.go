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

// benchtable reads `go test -bench` output on stdin, passes it through, and then prints the design's targets
// as one table, each figure from the run against its target, and writes the same as JSON under bench-results/
// (ignored by git): `make bench` pipes its benchmarks through it. It exits non-zero when a benchmark the
// table needs did not report.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/tools/benchmark/parse"
)

// target is one figure of the design's targets: which benchmark reports it under which unit, and the bound.
type target struct {
	Figure    string  `json:"figure"`
	Benchmark string  `json:"benchmark"`
	Unit      string  `json:"unit"`
	Bound     float64 `json:"bound"`
	// AtMost says the figure must be at most Bound; otherwise at least.
	AtMost   bool     `json:"atMost"`
	Measured *float64 `json:"measured"`
	Met      bool     `json:"met"`
}

var targets = []target{
	{Figure: "9-node roll wall time / (physical limit + configured waits)", Benchmark: "BenchmarkRollNineNodes", Unit: "wall/limit", Bound: 1.03, AtMost: true},
	{Figure: "AWS calls per replaced node", Benchmark: "BenchmarkRollNineNodes", Unit: "aws-calls/node", Bound: 20, AtMost: true},
	{Figure: "acknowledged writes lost in the 9-node roll", Benchmark: "BenchmarkRollNineNodes", Unit: "writes-lost", Bound: 0, AtMost: true},
	{Figure: "AWS calls per idle policy-hour (one policy)", Benchmark: "BenchmarkIdleReconcile", Unit: "aws-calls/idle-hour", Bound: 4, AtMost: true},
	{Figure: "write unavailability per hand-off, p50 (ms)", Benchmark: "BenchmarkHandOffs", Unit: "write-gap-p50-ms", Bound: 500, AtMost: true},
	{Figure: "write unavailability per hand-off, max (ms)", Benchmark: "BenchmarkHandOffs", Unit: "write-gap-max-ms", Bound: 500, AtMost: true},
	{Figure: "hand-offs measured", Benchmark: "BenchmarkHandOffs", Unit: "hand-offs", Bound: 10},
	{Figure: "acknowledged writes lost in the hand-offs", Benchmark: "BenchmarkHandOffs", Unit: "writes-lost", Bound: 0, AtMost: true},
	{Figure: "policies on one manager", Benchmark: "BenchmarkTenThousandPolicies", Unit: "policies", Bound: 10000},
	{Figure: "nodes on one manager", Benchmark: "BenchmarkTenThousandPolicies", Unit: "nodes", Bound: 50000},
	{Figure: "manager binary RSS after reconciling them all (MiB)", Benchmark: "BenchmarkTenThousandPolicies", Unit: "manager-rss-MiB", Bound: 512, AtMost: true},
	{Figure: "manager binary peak RSS (MiB)", Benchmark: "BenchmarkTenThousandPolicies", Unit: "manager-peak-rss-MiB", Bound: 512, AtMost: true},
	{Figure: "idle reconcile p99 without AWS (ms)", Benchmark: "BenchmarkTenThousandPolicies", Unit: "reconcile-p99-without-aws-ms", Bound: 20, AtMost: true},
	{Figure: "fleet AWS call rate, every policy idle (calls/s)", Benchmark: "BenchmarkTenThousandPolicies", Unit: "fleet-aws-calls/s", Bound: 2, AtMost: true},
}

func main() {
	measured := map[string]map[string]float64{}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	for in.Scan() {
		line := in.Text()
		fmt.Println(line)
		b, err := parse.ParseLine(line)
		if err != nil {
			continue
		}
		name := b.Name
		if i := strings.LastIndex(name, "-"); i > 0 {
			name = name[:i] // the GOMAXPROCS suffix
		}
		if measured[name] == nil {
			measured[name] = map[string]float64{}
		}
		for unit, v := range extra(line) {
			measured[name][unit] = v
		}
	}
	missing := 0
	for i := range targets {
		t := &targets[i]
		v, ok := measured[t.Benchmark][t.Unit]
		if !ok {
			missing++
			continue
		}
		t.Measured = &v
		t.Met = v >= t.Bound
		if t.AtMost {
			t.Met = v <= t.Bound
		}
	}
	render(os.Stdout)
	if err := write(measured); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if missing > 0 {
		fmt.Fprintf(os.Stderr, "%d figures were not reported: a benchmark failed or did not run\n", missing)
		os.Exit(1)
	}
}

// extra reads a benchmark line's "value unit" pairs, the custom metrics (b.ReportMetric) among them, which
// parse.Benchmark does not keep.
func extra(line string) map[string]float64 {
	out := map[string]float64{}
	fields := strings.Fields(line)
	for i := 2; i+1 < len(fields); i += 2 {
		var v float64
		if _, err := fmt.Sscan(fields[i], &v); err == nil {
			out[fields[i+1]] = v
		}
	}
	return out
}

func render(w io.Writer) {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FIGURE\tMEASURED\tTARGET\tMET")
	for _, t := range targets {
		value := "not reported"
		if t.Measured != nil {
			value = strconv.FormatFloat(*t.Measured, 'f', -1, 64)
			if len(value) > 8 {
				value = fmt.Sprintf("%.4g", *t.Measured)
			}
		}
		bound := fmt.Sprintf(">= %g", t.Bound)
		if t.AtMost {
			bound = fmt.Sprintf("<= %g", t.Bound)
		}
		met := "no"
		if t.Met {
			met = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Figure, value, bound, met)
	}
	_ = tw.Flush()
}

// write stores the table and every metric of the run as bench-results/<time>.json and latest.json.
func write(measured map[string]map[string]float64) error {
	dir := "bench-results"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(map[string]any{"time": time.Now().UTC(), "targets": targets, "benchmarks": measured}, "", "  ")
	if err != nil {
		return err
	}
	name := filepath.Join(dir, time.Now().UTC().Format("20060102T150405Z")+".json")
	if err := os.WriteFile(name, data, 0o644); err != nil {
		return err
	}
	fmt.Printf("\nwritten to %s\n", name)
	return os.WriteFile(filepath.Join(dir, "latest.json"), data, 0o644)
}
