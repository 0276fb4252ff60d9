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
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	healthgates "github.com/cache-remediator/cache-remediator/controllers/health"
	"github.com/cache-remediator/cache-remediator/test/envtestutil"
)

// kubectlRow runs `kubectl get rp NAME -o wide`, as an SRE following a rollout does, and returns the
// row by the header's column names. kubectl aligns every cell under its header, so a blank cell reads "".
func kubectlRow(kubeconfig string, p *v1.RemediationPolicy) (map[string]string, error) {
	out, err := envtestutil.Kubectl(kubeconfig, "get", "rp", "-n", p.Namespace, p.Name, "-o", "wide").Output()
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) != 2 {
		return nil, fmt.Errorf("want a header and one row, got %q", out)
	}
	header, row := lines[0], lines[1]
	var starts []int
	for i := range header {
		if header[i] != ' ' && (i == 0 || header[i-1] == ' ') {
			starts = append(starts, i)
		}
	}
	cells := map[string]string{}
	for k, start := range starts {
		end := len(row)
		if k+1 < len(starts) {
			end = min(starts[k+1], len(row))
		}
		name := strings.TrimSpace(header[start:min(end, len(header))])
		if start > len(row) {
			cells[name] = ""
			continue
		}
		cells[name] = strings.TrimSpace(row[start:end])
	}
	cells["header"] = strings.Join(strings.Fields(header), " ")
	return cells, nil
}

// kstatusIn waits for the policy to reach a phase at its current generation and returns what kstatus (the
// library behind kubectl wait --for=jsonpath, Flux's health checks and Argo CD's generic health) makes of
// the object at that moment.
func kstatusIn(p *v1.RemediationPolicy, phase v1.Phase) status.Status {
	var result status.Status
	Eventually(func(g Gomega) {
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(v1.GroupVersion.WithKind("RemediationPolicy"))
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(p), u)).To(Succeed())
		got, _, _ := unstructured.NestedString(u.Object, "status", "phase")
		observed, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
		g.Expect(observed).To(Equal(u.GetGeneration()))
		g.Expect(got).To(Equal(string(phase)))
		res, err := status.Compute(u)
		g.Expect(err).NotTo(HaveOccurred())
		result = res.Status
	}).WithTimeout(90 * time.Second).WithPolling(50 * time.Millisecond).Should(Succeed())
	return result
}

// recordStatuses watches the policies of a namespace and keeps every status the API server stored, for
// checks on what a user could have seen at any moment, not only at the moments a test looked.
func recordStatuses(ns string) func() []v1.RemediationPolicyStatus {
	watcher, err := client.NewWithWatch(env.Config, client.Options{Scheme: env.Client.Scheme()})
	Expect(err).NotTo(HaveOccurred())
	w, err := watcher.Watch(ctx, &v1.RemediationPolicyList{}, client.InNamespace(ns))
	Expect(err).NotTo(HaveOccurred())
	var mu sync.Mutex
	var seen []v1.RemediationPolicyStatus
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			if p, ok := ev.Object.(*v1.RemediationPolicy); ok {
				mu.Lock()
				seen = append(seen, *p.Status.DeepCopy())
				mu.Unlock()
			}
		}
	}()
	DeferCleanup(func() {
		w.Stop()
		<-done
	})
	return func() []v1.RemediationPolicyStatus {
		mu.Lock()
		defer mu.Unlock()
		return append([]v1.RemediationPolicyStatus(nil), seen...)
	}
}

var _ = Describe("Following policies with kubectl", func() {
	It("shows every phase in readable columns, kstatus reads each phase right, and describe lists the events", func() {
		c := newCluster("watched", clusterOptions{redis: true, tagged: true})
		kubeconfig := filepath.Join(GinkgoT().TempDir(), "kubeconfig")
		Expect(env.WriteKubeconfig(kubeconfig)).To(Succeed())
		written := recordStatuses(c.ns)
		ctl := startController(c, false)
		defer ctl.stop()
		kstatuses := map[v1.Phase]status.Status{}
		// expectRow waits until kubectl prints the policy in the phase with the cells wanted ("" is blank).
		expectRow := func(p *v1.RemediationPolicy, phase v1.Phase, want Keys) {
			GinkgoHelper()
			want["PHASE"] = Equal(string(phase))
			Eventually(func() (map[string]string, error) { return kubectlRow(kubeconfig, p) }).
				WithTimeout(90*time.Second).WithPolling(50*time.Millisecond).Should(MatchKeys(IgnoreExtras, want), "kubectl get rp %s in phase %s", p.Name, phase)
		}

		By("an ElastiCache policy on a replication group that does not exist: Blocked on it, with nothing observed")
		ec := &v1.RemediationPolicy{ObjectMeta: metav1.ObjectMeta{Name: "sessions-ec", Namespace: c.ns}, Spec: v1.RemediationPolicySpec{
			Target:  v1.TargetSpec{ElastiCache: &v1.ElastiCacheTarget{ReplicationGroupID: "sessions"}},
			Desired: v1.DesiredSpec{InstanceType: "cache.r6g.xlarge"},
		}}
		Expect(env.Client.Create(ctx, ec)).To(Succeed())
		expectRow(ec, v1.PhaseBlocked, Keys{
			"header": Equal("NAME TARGET IMAGE TYPE UPDATED PHASE NODE STEP BLOCKED-BY NEXT WINDOW AGE"),
			"TARGET": Equal("elasticache/sessions"), "IMAGE": BeEmpty(), "TYPE": Equal("cache.r6g.xlarge"), "UPDATED": BeEmpty(),
			"BLOCKED-BY": Equal(v1.ReasonReplicationGroupNotFound)})

		By("a canary on a broken AMI without rollback: Progressing on the canary, then Failed")
		broken := v1.ImageAndType{ImageID: amiBroken, InstanceType: typeNew}
		health := redisHealth()
		health.NodeTimeout = &metav1.Duration{Duration: 6 * time.Second}
		policy := c.policyFor(broken, health)
		policy.Spec.Strategy = v1.StrategySpec{Canary: v1.CanarySpec{Nodes: ptr.To[int32](1), BakeTime: &metav1.Duration{Duration: time.Second}}}
		Expect(env.Client.Create(ctx, policy)).To(Succeed())
		kstatuses[v1.PhaseProgressing] = kstatusIn(policy, v1.PhaseProgressing)
		expectRow(policy, v1.PhaseProgressing, Keys{"TARGET": Equal("asg/" + c.groups[0] + "(+2)"), "IMAGE": Equal(amiBroken), "TYPE": Equal(typeNew),
			"UPDATED": Equal("0/3"), "NODE": HavePrefix("i-"), "STEP": Equal(string(v1.StepReplaceNode)), "BLOCKED-BY": BeEmpty()})
		kstatuses[v1.PhaseFailed] = kstatusIn(policy, v1.PhaseFailed)
		expectRow(policy, v1.PhaseFailed, Keys{"NODE": BeEmpty(), "STEP": BeEmpty(), "BLOCKED-BY": Equal(v1.ReasonNodeTimeout)})
		Expect(meta.FindStatusCondition(get(policy).Status.Conditions, v1.ConditionReady).Message).To(ContainSubstring(v1.AnnotationRetry), "the sentence is in the condition")

		By("a new goal while a node fails its EC2 status checks: Blocked on that node")
		var impaired string
		for _, inst := range c.instances() {
			if inst.ImageID == amiOld && role(inst.PrivateIP) == "slave" {
				impaired = inst.ID
			}
		}
		Expect(impaired).NotTo(BeEmpty())
		c.srv.SetImpaired(impaired, true)
		update(policy, func(p *v1.RemediationPolicy) {
			p.Spec.Desired = v1.DesiredSpec{ImageID: amiNew, InstanceType: typeNew}
			p.Spec.Strategy.RollbackOnFailure = true
		})
		kstatuses[v1.PhaseBlocked] = kstatusIn(policy, v1.PhaseBlocked)
		expectRow(policy, v1.PhaseBlocked, Keys{"IMAGE": Equal(amiNew), "NODE": BeEmpty(), "BLOCKED-BY": Equal(v1.ReasonGateBlocked + ":" + healthgates.GateEC2Status)})
		Expect(meta.FindStatusCondition(get(policy).Status.Conditions, v1.ConditionReady).Message).To(ContainSubstring(impaired))

		By("pausing it with the annotation: Paused")
		update(policy, func(p *v1.RemediationPolicy) { p.Annotations = map[string]string{v1.AnnotationPaused: "true"} })
		kstatuses[v1.PhasePaused] = kstatusIn(policy, v1.PhasePaused)
		expectRow(policy, v1.PhasePaused, Keys{"BLOCKED-BY": Equal(v1.ReasonPausedByAnnotation)})

		By("the node healthy again and the pause lifted: the broken canary goes first, then the rest, Succeeded")
		c.srv.SetImpaired(impaired, false)
		update(policy, func(p *v1.RemediationPolicy) { delete(p.Annotations, v1.AnnotationPaused) })
		expectRow(policy, v1.PhaseProgressing, Keys{"IMAGE": Equal(amiNew), "UPDATED": Equal("2/3"), "NODE": HavePrefix("i-"), "STEP": Not(BeEmpty())})
		kstatuses[v1.PhaseSucceeded] = kstatusIn(policy, v1.PhaseSucceeded)
		expectRow(policy, v1.PhaseSucceeded, Keys{"IMAGE": Equal(amiNew), "UPDATED": Equal("3/3"), "NODE": BeEmpty(), "STEP": BeEmpty(), "BLOCKED-BY": BeEmpty()})
		expectClusterOn(c, goalNew)

		By("the broken AMI once more, now with rollback: RollingBack, then RolledBack")
		update(policy, func(p *v1.RemediationPolicy) { p.Spec.Desired.ImageID = amiBroken })
		kstatuses[v1.PhaseRollingBack] = kstatusIn(policy, v1.PhaseRollingBack)
		expectRow(policy, v1.PhaseRollingBack, Keys{"IMAGE": Equal(amiBroken), "NODE": HavePrefix("i-"), "STEP": Equal(string(v1.StepReplaceNode))})
		kstatuses[v1.PhaseRolledBack] = kstatusIn(policy, v1.PhaseRolledBack)
		expectRow(policy, v1.PhaseRolledBack, Keys{"IMAGE": Equal(amiBroken), "UPDATED": Equal("0/3"), "NODE": BeEmpty(),
			"BLOCKED-BY": Equal(v1.ReasonRolledBack)})
		expectClusterOn(c, goalNew)

		By("kstatus: arrived is Current, a halt that needs the user is Failed, everything else InProgress")
		// Paused reads InProgress because Ready is False: kstatus has no "suspended", and a paused rollout has
		// not arrived. Argo CD's health check (config/argocd) tells Suspended apart. (Pending, a kind with no
		// engine, does not happen with this build's engines.)
		Expect(kstatuses).To(Equal(map[v1.Phase]status.Status{
			v1.PhaseProgressing: status.InProgressStatus,
			v1.PhaseFailed:      status.FailedStatus,
			v1.PhaseBlocked:     status.InProgressStatus,
			v1.PhasePaused:      status.InProgressStatus,
			v1.PhaseSucceeded:   status.CurrentStatus,
			v1.PhaseRollingBack: status.InProgressStatus,
			v1.PhaseRolledBack:  status.FailedStatus,
		}))

		By("never writing a status whose phase contradicts its step: no step while Paused or Succeeded")
		for _, st := range written() {
			if st.Phase == v1.PhasePaused || st.Phase == v1.PhaseSucceeded {
				Expect(st.CurrentStep).To(BeNil(), "a %s status with step %v", st.Phase, st.CurrentStep)
			}
		}

		By("kubectl describe listing the events of the steps, the block, the failure and the rollback")
		out, err := envtestutil.Kubectl(kubeconfig, "describe", "rp", "-n", c.ns, policy.Name).CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))
		GinkgoWriter.Printf("kubectl describe rp:\n%s\n", out)
		for _, reason := range []string{"PreparingLaunchTemplate", "ReplaceNodeStarted", "BakeStarted", "HandingOffPrimary", "NodeReplaced",
			v1.ReasonNodeTimeout, v1.ReasonGateBlocked, "RolloutSucceeded", v1.ReasonRolledBack} {
			Expect(string(out)).To(MatchRegexp(`(?m)^\s+(Normal|Warning)\s+`+reason+`\s`), "describe shows a %s event", reason)
		}

		Expect(regexp.MustCompile(`(?m)^\s+Normal\s+HandingOffPrimary\s`).FindAllString(string(out), -1)).To(HaveLen(1), "one event per hand-off")

		By("kubectl wait agreeing that the rolled-back policy is Stalled")
		out, err = envtestutil.Kubectl(kubeconfig, "wait", "-n", c.ns, "rp/"+policy.Name, "--for=condition=Stalled", "--timeout=5s").CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))
	})
})
