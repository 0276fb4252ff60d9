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

// Command gen-timezones writes the generated files of package controllers/schedule:
//
//   - zz_generated_timezones.go: the time zone names a maintenance window may use, read from the
//     zoneinfo.zip of the Go toolchain running it ($(go env GOROOT)/lib/time/zoneinfo.zip, the data
//     time/tzdata embeds), so the CRD's list and the controller's zone database are the same release;
//   - zz_generated_cronpattern.go: CronPattern, the regular expression of the cron grammar
//     schedule.ValidateCron accepts (cronpattern.go spells it out);
//   - api/v1alpha1/zz_generated_schedule.go: the API's MaintenanceSchedule and MaintenanceWindow types
//     with the admission rules that admit exactly what the schedule package accepts.
//
// Run it from the repository root after a Go upgrade: go run ./hack/gen-timezones. Its test fails when the
// committed files differ from what it would write. With -print-markers it prints the kubebuilder markers
// the API types should carry (schedule.KubebuilderMarkers) instead.
package main

import (
	"archive/zip"
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
	_ "time/tzdata"

	"github.com/cache-remediator/cache-remediator/controllers/schedule"
)

// excluded are zoneinfo.zip entries that are not time zones a person would mean.
var excluded = map[string]string{
	"Factory": "a placeholder for machines whose zone is not set; its abbreviation is -00",
}

var zoneName = regexp.MustCompile(`^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$`)

func main() {
	out := flag.String("root", ".", "the repository's root, where the generated files go")
	goroot := flag.String("goroot", "", "GOROOT whose lib/time/zoneinfo.zip to read (default: go env GOROOT)")
	printMarkers := flag.Bool("print-markers", false, "print the kubebuilder markers for the API types and exit")
	flag.Parse()
	if *printMarkers {
		fmt.Print(schedule.KubebuilderMarkers())
		return
	}
	if err := run(*out, *goroot); err != nil {
		fmt.Fprintln(os.Stderr, "gen-timezones:", err)
		os.Exit(1)
	}
}

func run(out, goroot string) error {
	files, err := render(goroot)
	if err != nil {
		return err
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(out, filepath.FromSlash(name)), content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// render returns the generated files by name.
func render(goroot string) (map[string][]byte, error) {
	if goroot == "" {
		b, err := exec.Command("go", "env", "GOROOT").Output()
		if err != nil {
			return nil, fmt.Errorf("go env GOROOT: %w", err)
		}
		goroot = strings.TrimSpace(string(b))
	}
	names, version, err := zones(goroot)
	if err != nil {
		return nil, err
	}
	tz, err := renderTimeZones(names, version)
	if err != nil {
		return nil, err
	}
	pattern, err := renderCronPattern(cronPattern())
	if err != nil {
		return nil, err
	}
	api, err := renderAPITypes()
	if err != nil {
		return nil, err
	}
	return map[string][]byte{
		"controllers/schedule/zz_generated_timezones.go":   tz,
		"controllers/schedule/zz_generated_cronpattern.go": pattern,
		"api/v1alpha1/zz_generated_schedule.go":            api,
	}, nil
}

// renderAPITypes writes the API's schedule types with their admission rules, so the CRD admits exactly
// the windows the controller's schedule package accepts.
func renderAPITypes() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(header("v1alpha1"))
	b.WriteString("import metav1 \"k8s.io/apimachinery/pkg/apis/meta/v1\"\n\n")
	b.WriteString(schedule.KubebuilderMarkers())
	return format.Source(b.Bytes())
}

// zones lists the zone names in goroot's zoneinfo.zip, sorted, and the tzdata release it holds.
func zones(goroot string) ([]string, string, error) {
	zipPath := filepath.Join(goroot, "lib", "time", "zoneinfo.zip")
	r, err := zip.OpenReader(zipPath)
	if err != nil {
		return nil, "", err
	}
	defer r.Close()
	var names []string
	for _, f := range r.File {
		if f.FileInfo().IsDir() {
			continue
		}
		if _, skip := excluded[f.Name]; skip {
			continue
		}
		if !zoneName.MatchString(f.Name) {
			return nil, "", fmt.Errorf("%s: entry %q is not a zone name this generator expects", zipPath, f.Name)
		}
		// The controller loads zones with time.LoadLocation and the embedded tzdata; every listed name must load.
		if _, err := time.LoadLocation(f.Name); err != nil {
			return nil, "", fmt.Errorf("%s lists %q, which time.LoadLocation refuses: %w", zipPath, f.Name, err)
		}
		names = append(names, f.Name)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	if !slices.Contains(names, "UTC") {
		return nil, "", fmt.Errorf("%s has no UTC", zipPath)
	}
	// lib/time/update.bash names the tzdata release the zip was built from (DATA=2025c).
	version := "unknown"
	if b, err := os.ReadFile(filepath.Join(goroot, "lib", "time", "update.bash")); err == nil {
		if m := regexp.MustCompile(`(?m)^DATA=(\S+)$`).FindSubmatch(b); m != nil {
			version = string(m[1])
		}
	}
	return names, version, nil
}

// license is the header every Go file of the project starts with (hack/boilerplate.go.txt).
const license = `// Copyright 2026 The cache-remediator Authors.
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
`

// header starts a generated file of package pkg.
func header(pkg string) string {
	return license + "\n// Code generated by hack/gen-timezones. DO NOT EDIT.\n\npackage " + pkg + "\n\n"
}

func renderTimeZones(names []string, version string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(header("schedule"))
	fmt.Fprintf(&b, "// TimeZoneDataVersion is the IANA tzdata release the zone list was read from (Go's lib/time/zoneinfo.zip).\n")
	fmt.Fprintf(&b, "const TimeZoneDataVersion = %q\n\n", version)
	fmt.Fprintf(&b, "// timeZoneNames are the %d zone names of that release, sorted; see TimeZones.\n", len(names))
	b.WriteString("var timeZoneNames = [...]string{\n")
	for _, n := range names {
		fmt.Fprintf(&b, "\t%q,\n", n)
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}

func renderCronPattern(pattern string) ([]byte, error) {
	if strings.ContainsAny(pattern, "\\'\"`") {
		return nil, fmt.Errorf("the cron pattern has a quote or a backslash; it must paste into CEL and markers unchanged")
	}
	if _, err := regexp.Compile(pattern); err != nil {
		return nil, fmt.Errorf("the cron pattern does not compile: %w", err)
	}
	var b bytes.Buffer
	b.WriteString(header("schedule"))
	b.WriteString("// CronPattern is a regular expression (RE2, and ECMA-262 alike: no backslash, no flag) that matches\n")
	b.WriteString("// exactly the cron expressions ValidateCron accepts, for the CRD's CEL rule (CronCELRule) or an OpenAPI\n")
	b.WriteString("// pattern. hack/gen-timezones/cronpattern.go builds it from the grammar.\n")
	fmt.Fprintf(&b, "const CronPattern = %q\n", pattern)
	return format.Source(b.Bytes())
}
