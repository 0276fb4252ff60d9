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

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/probe"
)

// RedisCredentials reads what the policy's Redis gate authenticates with from the Secrets it names. A
// missing Secret or key is a spec problem, returned as a non-empty message (and no error); an error is an
// API server failure worth retrying.
func RedisCredentials(ctx context.Context, reader client.Reader, policy *v1.RemediationPolicy) (probe.RedisCredentials, string, error) {
	r := policy.Spec.Health.Redis
	if r == nil || r.PasswordSecretRef == nil {
		return probe.RedisCredentials{}, "", nil
	}
	password, problem, err := secretValue(ctx, reader, policy.Namespace, *r.PasswordSecretRef, "health.redis.passwordSecretRef")
	return probe.RedisCredentials{Password: password}, problem, err
}

func secretValue(ctx context.Context, reader client.Reader, namespace string, ref v1.SecretKeyReference, field string) (string, string, error) {
	secret := &corev1.Secret{}
	if err := reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: ref.Name}, secret); err != nil {
		if client.IgnoreNotFound(err) != nil {
			return "", "", err
		}
		return "", fmt.Sprintf("%s: Secret %s/%s does not exist", field, namespace, ref.Name), nil
	}
	value, ok := secret.Data[ref.Key]
	if !ok {
		return "", fmt.Sprintf("%s: Secret %s/%s has no key %s", field, namespace, ref.Name, ref.Key), nil
	}
	return string(value), "", nil
}
