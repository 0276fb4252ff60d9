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

package v1alpha1_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/test/envtestutil"
)

var nameSeq int

func uniqueName() string {
	nameSeq++
	return fmt.Sprintf("policy-%d", nameSeq)
}

func validASGPolicy() *v1.RemediationPolicy {
	return &v1.RemediationPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: uniqueName(), Namespace: "default"},
		Spec: v1.RemediationPolicySpec{
			Target:  v1.TargetSpec{AutoScalingGroups: &v1.AutoScalingGroupsTarget{Names: []string{"cache-a", "cache-b", "cache-c"}}},
			Desired: v1.DesiredSpec{ImageID: "ami-0123456789abcdef0", InstanceType: "r6g.large"},
			Health:  v1.HealthSpec{Redis: &v1.RedisHealth{}},
		},
	}
}

// sentinelPolicy is validASGPolicy with its Redis nodes watched by three Sentinels.
func sentinelPolicy() *v1.RemediationPolicy {
	p := validASGPolicy()
	p.Spec.Health.Redis.Sentinel = &v1.RedisSentinel{Addresses: []string{"10.0.0.5:26379", "10.0.0.6:26379", "10.0.0.7:26379"}, MasterName: "sessions"}
	return p
}

func validElastiCachePolicy() *v1.RemediationPolicy {
	return &v1.RemediationPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: uniqueName(), Namespace: "default"},
		Spec: v1.RemediationPolicySpec{
			Target:  v1.TargetSpec{ElastiCache: &v1.ElastiCacheTarget{ReplicationGroupID: "sessions"}},
			Desired: v1.DesiredSpec{InstanceType: "cache.r6g.xlarge"},
		},
	}
}

func duration(s string) *metav1.Duration {
	d, err := time.ParseDuration(s)
	Expect(err).NotTo(HaveOccurred())
	return &metav1.Duration{Duration: d}
}

// expectRejected creates base changed by mutate and expects the apiserver to refuse it with message.
func expectRejected(base func() *v1.RemediationPolicy, mutate func(*v1.RemediationPolicy), message string) {
	policy := base()
	mutate(policy)
	err := env.Client.Create(ctx, policy)
	Expect(err).To(HaveOccurred(), "the apiserver accepted an invalid policy")
	Expect(err.Error()).To(ContainSubstring(message))
}

var _ = Describe("Admission validation", func() {
	DescribeTable("rejects an invalid policy with a message a human understands", expectRejected,
		Entry("a policy without any target", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Target = v1.TargetSpec{}
		}, "exactly one of target.autoScalingGroups or target.elastiCache must be set"),
		Entry("a policy with both an ASG and an ElastiCache target", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Target.ElastiCache = &v1.ElastiCacheTarget{ReplicationGroupID: "sessions"}
		}, "exactly one of target.autoScalingGroups or target.elastiCache must be set"),
		Entry("an ASG target without an imageId", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Desired.ImageID = ""
		}, "desired.imageId is required when the target is autoScalingGroups"),
		Entry("an ElastiCache target with an imageId", validElastiCachePolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Desired.ImageID = "ami-0123456789abcdef0"
		}, "desired.imageId must not be set for an elastiCache target"),
		Entry("a maintenance window whose cron has an hour 25", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Schedule = &v1.MaintenanceSchedule{Windows: []v1.MaintenanceWindow{{Cron: "0 25 * * *", Duration: metav1.Duration{Duration: time.Hour}}}}
		}, "must be a five-field cron expression"),
		Entry("a maintenance window given as @daily", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Schedule = &v1.MaintenanceSchedule{Windows: []v1.MaintenanceWindow{{Cron: "@daily", Duration: metav1.Duration{Duration: time.Hour}}}}
		}, "no seconds field, @descriptor, ? or TZ= prefix"),
		Entry("a maintenance window in a time zone that does not exist", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Schedule = &v1.MaintenanceSchedule{Windows: []v1.MaintenanceWindow{{Cron: "0 2 * * *", Duration: metav1.Duration{Duration: time.Hour}, TimeZone: "Europe/Atlantis"}}}
		}, "IANA time zone"),
		Entry("a maintenance window of 30 seconds", validElastiCachePolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Schedule = &v1.MaintenanceSchedule{Windows: []v1.MaintenanceWindow{{Cron: "0 2 * * *", Duration: metav1.Duration{Duration: 30 * time.Second}}}}
		}, "must be a duration from 1m to 168h"),
		Entry("a schedule without windows", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Schedule = &v1.MaintenanceSchedule{Windows: []v1.MaintenanceWindow{}}
		}, "spec.schedule.windows"),
		Entry("an AMI id with 5 hex digits", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Desired.ImageID = "ami-12345"
		}, "desired.imageId must be an AMI id: ami- followed by 8 or 17 lowercase hexadecimal digits"),
		Entry("an AMI id with upper-case hex", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Desired.ImageID = "ami-0123456789ABCDEF0"
		}, "desired.imageId must be an AMI id"),
		Entry("an image id that is not an AMI", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Desired.ImageID = "snap-01234567"
		}, "desired.imageId must be an AMI id"),
		Entry("an ASG target with a cache node type", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Desired.InstanceType = "cache.r6g.large"
		}, "desired.instanceType must be an EC2 instance type such as r6g.large"),
		Entry("an ASG target with an instance type without a size", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Desired.InstanceType = "r6glarge"
		}, "desired.instanceType must be an EC2 instance type"),
		Entry("an ElastiCache target with an EC2 instance type", validElastiCachePolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Desired.InstanceType = "r6g.large"
		}, "desired.instanceType must be a cache node type such as cache.r6g.large"),
		Entry("a policy without an instance type", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Desired.InstanceType = ""
		}, "spec.desired.instanceType"),
		Entry("an ASG target with no group names", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Target.AutoScalingGroups.Names = []string{}
		}, "should have at least 1 items"),
		Entry("an ASG target with an empty group name", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Target.AutoScalingGroups.Names = []string{"cache-a", ""}
		}, "should be at least 1 chars long"),
		Entry("an ASG target naming a group twice", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Target.AutoScalingGroups.Names = []string{"cache-a", "cache-b", "cache-a"}
		}, "target.autoScalingGroups.names must not repeat a group"),
		Entry("an ASG target with a group name that starts with a space", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Target.AutoScalingGroups.Names = []string{"cache-a", " cache-b"}
		}, "spec.target.autoScalingGroups.names[1]: Invalid value"),
		Entry("an ASG target with a group name that ends with a tab", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Target.AutoScalingGroups.Names = []string{"cache-a\t"}
		}, "spec.target.autoScalingGroups.names[0]: Invalid value"),
		Entry("an ASG target with neither a Redis nor an HTTP gate", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Health.Redis = nil
		}, "an autoScalingGroups target needs a data-plane gate: set health.redis or health.http"),
		Entry("an ASG target whose health section says nothing at all", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Health = v1.HealthSpec{StableFor: duration("10s")}
		}, "an autoScalingGroups target needs a data-plane gate"),
		Entry("an ASG target with a 256-character group name", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Target.AutoScalingGroups.Names = []string{strings.Repeat("a", 256)}
		}, "may not be more than 255 bytes"),
		Entry("an ElastiCache group id with an underscore", validElastiCachePolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Target.ElastiCache.ReplicationGroupID = "my_group"
		}, "replicationGroupId must start with a letter and contain only letters, digits and hyphens"),
		Entry("a stableFor of zero", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Health.StableFor = duration("0s")
		}, "health.stableFor must be a positive duration of at most 1h"),
		Entry("a stableFor of two hours", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Health.StableFor = duration("2h")
		}, "health.stableFor must be a positive duration of at most 1h"),
		Entry("a negative nodeTimeout", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Health.NodeTimeout = duration("-1m")
		}, "health.nodeTimeout must be a positive duration of at most 24h"),
		Entry("a nodeTimeout over a day", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Health.NodeTimeout = duration("25h")
		}, "health.nodeTimeout must be a positive duration of at most 24h"),
		Entry("a bake time over two days", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Strategy.Canary.BakeTime = duration("49h")
		}, "strategy.canary.bakeTime must be a duration between 0s and 48h"),
		Entry("a negative canary node count", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Strategy.Canary.Nodes = ptr.To[int32](-1)
		}, "should be greater than or equal to 0"),
		Entry("an unknown replacement strategy", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Strategy.Replacement = "YOLO"
		}, `supported values: "TerminateFirst", "SurgeFirst"`),
		Entry("a Redis port above 65535", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Health.Redis = &v1.RedisHealth{Port: 70000}
		}, "should be less than or equal to 65535"),
		Entry("a negative replication lag bound", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Health.Redis = &v1.RedisHealth{MaxReplicationLagBytes: ptr.To[int64](-1)}
		}, "should be greater than or equal to 0"),
		Entry("an HTTP status path without a leading slash", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Health.HTTP = &v1.HTTPHealth{Port: 8080, Path: "status"}
		}, "health.http.path must start with /"),
		Entry("keeping zero launch template versions", validASGPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Strategy.KeepLaunchTemplateVersions = -1
		}, "should be greater than or equal to 1"),
		Entry("a Sentinel without a master name", sentinelPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Health.Redis.Sentinel.MasterName = ""
		}, "health.redis.sentinel.masterName must be the name the Sentinels monitor the primary under (sentinel monitor <masterName> ...): not empty, without spaces"),
		Entry("a Sentinel master name with a space", sentinelPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Health.Redis.Sentinel.MasterName = "my master"
		}, "health.redis.sentinel.masterName must be the name the Sentinels monitor the primary under"),
		Entry("a Sentinel section without addresses", sentinelPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Health.Redis.Sentinel.Addresses = []string{}
		}, "spec.health.redis.sentinel.addresses: Invalid value: 0: spec.health.redis.sentinel.addresses in body should have at least 1 items"),
		Entry("a Sentinel address without a port", sentinelPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Health.Redis.Sentinel.Addresses = []string{"10.0.0.5:26379", "10.0.0.6"}
		}, "spec.health.redis.sentinel.addresses[1]: Invalid value: \"10.0.0.6\": health.redis.sentinel.addresses must be host:port with a port from 1 to 65535, such as 10.0.0.5:26379"),
		Entry("a Sentinel address on port 0", sentinelPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Health.Redis.Sentinel.Addresses = []string{"10.0.0.5:0"}
		}, "health.redis.sentinel.addresses must be host:port with a port from 1 to 65535"),
		Entry("a Sentinel address on a port above 65535", sentinelPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Health.Redis.Sentinel.Addresses = []string{"sentinel-0.cache.internal:65536"}
		}, "health.redis.sentinel.addresses must be host:port with a port from 1 to 65535"),
		Entry("a Sentinel address with a space in its host", sentinelPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Health.Redis.Sentinel.Addresses = []string{"sentinel 0:26379"}
		}, "health.redis.sentinel.addresses must be host:port"),
		Entry("a Sentinel address whose IPv6 host is not in brackets", sentinelPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Health.Redis.Sentinel.Addresses = []string{"fd00::5:26379"}
		}, "health.redis.sentinel.addresses must be host:port"),
		Entry("a Sentinel address with an IPv4 host out of range", sentinelPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Health.Redis.Sentinel.Addresses = []string{"10.0.0.256:26379"}
		}, "health.redis.sentinel.addresses: a host of digits and dots must be an IPv4 address (four numbers from 0 to 255)"),
		Entry("a Sentinel named twice", sentinelPolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Health.Redis.Sentinel.Addresses = []string{"10.0.0.5:26379", "10.0.0.6:26379", "10.0.0.5:26379"}
		}, "health.redis.sentinel.addresses must not repeat a Sentinel"),
		Entry("a Sentinel for an ElastiCache target", validElastiCachePolicy, func(p *v1.RemediationPolicy) {
			p.Spec.Health.Redis = &v1.RedisHealth{Sentinel: &v1.RedisSentinel{Addresses: []string{"10.0.0.5:26379"}, MasterName: "sessions"}}
		}, "health.redis.sentinel applies to autoScalingGroups targets only: ElastiCache fails its primaries over by itself"),
	)

	It("rejects a duration that is not a duration", func() {
		// metav1.Duration cannot hold "soon", so send the object as unstructured YAML.
		manifest := fmt.Sprintf(`{"apiVersion":"remediation.cache-remediator.io/v1alpha1","kind":"RemediationPolicy",
			"metadata":{"name":%q,"namespace":"default"},
			"spec":{"target":{"autoScalingGroups":{"names":["a"]}},"desired":{"imageId":"ami-01234567","instanceType":"m5.large"},
			"health":{"stableFor":"soon"}}}`, uniqueName())
		out, err := kubectl(strings.NewReader(manifest), "create", "-f", "-")
		Expect(err).To(HaveOccurred(), out)
		Expect(out).To(ContainSubstring("health.stableFor must be a positive duration"))
	})

	It("accepts an ASG target on EC2 checks alone only when the spec says so explicitly", func() {
		policy := validASGPolicy()
		policy.Spec.Health = v1.HealthSpec{UnsafeSkipDataPlaneGates: true}
		Expect(env.Client.Create(ctx, policy)).To(Succeed())
		policy = validASGPolicy()
		policy.Spec.Health = v1.HealthSpec{HTTP: &v1.HTTPHealth{Port: 8080, Path: "/status"}}
		Expect(env.Client.Create(ctx, policy)).To(Succeed(), "an HTTP gate is a data-plane gate")
		policy = validElastiCachePolicy()
		Expect(env.Client.Create(ctx, policy)).To(Succeed(), "ElastiCache targets need no Redis or HTTP gate")
	})

	It("accepts Sentinels named by IPv4 address, DNS name or bracketed IPv6 address", func() {
		policy := sentinelPolicy()
		policy.Spec.Health.Redis.Sentinel.Addresses = []string{"10.0.0.5:26379", "sentinel-0.cache.internal:26379", "[fd00::5]:26379", "sentinel:1", "255.255.255.255:65535"}
		policy.Spec.Health.Redis.Sentinel.PasswordSecretRef = &v1.SecretKeyReference{Name: "sentinel-auth", Key: "password"}
		Expect(env.Client.Create(ctx, policy)).To(Succeed())
	})

	It("accepts a group name with a space inside it, as Auto Scaling does", func() {
		policy := validASGPolicy()
		policy.Spec.Target.AutoScalingGroups.Names = []string{"cache group a"}
		Expect(env.Client.Create(ctx, policy)).To(Succeed())
	})

	It("refuses to point an existing policy at another cluster", func() {
		policy := validASGPolicy()
		Expect(env.Client.Create(ctx, policy)).To(Succeed())
		policy.Spec.Target.AutoScalingGroups.Names = []string{"other-a"}
		err := env.Client.Update(ctx, policy)
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring("target is immutable: create a new RemediationPolicy to remediate another cluster"))
	})

	It("still lets the user change the desired AMI and type of an existing policy", func() {
		policy := validASGPolicy()
		Expect(env.Client.Create(ctx, policy)).To(Succeed())
		policy.Spec.Desired = v1.DesiredSpec{ImageID: "ami-89abcdef", InstanceType: "r6g.xlarge"}
		Expect(env.Client.Update(ctx, policy)).To(Succeed())
	})

	It("accepts every sample in config/samples", func() {
		samples, err := filepath.Glob(filepath.Join(envtestutil.RepoRoot(), "config", "samples", "*.yaml"))
		Expect(err).NotTo(HaveOccurred())
		accepted := 0
		for _, file := range samples {
			if filepath.Base(file) == "kustomization.yaml" {
				continue
			}
			data, err := os.ReadFile(file)
			Expect(err).NotTo(HaveOccurred())
			policy := &v1.RemediationPolicy{}
			Expect(yaml.UnmarshalStrict(data, policy)).To(Succeed(), file)
			Expect(env.Client.Create(ctx, policy)).To(Succeed(), file)
			accepted++
		}
		Expect(accepted).To(Equal(4))
	})
})

var _ = Describe("kubectl get rp", func() {
	It("shows target, image, type, progress, phase, node and age, and the blocking reason with -o wide", func() {
		policy := validASGPolicy()
		policy.Name = "sessions"
		Expect(env.Client.Create(ctx, policy)).To(Succeed())
		policy.Status = v1.RemediationPolicyStatus{
			Target: "asg/cache-a(+2)", UpdatedNodes: 2, TotalNodes: 3, Updated: "2/3", Phase: v1.PhaseProgressing,
			CurrentStep: &v1.StepStatus{Type: v1.StepReplaceNode, Purpose: v1.PurposeRollout, InstanceID: "i-0abc",
				Goal: v1.ImageAndType{ImageID: "ami-0123456789abcdef0", InstanceType: "r6g.large"}, StartedAt: metav1.Now()},
			BlockedBy: "GateBlocked",
			Schedule:  &v1.ScheduleStatus{Open: true, Window: "open until 2026-11-24T06:00:00+01:00"},
			Plan:      &v1.PlanStatus{Remaining: 2, Next: "ReplaceNode i-0def (us-east-1b, Replica)"},
		}
		Expect(env.Client.Status().Update(ctx, policy)).To(Succeed())

		out, err := kubectl(nil, "get", "rp", "sessions", "-n", "default")
		Expect(err).NotTo(HaveOccurred(), out)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		Expect(lines).To(HaveLen(2))
		Expect(strings.Fields(lines[0])).To(Equal([]string{"NAME", "TARGET", "IMAGE", "TYPE", "UPDATED", "PHASE", "NODE", "WINDOW", "AGE"}))
		Expect(lines[1]).To(ContainSubstring("open until 2026-11-24T06:00:00+01:00"), "the maintenance window shows without -o wide")
		Expect(strings.Fields(lines[1])[:7]).To(Equal([]string{"sessions", "asg/cache-a(+2)", "ami-0123456789abcdef0", "r6g.large", "2/3", "Progressing", "i-0abc"}))

		wide, err := kubectl(nil, "get", "remediationpolicies", "sessions", "-n", "default", "-o", "wide")
		Expect(err).NotTo(HaveOccurred(), wide)
		Expect(wide).To(ContainSubstring("STEP"))
		Expect(wide).To(ContainSubstring("BLOCKED-BY"))
		Expect(wide).To(MatchRegexp(`ReplaceNode\s+GateBlocked\s`), "BLOCKED-BY holds the reason, not a sentence")
		Expect(wide).To(ContainSubstring("NEXT"))
		Expect(wide).To(ContainSubstring("ReplaceNode i-0def (us-east-1b, Replica)"), "-o wide shows the next step of the plan")
		Expect(wide).To(ContainSubstring("ReplaceNode"))
	})
})

// kubectl runs the kubectl built with the envtest binaries against the test apiserver and returns its
// combined output.
func kubectl(stdin io.Reader, args ...string) (string, error) {
	k := env.ControlPlane.KubeCtl()
	path := k.Path
	if path == "" {
		path = filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl")
	}
	cmd := exec.Command(path, append(append([]string{}, k.Opts...), args...)...)
	cmd.Stdin = stdin
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}
