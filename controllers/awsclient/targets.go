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

package awsclient

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// Target is where, and as whom, a policy's AWS calls go: a region (empty: the controller's own) and a role
// to assume there (empty: the controller's own credentials), with the external ID its trust policy wants.
type Target struct {
	Region, RoleARN, ExternalID string
}

// IsDefault says whether the target is the controller's own region and credentials.
func (t Target) IsDefault() bool { return t == Target{} }

// RoleSessionName names the controller's sessions in the target accounts' CloudTrail
// (arn:aws:sts::<account>:assumed-role/<role>/cache-remediator). It is the same for every policy because
// the clients, and so the session, are shared by every policy of a target (one AssumeRole per target per
// hour, however many policies); what a policy did is joined to CloudTrail by the AWS request ids the
// controller's audit log writes for every mutation.
const RoleSessionName = "cache-remediator"

// ClientCache hands out the clients of each target, built on first use and kept: those of one target share
// one cached, refreshed set of assumed-role credentials, and the controller's own clients serve every
// policy without spec.aws exactly as before.
type ClientCache struct {
	base     aws.Config
	defaults Clients
	sts      *sts.Client

	mu       sync.Mutex
	byTarget map[Target]*targetClients
}

type targetClients struct {
	clients Clients
	// credentials is nil when the target uses the controller's own credentials (a region only).
	credentials *aws.CredentialsCache
}

// NewClientCache serves targets from base, an instrumented configuration (see Instrument) with the
// controller's own credentials. STS is called with those credentials, in the controller's own region,
// through the same endpoint resolution as every other client (AWS_ENDPOINT_URL_STS, BaseEndpoint).
func NewClientCache(base aws.Config) *ClientCache {
	return &ClientCache{base: base, defaults: NewClients(base), sts: sts.NewFromConfig(base), byTarget: map[Target]*targetClients{}}
}

// Default returns the controller's own clients.
func (c *ClientCache) Default() Clients { return c.defaults }

// For returns the clients of t. It does not call AWS: credentials are assumed on the first call made with
// them, or by Ready.
func (c *ClientCache) For(t Target) Clients {
	if t.IsDefault() {
		return c.defaults
	}
	return c.get(t).clients
}

// Ready makes sure t's credentials can be had: for a role, the cached credentials, or a new AssumeRole
// when they are missing or about to expire. An error is STS's (see AssumeRoleFailure); a role the
// controller may not assume is refused here, before any call is made with it.
func (c *ClientCache) Ready(ctx context.Context, t Target) error {
	if t.RoleARN == "" {
		return nil
	}
	_, err := c.get(t).credentials.Retrieve(ctx)
	return err
}

func (c *ClientCache) get(t Target) *targetClients {
	c.mu.Lock()
	defer c.mu.Unlock()
	if tc := c.byTarget[t]; tc != nil {
		return tc
	}
	cfg := c.base.Copy()
	tc := &targetClients{}
	if t.Region != "" {
		cfg.Region = t.Region
	}
	if t.RoleARN != "" {
		provider := stscreds.NewAssumeRoleProvider(c.sts, t.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = RoleSessionName
			if t.ExternalID != "" {
				o.ExternalID = aws.String(t.ExternalID)
			}
		})
		// Refreshed two and a half to five minutes before they expire (jittered, so that many targets do
		// not refresh at once): a call never starts with credentials about to lapse.
		tc.credentials = aws.NewCredentialsCache(provider, func(o *aws.CredentialsCacheOptions) {
			o.ExpiryWindow, o.ExpiryWindowJitterFrac = 5*time.Minute, 0.5
		})
		cfg.Credentials = tc.credentials
		forgetExpired(&cfg, tc.credentials)
	}
	tc.clients = NewClients(cfg)
	c.byTarget[t] = tc
	return tc
}

// expiredCodes are AWS's answers to a call signed with session credentials that are no longer valid.
var expiredCodes = []string{"ExpiredToken", "ExpiredTokenException", "RequestExpired"}

// forgetExpired makes the clients of cfg drop their cached credentials when AWS says they expired, and
// retry the call, which assumes the role again: the cache refreshes by the expiry STS gave in the
// controller's clock, and a clock that is off (or a session revoked early) would otherwise fail every
// call until the cached expiry passes. The SDK's v1 did the same on ExpiredToken.
func forgetExpired(cfg *aws.Config, creds *aws.CredentialsCache) {
	base := cfg.Retryer
	cfg.Retryer = func() aws.Retryer {
		var r aws.Retryer
		if base != nil {
			r = base()
		} else {
			r = retry.NewStandard()
		}
		return retry.AddWithErrorCodes(r, expiredCodes...)
	}
	cfg.APIOptions = append(cfg.APIOptions, func(stack *middleware.Stack) error {
		// In Finalize after the retry middleware, so every attempt's error is seen before the next attempt
		// signs again.
		return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("CacheRemediatorForgetExpiredCredentials",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleFinalize(ctx, in)
				if code := Code(err); code != "" {
					for _, expired := range expiredCodes {
						if code == expired {
							creds.Invalidate()
						}
					}
				}
				return out, md, err
			}), middleware.After)
	})
}

// AssumeRoleFailure says whether err is STS failing an AssumeRole (the role could not be assumed), however
// deep the SDK wrapped it: in a call made with the role's credentials, it is the credentials' error, not
// the call's.
func AssumeRoleFailure(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		var op *smithy.OperationError
		if errors.As(e, &op) && op.ServiceID == "STS" && op.OperationName == "AssumeRole" {
			return true
		}
	}
	return false
}

// ExplainAssumeRole says in words why t's role could not be assumed.
func ExplainAssumeRole(t Target, err error) string {
	text := fmt.Sprintf("assuming role %s", t.RoleARN)
	if t.ExternalID != "" {
		text += " with the external ID of spec.aws.externalId"
	}
	return text + " was refused: " + Explain(err)
}
