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

package awsclient_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	. "github.com/onsi/gomega"

	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
	"github.com/cache-remediator/cache-remediator/controllers/awsclient"
)

var ctx = context.Background()

func TestClassifyPutsEveryErrorOnOneOfFivePaths(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want awsclient.ErrorKind
	}{
		{"no error is no kind", nil, awsclient.KindNone},
		{"Auto Scaling throttling is throttled", &smithy.GenericAPIError{Code: "Throttling"}, awsclient.KindThrottled},
		{"EC2 request limit is throttled", &smithy.GenericAPIError{Code: "RequestLimitExceeded"}, awsclient.KindThrottled},
		{"ElastiCache's TestFailover quota is a refusal, not throttling to retry at once", &smithy.GenericAPIError{Code: "APICallRateForCustomerExceeded"}, awsclient.KindInvalid},
		{"a member cache cluster not available is a wait", &smithy.GenericAPIError{Code: "InvalidCacheClusterState"}, awsclient.KindInProgress},
		{"an unknown instance is not found", &smithy.GenericAPIError{Code: "InvalidInstanceID.NotFound"}, awsclient.KindNotFound},
		{"an unknown replication group is not found", &smithy.GenericAPIError{Code: "ReplicationGroupNotFoundFault"}, awsclient.KindNotFound},
		{"an unlisted .NotFound code is not found", &smithy.GenericAPIError{Code: "InvalidSubnetID.NotFound"}, awsclient.KindNotFound},
		{"a running scaling activity is in progress", &smithy.GenericAPIError{Code: "ScalingActivityInProgress"}, awsclient.KindInProgress},
		{"a modifying replication group is in progress", &smithy.GenericAPIError{Code: "InvalidReplicationGroupState"}, awsclient.KindInProgress},
		{"a validation error is invalid", &smithy.GenericAPIError{Code: "ValidationError"}, awsclient.KindInvalid},
		{"the TestFailover quota is invalid, not retried", &smithy.GenericAPIError{Code: "TestFailoverNotAvailableFault"}, awsclient.KindInvalid},
		{"an unknown server fault is transient", &smithy.GenericAPIError{Code: "InternalError", Fault: smithy.FaultServer}, awsclient.KindTransient},
		{"an unknown client fault is invalid", &smithy.GenericAPIError{Code: "SomethingNew", Fault: smithy.FaultClient}, awsclient.KindInvalid},
		{"a network error is transient", errors.New("connection refused"), awsclient.KindTransient},
		{"a wrapped throttle is still throttled", fmt.Errorf("describing: %w", &smithy.GenericAPIError{Code: "Throttling"}), awsclient.KindThrottled},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			NewWithT(t).Expect(awsclient.Classify(c.err)).To(Equal(c.want))
		})
	}
}

func newSim(t *testing.T) (*awssim.Server, awsclient.Clients, string) {
	g := NewWithT(t)
	sim := awssim.New(awssim.Options{Clock: awssim.NewManualClock()})
	sim.AddImage(awssim.Image{ID: "ami-0000000000000000a"})
	sim.AddImage(awssim.Image{ID: "ami-0000000000000000b"})
	sim.AddInstanceType(awssim.InstanceType{Name: "r5.large", Architectures: []string{"x86_64"}, MemoryMiB: 16384})
	sim.AddInstanceType(awssim.InstanceType{Name: "r5.xlarge", Architectures: []string{"x86_64"}, MemoryMiB: 32768})
	ltID, err := sim.AddLaunchTemplate("cache", 1, awssim.LaunchTemplateVersion{ImageID: "ami-0000000000000000a", InstanceType: "r5.large"})
	g.Expect(err).NotTo(HaveOccurred())
	for i := 0; i < 150; i++ {
		g.Expect(sim.AddGroup(awssim.GroupSpec{Name: fmt.Sprintf("g-%03d", i), Zones: []string{"us-east-1a"}, Size: 2, LaunchTemplateID: ltID,
			Tags: map[string]string{"cache-remediator.io/policy": "default.big"}})).To(Succeed())
	}
	srv := awssim.Serve(sim)
	t.Cleanup(srv.Close)
	cfg := srv.SDKConfig()
	awsclient.Instrument(&cfg, awsclient.Options{RequestsPerSecond: 1000, MaxBackoff: 5 * time.Millisecond})
	return srv, awsclient.NewClients(cfg), ltID
}

func TestDescribeGroupsBatchesNamesAndWalksPages(t *testing.T) {
	g := NewWithT(t)
	srv, c, ltID := newSim(t)
	var names []string
	for i := 0; i < 150; i++ {
		names = append(names, fmt.Sprintf("g-%03d", i))
	}
	names = append(names, "missing")
	srv.ResetCalls()
	groups, err := awsclient.DescribeGroups(ctx, c.AutoScaling, names)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(groups).To(HaveLen(150))
	g.Expect(groups).NotTo(HaveKey("missing"))
	g.Expect(firstAttempts(srv.Calls())).To(HaveLen(2), "150 names are two requests of at most 100")
	grp := groups["g-042"]
	g.Expect(grp.LaunchTemplate).To(Equal(&awsclient.TemplateRef{ID: ltID, Name: "cache", Version: "$Default"}))
	g.Expect(grp.Instances).To(HaveLen(2))
	g.Expect(grp.Instances[0].LaunchTemplateVersion).To(Equal("1"))
	g.Expect(grp.Tags).To(HaveKeyWithValue("cache-remediator.io/policy", "default.big"))
}

func TestInstancesAndTheirStatusChecksAreOneCallEachForAllInstances(t *testing.T) {
	g := NewWithT(t)
	srv, c, _ := newSim(t)
	var ids []string
	for _, grp := range []string{"g-000", "g-001", "g-002"} {
		for _, inst := range srv.GroupInstances(grp) {
			ids = append(ids, inst.ID)
		}
	}
	srv.SetImpaired(ids[1], true)
	srv.ResetCalls()
	insts, err := awsclient.DescribeInstances(ctx, c.EC2, ids)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(insts).To(HaveLen(6))
	g.Expect(insts[ids[0]].ImageID).To(Equal("ami-0000000000000000a"))
	g.Expect(insts[ids[0]].PrivateIP).NotTo(BeEmpty())
	g.Expect(insts[ids[0]].State).To(Equal("running"))
	statuses, err := awsclient.InstanceStatuses(ctx, c.EC2, ids)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(statuses[ids[0]]).To(Equal("ok"))
	g.Expect(statuses[ids[1]]).To(Equal("impaired"))
	g.Expect(firstAttempts(srv.Calls())).To(HaveLen(2))
}

func TestImagesAndTypesThatDoNotExistAreNotFound(t *testing.T) {
	g := NewWithT(t)
	_, c, _ := newSim(t)
	_, err := awsclient.DescribeImage(ctx, c.EC2, "ami-0123456789abcdef0")
	g.Expect(awsclient.IsNotFound(err)).To(BeTrue(), "%v", err)
	img, err := awsclient.DescribeImage(ctx, c.EC2, "ami-0000000000000000b")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(img).To(Equal(awsclient.Image{ID: "ami-0000000000000000b", State: "available", Architecture: "x86_64"}))
	_, err = awsclient.DescribeInstanceType(ctx, c.EC2, "q9.huge")
	g.Expect(awsclient.IsNotFound(err)).To(BeTrue(), "%v", err)
	it, err := awsclient.DescribeInstanceType(ctx, c.EC2, "r5.xlarge")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(it).To(Equal(awsclient.InstanceTypeInfo{Name: "r5.xlarge", Architectures: []string{"x86_64"}, MemoryMiB: 32768}))
}

func TestATemplateVersionCreatedTwiceWithOneTokenIsCreatedOnce(t *testing.T) {
	g := NewWithT(t)
	srv, c, ltID := newSim(t)
	v1, err := awsclient.CreateTemplateVersion(ctx, c.EC2, ltID, 1, "ami-0000000000000000b", "r5.xlarge", "rollout", "token")
	g.Expect(err).NotTo(HaveOccurred())
	v2, err := awsclient.CreateTemplateVersion(ctx, c.EC2, ltID, 1, "ami-0000000000000000b", "r5.xlarge", "rollout", "token")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(v2.Number).To(Equal(v1.Number))
	srv.TagLaunchTemplate(ltID, "cache-remediator.io/policy", "ns.p")
	lts, err := awsclient.DescribeLaunchTemplates(ctx, c.EC2, []string{ltID, "lt-0000000000000000f"})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(lts).To(HaveLen(1), "a template that does not exist is left out, not an error")
	g.Expect(lts[ltID].LatestVersion).To(Equal(int64(2)))
	g.Expect(lts[ltID].Tags).To(Equal(map[string]string{"cache-remediator.io/policy": "ns.p"}))
	g.Expect(awsclient.SetDefaultTemplateVersion(ctx, c.EC2, ltID, 2)).To(Succeed())
	deleted, err := awsclient.DeleteTemplateVersions(ctx, c.EC2, ltID, []int64{1})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(deleted).To(Equal([]int64{1}))
	versions, err := awsclient.DescribeTemplateVersions(ctx, c.EC2, ltID)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(versions).To(HaveLen(1))
	g.Expect(versions[0]).To(Equal(awsclient.TemplateVersion{TemplateID: ltID, Number: 2, ImageID: "ami-0000000000000000b", InstanceType: "r5.xlarge", Description: "rollout", IsDefault: true}))
}

func TestCallsAreCountedPerContextAndThrottledCallsRetried(t *testing.T) {
	g := NewWithT(t)
	srv, c, _ := newSim(t)
	srv.Inject(awssim.Fault{Service: "autoscaling", Fraction: 0.3, Status: http.StatusBadRequest, Code: "Throttling"})
	counter := &awsclient.CallCounter{}
	cctx := awsclient.WithCallCounter(ctx, counter)
	for i := 0; i < 20; i++ {
		_, err := awsclient.DescribeGroups(cctx, c.AutoScaling, []string{"g-001"})
		g.Expect(err).NotTo(HaveOccurred(), "throttled attempts are retried until one succeeds")
	}
	g.Expect(counter.Total()).To(Equal(len(srv.Calls())), "every attempt is counted, retries included")
	g.Expect(counter.Total()).To(BeNumerically(">", 20), "some attempts were throttled and retried")
}

// firstAttempts leaves out the SDK's retries of a call (a connection the loaded test machine dropped), so
// that a count of calls is a count of requests the code made.
func firstAttempts(calls []awssim.Call) []awssim.Call {
	var out []awssim.Call
	for _, c := range calls {
		if c.Attempt <= 1 {
			out = append(out, c)
		}
	}
	return out
}

func TestRequestIDsAreCollectedFromAnswersAndErrors(t *testing.T) {
	g := NewWithT(t)
	srv, c, _ := newSim(t)
	idCtx, ids := awsclient.WithRequestIDs(ctx)
	_, err := awsclient.DescribeGroups(idCtx, c.AutoScaling, []string{"g-001"})
	g.Expect(err).NotTo(HaveOccurred())
	srv.FailNext("autoscaling", "TerminateInstanceInAutoScalingGroup", http.StatusBadRequest, "ValidationError")
	err = awsclient.TerminateInstance(idCtx, c.AutoScaling, "i-nope", false)
	g.Expect(awsclient.IsRefusal(err)).To(BeTrue(), "%v", err)
	got := ids.All()
	g.Expect(got).To(HaveLen(2), "one id from the answer, one from the error")
	g.Expect(got[0]).NotTo(Equal(got[1]))
	g.Expect(got).To(HaveEach(MatchRegexp(`^[0-9a-f-]{36}$`)))
}

func TestExplainSaysTheCallAndTheErrorWithoutWhatChangesPerAttempt(t *testing.T) {
	g := NewWithT(t)
	srv, c, _ := newSim(t)
	srv.FailNext("autoscaling", "TerminateInstanceInAutoScalingGroup", http.StatusForbidden, "AccessDenied")
	err := awsclient.TerminateInstance(ctx, c.AutoScaling, "i-1", false)
	g.Expect(err.Error()).To(ContainSubstring("RequestID"), "the SDK's text names the request")
	g.Expect(awsclient.Explain(err)).To(Equal("Auto Scaling TerminateInstanceInAutoScalingGroup AccessDenied: injected fault"))
}
