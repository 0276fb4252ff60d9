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

// Package envtestsuite starts envtestutil's control plane for a Ginkgo suite. It is a package apart from
// envtestutil because importing Ginkgo registers its flags, and programs use envtestutil too (hack/demo).
package envtestsuite

import (
	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"github.com/cache-remediator/cache-remediator/test/envtestutil"
)

// Start starts the control plane, to be called from a BeforeSuite, and stops it once the suite is over;
// the suite fails if either goes wrong.
func Start() *envtestutil.Env {
	env, err := envtestutil.Start()
	gomega.ExpectWithOffset(1, err).NotTo(gomega.HaveOccurred())
	ginkgo.DeferCleanup(env.Stop)
	return env
}
