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
	"fmt"
	"strings"

	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
)

// TargetKeys identify what a policy acts on, whatever the kind: one key per Auto Scaling group, or the
// replication group (ElastiCache ids are case-insensitive).
func TargetKeys(t v1.TargetSpec) []string {
	var keys []string
	if t.AutoScalingGroups != nil {
		for _, name := range t.AutoScalingGroups.Names {
			keys = append(keys, "asg/"+name)
		}
	}
	if t.ElastiCache != nil {
		keys = append(keys, "elasticache/"+strings.ToLower(t.ElastiCache.ReplicationGroupID))
	}
	return keys
}

// Conflict is another policy that owns a resource the policy targets.
type Conflict struct {
	// Key is the resource (see TargetKeys); Owner the policy that owns it.
	Key   string
	Owner *v1.RemediationPolicy
}

// Resource is the key without its kind.
func (c Conflict) Resource() string {
	_, name, _ := strings.Cut(c.Key, "/")
	return name
}

// FindConflict returns the first resource of policy that an earlier policy also targets. Of two policies on
// one resource the earlier created owns it (the name breaks a tie), whichever was applied first to the
// controller, and keeps owning it while it is being deleted (it may still be finishing a replacement): the
// other makes no mutation at all, at any phase.
func FindConflict(policies []v1.RemediationPolicy, policy *v1.RemediationPolicy) *Conflict {
	mine := map[string]bool{}
	for _, k := range TargetKeys(policy.Spec.Target) {
		mine[k] = true
	}
	var found *Conflict
	for i := range policies {
		other := &policies[i]
		if other.UID == policy.UID || !earlier(other, policy) {
			continue
		}
		for _, k := range TargetKeys(other.Spec.Target) {
			if mine[k] && (found == nil || earlier(other, found.Owner)) {
				found = &Conflict{Key: k, Owner: other}
			}
		}
	}
	return found
}

// TargetIndex is the name of the field index of policies by TargetKeys: a conflict check lists the policies
// that share a resource, not every policy of the cluster.
const TargetIndex = "remediation.cache-remediator.io/target"

// IndexTargets registers TargetIndex with the manager's cache.
func IndexTargets(ctx context.Context, indexer client.FieldIndexer) error {
	return indexer.IndexField(ctx, &v1.RemediationPolicy{}, TargetIndex, TargetIndexValues)
}

// TargetIndexValues are a policy's values in TargetIndex.
func TargetIndexValues(o client.Object) []string {
	return TargetKeys(o.(*v1.RemediationPolicy).Spec.Target)
}

// CheckConflict finds a conflict among the policies that share a resource with policy (through TargetIndex).
func CheckConflict(ctx context.Context, reader client.Reader, policy *v1.RemediationPolicy) (*Conflict, error) {
	var sharing []v1.RemediationPolicy
	for _, key := range TargetKeys(policy.Spec.Target) {
		var list v1.RemediationPolicyList
		if err := reader.List(ctx, &list, client.MatchingFields{TargetIndex: key}); err != nil {
			return nil, err
		}
		sharing = append(sharing, list.Items...)
	}
	return FindConflict(sharing, policy), nil
}

// Message says who owns what, and, when the owner is not opted in either (the resource's opt-in tag, got,
// names another policy), says so: then neither policy acts until one of them goes.
func (c Conflict) Message(kind, got string) string {
	owner := c.Owner.Namespace + "/" + c.Owner.Name
	msg := fmt.Sprintf("%s %s is already targeted by RemediationPolicy %s, created earlier; this policy makes no change to it", kind, c.Resource(), owner)
	if got != c.Owner.OptInTagValue() {
		msg += fmt.Sprintf(". %s is not opted in either: the %s's tag %s is %q, not %q; delete one of the two policies and tag the %s for the other",
			owner, kind, v1.OptInTagKey, got, c.Owner.OptInTagValue(), kind)
	}
	return msg
}

func earlier(a, b *v1.RemediationPolicy) bool {
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	}
	return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name
}
