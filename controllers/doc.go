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

// Package controllers holds the RemediationPolicy reconciler and the wiring of the whole controller. Where
// each concern lives:
//
//   - remediationpolicy_controller.go: the reconcile skeleton (fetch, finalizer, one deferred status patch,
//     delete path vs normal path) and the dispatch to the engine of the policy's target kind.
//   - remediationpolicy_status.go: the only place the status is written from: an engine's Outcome (and a
//     checkpoint's Progress) becomes phase, conditions, kstatus mirrors, blockedBy and ledger, with the
//     transition events, their log lines and the metrics (metrics.go).
//   - setup.go: Setup, the one function that wires clients, engines and the reconciler into a manager.
//   - rollout/: the core every engine shares: the Engine/Outcome/Checkpoint contract, timings and jitter,
//     gate memory (stableFor), the failed-goal and rollback rules, conflicts, validation cache, the delete
//     path's finish-then-release, the audit log of mutations.
//   - asgengine/, asgplanner/, asgobservation/: the Auto Scaling group engine (I/O: validate, own, act,
//     clean up), its pure planner (every decision, table-tested) and its per-reconcile snapshot.
//   - health/: the gates, pure (what a Redis INFO, an HTTP status, a CloudWatch metric's datapoints or an
//     alarm's state mean); probe/: the I/O that reads the nodes and issues the Redis hand-off commands;
//     cloudwatchgates/: the I/O that reads a cluster's CloudWatch gates, one GetMetricData and one
//     DescribeAlarms call per reconcile, for either kind's observation.
//   - awsclient/: SDK-shaped interfaces over the AWS services, exactly as wide as what is called and checked
//     against the real clients; adapters; retries, rate limits, call accounting; error classes.
package controllers
