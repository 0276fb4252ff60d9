/*
Copyright 2026 The cache-remediator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package asgengine

import (
	"context"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
)

// badTarget is an outcome for a target that cannot be remediated as specified.
func badTarget(reason, message string) outcome {
	return outcome{phase: v1.PhaseBlocked, reason: reason, message: message, degraded: true}
}

// refusal is the block for an AWS error that retrying cannot fix (AccessDenied, a malformed request): the
// policy waits for the permissions or the target to change, and says so. It is nil for an error worth
// retrying with backoff (throttling, a server error, a timeout).
func refusal(what string, err error) *outcome {
	if awsclient.Code(err) == "" || awsclient.IsRetryable(err) {
		return nil
	}
	o := badTarget(v1.ReasonAWSError, fmt.Sprintf("%s was refused: %v", what, err))
	return &o
}

// validate checks the target before a new step touches it: no other policy claims its groups, every group
// exists and opted in by tag, the AMI exists and is available, the instance type exists and runs the AMI's
// architecture. Only describes are called. A transient AWS error is returned as an error.
func (e *Engine) validate(ctx context.Context, policy *v1.RemediationPolicy, now time.Time) (*outcome, error) {
	goal := policy.Spec.Desired.Goal()
	key := string(policy.UID) + "/" + goal.String()
	e.mu.Lock()
	at, ok := e.validated[key]
	e.mu.Unlock()
	if ok && now.Sub(at) < e.ValidationTTL {
		return nil, nil
	}
	if o, err := e.conflict(ctx, policy); o != nil || err != nil {
		return o, err
	}
	names := policy.Spec.Target.AutoScalingGroups.Names
	groups, err := awsclient.DescribeGroups(ctx, e.AWS.AutoScaling, names)
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		g, ok := groups[name]
		if !ok {
			o := badTarget(v1.ReasonGroupNotFound, fmt.Sprintf("auto scaling group %s does not exist", name))
			return &o, nil
		}
		if got := g.Tags[v1.OptInTagKey]; got != policy.OptInTagValue() {
			o := badTarget(v1.ReasonNotOptedIn, fmt.Sprintf("auto scaling group %s does not carry the tag %s=%s (it has %q); tag it to let this policy act on it",
				name, v1.OptInTagKey, policy.OptInTagValue(), got))
			return &o, nil
		}
	}
	img, err := awsclient.DescribeImage(ctx, e.AWS.EC2, goal.ImageID)
	switch {
	case awsclient.IsNotFound(err):
		o := badTarget(v1.ReasonImageNotFound, fmt.Sprintf("AMI %s does not exist (or is not shared with this account)", goal.ImageID))
		return &o, nil
	case err != nil:
		return nil, err
	case img.State != "available":
		o := badTarget(v1.ReasonImageNotAvailable, fmt.Sprintf("AMI %s is %s, not available", goal.ImageID, img.State))
		return &o, nil
	}
	it, err := awsclient.DescribeInstanceType(ctx, e.AWS.EC2, goal.InstanceType)
	switch {
	case awsclient.IsNotFound(err):
		o := badTarget(v1.ReasonInstanceTypeNotFound, fmt.Sprintf("instance type %s does not exist in this region", goal.InstanceType))
		return &o, nil
	case err != nil:
		return nil, err
	case !slices.Contains(it.Architectures, img.Architecture):
		o := badTarget(v1.ReasonArchitectureMismatch, fmt.Sprintf("AMI %s is %s but instance type %s runs %v", goal.ImageID, img.Architecture, goal.InstanceType, it.Architectures))
		return &o, nil
	}
	e.mu.Lock()
	if e.validated == nil {
		e.validated = map[string]time.Time{}
	}
	e.validated[key] = now
	e.mu.Unlock()
	return nil, nil
}

// conflict blocks the later of two policies that target the same group: two controllers of one node
// would each believe the other's replacement is theirs.
func (e *Engine) conflict(ctx context.Context, policy *v1.RemediationPolicy) (*outcome, error) {
	var all v1.RemediationPolicyList
	if err := e.Client.List(ctx, &all); err != nil {
		return nil, err
	}
	for i := range all.Items {
		other := &all.Items[i]
		if other.UID == policy.UID || other.Spec.Target.AutoScalingGroups == nil || !other.DeletionTimestamp.IsZero() || !earlier(other, policy) {
			continue
		}
		for _, name := range policy.Spec.Target.AutoScalingGroups.Names {
			if slices.Contains(other.Spec.Target.AutoScalingGroups.Names, name) {
				o := badTarget(v1.ReasonConflict, fmt.Sprintf("auto scaling group %s is already targeted by RemediationPolicy %s", name, client.ObjectKeyFromObject(other)))
				return &o, nil
			}
		}
	}
	return nil, nil
}

func earlier(a, b *v1.RemediationPolicy) bool {
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	}
	return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name
}

// redisPassword reads the password from the referenced Secret. A missing Secret or key blocks the policy.
func (e *Engine) redisPassword(ctx context.Context, policy *v1.RemediationPolicy) (string, *outcome, error) {
	r := policy.Spec.Health.Redis
	if r == nil || r.PasswordSecretRef == nil {
		return "", nil, nil
	}
	ref := r.PasswordSecretRef
	secret := &corev1.Secret{}
	if err := e.Client.Get(ctx, client.ObjectKey{Namespace: policy.Namespace, Name: ref.Name}, secret); err != nil {
		if client.IgnoreNotFound(err) != nil {
			return "", nil, err
		}
		o := badTarget(v1.ReasonInvalidSpec, fmt.Sprintf("health.redis.passwordSecretRef: Secret %s/%s does not exist", policy.Namespace, ref.Name))
		return "", &o, nil
	}
	value, ok := secret.Data[ref.Key]
	if !ok {
		o := badTarget(v1.ReasonInvalidSpec, fmt.Sprintf("health.redis.passwordSecretRef: Secret %s/%s has no key %s", policy.Namespace, ref.Name, ref.Key))
		return "", &o, nil
	}
	return string(value), nil, nil
}
