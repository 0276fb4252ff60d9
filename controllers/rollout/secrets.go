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
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/probe"
)

// RedisCredentials reads what the policy's Redis gate authenticates and encrypts with: the ACL user, the
// password (or AUTH token) and the TLS trust from the Secrets the spec names. A missing Secret or key, or a
// CA that is not PEM, is a spec problem, returned as a non-empty message (and no error); an error is an API
// server failure worth retrying.
func RedisCredentials(ctx context.Context, reader client.Reader, policy *v1.RemediationPolicy) (probe.RedisCredentials, string, error) {
	r := policy.Spec.Health.Redis
	if r == nil {
		return probe.RedisCredentials{}, "", nil
	}
	creds := probe.RedisCredentials{Username: r.Username}
	if ref := r.PasswordSecretRef; ref != nil {
		password, problem, err := secretValue(ctx, reader, policy.Namespace, *ref, "health.redis.passwordSecretRef")
		if problem != "" || err != nil {
			return creds, problem, err
		}
		creds.Password = password
	}
	if t := r.TLS; t != nil {
		creds.TLS = &tls.Config{ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify, MinVersion: tls.VersionTLS12} //nolint:gosec // the user asked for it, and the field says what it costs
		if ref := t.CASecretRef; ref != nil {
			pem, problem, err := secretValue(ctx, reader, policy.Namespace, *ref, "health.redis.tls.caSecretRef")
			if problem != "" || err != nil {
				return creds, problem, err
			}
			roots := x509.NewCertPool()
			if !roots.AppendCertsFromPEM([]byte(pem)) {
				return creds, fmt.Sprintf("health.redis.tls.caSecretRef: key %s of Secret %s/%s holds no PEM certificate", ref.Key, policy.Namespace, ref.Name), nil
			}
			creds.TLS.RootCAs = roots
		}
	}
	return creds, "", nil
}

// SentinelCredentials reads what the policy's Sentinels (health.redis.sentinel) authenticate with: their own
// ACL user and password. They are reached over TLS as the nodes are, so the nodes' credentials give the TLS
// trust. Problems and errors are returned as RedisCredentials returns them.
func SentinelCredentials(ctx context.Context, reader client.Reader, policy *v1.RemediationPolicy, nodes probe.RedisCredentials) (probe.RedisCredentials, string, error) {
	r := policy.Spec.Health.Redis
	if r == nil || r.Sentinel == nil {
		return probe.RedisCredentials{}, "", nil
	}
	creds := probe.RedisCredentials{Username: r.Sentinel.Username, TLS: nodes.TLS}
	if ref := r.Sentinel.PasswordSecretRef; ref != nil {
		password, problem, err := secretValue(ctx, reader, policy.Namespace, *ref, "health.redis.sentinel.passwordSecretRef")
		if problem != "" || err != nil {
			return creds, problem, err
		}
		creds.Password = password
	}
	return creds, "", nil
}

// RedisCredentials reads the policy's Redis credentials; when it cannot, it returns the outcome to report
// instead: a spec that names a missing Secret or key blocks until it is fixed, an API error is retried.
func (r Request) RedisCredentials(ctx context.Context, reader client.Reader, blocked time.Duration) (probe.RedisCredentials, *Outcome, error) {
	credentials, problem, err := RedisCredentials(ctx, reader, r.Policy)
	return credentials, r.unusableCredentials(problem, err, blocked), err
}

// SentinelCredentials reads the policy's Sentinel credentials, or returns the outcome to report instead, as
// RedisCredentials does.
func (r Request) SentinelCredentials(ctx context.Context, reader client.Reader, nodes probe.RedisCredentials, blocked time.Duration) (probe.RedisCredentials, *Outcome, error) {
	credentials, problem, err := SentinelCredentials(ctx, reader, r.Policy, nodes)
	return credentials, r.unusableCredentials(problem, err, blocked), err
}

// unusableCredentials is the outcome of credentials that could not be read: an API error is retried, a spec
// problem blocks until it is fixed; nil when they were read.
func (r Request) unusableCredentials(problem string, err error, blocked time.Duration) *Outcome {
	if err != nil {
		o := Transient(err)
		return &o
	}
	if problem != "" {
		o := r.BadTarget(v1.ReasonInvalidSpec, problem, blocked)
		return &o
	}
	return nil
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
