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

package rollout_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
	"github.com/cache-remediator/cache-remediator/controllers"
	"github.com/cache-remediator/cache-remediator/controllers/sharding"
)

// awsCallLog is one manager's AWS calls, recorded on their way out of its SDK: the simulator logs every
// call of the account but not who made it, and two managers share the account here.
type awsCallLog struct {
	inner aws.HTTPClient
	mu    sync.Mutex
	calls []url.Values
}

func (l *awsCallLog) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(b))
		// Auto Scaling and EC2 speak the query protocol: the action and its parameters are the form body.
		if form, err := url.ParseQuery(string(b)); err == nil {
			l.mu.Lock()
			l.calls = append(l.calls, form)
			l.mu.Unlock()
		}
	}
	return l.inner.Do(req)
}

// since lists the calls made after the first n.
func (l *awsCallLog) since(n int) []url.Values {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.calls[n:])
}

func (l *awsCallLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.calls)
}

// naming lists, as "Action", the calls that name one of the cluster's groups, its launch template or one
// of the instances its groups ever had (a termination names only the instance); with mutating, only the
// calls that change something.
func naming(calls []url.Values, c *simCluster, mutating bool) []string {
	names := slices.Clone(c.groups)
	if id, ok := c.srv.LaunchTemplateID(c.policy); ok {
		names = append(names, id)
	}
	for _, g := range c.groups {
		for _, inst := range c.srv.GroupInstances(g) {
			names = append(names, inst.ID)
		}
	}
	for _, tr := range c.srv.Timeline() {
		if slices.Contains(c.groups, tr.Group) {
			names = append(names, tr.InstanceID)
		}
	}
	var out []string
	for _, call := range calls {
		action := call.Get("Action")
		if mutating && !(awssim.Call{Action: action}).Mutating() {
			continue
		}
	params:
		for _, values := range call {
			for _, v := range values {
				if slices.Contains(names, v) {
					out = append(out, action)
					break params
				}
			}
		}
	}
	return out
}

// newSharedAccount simulates one account holding a cluster per policy, all in one namespace, as two shards
// of one controller would see it: both managers reach every cluster, only their selectors keep them apart.
func newSharedAccount(policies ...string) []*simCluster {
	nsSeq++
	ns := fmt.Sprintf("rollout-%d", nsSeq)
	Expect(env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
	var sc *awssim.Scenario
	var clusters []*simCluster
	for _, p := range policies {
		s, groups := clusterScenario(ns, p, clusterOptions{tagged: true})
		if sc == nil {
			sc = s
		} else {
			sc.LaunchTemplates = append(sc.LaunchTemplates, s.LaunchTemplates...)
			sc.Clusters = append(sc.Clusters, s.Clusters...)
		}
		clusters = append(clusters, &simCluster{ns: ns, policy: p, groups: groups})
	}
	sim, procs, err := sc.Build(nil, GinkgoT().TempDir())
	Expect(err).NotTo(HaveOccurred())
	srv := awssim.Serve(sim)
	DeferCleanup(srv.Close)
	for _, c := range clusters {
		c.srv, c.procs = srv, procs
	}
	return clusters
}

// managedBy lists the field managers that wrote the policy (the API server names them by user agent).
func managedBy(p *v1.RemediationPolicy) []string {
	var out []string
	for _, f := range get(p).ManagedFields {
		if !slices.Contains(out, f.Manager) {
			out = append(out, f.Manager)
		}
	}
	return out
}

var _ = Describe("Two managers sharded by a label on one API server", func() {
	It("each rolls only the policies of its shard, and a relabelled policy moves to the other", func() {
		clusters := newSharedAccount("shard-a", "shard-main")
		a, main := clusters[0], clusters[1]
		selectorA, err := sharding.ParseSelector(sharding.Key + " in (a)")
		Expect(err).NotTo(HaveOccurred())
		selectorMain, err := sharding.ParseSelector(sharding.Key + " notin (a)")
		Expect(err).NotTo(HaveOccurred())

		policyA := a.policyFor(goalNew, v1.HealthSpec{})
		policyA.Labels = map[string]string{sharding.Key: "a"}
		policyMain := main.policyFor(goalNew, v1.HealthSpec{}) // no label: the main instance's
		Expect(env.Client.Create(ctx, policyA)).To(Succeed())
		Expect(env.Client.Create(ctx, policyMain)).To(Succeed())

		// Each manager has its own AWS call log and its own user agent (the API server's name for whoever
		// writes an object), and elects its leader on its own Lease, as cmd/manager's shards do.
		start := func(selector labels.Selector, agent string) *awsCallLog {
			log := &awsCallLog{}
			identity := rest.CopyConfig(env.Config)
			identity.UserAgent = agent
			ctl := startManager(a, managerOptions{watch: selector, identity: identity, leaderElectionNamespace: a.ns,
				wrapHTTP: func(inner aws.HTTPClient) aws.HTTPClient { log.inner = inner; return log }})
			DeferCleanup(ctl.stop)
			return log
		}
		logA, logMain := start(selectorA, "shard-a-manager"), start(selectorMain, "shard-main-manager")

		Eventually(phaseOf(policyA)).WithTimeout(90 * time.Second).Should(Equal(v1.PhaseSucceeded))
		Eventually(phaseOf(policyMain)).WithTimeout(90 * time.Second).Should(Equal(v1.PhaseSucceeded))
		for _, c := range clusters {
			for _, inst := range c.instances() {
				Expect(inst.ImageID).To(Equal(amiNew), "every node of %s is on the new AMI", c.policy)
			}
		}

		By("each manager's AWS calls name only its own shard's cluster")
		Expect(naming(logA.since(0), a, true)).To(ContainElement("TerminateInstanceInAutoScalingGroup"))
		Expect(naming(logMain.since(0), main, true)).To(ContainElement("TerminateInstanceInAutoScalingGroup"))
		Expect(naming(logA.since(0), main, false)).To(BeEmpty(), "shard a never even looked at the main instance's groups")
		Expect(naming(logMain.since(0), a, false)).To(BeEmpty(), "the main instance never even looked at shard a's groups")

		By("each policy was written by its own manager only")
		Expect(managedBy(policyA)).To(ContainElement("shard-a-manager"))
		Expect(managedBy(policyA)).NotTo(ContainElement("shard-main-manager"))
		Expect(managedBy(policyMain)).To(ContainElement("shard-main-manager"))
		Expect(managedBy(policyMain)).NotTo(ContainElement("shard-a-manager"))

		By("each shard elected its leader on a Lease of its own")
		for _, selector := range []labels.Selector{selectorA, selectorMain} {
			lease := &coordinationv1.Lease{}
			Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: a.ns, Name: sharding.LeaderElectionID(controllers.LeaderElectionID, selector)}, lease)).To(Succeed())
			Expect(lease.Spec.HolderIdentity).NotTo(BeNil())
		}

		By("relabelled into shard a, the main instance's policy is rolled by shard a's manager")
		moved := get(policyMain)
		moved.Labels = map[string]string{sharding.Key: "a"}
		Expect(env.Client.Update(ctx, moved)).To(Succeed())
		Eventually(func() []string { return naming(logA.since(0), main, false) }).WithTimeout(20 * time.Second).ShouldNot(BeEmpty())
		// A reconcile of the main instance's that began before the move may still be finishing; after
		// this, it has no more business with the policy.
		time.Sleep(2 * time.Second)
		fromA, fromMain := logA.len(), logMain.len()
		moved = get(policyMain)
		moved.Spec.Desired.ImageID = amiThird
		Expect(env.Client.Update(ctx, moved)).To(Succeed())
		Eventually(observedPhaseOf(policyMain)).WithTimeout(90 * time.Second).Should(Equal(v1.PhaseSucceeded))
		for _, inst := range main.instances() {
			Expect(inst.ImageID).To(Equal(amiThird))
		}
		Expect(naming(logA.since(fromA), main, true)).To(ContainElement("TerminateInstanceInAutoScalingGroup"))
		Expect(naming(logMain.since(fromMain), main, false)).To(BeEmpty(), "the main instance let the policy go")
		Expect(managedBy(policyMain)).To(ContainElement("shard-a-manager"))
	})
})
