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

package awssim_test

import (
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
	"github.com/cache-remediator/cache-remediator/test/envtestutil"
)

func TestTheDemoScenarioLoadsAndBuildsTheAccountItDescribes(t *testing.T) {
	g := NewWithT(t)
	sc, err := awssim.LoadScenario(filepath.Join(envtestutil.RepoRoot(), "hack", "scenarios", "demo.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	// Build it without processes: this test checks the account, not the nodes.
	sc.Redis, sc.HTTPStatusPort = false, 0
	sim, procs, err := sc.Build(awssim.NewManualClock(), t.TempDir())
	g.Expect(err).NotTo(HaveOccurred())
	defer sim.Close()
	g.Expect(procs).To(BeNil())
	for _, grp := range []string{"sessions-a", "sessions-b", "sessions-c", "catalog-us-east-1a", "catalog-us-east-1b", "catalog-us-east-1c"} {
		insts := sim.GroupInstances(grp)
		g.Expect(insts).To(HaveLen(1), grp)
		g.Expect(insts[0].LifecycleState).To(Equal(awssim.StateInService))
	}
	state, ok := sim.GroupState("sessions-a")
	g.Expect(ok).To(BeTrue())
	g.Expect(state.Tags).To(HaveKeyWithValue("cache-remediator.io/policy", "default.sessions-redis"))
	rg, members, ok := sim.ReplicationGroupState("sessions")
	g.Expect(ok).To(BeTrue())
	g.Expect(rg.NodeType).To(Equal("cache.r6g.large"))
	g.Expect(members).To(HaveLen(3))
	rg, members, ok = sim.ReplicationGroupState("catalog-cache")
	g.Expect(ok).To(BeTrue())
	g.Expect(rg.Engine).To(Equal("valkey"))
	g.Expect(rg.ClusterEnabled).To(BeTrue())
	g.Expect(rg.NodeGroupIDs()).To(Equal([]string{"0001", "0002"}))
	g.Expect(members).To(HaveLen(4))
	g.Expect(rg.SnapshotRetentionLimit).To(Equal(3))
}

func TestAScenarioWithAnUnknownFieldIsRejected(t *testing.T) {
	g := NewWithT(t)
	path := filepath.Join(t.TempDir(), "bad.yaml")
	g.Expect(writeFile(path, "clusters:\n- name: x\n  groupz: []\n")).To(Succeed())
	_, err := awssim.LoadScenario(path)
	g.Expect(err).To(MatchError(ContainSubstring("groupz")))
}
