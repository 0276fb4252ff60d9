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

package rollout_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	"github.com/redis/go-redis/v9"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
	"github.com/cache-remediator/cache-remediator/controllers/asgengine"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
	"github.com/cache-remediator/cache-remediator/test/envtestutil"
	"github.com/cache-remediator/cache-remediator/test/redisload"
)

const (
	amiOld    = "ami-0aaaaaaaaaaaaaaa1"
	amiNew    = "ami-0bbbbbbbbbbbbbbb2"
	amiBroken = "ami-0eeeeeeeeeeeeeee5"
	amiX86    = "ami-0ccccccccccccccc3"
	amiGone   = "ami-0ddddddddddddddd4"
	amiThird  = "ami-0fffffffffffffff6"
	typeOld   = "r6g.large"
	typeNew   = "r6g.xlarge"
	// speed runs the simulator 60x faster than real time: a 90 s launch takes 1.5 s.
	speed = 60
)

var (
	goalNew  = v1.ImageAndType{ImageID: amiNew, InstanceType: typeNew}
	fastPoll = rollout.Timings{Transition: 250 * time.Millisecond, Blocked: 500 * time.Millisecond, Idle: 2 * time.Second}
	// quiet is how long a Consistently watches for something that must not happen: longer than three idle
	// requeues (with their jitter), so the controller looks again several times within it.
	quiet = 3*fastPoll.Idle + fastPoll.Idle/2
	zones = []string{"us-east-1a", "us-east-1b", "us-east-1c"}
	nsSeq int
)

// simCluster is a simulated account with one cache cluster of three groups (one node per zone).
type simCluster struct {
	srv    *awssim.Server
	procs  *awssim.ProcessNodes
	groups []string
	ns     string
	policy string
}

type clusterOptions struct {
	redis    bool
	httpPort int
	tagged   bool
	// launchConfiguration makes the groups launch from a legacy launch configuration instead of a template.
	launchConfiguration bool
	// maxSize is each group's max size (default: its size plus one).
	maxSize int64
	// size is each group's size (default 1).
	size *int64
	// version is how the groups name their launch template version (default $Default).
	version string
	// zones are the groups' zones, one group each (default: three).
	zones []string
	// speed runs simulated time this many times faster than real time (default 60).
	speed float64
}

// newCluster builds the account; its groups opt in for policy ns/policy.
func newCluster(policy string, opts clusterOptions) *simCluster {
	nsSeq++
	ns := fmt.Sprintf("rollout-%d", nsSeq)
	Expect(env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
	sc, groups := clusterScenario(ns, policy, opts)
	c := &simCluster{ns: ns, policy: policy, groups: groups}
	sim, procs, err := sc.Build(nil, GinkgoT().TempDir())
	Expect(err).NotTo(HaveOccurred())
	c.srv, c.procs = awssim.Serve(sim), procs
	DeferCleanup(c.srv.Close)
	return c
}

// clusterScenario is an account with the test's images and types and one cluster for policy ns/policy:
// its groups, by name, and the launch template they launch from.
func clusterScenario(ns, policy string, opts clusterOptions) (*awssim.Scenario, []string) {
	tags := map[string]string{}
	if opts.tagged {
		tags[v1.OptInTagKey] = ns + "." + policy
	}
	clockSpeed := float64(speed)
	if opts.speed > 0 {
		clockSpeed = opts.speed
	}
	sc := &awssim.Scenario{
		ClockSpeed: clockSpeed, Redis: opts.redis, HTTPStatusPort: opts.httpPort,
		Delays: &awssim.ScenarioDelays{Launch: "90s", Terminate: "30s", WarmUp: "60s"},
		Images: []awssim.ScenarioImage{{ID: amiOld, Architecture: "arm64"}, {ID: amiNew, Architecture: "arm64"},
			{ID: amiBroken, Architecture: "arm64", Unhealthy: true}, {ID: amiX86, Architecture: "x86_64"}, {ID: amiGone, Architecture: "arm64", State: "deregistered"}, {ID: amiThird, Architecture: "arm64"}},
		InstanceTypes:   []awssim.ScenarioInstanceType{{Name: typeOld, Architectures: []string{"arm64"}}, {Name: typeNew, Architectures: []string{"arm64"}}},
		LaunchTemplates: []awssim.ScenarioLaunchTemplate{{Name: policy, Versions: []awssim.ScenarioTemplateVersion{{ImageID: amiOld, InstanceType: typeOld}}, Tags: tags}},
	}
	var names []string
	var groups []awssim.ScenarioGroup
	groupZones := zones
	if opts.zones != nil {
		groupZones = opts.zones
	}
	for _, z := range groupZones {
		name := fmt.Sprintf("%s-%s", policy, z[len(z)-1:])
		names = append(names, name)
		size := int64(1)
		if opts.size != nil {
			size = *opts.size
		}
		group := awssim.ScenarioGroup{Name: name, Zone: z, Size: size, MaxSize: opts.maxSize, LaunchTemplate: policy, Version: opts.version, Tags: tags}
		if opts.launchConfiguration {
			group.LaunchTemplate, group.LaunchConfiguration = "", policy+"-legacy"
		}
		groups = append(groups, group)
	}
	if opts.launchConfiguration {
		sc.LaunchConfigurations = []awssim.ScenarioLaunchConfiguration{{Name: policy + "-legacy", ImageID: amiOld, InstanceType: typeOld}}
	}
	sc.Clusters = []awssim.ScenarioCluster{{Name: policy, Groups: groups}}
	return sc, names
}

// optIn tags the cluster's groups and their launch template for its policy, as a user opting in would.
func (c *simCluster) optIn() {
	c.srv.TagGroups(c.groups, v1.OptInTagKey, c.ns+"."+c.policy)
	id, ok := c.srv.LaunchTemplateID(c.policy)
	Expect(ok).To(BeTrue())
	c.srv.TagLaunchTemplate(id, v1.OptInTagKey, c.ns+"."+c.policy)
}

// policyFor is a policy on the cluster's groups with test-sized durations.
func (c *simCluster) policyFor(goal v1.ImageAndType, health v1.HealthSpec) *v1.RemediationPolicy {
	if health.StableFor == nil {
		health.StableFor = &metav1.Duration{Duration: time.Second}
	}
	if health.NodeTimeout == nil {
		health.NodeTimeout = &metav1.Duration{Duration: 30 * time.Second}
	}
	if health.Redis == nil && health.HTTP == nil {
		// These clusters run no cache (or the test is about something else): EC2 checks alone, said so.
		health.UnsafeSkipDataPlaneGates = true
	}
	return &v1.RemediationPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: c.policy, Namespace: c.ns},
		Spec: v1.RemediationPolicySpec{
			Target:   v1.TargetSpec{AutoScalingGroups: &v1.AutoScalingGroupsTarget{Names: c.groups}},
			Desired:  v1.DesiredSpec{ImageID: goal.ImageID, InstanceType: goal.InstanceType},
			Health:   health,
			Strategy: v1.StrategySpec{Canary: v1.CanarySpec{Nodes: ptr.To[int32](0)}},
		},
	}
}

func redisHealth() v1.HealthSpec { return v1.HealthSpec{Redis: &v1.RedisHealth{}} }

// controllerProcess is one running manager with the reconciler and the ASG engine.
type controllerProcess struct{ manager *envtestutil.Manager }

// managerOptions says how a test's manager runs.
type managerOptions struct {
	// throttled retries AWS calls more, for a simulator that throttles.
	throttled bool
	// identity is who the manager is to the API server (default: the envtest admin).
	identity *rest.Config
	// leaderElectionNamespace, when set, makes the manager elect a leader with a Lease there.
	leaderElectionNamespace string
	// wrapRedis wraps the hand-off's Redis commands.
	wrapRedis func(asgengine.RedisActions) asgengine.RedisActions
	// timings are the controller's requeue intervals (default fastPoll).
	timings *rollout.Timings
	// watch makes the manager a shard reconciling only the policies it matches.
	watch labels.Selector
	// wrapHTTP wraps the HTTP client the manager's AWS SDK calls go through.
	wrapHTTP func(aws.HTTPClient) aws.HTTPClient
	// region is the controller's own region (default: the simulator's).
	region string
}

// startController starts a manager against envtest whose engine talks to the simulator.
func startController(c *simCluster, throttled bool) *controllerProcess {
	return startManager(c, managerOptions{throttled: throttled})
}

// startControllerFor creates the policy and starts a controller on the cluster; the caller stops it.
func startControllerFor(c *simCluster, policy *v1.RemediationPolicy) *controllerProcess {
	ExpectWithOffset(1, env.Client.Create(ctx, policy)).To(Succeed())
	return startController(c, false)
}

func startManager(c *simCluster, o managerOptions) *controllerProcess {
	opts := awsclient.Options{RequestsPerSecond: 1000, MaxBackoff: 20 * time.Millisecond}
	if o.throttled {
		opts.MaxAttempts = 10
	}
	timings := fastPoll
	if o.timings != nil {
		timings = *o.timings
	}
	awsConfig := c.srv.SDKConfig()
	if o.wrapHTTP != nil {
		awsConfig.HTTPClient = o.wrapHTTP(awsConfig.HTTPClient)
	}
	if o.region != "" {
		awsConfig.Region = o.region
	}
	m, err := env.StartManager(envtestutil.ManagerOptions{Namespace: c.ns, AWS: awsConfig, AWSOptions: opts, Timings: timings,
		Identity: o.identity, LeaderElectionNamespace: o.leaderElectionNamespace, WrapRedisActions: o.wrapRedis, WatchLabelSelector: o.watch})
	Expect(err).NotTo(HaveOccurred())
	return &controllerProcess{manager: m}
}

// cancel kills the controller without waiting for it to stop.
func (p *controllerProcess) cancel() { p.manager.Cancel() }

func (p *controllerProcess) stop() {
	Expect(p.manager.Stop()).To(Succeed())
}

func get(p *v1.RemediationPolicy) *v1.RemediationPolicy {
	got := &v1.RemediationPolicy{}
	Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(p), got)).To(Succeed())
	return got
}

// phaseOf polls the policy's phase; when a Failed phase shows up where another was expected, the failure
// message shows why.
func phaseOf(p *v1.RemediationPolicy) func() v1.Phase {
	return func() v1.Phase {
		got := get(p)
		if got.Status.Phase == v1.PhaseFailed || got.Status.Phase == v1.PhaseBlocked {
			if ready := meta.FindStatusCondition(got.Status.Conditions, v1.ConditionReady); ready != nil {
				GinkgoWriter.Printf("policy %s is %s: %s: %s\n", p.Name, got.Status.Phase, ready.Reason, ready.Message)
			}
		}
		return got.Status.Phase
	}
}

// observedPhaseOf polls the policy's phase once its status speaks of the current spec, and "" until then:
// right after a spec change, the phase is still that of the spec before.
func observedPhaseOf(p *v1.RemediationPolicy) func() v1.Phase {
	return func() v1.Phase {
		got := get(p)
		if got.Status.ObservedGeneration != got.Generation {
			return ""
		}
		return got.Status.Phase
	}
}

// terminations lists the instance ids of the TerminateInstanceInAutoScalingGroup calls that succeeded.
func (c *simCluster) terminations() []string {
	var ids []string
	for _, call := range c.srv.Calls() {
		if call.Action == "TerminateInstanceInAutoScalingGroup" && call.Error == "" {
			ids = append(ids, call.Params.Get("InstanceId"))
		}
	}
	return ids
}

func (c *simCluster) mutatingCalls() []string {
	var out []string
	for _, call := range c.srv.Calls() {
		if call.Mutating() {
			out = append(out, call.Action)
		}
	}
	return out
}

// instances returns the cluster's serving instances by group order.
func (c *simCluster) instances() []awssim.Instance {
	var out []awssim.Instance
	for _, g := range c.groups {
		for _, inst := range c.srv.GroupInstances(g) {
			if inst.LifecycleState == awssim.StateInService || inst.LifecycleState == awssim.StatePending {
				out = append(out, inst)
			}
		}
	}
	return out
}

// maxOutOfService replays the simulator's timeline from the start of the test: the most nodes of the
// cluster that were ever missing from InService at once after the first `from` transitions.
func (c *simCluster) maxOutOfService(from int) int {
	inService := map[string]bool{}
	worst := 0
	desired := len(c.groups)
	for i, tr := range c.srv.Timeline() {
		switch {
		case tr.To == awssim.StateInService:
			inService[tr.InstanceID] = true
		case tr.From == awssim.StateInService:
			delete(inService, tr.InstanceID)
		}
		if out := desired - len(inService); i >= from && out > worst {
			worst = out
		}
	}
	return worst
}

func redisClient(ip string) *redis.Client { return redisload.Client(net.JoinHostPort(ip, "6379")) }

func role(ip string) string { return redisload.Role(net.JoinHostPort(ip, "6379")) }

// writer writes to whichever node of the cluster is the primary for as long as it runs.
type writer struct {
	c    *simCluster
	load *redisload.Writer
}

func startWriter(c *simCluster) *writer {
	w := &writer{c: c}
	w.load = redisload.Start("write", w.primaryAddr)
	return w
}

func (w *writer) primaryAddr() string {
	for _, inst := range w.c.instances() {
		if inst.LifecycleState == awssim.StateInService && role(inst.PrivateIP) == "master" {
			return net.JoinHostPort(inst.PrivateIP, "6379")
		}
	}
	return ""
}

func (w *writer) primary() *redis.Client {
	if addr := w.primaryAddr(); addr != "" {
		return redisload.Client(addr)
	}
	return nil
}

// finish stops writing and counts the acknowledged writes the final primary does not have.
func (w *writer) finish() (acked, lost int, longestGap time.Duration) {
	res, err := w.load.Finish()
	Expect(err).NotTo(HaveOccurred())
	return res.Acknowledged, res.Lost, res.LongestGap
}

func getJSON(url string, into any) error {
	client := &http.Client{Timeout: time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(into)
}

// events lists the events about a policy.
func events(p *v1.RemediationPolicy) []eventsv1.Event {
	var list eventsv1.EventList
	Expect(env.Client.List(ctx, &list, client.InNamespace(p.Namespace))).To(Succeed())
	var out []eventsv1.Event
	for _, e := range list.Items {
		if e.Regarding.Name == p.Name {
			out = append(out, e)
		}
	}
	return out
}

// metricValue reads a gauge or counter (or a histogram's sample count) from the manager's registry by
// name and labels; -1 when no series matches.
func metricValue(name string, labels map[string]string) float64 {
	families, err := crmetrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			for k, v := range labels {
				if !slices.ContainsFunc(m.GetLabel(), func(l *dto.LabelPair) bool { return l.GetName() == k && l.GetValue() == v }) {
					continue series
				}
			}
			switch {
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue()
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			case m.GetHistogram() != nil:
				return float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return -1
}
