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

// Package argocd_test runs the Argo CD health check and resource actions of config/argocd with
// gopher-lua, the Lua interpreter Argo CD embeds, against the fixtures and expectations kept beside them in
// Argo CD's resource_customizations layout (health_test.yaml, actions/action_test.yaml), so that the
// scripts can be contributed upstream as they are.
package argocd_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	. "github.com/onsi/gomega"
	lua "github.com/yuin/gopher-lua"
	"sigs.k8s.io/yaml"
)

var dir = filepath.Join("..", "..", "config", "argocd", "resource_customizations", "remediation.cache-remediator.io", "RemediationPolicy")

type healthTests struct {
	Tests []struct {
		HealthStatus struct {
			Status  string `json:"status"`
			Message string `json:"message"`
		} `json:"healthStatus"`
		InputPath string `json:"inputPath"`
	} `json:"tests"`
}

type actionTests struct {
	DiscoveryTests []struct {
		InputPath string `json:"inputPath"`
		Result    []struct {
			Name     string `json:"name"`
			Disabled bool   `json:"disabled"`
		} `json:"result"`
	} `json:"discoveryTests"`
	ActionTests []struct {
		Action             string `json:"action"`
		InputPath          string `json:"inputPath"`
		ExpectedOutputPath string `json:"expectedOutputPath"`
	} `json:"actionTests"`
}

// fixedNow stands in for Argo CD's os.date so that the retry action's output can be compared.
const fixedNow = "2026-11-23T12:00:00Z"

func TestHealthMapsEveryPhase(t *testing.T) {
	g := NewWithT(t)
	var cases healthTests
	readYAML(g, filepath.Join(dir, "health_test.yaml"), &cases)
	g.Expect(cases.Tests).To(HaveLen(14), "one case per phase, an unobserved spec, no status, and three ElastiCache cases")
	for _, c := range cases.Tests {
		t.Run(c.InputPath, func(t *testing.T) {
			g := NewWithT(t)
			out := run(g, filepath.Join(dir, "health.lua"), readObject(g, filepath.Join(dir, c.InputPath)))
			g.Expect(out["status"]).To(Equal(c.HealthStatus.Status))
			g.Expect(out["message"]).To(Equal(c.HealthStatus.Message))
		})
	}
}

func TestActionsAreDiscoveredByPhaseAndChangeOnlyAnnotations(t *testing.T) {
	g := NewWithT(t)
	actionsDir := filepath.Join(dir, "actions")
	var cases actionTests
	readYAML(g, filepath.Join(actionsDir, "action_test.yaml"), &cases)
	for _, c := range cases.DiscoveryTests {
		t.Run("discovery/"+c.InputPath, func(t *testing.T) {
			g := NewWithT(t)
			out := run(g, filepath.Join(actionsDir, "discovery.lua"), readObject(g, filepath.Join(actionsDir, c.InputPath)))
			got := map[string]bool{}
			for name, a := range out {
				got[name] = a.(map[string]any)["disabled"].(bool)
			}
			want := map[string]bool{}
			for _, r := range c.Result {
				want[r.Name] = r.Disabled
			}
			g.Expect(got).To(Equal(want))
		})
	}
	for _, c := range cases.ActionTests {
		t.Run("action/"+c.Action, func(t *testing.T) {
			g := NewWithT(t)
			in := readObject(g, filepath.Join(actionsDir, c.InputPath))
			out := run(g, filepath.Join(actionsDir, c.Action, "action.lua"), in)
			g.Expect(normalize(g, out)).To(Equal(normalize(g, readObject(g, filepath.Join(actionsDir, c.ExpectedOutputPath)))))
			g.Expect(out["spec"]).To(Equal(normalize(g, in)["spec"]), "an action never edits the spec")
		})
	}
}

// run executes a script the way Argo CD does: the object in the global obj, a restricted standard library,
// the script's return value converted back.
func run(g Gomega, script string, obj map[string]any) map[string]any {
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{{lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}, {lua.StringLibName, lua.OpenString}, {lua.MathLibName, lua.OpenMath}} {
		L.Push(L.NewFunction(lib.open))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	osTable := L.NewTable()
	L.SetField(osTable, "date", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString(fixedNow))
		return 1
	}))
	L.SetGlobal("os", osTable)
	L.SetGlobal("obj", toLua(L, obj))
	g.Expect(L.DoFile(script)).To(Succeed())
	ret, ok := L.Get(-1).(*lua.LTable)
	g.Expect(ok).To(BeTrue(), "%s returns a table", script)
	out, ok := fromLua(ret).(map[string]any)
	g.Expect(ok).To(BeTrue(), "%s returns an object", script)
	return out
}

func toLua(L *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case map[string]any:
		t := L.NewTable()
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			t.RawSetString(k, toLua(L, v[k]))
		}
		return t
	case []any:
		t := L.NewTable()
		for _, item := range v {
			t.Append(toLua(L, item))
		}
		return t
	case string:
		return lua.LString(v)
	case float64:
		return lua.LNumber(v)
	case bool:
		return lua.LBool(v)
	case nil:
		return lua.LNil
	}
	panic(fmt.Sprintf("unexpected %T", v))
}

// fromLua converts back: a table with keys 1..n is a list, any other table an object (an empty table is
// an empty object, as Argo CD reads it).
func fromLua(v lua.LValue) any {
	switch v := v.(type) {
	case *lua.LTable:
		if n := v.MaxN(); n > 0 {
			list := make([]any, 0, n)
			for i := 1; i <= n; i++ {
				list = append(list, fromLua(v.RawGetInt(i)))
			}
			return list
		}
		m := map[string]any{}
		v.ForEach(func(k, val lua.LValue) { m[k.String()] = fromLua(val) })
		return m
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return float64(v)
	case lua.LBool:
		return bool(v)
	}
	return nil
}

func readYAML(g Gomega, path string, into any) {
	data, err := os.ReadFile(path)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(yaml.UnmarshalStrict(data, into)).To(Succeed())
}

func readObject(g Gomega, path string) map[string]any {
	obj := map[string]any{}
	readYAML(g, path, &obj)
	return obj
}

// normalize makes two objects comparable: numbers as JSON numbers.
func normalize(g Gomega, obj map[string]any) map[string]any {
	data, err := json.Marshal(obj)
	g.Expect(err).NotTo(HaveOccurred())
	out := map[string]any{}
	g.Expect(json.Unmarshal(data, &out)).To(Succeed())
	return out
}
