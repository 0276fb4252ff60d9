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

package v1alpha1

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestEveryReasonIsInTheTroubleshootingTable keeps the README's table of condition reasons complete: a
// reason added here without a row there fails.
func TestEveryReasonIsInTheTroubleshootingTable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, found := strings.Cut(string(readme), "## Troubleshooting by reason")
	if !found {
		t.Fatal("README.md has no Troubleshooting by reason section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	file, err := parser.ParseFile(token.NewFileSet(), "remediationpolicy_conditions.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	reasons := 0
	ast.Inspect(file, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok || len(spec.Names) != 1 || !strings.HasPrefix(spec.Names[0].Name, "Reason") || len(spec.Values) != 1 {
			return true
		}
		lit, ok := spec.Values[0].(*ast.BasicLit)
		if !ok {
			return true
		}
		value, err := strconv.Unquote(lit.Value)
		if err != nil {
			t.Fatal(err)
		}
		reasons++
		if !strings.Contains(section, "`"+value+"`") {
			t.Errorf("reason %s (%s) has no row in the README's troubleshooting table", value, spec.Names[0].Name)
		}
		return true
	})
	if reasons < 20 {
		t.Fatalf("found only %d reasons in remediationpolicy_conditions.go; the parser missed them", reasons)
	}
}
