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
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/smithy-go/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Options tune the SDK configuration.
type Options struct {
	// RequestsPerSecond is the client-side rate limit per service, so a large fleet never storms the API.
	// Defaults to 10 with a burst of 20.
	RequestsPerSecond float64
	Burst             int
	// MaxAttempts per call, counting the first. Defaults to 5; throttling is retried with jittered backoff.
	MaxAttempts int
	// MaxBackoff caps the delay between attempts. Defaults to 20s.
	MaxBackoff time.Duration
}

func (o Options) withDefaults() Options {
	if o.RequestsPerSecond <= 0 {
		o.RequestsPerSecond = 10
	}
	if o.Burst <= 0 {
		o.Burst = 2 * int(o.RequestsPerSecond)
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 20 * time.Second
	}
	return o
}

// LoadConfig builds the SDK configuration the usual way (environment, shared config, IRSA web identity, EKS
// Pod Identity), so AWS_ENDPOINT_URL_* can point the manager at a simulator without code changes.
// controllers.Setup adds the controller's retry, rate-limit and metrics behaviour.
func LoadConfig(ctx context.Context) (aws.Config, error) {
	return config.LoadDefaultConfig(ctx)
}

// Instrument adds the retryer, the per-service rate limiter and call accounting to cfg.
func Instrument(cfg *aws.Config, opts Options) {
	opts = opts.withDefaults()
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = opts.MaxAttempts
			o.MaxBackoff = opts.MaxBackoff
			// Without a retry token bucket, a burst of throttles cannot exhaust retries for the whole fleet;
			// the rate limiter bounds the load instead.
			o.RateLimiter = ratelimit.None
		})
	}
	limiters := &serviceLimiters{limit: rate.Limit(opts.RequestsPerSecond), burst: opts.Burst, byService: map[string]*rate.Limiter{}}
	cfg.APIOptions = append(cfg.APIOptions, func(stack *middleware.Stack) error {
		// After the retry middleware, so that every attempt is limited and counted.
		return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("CacheRemediatorAccounting",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				service, operation := awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx)
				if err := limiters.get(service).Wait(ctx); err != nil {
					return middleware.FinalizeOutput{}, middleware.Metadata{}, err
				}
				out, md, err := next.HandleFinalize(ctx, in)
				outcome := "success"
				if err != nil {
					outcome = string(Classify(err))
				}
				awsCalls.WithLabelValues(service, operation, outcome).Inc()
				if c := counterFrom(ctx); c != nil {
					c.add(operation)
				}
				if ids := requestIDsFrom(ctx); ids != nil {
					ids.add(requestID(md, err))
				}
				if clock := serverClockFrom(ctx); clock != nil {
					if at, ok := awsmiddleware.GetServerTime(md); ok {
						clock.saw(at)
					}
				}
				return out, md, err
			}), middleware.After)
	})
}

type serviceLimiters struct {
	mu        sync.Mutex
	limit     rate.Limit
	burst     int
	byService map[string]*rate.Limiter
}

func (l *serviceLimiters) get(service string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim := l.byService[service]
	if lim == nil {
		lim = rate.NewLimiter(l.limit, l.burst)
		l.byService[service] = lim
	}
	return lim
}

// awsCalls counts every AWS API attempt by service, operation and outcome.
var awsCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "cache_remediator_aws_api_calls_total",
	Help: "AWS API call attempts by service, operation and outcome (success, Throttled, NotFound, Invalid, InProgress, Transient).",
}, []string{"service", "operation", "outcome"})

func init() {
	crmetrics.Registry.MustRegister(awsCalls)
}

// CallCounter counts the AWS calls made with a context that carries it (see WithCallCounter), e.g. the
// calls of one reconcile or one rollout.
type CallCounter struct {
	mu          sync.Mutex
	total       int
	byOperation map[string]int
}

// Total is the number of calls counted.
func (c *CallCounter) Total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}

func (c *CallCounter) add(operation string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total++
	if c.byOperation == nil {
		c.byOperation = map[string]int{}
	}
	c.byOperation[operation]++
}

type counterKey struct{}

// WithCallCounter returns a context whose AWS calls are counted in c.
func WithCallCounter(ctx context.Context, c *CallCounter) context.Context {
	return context.WithValue(ctx, counterKey{}, c)
}

func counterFrom(ctx context.Context) *CallCounter {
	c, _ := ctx.Value(counterKey{}).(*CallCounter)
	return c
}

// RequestIDs collects the AWS request ids of the calls made with a context that carries it (see
// WithRequestIDs), so that the audit log of a mutation names them.
type RequestIDs struct {
	mu  sync.Mutex
	ids []string
}

// All returns the ids collected, in call order.
func (r *RequestIDs) All() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.ids...)
}

func (r *RequestIDs) add(id string) {
	if id == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids = append(r.ids, id)
}

type requestIDsKey struct{}

// WithRequestIDs returns a context whose AWS calls' request ids are collected in the returned RequestIDs.
func WithRequestIDs(ctx context.Context) (context.Context, *RequestIDs) {
	ids := &RequestIDs{}
	return context.WithValue(ctx, requestIDsKey{}, ids), ids
}

func requestIDsFrom(ctx context.Context) *RequestIDs {
	ids, _ := ctx.Value(requestIDsKey{}).(*RequestIDs)
	return ids
}

// requestID is the request id AWS gave an attempt: from the response metadata, or from the error.
func requestID(md middleware.Metadata, err error) string {
	if id, ok := awsmiddleware.GetRequestIDMetadata(md); ok && id != "" {
		return id
	}
	var withID interface{ ServiceRequestID() string }
	if errors.As(err, &withID) {
		return withID.ServiceRequestID()
	}
	return ""
}

// Clients are the service clients built from one configuration.
type Clients struct {
	AutoScaling AutoScalingAPI
	EC2         EC2API
	ElastiCache ElastiCacheAPI
	CloudWatch  CloudWatchAPI
}

// NewClients builds the real SDK clients from cfg.
func NewClients(cfg aws.Config) Clients {
	return Clients{
		AutoScaling: autoscaling.NewFromConfig(cfg),
		EC2:         ec2.NewFromConfig(cfg),
		ElastiCache: elasticache.NewFromConfig(cfg),
		CloudWatch:  cloudwatch.NewFromConfig(cfg),
	}
}
