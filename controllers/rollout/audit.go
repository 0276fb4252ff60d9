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
	"context"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
)

// Mutate makes one mutation (an AWS call or a Redis command) and writes it to the audit log: a line before
// ("Mutating") and one after ("Mutated" or "Mutation failed"), each with the policy (from the contextual
// logger), the action and the resources it touches, and after it the AWS request ids of its calls. Events
// expire after an hour; this log is what an SRE audits a rollout with later. Every mutation an engine
// makes goes through here.
func Mutate(ctx context.Context, action string, resources []any, do func(ctx context.Context) error) error {
	log := ctrl.LoggerFrom(ctx).WithValues(append([]any{"action", action}, resources...)...)
	log.Info("Mutating")
	callCtx, ids := awsclient.WithRequestIDs(ctx)
	err := do(callCtx)
	if requestIDs := ids.All(); len(requestIDs) > 0 {
		log = log.WithValues("awsRequestIds", requestIDs)
	}
	if err != nil {
		log.Info("Mutation failed", "error", err.Error())
		return err
	}
	log.Info("Mutated")
	return nil
}
