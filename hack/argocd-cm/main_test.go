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
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"
)

const root = "../.."

func TestCommittedPatchIsCurrent(t *testing.T) {
	want, err := Render(root)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(root, "config", "argocd", "argocd-cm.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatal("config/argocd/argocd-cm.yaml is out of date with the Lua files: run `make argocd-cm` and commit")
	}
}

// TestPatchCarriesTheScriptsByteForByte reads the patch the way Argo CD does (argocd-cm data, then the
// actions key as its own YAML document) and compares every script with its file.
func TestPatchCarriesTheScriptsByteForByte(t *testing.T) {
	out, err := Render(root)
	if err != nil {
		t.Fatal(err)
	}
	var cm struct {
		Data map[string]string `yaml:"data"`
	}
	if err := yaml.Unmarshal(out, &cm); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "config", "argocd", "resource_customizations", group, kind)
	expectFile(t, cm.Data["resource.customizations.health."+group+"_"+kind], filepath.Join(dir, "health.lua"))
	var actions struct {
		Discovery   string `yaml:"discovery.lua"`
		Definitions []struct {
			Name   string `yaml:"name"`
			Action string `yaml:"action.lua"`
		} `yaml:"definitions"`
	}
	if err := yaml.Unmarshal([]byte(cm.Data["resource.customizations.actions."+group+"_"+kind]), &actions); err != nil {
		t.Fatal(err)
	}
	expectFile(t, actions.Discovery, filepath.Join(dir, "actions", "discovery.lua"))
	var names []string
	for _, d := range actions.Definitions {
		names = append(names, d.Name)
		expectFile(t, d.Action, filepath.Join(dir, "actions", d.Name, "action.lua"))
	}
	if len(names) != 3 || names[0] != "pause" || names[1] != "resume" || names[2] != "retry" {
		t.Fatalf("actions = %v, want pause, resume, retry", names)
	}
}

func expectFile(t *testing.T, script, path string) {
	t.Helper()
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if script != string(want) {
		t.Errorf("the patch's copy of %s differs from the file", path)
	}
}
