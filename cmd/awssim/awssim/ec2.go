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

package awssim

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"time"
)

var ec2Handlers = map[string]handler{
	"DescribeInstances":              (*Sim).describeInstances,
	"DescribeInstanceStatus":         (*Sim).describeInstanceStatus,
	"DescribeImages":                 (*Sim).describeImages,
	"DescribeInstanceTypes":          (*Sim).describeInstanceTypes,
	"DescribeLaunchTemplates":        (*Sim).describeLaunchTemplates,
	"DescribeLaunchTemplateVersions": (*Sim).describeLaunchTemplateVersions,
	"CreateLaunchTemplateVersion":    (*Sim).createLaunchTemplateVersion,
	"ModifyLaunchTemplate":           (*Sim).modifyLaunchTemplate,
	"DeleteLaunchTemplateVersions":   (*Sim).deleteLaunchTemplateVersions,
}

func ec2Error(code, format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, code, format, args...)
}

// ec2Filters reads Filter.N.Name / Filter.N.Value.M.
func ec2Filters(form url.Values) map[string][]string {
	out := map[string][]string{}
	for i := 1; ; i++ {
		name := form.Get("Filter." + strconv.Itoa(i) + ".Name")
		if name == "" {
			return out
		}
		out[name] = members(form, "Filter."+strconv.Itoa(i)+".Value")
	}
}

// ec2State maps an Auto Scaling lifecycle state to the EC2 instance state.
func ec2State(lifecycle string) (int64, string) {
	switch lifecycle {
	case StatePending:
		return 0, "pending"
	case StateTerminating:
		return 32, "shutting-down"
	case StateTerminated:
		return 48, "terminated"
	}
	return 16, "running"
}

func (s *Sim) instanceTags(inst *Instance) map[string]string {
	tags := map[string]string{}
	if g := s.groups[inst.Group]; g != nil {
		for k, v := range g.Tags {
			tags[k] = v
		}
		tags["aws:autoscaling:groupName"] = g.Name
	}
	return tags
}

func (s *Sim) matchInstance(inst *Instance, filters map[string][]string) bool {
	tags := s.instanceTags(inst)
	for name, values := range filters {
		var actual string
		switch {
		case name == "instance-state-name":
			_, actual = ec2State(inst.LifecycleState)
		case name == "availability-zone":
			actual = inst.Zone
		case name == "image-id":
			actual = inst.ImageID
		case len(name) > 4 && name[:4] == "tag:":
			actual = tags[name[4:]]
		default:
			continue
		}
		if !contains(values, actual) {
			return false
		}
	}
	return true
}

// selectInstances returns the instances named in InstanceId.N (all must exist) or all, filtered.
func (s *Sim) selectInstances(form url.Values) ([]*Instance, *apiError) {
	insts, err := named(s.instances, members(form, "InstanceId"), func(id string) *apiError {
		return ec2Error("InvalidInstanceID.NotFound", "The instance ID '%s' does not exist", id)
	})
	if err != nil {
		return nil, err
	}
	filters := ec2Filters(form)
	var out []*Instance
	for _, inst := range insts {
		if s.matchInstance(inst, filters) {
			out = append(out, inst)
		}
	}
	return out, nil
}

func (s *Sim) describeInstances(form url.Values, _ time.Time) ([]byte, *apiError) {
	insts, err := s.selectInstances(form)
	if err != nil {
		return nil, err
	}
	start, end, next, err := page("DescribeInstances", form.Get("NextToken"), pageSize(form, "MaxResults"), 1000, 1000, len(insts))
	if err != nil {
		return nil, err
	}
	var w xw
	// One reservation per instance, as Auto Scaling launches them.
	w.list("reservationSet", "item", end-start, func(i int) {
		inst := insts[start+i]
		w.text("reservationId", "r-"+inst.ID[2:])
		w.text("ownerId", "111122223333")
		w.list("instancesSet", "item", 1, func(int) { s.writeInstance(&w, inst) })
	})
	w.text("nextToken", next)
	return w.b.Bytes(), nil
}

func (s *Sim) writeInstance(w *xw, inst *Instance) {
	w.text("instanceId", inst.ID)
	w.text("imageId", inst.ImageID)
	w.text("instanceType", inst.InstanceType)
	code, name := ec2State(inst.LifecycleState)
	w.open("instanceState")
	w.int("code", code)
	w.text("name", name)
	w.close("instanceState")
	w.open("placement")
	w.text("availabilityZone", inst.Zone)
	w.close("placement")
	w.text("privateIpAddress", inst.PrivateIP)
	w.time("launchTime", inst.LaunchedAt)
	if img := s.images[inst.ImageID]; img != nil {
		w.text("architecture", img.Architecture)
	}
	tags := s.instanceTags(inst)
	keys := sortedKeys(tags)
	w.list("tagSet", "item", len(keys), func(i int) { w.text("key", keys[i]); w.text("value", tags[keys[i]]) })
}

func (s *Sim) describeInstanceStatus(form url.Values, _ time.Time) ([]byte, *apiError) {
	insts, err := s.selectInstances(form)
	if err != nil {
		return nil, err
	}
	all := form.Get("IncludeAllInstances") == "true"
	var shown []*Instance
	for _, inst := range insts {
		if _, state := ec2State(inst.LifecycleState); all || state == "running" {
			shown = append(shown, inst)
		}
	}
	start, end, next, err := page("DescribeInstanceStatus", form.Get("NextToken"), pageSize(form, "MaxResults"), 1000, 1000, len(shown))
	if err != nil {
		return nil, err
	}
	var w xw
	w.list("instanceStatusSet", "item", end-start, func(i int) {
		inst := shown[start+i]
		w.text("instanceId", inst.ID)
		w.text("availabilityZone", inst.Zone)
		code, name := ec2State(inst.LifecycleState)
		w.open("instanceState")
		w.int("code", code)
		w.text("name", name)
		w.close("instanceState")
		summary, detail := "ok", "passed"
		switch {
		case name != "running":
			summary, detail = "not-applicable", ""
		case inst.Impaired:
			summary, detail = "impaired", "failed"
		}
		for _, check := range []string{"systemStatus", "instanceStatus"} {
			w.open(check)
			w.text("status", summary)
			if detail != "" {
				w.list("details", "item", 1, func(int) { w.text("name", "reachability"); w.text("status", detail) })
			}
			w.close(check)
		}
	})
	w.text("nextToken", next)
	return w.b.Bytes(), nil
}

var amiID = regexp.MustCompile(`^ami-([0-9a-f]{8}|[0-9a-f]{17})$`)

func (s *Sim) describeImages(form url.Values, _ time.Time) ([]byte, *apiError) {
	ids := members(form, "ImageId")
	for _, id := range ids {
		if !amiID.MatchString(id) {
			return nil, ec2Error("InvalidAMIID.Malformed", "Invalid id: \"%s\" (expecting \"ami-...\")", id)
		}
	}
	imgs, err := named(s.images, ids, func(id string) *apiError {
		return ec2Error("InvalidAMIID.NotFound", "The image id '[%s]' does not exist", id)
	})
	if err != nil {
		return nil, err
	}
	start, end, next, err := page("DescribeImages", form.Get("NextToken"), pageSize(form, "MaxResults"), 1000, 1000, len(imgs))
	if err != nil {
		return nil, err
	}
	var w xw
	w.list("imagesSet", "item", end-start, func(i int) {
		img := imgs[start+i]
		w.text("imageId", img.ID)
		w.text("name", img.Name)
		w.text("imageState", img.State)
		w.text("architecture", img.Architecture)
		w.text("imageOwnerId", "111122223333")
		w.text("rootDeviceType", "ebs")
	})
	w.text("nextToken", next)
	return w.b.Bytes(), nil
}

func (s *Sim) describeInstanceTypes(form url.Values, _ time.Time) ([]byte, *apiError) {
	types, err := named(s.instanceTypes, members(form, "InstanceType"), func(n string) *apiError {
		return ec2Error("InvalidInstanceType", "The following supplied instance types do not exist: [%s]", n)
	})
	if err != nil {
		return nil, err
	}
	start, end, next, err := page("DescribeInstanceTypes", form.Get("NextToken"), pageSize(form, "MaxResults"), 100, 100, len(types))
	if err != nil {
		return nil, err
	}
	var w xw
	w.list("instanceTypeSet", "item", end-start, func(i int) {
		it := types[start+i]
		w.text("instanceType", it.Name)
		w.open("processorInfo")
		w.strings("supportedArchitectures", "item", it.Architectures)
		w.close("processorInfo")
		w.open("memoryInfo")
		w.int("sizeInMiB", it.MemoryMiB)
		w.close("memoryInfo")
	})
	w.text("nextToken", next)
	return w.b.Bytes(), nil
}

func (s *Sim) templateByIDOrName(id, name string) *LaunchTemplate {
	if id != "" {
		return s.templates[id]
	}
	for _, lt := range s.templates {
		if lt.Name == name {
			return lt
		}
	}
	return nil
}

func (s *Sim) template(form url.Values) (*LaunchTemplate, *apiError) {
	id, name := form.Get("LaunchTemplateId"), form.Get("LaunchTemplateName")
	lt := s.templateByIDOrName(id, name)
	switch {
	case lt != nil:
		return lt, nil
	case id != "":
		return nil, ec2Error("InvalidLaunchTemplateId.NotFound", "The specified launch template, with template ID %s, does not exist.", id)
	default:
		return nil, ec2Error("InvalidLaunchTemplateName.NotFoundException", "The specified launch template, with template name %s, does not exist.", name)
	}
}

func (s *Sim) writeTemplate(w *xw, lt *LaunchTemplate) {
	w.text("launchTemplateId", lt.ID)
	w.text("launchTemplateName", lt.Name)
	w.time("createTime", lt.CreatedAt)
	w.int("defaultVersionNumber", lt.DefaultVersion)
	w.int("latestVersionNumber", lt.LatestVersion)
	keys := sortedKeys(lt.Tags)
	w.list("tagSet", "item", len(keys), func(i int) { w.text("key", keys[i]); w.text("value", lt.Tags[keys[i]]) })
}

func (s *Sim) describeLaunchTemplates(form url.Values, _ time.Time) ([]byte, *apiError) {
	var lts []*LaunchTemplate
	ids, names := members(form, "LaunchTemplateId"), members(form, "LaunchTemplateName")
	for _, id := range ids {
		lt, err := s.template(url.Values{"LaunchTemplateId": {id}})
		if err != nil {
			return nil, err
		}
		lts = append(lts, lt)
	}
	for _, n := range names {
		lt, err := s.template(url.Values{"LaunchTemplateName": {n}})
		if err != nil {
			return nil, err
		}
		lts = append(lts, lt)
	}
	if len(ids)+len(names) == 0 {
		for _, id := range sortedKeys(s.templates) {
			lts = append(lts, s.templates[id])
		}
	}
	filters := ec2Filters(form)
	var matching []*LaunchTemplate
	for _, lt := range lts {
		ok, err := matchTags(lt.Tags, filters, "launch-template-name")
		if err != nil {
			return nil, err
		}
		if v, byName := filters["launch-template-name"]; ok && (!byName || slices.Contains(v, lt.Name)) {
			matching = append(matching, lt)
		}
	}
	lts = matching
	// MaxResults is 1 to 200; without it, EC2 answers with every template.
	size, limit := pageSize(form, "MaxResults"), 200
	if size > limit {
		return nil, ec2Error("InvalidParameterValue", "Value ( %d ) for parameter maxResults is invalid. Expecting a value between 1 and 200.", size)
	}
	if size == 0 {
		size, limit = max(len(lts), 1), max(len(lts), 1)
	}
	start, end, next, err := page("DescribeLaunchTemplates", form.Get("NextToken"), size, size, limit, len(lts))
	if err != nil {
		return nil, err
	}
	var w xw
	w.list("launchTemplates", "item", end-start, func(i int) { s.writeTemplate(&w, lts[start+i]) })
	w.text("nextToken", next)
	return w.b.Bytes(), nil
}

func writeTemplateVersion(w *xw, lt *LaunchTemplate, v *LaunchTemplateVersion) {
	w.text("launchTemplateId", lt.ID)
	w.text("launchTemplateName", lt.Name)
	w.int("versionNumber", v.Number)
	w.text("versionDescription", v.Description)
	w.time("createTime", v.CreatedAt)
	w.bool("defaultVersion", v.Number == lt.DefaultVersion)
	w.open("launchTemplateData")
	w.text("imageId", v.ImageID)
	w.text("instanceType", v.InstanceType)
	w.close("launchTemplateData")
}

func (s *Sim) describeLaunchTemplateVersions(form url.Values, _ time.Time) ([]byte, *apiError) {
	lt, err := s.template(form)
	if err != nil {
		return nil, err
	}
	var versions []*LaunchTemplateVersion
	if requested := members(form, "LaunchTemplateVersion"); len(requested) > 0 {
		for _, r := range requested {
			n, resolveErr := lt.resolve(r)
			if resolveErr != nil {
				return nil, ec2Error("InvalidLaunchTemplateId.VersionNotFound", "Could not find launch template version %s for template %s", r, lt.ID)
			}
			versions = append(versions, lt.Versions[n])
		}
	} else {
		for n := int64(1); n <= lt.LatestVersion; n++ {
			if v := lt.Versions[n]; v != nil {
				versions = append(versions, v)
			}
		}
	}
	start, end, next, err := page("DescribeLaunchTemplateVersions", form.Get("NextToken"), pageSize(form, "MaxResults"), 200, 200, len(versions))
	if err != nil {
		return nil, err
	}
	var w xw
	w.list("launchTemplateVersionSet", "item", end-start, func(i int) { writeTemplateVersion(&w, lt, versions[start+i]) })
	w.text("nextToken", next)
	return w.b.Bytes(), nil
}

func (s *Sim) createLaunchTemplateVersion(form url.Values, now time.Time) ([]byte, *apiError) {
	lt, err := s.template(form)
	if err != nil {
		return nil, err
	}
	// A retried call with the same client token returns the version the first call created.
	if token := form.Get("ClientToken"); token != "" {
		for _, v := range lt.Versions {
			if v.clientToken == token {
				var w xw
				w.open("launchTemplateVersion")
				writeTemplateVersion(&w, lt, v)
				w.close("launchTemplateVersion")
				return w.b.Bytes(), nil
			}
		}
	}
	v := &LaunchTemplateVersion{Description: form.Get("VersionDescription"), CreatedAt: now, clientToken: form.Get("ClientToken")}
	if src := form.Get("SourceVersion"); src != "" {
		n, resolveErr := lt.resolve(src)
		if resolveErr != nil {
			return nil, ec2Error("InvalidLaunchTemplateId.VersionNotFound", "Could not find source launch template version %s", src)
		}
		v.ImageID, v.InstanceType = lt.Versions[n].ImageID, lt.Versions[n].InstanceType
	}
	if img := form.Get("LaunchTemplateData.ImageId"); img != "" {
		if s.images[img] == nil {
			return nil, ec2Error("InvalidAMIID.NotFound", "The image id '[%s]' does not exist", img)
		}
		v.ImageID = img
	}
	if t := form.Get("LaunchTemplateData.InstanceType"); t != "" {
		if s.instanceTypes[t] == nil {
			return nil, ec2Error("InvalidParameterValue", "Invalid value '%s' for InstanceType.", t)
		}
		v.InstanceType = t
	}
	lt.LatestVersion++
	v.Number = lt.LatestVersion
	lt.Versions[v.Number] = v
	var w xw
	w.open("launchTemplateVersion")
	writeTemplateVersion(&w, lt, v)
	w.close("launchTemplateVersion")
	return w.b.Bytes(), nil
}

func (s *Sim) modifyLaunchTemplate(form url.Values, _ time.Time) ([]byte, *apiError) {
	lt, err := s.template(form)
	if err != nil {
		return nil, err
	}
	if d := form.Get("SetDefaultVersion"); d != "" {
		n, resolveErr := lt.resolve(d)
		if resolveErr != nil {
			return nil, ec2Error("InvalidLaunchTemplateId.VersionNotFound", "Could not find launch template version %s", d)
		}
		lt.DefaultVersion = n
	}
	var w xw
	w.open("launchTemplate")
	s.writeTemplate(&w, lt)
	w.close("launchTemplate")
	return w.b.Bytes(), nil
}

func (s *Sim) deleteLaunchTemplateVersions(form url.Values, _ time.Time) ([]byte, *apiError) {
	lt, err := s.template(form)
	if err != nil {
		return nil, err
	}
	type failure struct{ version, code, message string }
	var deleted []int64
	var failed []failure
	for _, r := range members(form, "LaunchTemplateVersion") {
		n, convErr := strconv.ParseInt(r, 10, 64)
		switch {
		case convErr != nil || lt.Versions[n] == nil:
			failed = append(failed, failure{r, "launchTemplateVersionDoesNotExist", "The specified launch template version does not exist."})
		case n == lt.DefaultVersion:
			failed = append(failed, failure{r, "unexpectedError", "The default version of a launch template cannot be deleted."})
		default:
			delete(lt.Versions, n)
			deleted = append(deleted, n)
		}
	}
	var w xw
	w.list("successfullyDeletedLaunchTemplateVersionSet", "item", len(deleted), func(i int) {
		w.text("launchTemplateId", lt.ID)
		w.text("launchTemplateName", lt.Name)
		w.int("versionNumber", deleted[i])
	})
	w.list("unsuccessfullyDeletedLaunchTemplateVersionSet", "item", len(failed), func(i int) {
		w.text("launchTemplateId", lt.ID)
		w.text("launchTemplateName", lt.Name)
		w.text("versionNumber", failed[i].version)
		w.open("responseError")
		w.text("code", failed[i].code)
		w.text("message", failed[i].message)
		w.close("responseError")
	})
	return w.b.Bytes(), nil
}
