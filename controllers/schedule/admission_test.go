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

package schedule_test

import (
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"strings"
	"testing"
	"time"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	crdvalidation "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel/model"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/cel/environment"
	"sigs.k8s.io/controller-tools/pkg/crd"
	crdmarkers "sigs.k8s.io/controller-tools/pkg/crd/markers"
	"sigs.k8s.io/controller-tools/pkg/markers"

	"github.com/cache-remediator/cache-remediator/controllers/schedule"
)

// These tests take the markers KubebuilderMarkers gives the API types, read them with controller-gen's own
// marker parser into a CRD schema, have the apiextensions-apiserver code the kube-apiserver runs accept the
// CRD (its CEL cost limits included), and then admit or refuse windows with it: exactly those Validate
// accepts.

// admission is a CRD built from the markers, and what the apiserver needs to admit objects with it.
type admission struct {
	crd        *apiextensions.CustomResourceDefinition
	structural *structuralschema.Structural
	schema     apiservervalidation.SchemaCreateValidator
	cel        *cel.Validator
}

func newAdmission(t *testing.T) *admission {
	t.Helper()
	fields := markerFields(t, schedule.KubebuilderMarkers())
	str := func(name string) apiextensionsv1.JSONSchemaProps {
		return withMarkers(t, apiextensionsv1.JSONSchemaProps{Type: "string"}, fields[name])
	}
	window := apiextensionsv1.JSONSchemaProps{
		Type:     "object",
		Required: []string{"cron", "duration"},
		Properties: map[string]apiextensionsv1.JSONSchemaProps{
			"cron": str("Cron"), "duration": str("Duration"), "timeZone": str("TimeZone"),
		},
	}
	windows := withMarkers(t, apiextensionsv1.JSONSchemaProps{
		Type:  "array",
		Items: &apiextensionsv1.JSONSchemaPropsOrArray{Schema: &window},
	}, fields["Windows"])
	root := apiextensionsv1.JSONSchemaProps{
		Type: "object",
		Properties: map[string]apiextensionsv1.JSONSchemaProps{
			"apiVersion": {Type: "string"},
			"kind":       {Type: "string"},
			"metadata":   {Type: "object"},
			"spec": {Type: "object", Properties: map[string]apiextensionsv1.JSONSchemaProps{
				"schedule": {Type: "object", Required: []string{"windows"},
					Properties: map[string]apiextensionsv1.JSONSchemaProps{"windows": windows}},
			}},
		},
	}
	v1 := &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "schedules.example.cache-remediator.io"},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: "example.cache-remediator.io",
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "schedules", Singular: "schedule", Kind: "Schedule", ListKind: "ScheduleList"},
			Scope: apiextensionsv1.NamespaceScoped,
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name: "v1alpha1", Served: true, Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &root},
			}},
		},
		Status: apiextensionsv1.CustomResourceDefinitionStatus{StoredVersions: []string{"v1alpha1"}},
	}
	internal := &apiextensions.CustomResourceDefinition{}
	if err := apiextensionsv1.Convert_v1_CustomResourceDefinition_To_apiextensions_CustomResourceDefinition(v1, internal, nil); err != nil {
		t.Fatal(err)
	}
	// The conversion moves a schema all versions share to spec.validation.
	props := internal.Spec.Validation.OpenAPIV3Schema
	s, err := structuralschema.NewStructural(props)
	if err != nil {
		t.Fatal(err)
	}
	validator, _, err := apiservervalidation.NewSchemaValidator(props)
	if err != nil {
		t.Fatal(err)
	}
	return &admission{crd: internal, structural: s, schema: validator,
		cel: cel.NewValidator(s, true, celconfig.PerCallLimit)}
}

// admit runs a window through the apiserver's defaulting, schema validation and CEL rules.
func (a *admission) admit(t *testing.T, window map[string]any) field.ErrorList {
	t.Helper()
	obj := map[string]any{
		"apiVersion": "example.cache-remediator.io/v1alpha1", "kind": "Schedule",
		"metadata": map[string]any{"name": "x", "namespace": "default"},
		"spec":     map[string]any{"schedule": map[string]any{"windows": []any{window}}},
	}
	// Through JSON, as the apiserver sees it.
	b, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	var u map[string]any
	if err := json.Unmarshal(b, &u); err != nil {
		t.Fatal(err)
	}
	structuraldefaulting.Default(u, a.structural)
	errs := apiservervalidation.ValidateCustomResource(nil, u, a.schema)
	celErrs, _ := a.cel.Validate(context.Background(), nil, a.structural, u, nil, celconfig.RuntimeCELCostBudget)
	return append(errs, celErrs...)
}

func TestTheMarkersMakeACRDTheAPIServerAccepts(t *testing.T) {
	a := newAdmission(t)
	if errs := crdvalidation.ValidateCustomResourceDefinition(context.Background(), a.crd); len(errs) > 0 {
		t.Fatalf("the apiserver refuses the CRD: %v", errs)
	}
	// The apiserver checked the rules' estimated costs against its limits (ValidateCustomResourceDefinition);
	// say what they are. Each window's rules run once per window, at most MaxWindows times.
	windows := a.structural.Properties["spec"].Properties["schedule"].Properties["windows"]
	if windows.ValueValidation == nil || windows.ValueValidation.MaxItems == nil || *windows.ValueValidation.MaxItems != schedule.MaxWindows {
		t.Errorf("windows has no maxItems %d: the rules' cost would be unbounded", schedule.MaxWindows)
	}
	var total uint64
	for _, name := range []string{"cron", "duration", "timeZone"} {
		prop := windows.Items.Properties[name]
		results, err := cel.Compile(&prop, model.SchemaDeclType(&prop, false), celconfig.PerCallLimit,
			environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion()), cel.NewExpressionsEnvLoader())
		if err != nil || len(results) != 1 || results[0].Error != nil {
			t.Fatalf("%s: %v %+v", name, err, results)
		}
		cost := results[0].MaxCost
		if cost > crdvalidation.StaticEstimatedCostLimit {
			t.Errorf("%s's rule costs %d, over the apiserver's %d", name, cost, crdvalidation.StaticEstimatedCostLimit)
		}
		total += cost * schedule.MaxWindows
		t.Logf("%s: rule of %d bytes, estimated cost %d per window", name, len(prop.XValidations[0].Rule), cost)
	}
	t.Logf("estimated cost for %d windows: %d (the apiserver allows %d per CRD)", schedule.MaxWindows, total,
		crdvalidation.StaticEstimatedCRDCostLimit)
}

func TestTheCRDAdmitsExactlyTheWindowsValidateAccepts(t *testing.T) {
	a := newAdmission(t)
	ok := map[string]any{"cron": "0 2 * * MON-FRI", "duration": "4h", "timeZone": "Europe/Berlin"}
	with := func(key string, value any) map[string]any {
		w := map[string]any{}
		for k, v := range ok {
			w[k] = v
		}
		if value == nil {
			delete(w, key)
		} else {
			w[key] = value
		}
		return w
	}
	var cases []map[string]any
	for _, c := range crons {
		cases = append(cases, with("cron", c))
	}
	for _, d := range []string{"4h", "1m", "60s", "168h", "1h30m", "90m", "0s", "30s", "59s", "-1h", "169h", "168h0m1s", "4", "abc", "1d", ""} {
		cases = append(cases, with("duration", d))
	}
	for _, z := range []string{"UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "US/Eastern", "Etc/GMT+5",
		"europe/berlin", "Local", "Factory", "CEST", "+01:00", "Mars/Olympus_Mons", "Europe/Berlin "} {
		cases = append(cases, with("timeZone", z))
	}
	cases = append(cases, with("timeZone", nil)) // defaulted to UTC
	for _, w := range cases {
		errs := a.admit(t, w)
		goErrs := validateInGo(w)
		if (len(errs) == 0) != (len(goErrs) == 0) {
			t.Errorf("window %v: the CRD says %v; Validate says %v", w, errs, goErrs)
		}
		if testing.Verbose() && len(errs) > 0 {
			t.Logf("%v: %v", w, errs)
		}
	}
	// The default is UTC.
	u := map[string]any{"spec": map[string]any{"schedule": map[string]any{"windows": []any{with("timeZone", nil)}}}}
	structuraldefaulting.Default(u, a.structural)
	if got := u["spec"].(map[string]any)["schedule"].(map[string]any)["windows"].([]any)[0].(map[string]any)["timeZone"]; got != "UTC" {
		t.Errorf("timeZone defaults to %v, want UTC", got)
	}
}

// crons are the expressions to admit or refuse: those of the cron tests and more.
var crons = []string{
	"0 2 * * MON-FRI", "* * * * *", "*/15 * * * *", "59 23 31 12 7", "0 2 * jan,JUL Sun", "00 02 01 01 00",
	"0-59 0-23 1-31 1-12 0-7", "0,15,30,45 */2 1-15/2 */3 1-5", "5/15 * * * *", "0 2 * * 5-7", "0 2 * * 1-7/2",
	"0 0 30 2 *", "0 2  *   * *", "",
	"@daily", "@every 1h", "TZ=UTC 0 2 * * *", " 0 2 * * *", "0 2 ? * MON", "0 2 * *", "0 0 2 * * *",
	"0,,30 2 * * *", "*/0 * * * *", "0 */24 * * *", "*-5 * * * *", "MON 2 * * *", "0 2 L * *", "0 2 * FOO *",
	"60 2 * * *", "0 24 * * *", "0 2 0 * *", "0 2 * 13 *", "0 2 * * 8", "0 2 * * 5-1", "0 22-2 * * *",
	"0 2 * * 7/2", "005 2 * * *", "0\t2 * * *", strings.Repeat("1,", 60) + "1 * * * *",
}

// validateInGo converts a window as the API types would, then validates it.
func validateInGo(w map[string]any) field.ErrorList {
	var window schedule.Window
	window.Cron, _ = w["cron"].(string)
	d, err := time.ParseDuration(w["duration"].(string))
	if err != nil {
		return field.ErrorList{field.Invalid(field.NewPath("duration"), w["duration"], err.Error())}
	}
	window.Duration = d
	window.TimeZone, _ = w["timeZone"].(string)
	return schedule.ValidateWindow(field.NewPath("window"), window)
}

// markerFields reads Go source and returns each struct field's marker lines ("+kubebuilder:..."), by field name.
func markerFields(t *testing.T, src string) map[string][]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "markers.go", "package api\n\n"+src, parser.ParseComments)
	if err != nil {
		t.Fatalf("KubebuilderMarkers is not Go: %v", err)
	}
	out := map[string][]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		if fld, ok := n.(*ast.Field); ok && fld.Doc != nil && len(fld.Names) == 1 {
			for _, c := range fld.Doc.List {
				if line := strings.TrimPrefix(c.Text, "// "); strings.HasPrefix(line, "+") {
					out[fld.Names[0].Name] = append(out[fld.Names[0].Name], line)
				}
			}
		}
		return true
	})
	for _, name := range []string{"Windows", "Cron", "Duration", "TimeZone"} {
		if len(out[name]) == 0 {
			t.Fatalf("KubebuilderMarkers has no markers on %s", name)
		}
	}
	return out
}

// withMarkers applies marker lines to a schema as controller-gen does.
func withMarkers(t *testing.T, props apiextensionsv1.JSONSchemaProps, lines []string) apiextensionsv1.JSONSchemaProps {
	t.Helper()
	reg := &markers.Registry{}
	if err := crdmarkers.Register(reg); err != nil {
		t.Fatal(err)
	}
	for _, line := range lines {
		if line == "+optional" {
			continue // controller-gen leaves the field out of required; here it is never required
		}
		def := reg.Lookup(line, markers.DescribesField)
		if def == nil {
			t.Fatalf("controller-gen knows no marker %.60s", line)
		}
		val, err := def.Parse(line)
		if err != nil {
			t.Fatalf("controller-gen cannot parse %.60s...: %v", line, err)
		}
		m, ok := val.(crd.SchemaMarker)
		if !ok {
			t.Fatalf("%.60s is a %v, not a schema marker", line, reflect.TypeOf(val))
		}
		if err := m.ApplyToSchema(&crdmarkers.SchemaContext{}, &props); err != nil {
			t.Fatalf("%.60s: %v", line, err)
		}
	}
	return props
}
