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
	"math/rand"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Fault describes an injected failure for the calls of one action ("*" for every action of a service).
type Fault struct {
	Service string // autoscaling, ec2, elasticache; "" for any
	// Action is one action, "" or "*" for any, or a prefix ending in "*" ("Describe*": every describe).
	Action string
	// Mutations limits the fault to the calls that change state (Call.Mutating): 5xx on every mutation.
	Mutations bool
	// Fraction of matching calls that fail (0..1); ignored when Count > 0.
	Fraction float64
	// Count fails the next Count matching calls.
	Count int
	// Status and Code of the answer: e.g. 400 Throttling, 500 InternalFailure.
	Status int
	Code   string
	// Latency delays matching calls (successful or not).
	Latency time.Duration
	// AfterApply makes the call take effect before the fault is answered: AWS applied the mutation but the
	// caller never heard back (a 5xx or a timeout after the fact). The SDK's retry then meets the changed
	// state.
	AfterApply bool
}

type faults struct {
	mu   sync.Mutex
	list []*Fault
	rng  *rand.Rand
}

// Inject adds a fault.
func (s *Sim) Inject(f Fault) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if f.Status == 0 {
		f.Status = http.StatusBadRequest
	}
	s.faults.list = append(s.faults.list, &f)
}

// SeedFaults seeds the draws of the faults given as a Fraction, so that a campaign that names its seed draws
// the same sequence again (which calls it hits still depends on the order the calls arrive in).
func (s *Sim) SeedFaults(seed int64) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.rng = rand.New(rand.NewSource(seed))
}

// ClearFaults removes every fault.
func (s *Sim) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.list = nil
}

// FailNext fails the next call of action with the given code.
func (s *Sim) FailNext(service, action string, status int, code string) {
	s.Inject(Fault{Service: service, Action: action, Count: 1, Status: status, Code: code})
}

// Throttle fails a fraction of every call with Throttling (what Auto Scaling and EC2 answer; the SDK retries it).
func (s *Sim) Throttle(fraction float64) {
	s.Inject(Fault{Fraction: fraction, Status: http.StatusBadRequest, Code: "Throttling"})
}

func (f *faults) take(service, action string) (fault *apiError, afterApply bool, delay time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rng == nil {
		f.rng = rand.New(rand.NewSource(1))
	}
	for _, fl := range f.list {
		if !fl.matches(service, action) {
			continue
		}
		delay += fl.Latency
		if fl.Code == "" {
			continue
		}
		fire := false
		switch {
		case fl.Count > 0:
			fl.Count--
			fire = true
		case fl.Fraction > 0:
			fire = f.rng.Float64() < fl.Fraction
		}
		if fire {
			return &apiError{status: fl.Status, code: fl.Code, message: "injected fault"}, fl.AfterApply, delay
		}
	}
	return nil, false, delay
}

func (f *Fault) matches(service, action string) bool {
	if f.Service != "" && f.Service != service {
		return false
	}
	if f.Mutations && !(Call{Action: action}).Mutating() {
		return false
	}
	if prefix, ok := strings.CutSuffix(f.Action, "*"); ok {
		return strings.HasPrefix(action, prefix)
	}
	return f.Action == "" || f.Action == action
}
