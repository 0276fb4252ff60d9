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
	"encoding/json"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	. "github.com/onsi/gomega"

	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
)

const (
	amiOld     = "ami-0000000000000000a"
	amiNew     = "ami-0000000000000000b"
	amiArm     = "ami-0000000000000000c"
	amiGone    = "ami-0000000000000000d"
	ltName     = "cache"
	typeOld    = "r5.large"
	typeNew    = "r5.xlarge"
	typeArm    = "r6g.large"
	cacheOld   = "cache.r6g.large"
	cacheNew   = "cache.r6g.xlarge"
	cacheSmall = "cache.m6g.large"
)

// fixture is a simulator with a 3-AZ cluster (one group per zone on a launch template), a group on a
// launch configuration, and a replication group, served over HTTP.
type fixture struct {
	srv   *awssim.Server
	clock *awssim.ManualClock
	ltID  string
	asg   *autoscaling.Client
	ec2   *ec2.Client
	ec    *elasticache.Client
}

func newFixture(t *testing.T) *fixture {
	g := NewWithT(t)
	clock := awssim.NewManualClock()
	sim := awssim.New(awssim.Options{Clock: clock})
	sim.AddImage(awssim.Image{ID: amiOld, Name: "cache-old"})
	sim.AddImage(awssim.Image{ID: amiNew, Name: "cache-new"})
	sim.AddImage(awssim.Image{ID: amiArm, Name: "cache-arm", Architecture: "arm64"})
	sim.AddImage(awssim.Image{ID: amiGone, Name: "cache-gone", State: "deregistered"})
	sim.AddInstanceType(awssim.InstanceType{Name: typeOld, Architectures: []string{"x86_64"}, MemoryMiB: 16384})
	sim.AddInstanceType(awssim.InstanceType{Name: typeNew, Architectures: []string{"x86_64"}, MemoryMiB: 32768})
	sim.AddInstanceType(awssim.InstanceType{Name: typeArm, Architectures: []string{"arm64"}, MemoryMiB: 16384})
	ltID, err := sim.AddLaunchTemplate(ltName, 1, awssim.LaunchTemplateVersion{ImageID: amiOld, InstanceType: typeOld})
	g.Expect(err).NotTo(HaveOccurred())
	for _, z := range []string{"a", "b", "c"} {
		g.Expect(sim.AddGroup(awssim.GroupSpec{Name: "cache-" + z, Cluster: "cache", Zones: []string{"us-east-1" + z}, Size: 1,
			LaunchTemplateID: ltID, Tags: map[string]string{"cache-remediator.io/policy": "default.cache"}})).To(Succeed())
	}
	sim.AddLaunchConfiguration(awssim.LaunchConfiguration{Name: "legacy-v1", ImageID: amiOld, InstanceType: typeOld})
	g.Expect(sim.AddGroup(awssim.GroupSpec{Name: "legacy", Zones: []string{"us-east-1a"}, Size: 2, LaunchConfiguration: "legacy-v1"})).To(Succeed())
	sim.AddNodeType(awssim.NodeType{Name: cacheOld, MemoryMiB: 13000, ScaleUp: []string{cacheNew}, ScaleDown: []string{cacheSmall}})
	sim.AddNodeType(awssim.NodeType{Name: cacheNew, MemoryMiB: 26000, ScaleDown: []string{cacheOld, cacheSmall}})
	sim.AddNodeType(awssim.NodeType{Name: cacheSmall, MemoryMiB: 6000, ScaleUp: []string{cacheOld, cacheNew}})
	g.Expect(sim.AddReplicationGroup(awssim.ReplicationGroupSpec{ID: "sessions", NodeType: cacheOld, Zones: []string{"us-east-1a", "us-east-1b", "us-east-1c"},
		MultiAZ: true, AutomaticFailover: true, UsedMemoryMiB: 4000, Tags: map[string]string{"cache-remediator.io/policy": "default.sessions"}})).To(Succeed())
	g.Expect(sim.AddServiceUpdate(awssim.ServiceUpdateSpec{Name: "elc-20260101-001", ReplicationGroups: []string{"sessions"}, Severity: "critical"})).To(Succeed())

	srv := serve(t, sim)
	cfg := oneAttempt(srv)
	return &fixture{srv: srv, clock: clock, ltID: ltID, asg: autoscaling.NewFromConfig(cfg), ec2: ec2.NewFromConfig(cfg), ec: elasticache.NewFromConfig(cfg)}
}

// step advances simulated time.
func (f *fixture) step(d time.Duration) {
	f.clock.Step(d)
	f.srv.Advance()
}

// replaceFirstInstance terminates the group's first instance without lowering its desired capacity, so
// that Auto Scaling launches a replacement; it answers the instance's id and the call's answer.
func (f *fixture) replaceFirstInstance(g Gomega, group string) (string, *autoscaling.TerminateInstanceInAutoScalingGroupOutput) {
	id := f.srv.GroupInstances(group)[0].ID
	out, err := f.asg.TerminateInstanceInAutoScalingGroup(ctx, &autoscaling.TerminateInstanceInAutoScalingGroupInput{InstanceId: str(id), ShouldDecrementDesiredCapacity: aws.Bool(false)})
	g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return id, out
}

// serve serves sim over HTTP until the test ends.
func serve(t *testing.T, sim *awssim.Sim) *awssim.Server {
	srv := awssim.Serve(sim)
	t.Cleanup(srv.Close)
	return srv
}

// serveScenario builds sc on a manual clock and serves it over HTTP until the test ends.
func serveScenario(t *testing.T, sc *awssim.Scenario) (*awssim.Server, *awssim.ManualClock) {
	t.Helper()
	clock := awssim.NewManualClock()
	sim, _, err := sc.Build(clock, t.TempDir())
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	return serve(t, sim), clock
}

// oneAttempt is an SDK configuration for srv whose clients make one attempt per call: these tests look at
// what a single call answers; retries have their own tests.
func oneAttempt(srv *awssim.Server) aws.Config {
	cfg := srv.SDKConfig()
	cfg.RetryMaxAttempts = 1
	return cfg
}

func str(s string) *string { return aws.String(s) }

func getJSON(url string, into any) error {
	resp, err := http.Get(url) //nolint:gosec // loopback address of a simulated node
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(into)
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o600) }

// ecFixture is a simulator with only what setup puts in it, served over HTTP, with an ElastiCache client
// that makes one attempt per call.
type ecFixture struct {
	srv   *awssim.Server
	clock *awssim.ManualClock
	ec    *elasticache.Client
}

func newECFixture(t *testing.T, opts awssim.Options, setup func(g Gomega, sim *awssim.Sim)) *ecFixture {
	g := NewWithT(t)
	clock := awssim.NewManualClock()
	opts.Clock = clock
	sim := awssim.New(opts)
	sim.AddNodeType(awssim.NodeType{Name: cacheOld, MemoryMiB: 13000, ScaleUp: []string{cacheNew}, ScaleDown: []string{cacheSmall}})
	sim.AddNodeType(awssim.NodeType{Name: cacheNew, MemoryMiB: 26000, ScaleDown: []string{cacheOld, cacheSmall}})
	sim.AddNodeType(awssim.NodeType{Name: cacheSmall, MemoryMiB: 6000, ScaleUp: []string{cacheOld, cacheNew}})
	setup(g, sim)
	srv := serve(t, sim)
	return &ecFixture{srv: srv, clock: clock, ec: elasticache.NewFromConfig(oneAttempt(srv))}
}

func (f *ecFixture) step(d time.Duration) {
	f.clock.Step(d)
	f.srv.Advance()
}

// messages lists the messages of events, newest first.
func messages(evs []ectypes.Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, aws.ToString(e.Message))
	}
	return out
}

func intp(n int) *int { return &n }
