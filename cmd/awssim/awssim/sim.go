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

// Package awssim is the AWS simulator the awssim command serves (users run it to try the controller) and the
// tests drive: a stateful simulator for Auto Scaling, EC2, ElastiCache and CloudWatch that speaks the real
// wire protocols (awsquery, ec2query and Smithy RPC v2 CBOR), so the real aws-sdk-go-v2 clients can be
// tested against it. It has an injectable clock, fault injection, a call log, and can back each instance
// with a real redis-server and a Dynomite-Manager-style HTTP status endpoint.
package awssim

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

type service int

const (
	serviceAutoScaling service = iota
	serviceEC2
	serviceElastiCache
	serviceSTS
)

func (s service) String() string {
	return [...]string{"autoscaling", "ec2", "elasticache", "sts"}[s]
}

func (s service) namespace() string {
	return [...]string{nsAutoScaling, nsEC2, nsElastiCache, nsSTS}[s]
}

// serviceByVersion routes a request: Auto Scaling and EC2 share action names (DescribeTags), so the API
// version, not the action, picks the service.
var serviceByVersion = map[string]service{
	"2011-01-01": serviceAutoScaling,
	"2016-11-15": serviceEC2,
	"2015-02-02": serviceElastiCache,
	"2011-06-15": serviceSTS,
}

// Call is one API call as the simulator saw it.
type Call struct {
	Time    time.Time // simulated time
	Service string
	Action  string
	Params  url.Values
	// Error is the error code answered, empty on success.
	Error string
	// Attempt is the SDK's attempt number for the call (1 for a first try, more for its retries), from the
	// amz-sdk-request header; 0 when the caller did not say.
	Attempt int
	// Applied says the call took effect, even if an injected fault then failed its answer (AfterApply).
	Applied bool
	// Region is the region the call was signed for (its SigV4 credential scope), AccessKeyID the key it was
	// signed with and Principal who that key is: DefaultPrincipal for long-term keys, the assumed-role
	// session (arn:aws:sts::<account>:assumed-role/<role>/<session>) for credentials AssumeRole issued.
	// All three are empty for an unsigned request.
	Region, AccessKeyID, Principal string
}

// Mutating says whether the call changes state (anything but Describe*/List*/Get*).
func (c Call) Mutating() bool {
	return !strings.HasPrefix(c.Action, "Describe") && !strings.HasPrefix(c.Action, "List") && !strings.HasPrefix(c.Action, "Get")
}

// Delays are the simulated durations of the transitions. AWS documents none of the ElastiCache ones (they
// depend on node type and data size); the defaults are plausible figures, not measurements.
type Delays struct {
	Launch    time.Duration // Pending -> InService
	Terminate time.Duration // Terminating -> Terminated
	// ModifyGroup is a whole-group ElastiCache node type change (modifying -> available, or the revert).
	ModifyGroup time.Duration
	// FailoverSettings is enabling or disabling automatic failover / Multi-AZ (modifying -> available).
	FailoverSettings time.Duration
	// Tagging is how long AddTagsToResource / RemoveTagsFromResource leave the group modifying.
	Tagging  time.Duration
	Snapshot time.Duration // ElastiCache snapshot creating -> available (or failed)
	// TestFailover is from the TestFailover call to the promotion of the replica; FailoverRecovery from the
	// promotion to "Finished recovery for cache nodes".
	TestFailover     time.Duration
	FailoverRecovery time.Duration
	// ServiceUpdateStart is how long a service update stays waiting-to-start once applied; ServiceNode is
	// the update of one node.
	ServiceUpdateStart time.Duration
	ServiceNode        time.Duration
	HTTPWarmUp         time.Duration // Dynomite-style cold bootstrap after a node starts
}

// DefaultDelays are AWS-like durations.
var DefaultDelays = Delays{
	Launch: 90 * time.Second, Terminate: 30 * time.Second, ModifyGroup: 20 * time.Minute,
	FailoverSettings: 2 * time.Minute, Tagging: 30 * time.Second, Snapshot: 2 * time.Minute,
	TestFailover: time.Minute, FailoverRecovery: 4 * time.Minute, ServiceUpdateStart: time.Minute,
	ServiceNode: 5 * time.Minute, HTTPWarmUp: 60 * time.Second,
}

// DefaultTestFailoverQuota is how many node groups TestFailover may be called on per account in a rolling
// 24 hours: 15 in the API reference since May 2024 (it was 5 before).
const DefaultTestFailoverQuota = 15

// Sim is the simulated cloud. All state is behind one mutex; time-driven transitions happen lazily
// (before every request) and from Run's ticker, so a manual clock makes tests deterministic.
type Sim struct {
	mu sync.Mutex
	// instanceOrder and groupOrder are the sorted keys of instances and groups, which only grow (a
	// terminated instance stays, as EC2 lists it for a while): advancing time walks them on every call, and
	// sorting 50,000 ids each time made a fleet benchmark's simulator slower than the controller under test.
	instanceOrder, groupOrder []string

	clock  Clock
	delays Delays
	region string
	nodes  NodeRunner

	groups         map[string]*Group
	instances      map[string]*Instance
	images         map[string]*Image
	instanceTypes  map[string]*InstanceType
	templates      map[string]*LaunchTemplate // by id
	launchConfigs  map[string]*LaunchConfiguration
	activities     []*Activity
	replication    map[string]*ReplicationGroup // by lower-case id
	cacheEvents    []CacheEvent
	serviceUpdates map[string]*ServiceUpdate
	updateActions  []*UpdateAction
	snapshots      map[string]*Snapshot // by lower-case name
	nodeTypes      map[string]*NodeType
	failoverQuota  int
	failoverCalls  []time.Time // TestFailover calls accepted, for the account-wide quota

	seq      int
	ipSeq    int
	calls    []Call
	timeline []Transition
	faults   faults
	cw       *cloudWatch // CloudWatch's metrics and alarms (cloudwatch*.go), created on first use
	// roles and the sessions AssumeRole issued, by access key id (sts.go); otherRegions are the regions other
	// than region that calls were signed for, each empty of resources.
	roles        map[string]*Role
	sessions     map[string]*session
	otherRegions map[string]*Sim
	// BeforeCall, when set, is called (without the lock) before a call is processed, and OnCall after it
	// is logged; tests use them to look at the cluster before a termination or to kill the controller
	// mid-call.
	BeforeCall func(Call)
	OnCall     func(Call)
}

// Options configure a new simulator.
type Options struct {
	Clock  Clock
	Delays *Delays
	Region string
	// Nodes starts and stops the processes behind instances (real Redis, HTTP status); nil runs none.
	Nodes NodeRunner
	// TestFailoverQuota is how many node groups TestFailover may be called on per account in a rolling 24
	// hours (0: DefaultTestFailoverQuota).
	TestFailoverQuota int
}

// New returns an empty simulator.
func New(opts Options) *Sim {
	s := &Sim{
		clock: opts.Clock, delays: DefaultDelays, region: opts.Region, nodes: opts.Nodes,
		groups: map[string]*Group{}, instances: map[string]*Instance{}, images: map[string]*Image{},
		instanceTypes: map[string]*InstanceType{}, templates: map[string]*LaunchTemplate{},
		launchConfigs: map[string]*LaunchConfiguration{}, replication: map[string]*ReplicationGroup{},
		snapshots: map[string]*Snapshot{}, nodeTypes: map[string]*NodeType{}, serviceUpdates: map[string]*ServiceUpdate{},
		failoverQuota: opts.TestFailoverQuota,
	}
	if s.failoverQuota <= 0 {
		s.failoverQuota = DefaultTestFailoverQuota
	}
	if s.clock == nil {
		s.clock = NewScaledClock(1)
	}
	if opts.Delays != nil {
		s.delays = *opts.Delays
	}
	if s.region == "" {
		s.region = "us-east-1"
	}
	if s.nodes == nil {
		s.nodes = noNodes{}
	}
	return s
}

// Now is the simulator's current time.
func (s *Sim) Now() time.Time { return s.clock.Now() }

// Clock is the simulator's clock.
func (s *Sim) Clock() Clock { return s.clock }

func (s *Sim) nextID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s%017x", prefix, s.seq)
}

func (s *Sim) requestID() string {
	s.seq++
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", s.seq)
}

// ServeHTTP answers one AWS API call.
func (s *Sim) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	// AWS dates its answers by its own clock, which a client reads as the service's time (the SDK corrects
	// its signing clock with it, the controller ends its CloudWatch windows there); net/http would put the
	// wall clock here, which is not the simulated account's time once the simulator runs faster.
	rw.Header().Set("Date", s.clock.Now().UTC().Format(http.TimeFormat))
	if isRPCv2CBOR(r) { // CloudWatch
		s.serveCloudWatch(rw, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	form := r.PostForm
	svc, ok := serviceByVersion[form.Get("Version")]
	action := form.Get("Action")
	if !ok || action == "" {
		http.Error(rw, "unknown API version or action", http.StatusBadRequest)
		return
	}

	s.beforeCall(Call{Time: s.clock.Now(), Service: svc.String(), Action: action, Params: form})

	s.mu.Lock()
	now := s.clock.Now()
	s.advanceLocked(now)
	reqID := s.requestID()
	call := Call{Time: now, Service: svc.String(), Action: action, Params: form, Attempt: sdkAttempt(r.Header)}
	caller, authErr := s.identifyLocked(r, now)
	call.Region, call.AccessKeyID, call.Principal = caller.region, caller.accessKeyID, caller.principal
	var body []byte
	apiErr, delay := authErr, time.Duration(0)
	if authErr == nil {
		apiErr, delay = s.applyLocked(&call, func() (err *apiError) {
			if svc == serviceSTS {
				// STS is global to the account: any region's endpoint issues the same roles' credentials.
				body, err = s.stsLocked(action, form, caller, now)
				return err
			}
			region := s.inRegionLocked(caller.region)
			if region != s {
				region.advanceLocked(now)
			}
			body, err = region.dispatchLocked(svc, action, form, now)
			return err
		})
	}
	s.sampleMetricsLocked(now)
	s.finishCallLocked(call, apiErr, delay, func() {
		switch {
		case apiErr != nil:
			writeError(rw, svc, reqID, apiErr)
		case svc == serviceEC2:
			writeEC2(rw, action, reqID, body)
		default:
			writeQuery(rw, svc.namespace(), action, reqID, body)
		}
	})
}

// The steps of a call that ServeHTTP and serveCloudWatch share, so that hooks, faults, latency and the
// call log behave the same whatever protocol the call came in.

// beforeCall tells BeforeCall, if set, of a call about to be processed: read under the lock, called
// without it.
func (s *Sim) beforeCall(call Call) {
	s.mu.Lock()
	before := s.BeforeCall
	s.mu.Unlock()
	if before != nil {
		before(call)
	}
}

// applyLocked runs apply unless an injected fault refuses the call first; a fault marked AfterApply is
// answered after apply has had its effect. It answers the call's error and how long the answer is held
// back, and marks the call Applied when apply succeeded.
func (s *Sim) applyLocked(call *Call, apply func() *apiError) (*apiError, time.Duration) {
	fault, afterApply, delay := s.faults.take(call.Service, call.Action)
	var apiErr *apiError
	if fault == nil || afterApply {
		apiErr = apply()
		call.Applied = apiErr == nil
	}
	if fault != nil {
		apiErr = fault
	}
	return apiErr, delay
}

// finishCallLocked logs the call with its error and releases the lock; then, without it, it waits out the
// delay, writes the answer and tells OnCall, if set.
func (s *Sim) finishCallLocked(call Call, apiErr *apiError, delay time.Duration, write func()) {
	if apiErr != nil {
		call.Error = apiErr.code
	}
	s.calls = append(s.calls, call)
	onCall := s.OnCall
	s.mu.Unlock()

	if delay > 0 {
		time.Sleep(delay)
	}
	write()
	if onCall != nil {
		onCall(call)
	}
}

type handler func(s *Sim, form url.Values, now time.Time) ([]byte, *apiError)

func (s *Sim) dispatchLocked(svc service, action string, form url.Values, now time.Time) ([]byte, *apiError) {
	var table map[string]handler
	switch svc {
	case serviceAutoScaling:
		table = autoScalingHandlers
	case serviceEC2:
		table = ec2Handlers
	default:
		table = elastiCacheHandlers
	}
	h, ok := table[action]
	if !ok {
		return nil, errorf(http.StatusBadRequest, "InvalidAction", "the action %s is not valid for this web service", action)
	}
	return h(s, form, now)
}

// Calls returns a copy of the call log.
func (s *Sim) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// ResetCalls empties the call log.
func (s *Sim) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// Advance moves time-driven state up to the clock's now; Run calls it on a ticker.
func (s *Sim) Advance() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	s.advanceLocked(now)
	s.sampleMetricsLocked(now)
}

// Run advances the simulation every interval of real time until stop is closed, so processes behind
// instances start and stop close to their simulated times even when no API call arrives.
func (s *Sim) Run(stop <-chan struct{}, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			s.Advance()
		}
	}
}

// Close stops every process behind an instance, and gives back the loopback addresses they used.
func (s *Sim) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, inst := range s.instances {
		if inst.LifecycleState != StateTerminated {
			s.nodes.Stop(inst)
		}
	}
	if r := s.cacheRunner(); r != nil {
		for _, rg := range s.replication {
			for _, m := range rg.Members {
				r.StopCacheNode(m.ClusterID)
			}
		}
	}
	if closer, ok := s.nodes.(io.Closer); ok {
		_ = closer.Close()
	}
}

// sortedKeys returns a map's keys in order, so that listings are stable.
// grownKeys returns m's sorted keys from *order, sorted again only when m has grown: for maps whose keys
// are added and never removed, the same length means the same keys.
func grownKeys[V any](order *[]string, m map[string]V) []string {
	if len(*order) != len(m) {
		*order = sortedKeys(m)
	}
	return *order
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// named answers m's values under names, in their order, or all of m's values in key order when no name
// is given. An unknown name is refused with unknown's error, as EC2's Describe calls do, or left out of the
// answer when unknown is nil, as Auto Scaling's do.
func named[V any](m map[string]*V, names []string, unknown func(name string) *apiError) ([]*V, *apiError) {
	if len(names) == 0 {
		names = sortedKeys(m)
	}
	var out []*V
	for _, n := range names {
		v := m[n]
		switch {
		case v != nil:
			out = append(out, v)
		case unknown != nil:
			return nil, unknown(n)
		}
	}
	return out, nil
}

// members collects prefix.member.N (awsquery) or prefix.N (ec2query) values in order.
func members(form url.Values, prefix string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := form[fmt.Sprintf("%s.%d", prefix, i)]
		if !ok {
			return out
		}
		out = append(out, v[0])
	}
}

// SetHooks sets BeforeCall and OnCall (either may be nil).
func (s *Sim) SetHooks(before, after func(Call)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.BeforeCall, s.OnCall = before, after
}

// sdkAttempt reads the attempt number from the SDK's "amz-sdk-request: attempt=2; max=5" header.
func sdkAttempt(h http.Header) int {
	for _, part := range strings.Split(h.Get("amz-sdk-request"), ";") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "attempt="); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}
