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

package main

import (
	"fmt"
	"sync"
	"time"

	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
)

// decisionGrace is how long before a termination a gate may have started failing without the controller
// being blamed: the time from its last look at the cluster to its call reaching AWS (a status write, the
// rate limiter, the simulator's latency). A gate that failed for longer was there to be seen.
const decisionGrace = time.Second

// termination is the cluster as it was when a termination reached AWS, looked at before AWS acted.
type termination struct {
	at         time.Time
	instanceID string
	// role is the instance's Redis role then ("" when its redis-server did not answer).
	role string
	// failing are the gates, other than the instance's own, that had failed for longer than decisionGrace.
	failing []string
	// outdatedLeft are the other serving nodes not yet on the goal.
	outdatedLeft []string
	// primaryOnGoal: the cluster's one primary then was a node already on the goal.
	primaryOnGoal bool
}

// terminationLog looks at the cluster at every termination the controller decides on (an SDK retry of the
// same decision is not a new one) from the simulator's BeforeCall hook, before AWS acts on it.
type terminationLog struct {
	monitor *clusterMonitor
	goal    func(awssim.Instance) bool

	mu   sync.Mutex
	list []termination
}

// observe records the cluster for a call if it is a new termination decision.
func (l *terminationLog) observe(c awssim.Call) {
	if c.Action != "TerminateInstanceInAutoScalingGroup" || c.Attempt > 1 {
		return
	}
	now := time.Now()
	v := l.monitor.look()
	t := termination{at: now, instanceID: c.Params.Get("InstanceId")}
	if n, ok := v.node(t.instanceID); ok && n.reachable {
		t.role = n.role
	}
	for _, key := range v.failingExcept(t.instanceID) {
		if since := l.monitor.FailingSince(key, now); now.Sub(since) > decisionGrace {
			t.failing = append(t.failing, fmt.Sprintf("%s (%s, for %s)", key, v.failing[key], now.Sub(since).Round(10*time.Millisecond)))
		}
	}
	if p, ok := v.primary(); ok {
		t.primaryOnGoal = l.goal(p.Instance)
	}
	for _, n := range v.nodes {
		if n.ID != t.instanceID && !l.goal(n.Instance) {
			t.outdatedLeft = append(t.outdatedLeft, n.ID)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, t)
}

// All are the terminations looked at, in order.
func (l *terminationLog) All() []termination {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]termination(nil), l.list...)
}
