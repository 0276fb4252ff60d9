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

package controllers

import (
	"context"
	"sync"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
)

// TargetEngines are the engines of the policies that name a region or a role (spec.aws): one set per
// target, on that target's clients, built on first use and kept, so that the policies of one account and
// region share their clients, their credentials and whatever their engines keep between reconciles.
type TargetEngines struct {
	Clients *awsclient.ClientCache
	New     func(awsclient.Clients) map[TargetKind]rollout.Engine

	mu       sync.Mutex
	byTarget map[awsclient.Target]map[TargetKind]rollout.Engine
}

// TargetOf is where, and as whom, a policy's calls go.
func TargetOf(spec v1.RemediationPolicySpec) awsclient.Target {
	if spec.AWS == nil {
		return awsclient.Target{}
	}
	return awsclient.Target{Region: spec.AWS.Region, RoleARN: spec.AWS.RoleARN, ExternalID: spec.AWS.ExternalID}
}

// For returns the engines of t once its credentials can be had; the error is STS's when they cannot.
func (e *TargetEngines) For(ctx context.Context, t awsclient.Target) (map[TargetKind]rollout.Engine, error) {
	if err := e.Clients.Ready(ctx, t); err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.byTarget == nil {
		e.byTarget = map[awsclient.Target]map[TargetKind]rollout.Engine{}
	}
	engines := e.byTarget[t]
	if engines == nil {
		engines = e.New(e.Clients.For(t))
		e.byTarget[t] = engines
	}
	return engines, nil
}
