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

package asgengine

import (
	"context"
	"errors"
	"fmt"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers/asgobservation"
	"github.com/cache-remediator/cache-remediator/controllers/probe"
	"github.com/cache-remediator/cache-remediator/controllers/rollout"
)

// sentinelWritePause is how long the old primary holds its writes in a hand-off through Sentinel: long
// enough for Sentinel to promote a replica (it looks for the promotion every second) and for the next
// reconcile, which comes right away, to demote the old primary and release them. It bounds the hold if the
// controller dies half-way.
const sentinelWritePause = 10 * time.Second

// catchUpPoll is how often the replicas' offsets are read while they catch up with the held writes.
const catchUpPoll = 10 * time.Millisecond

// sentinelFailover hands the step's primary off through Sentinel without losing an acknowledged write. It
// holds the primary's writes (CLIENT PAUSE WRITE, as Redis' own FAILOVER does), waits until every replica
// that follows it has all of them (whichever one Sentinel promotes then has every acknowledged write), and
// asks the Sentinels in spec order until one answers SENTINEL FAILOVER. If the replicas do not catch up in
// time, or Sentinel refuses, the writes are released and the step records why: the planner asks again, a
// bounded number of times. An error means no Sentinel or node could be asked; the writes are released then
// too.
func (e *Engine) sentinelFailover(ctx context.Context, policy *v1.RemediationPolicy, c *asgobservation.Cluster, redis RedisActions, sentinel SentinelActions, step *v1.StepStatus) error {
	masterName := policy.Spec.Health.Redis.Sentinel.MasterName
	port := policy.Spec.Health.Redis.PortOrDefault()
	old, _ := c.Node(step.InstanceID)
	if step.ASG == nil {
		step.ASG = &v1.ASGStepStatus{}
	}
	err := rollout.Mutate(ctx, "RedisPauseWrites", []any{"instanceId", old.InstanceID,
		"redisCommand", fmt.Sprintf("CLIENT PAUSE %d WRITE", sentinelWritePause.Milliseconds())}, func(ctx context.Context) error {
		return redis.PauseWrites(ctx, old.PrivateIP, port, sentinelWritePause)
	})
	if err != nil {
		return err
	}
	lagging, err := e.awaitReplicas(ctx, redis, c, old, port)
	if err != nil || lagging != "" {
		releaseWrites(ctx, redis, old, port)
		step.ASG.HandOffRefusal = lagging
		return err
	}
	var unreachable error
	for _, address := range policy.Spec.Health.Redis.Sentinel.Addresses {
		err := rollout.Mutate(ctx, "SentinelFailover", []any{"instanceId", old.InstanceID, "sentinel", address,
			"redisCommand", "SENTINEL FAILOVER " + masterName}, func(ctx context.Context) error {
			return sentinel.Failover(ctx, address, masterName)
		})
		var refusal *probe.FailoverRefusal
		switch {
		case err == nil:
			step.ASG.HandOffRefusal = ""
			return nil
		case errors.As(err, &refusal):
			releaseWrites(ctx, redis, old, port)
			step.ASG.HandOffRefusal = refusal.Error()
			return nil
		}
		unreachable = err
	}
	releaseWrites(ctx, redis, old, port)
	return fmt.Errorf("no Sentinel could be asked to fail %s over: %w", masterName, unreachable)
}

// awaitReplicas waits until every replica that follows the primary has reached the primary's replication
// offset, for at most the engine's catch-up time. It returns which replica did not, or an error when a
// node cannot be read.
func (e *Engine) awaitReplicas(ctx context.Context, redis RedisActions, c *asgobservation.Cluster, primary asgobservation.Node, port int32) (string, error) {
	var replicas []asgobservation.Node
	for _, n := range c.Serving() {
		if n.Role() == v1.RoleReplica && n.Redis.MasterHost == primary.PrivateIP {
			replicas = append(replicas, n)
		}
	}
	timeout := e.ReplicaCatchUp
	if timeout == 0 {
		timeout = handOffTimeout
	}
	deadline := time.Now().Add(timeout)
	for {
		target, err := redis.ReplicationOffset(ctx, primary.PrivateIP, port)
		if err != nil {
			return "", fmt.Errorf("reading the replication offset of %s: %w", primary.InstanceID, err)
		}
		behind := ""
		for _, n := range replicas {
			offset, err := redis.ReplicationOffset(ctx, n.PrivateIP, port)
			if err != nil {
				return "", fmt.Errorf("reading the replication offset of %s: %w", n.InstanceID, err)
			}
			if offset < target {
				behind = fmt.Sprintf("replica %s was still %d bytes behind the held writes of %s after %s", n.InstanceID, target-offset, primary.InstanceID, timeout)
				break
			}
		}
		if behind == "" || time.Now().After(deadline) {
			return behind, nil
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(catchUpPoll):
		}
	}
}

// releaseWrites lets the old primary's held writes go on. If it cannot, they are released when the pause
// ends (sentinelWritePause), so a failure is logged, not returned: the hand-off's own outcome matters more.
func releaseWrites(ctx context.Context, redis RedisActions, n asgobservation.Node, port int32) {
	err := rollout.Mutate(ctx, "RedisUnpauseWrites", []any{"instanceId", n.InstanceID, "redisCommand", "CLIENT UNPAUSE"}, func(ctx context.Context) error {
		return redis.UnpauseWrites(ctx, n.PrivateIP, port)
	})
	if err != nil {
		ctrl.LoggerFrom(ctx).Info("Writes stay held until the pause ends", "instanceId", n.InstanceID, "pause", sentinelWritePause)
	}
}

// demoteOldPrimary makes the old primary, its writes held, a replica of the node Sentinel promoted, as
// Sentinel itself would once the held writes let its command through, and then releases the writes: they
// fail with READONLY, so no write is acknowledged by a node that is no longer the primary, and clients ask
// Sentinel again.
func (e *Engine) demoteOldPrimary(ctx context.Context, policy *v1.RemediationPolicy, c *asgobservation.Cluster, redis RedisActions, step *v1.StepStatus) error {
	port := policy.Spec.Health.Redis.PortOrDefault()
	old, _ := c.Node(step.InstanceID)
	promoted, ok := c.SentinelPromoted(old)
	if !ok {
		return fmt.Errorf("the Sentinels do not agree on the primary %s is to follow", old.InstanceID)
	}
	if err := replicaOf(ctx, redis, old, promoted, port); err != nil {
		return err
	}
	releaseWrites(ctx, redis, old, port)
	return nil
}
