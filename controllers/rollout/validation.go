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

package rollout

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
)

// ValidationCache remembers which policies' goals were validated against AWS (the AMI exists and is
// available, the type exists, ...) and when, so that the describes run before a new step's first mutation
// and not on every look. The validation is trusted for TTL while the goal is unchanged.
type ValidationCache struct {
	TTL time.Duration

	mu        sync.Mutex
	validated map[validationKey]time.Time
}

type validationKey struct {
	policy types.UID
	goal   v1.ImageAndType
}

// Fresh says whether the goal of the policy was validated less than TTL ago.
func (c *ValidationCache) Fresh(policy types.UID, goal v1.ImageAndType, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok := c.validated[validationKey{policy, goal}]
	return ok && now.Sub(at) < c.TTL
}

// Validated records that the goal of the policy was validated at now.
func (c *ValidationCache) Validated(policy types.UID, goal v1.ImageAndType, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.validated == nil {
		c.validated = map[validationKey]time.Time{}
	}
	c.validated[validationKey{policy, goal}] = now
}

// Forget drops what the cache knows of a policy (it was deleted).
func (c *ValidationCache) Forget(policy types.UID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.validated {
		if k.policy == policy {
			delete(c.validated, k)
		}
	}
}
