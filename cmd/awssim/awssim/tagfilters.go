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
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// asgFilters reads Filters.member.N.Name / Filters.member.N.Values.member.M (Auto Scaling's awsquery form).
func asgFilters(form url.Values) map[string][]string {
	filters := map[string][]string{}
	for i := 1; ; i++ {
		name := form.Get("Filters.member." + strconv.Itoa(i) + ".Name")
		if name == "" {
			return filters
		}
		filters[name] = members(form, "Filters.member."+strconv.Itoa(i)+".Values.member")
	}
}

// matchTags says whether tags pass every tag filter, as DescribeAutoScalingGroups and DescribeLaunchTemplates
// apply them: filters are ANDed, a filter's values ORed; tag-key and tag-value each match any tag, and
// tag:<key> matches that key with one of the values. Filters that are not about tags are left to the caller;
// known lists the other names the call accepts, and a name outside both is refused, as AWS refuses it.
func matchTags(tags map[string]string, filters map[string][]string, known ...string) (bool, *apiError) {
	for name, values := range filters {
		switch {
		case name == "tag-key":
			if !slices.ContainsFunc(values, func(k string) bool { _, ok := tags[k]; return ok }) {
				return false, nil
			}
		case name == "tag-value":
			if !slices.ContainsFunc(values, func(v string) bool {
				for _, tv := range tags {
					if tv == v {
						return true
					}
				}
				return false
			}) {
				return false, nil
			}
		case strings.HasPrefix(name, "tag:"):
			v, ok := tags[strings.TrimPrefix(name, "tag:")]
			if !ok || !slices.Contains(values, v) {
				return false, nil
			}
		case !slices.Contains(known, name):
			return false, validation("The filter '%s' is invalid", name)
		}
	}
	return true, nil
}
