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
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/controllers"
	"github.com/cache-remediator/cache-remediator/test/envtestutil"
)

// What config/default installs: its namespace, name prefix and the manager's ServiceAccount.
const (
	installNamespace = "cache-remediator-system"
	installPrefix    = "cache-remediator-"
	managerAccount   = "system:serviceaccount:" + installNamespace + ":" + installPrefix + "controller-manager"
)

var _ = Describe("Installing with kubectl apply -k: config/default under the example overlay", func() {
	It("runs the manager hardened, with leader election, probes and a metrics Service, and its ServiceAccount may roll a cluster and do nothing more", func() {
		kubeconfig := filepath.Join(GinkgoT().TempDir(), "kubeconfig")
		Expect(env.WriteKubeconfig(kubeconfig)).To(Succeed())
		// The example overlay is config/default with a user's image, region and IRSA role on top.
		out, err := envtestutil.Kubectl(kubeconfig, "apply", "-k", filepath.Join(envtestutil.RepoRoot(), "config", "overlays", "example")).CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))

		By("running two replicas of the manager as non-root, read-only, without privileges, electing a leader")
		dep := &appsv1.Deployment{}
		Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: installNamespace, Name: installPrefix + "controller-manager"}, dep)).To(Succeed())
		Expect(dep.Spec.Replicas).To(HaveValue(BeNumerically(">=", 2)))
		pod := dep.Spec.Template.Spec
		Expect(pod.ServiceAccountName).To(Equal(installPrefix + "controller-manager"))
		Expect(pod.SecurityContext.RunAsNonRoot).To(HaveValue(BeTrue()))
		Expect(pod.Containers).To(HaveLen(1))
		manager := pod.Containers[0]
		Expect(manager.SecurityContext.ReadOnlyRootFilesystem).To(HaveValue(BeTrue()))
		Expect(manager.SecurityContext.AllowPrivilegeEscalation).To(HaveValue(BeFalse()))
		Expect(manager.SecurityContext.Capabilities.Drop).To(ConsistOf(corev1.Capability("ALL")))
		Expect(manager.Args).To(ContainElements("--leader-elect", "--metrics-bind-address=:8080", "--health-probe-bind-address=:8081"))

		By("taking the overlay's image, region and IRSA role")
		Expect(manager.Image).To(Equal("registry.example.com/cache-remediator:v0.1.0"))
		Expect(manager.Env).To(ContainElement(corev1.EnvVar{Name: "AWS_REGION", Value: "eu-west-1"}))
		account := &corev1.ServiceAccount{}
		Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: installNamespace, Name: pod.ServiceAccountName}, account)).To(Succeed())
		Expect(account.Annotations).To(HaveKeyWithValue("eks.amazonaws.com/role-arn", "arn:aws:iam::111122223333:role/cache-remediator"))

		By("probing the ports the flags bind, and exposing metrics through a Service that selects the pods")
		ports := map[string]int32{}
		for _, p := range manager.Ports {
			ports[p.Name] = p.ContainerPort
		}
		Expect(ports).To(Equal(map[string]int32{"metrics": 8080, "probes": 8081}))
		Expect(manager.LivenessProbe.HTTPGet.Path).To(Equal("/healthz"))
		Expect(manager.LivenessProbe.HTTPGet.Port).To(Equal(intstr.FromString("probes")))
		Expect(manager.ReadinessProbe.HTTPGet.Path).To(Equal("/readyz"))
		Expect(manager.ReadinessProbe.HTTPGet.Port).To(Equal(intstr.FromString("probes")))
		svc := &corev1.Service{}
		Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: installNamespace, Name: installPrefix + "controller-manager-metrics"}, svc)).To(Succeed())
		for k, v := range svc.Spec.Selector {
			Expect(dep.Spec.Template.Labels).To(HaveKeyWithValue(k, v))
		}
		Expect(svc.Spec.Ports).To(ContainElement(HaveField("TargetPort", intstr.FromString("metrics"))))

		By("naming that ServiceAccount in the IRSA trust policy of config/iam")
		trust, err := os.ReadFile(filepath.Join(envtestutil.RepoRoot(), "config", "iam", "trust-irsa.json"))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(trust)).To(ContainSubstring(`:sub": "` + managerAccount + `"`))

		By("granting the ServiceAccount reads of a named Secret but no listing of Secrets, and no other writes")
		c := newCluster("deployed", clusterOptions{redis: true, tagged: true})
		canI := func(args ...string) string {
			out, _ := envtestutil.Kubectl(kubeconfig, append([]string{"auth", "can-i", "--as=" + managerAccount}, args...)...).Output()
			return strings.TrimSpace(string(out))
		}
		Expect(canI("get", "secrets", "-n", c.ns)).To(Equal("yes"))
		Expect(canI("list", "secrets", "-n", c.ns)).To(Equal("no"))
		Expect(canI("patch", "remediationpolicies.remediation.cache-remediator.io/status", "-n", c.ns)).To(Equal("yes"))
		Expect(canI("delete", "remediationpolicies.remediation.cache-remediator.io", "-n", c.ns)).To(Equal("no"))
		Expect(canI("create", "pods", "-n", c.ns)).To(Equal("no"))
		Expect(canI("update", "leases.coordination.k8s.io", "-n", installNamespace)).To(Equal("yes"))
		Expect(canI("update", "leases.coordination.k8s.io", "-n", c.ns)).To(Equal("no"))

		By("a manager with the ServiceAccount's identity reading the policy's Secret, which lacks the key")
		Expect(env.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "redis-auth", Namespace: c.ns}, StringData: map[string]string{"user": "default"}})).To(Succeed())
		policy := c.policyFor(goalNew, redisHealth())
		policy.Spec.Health.Redis.PasswordSecretRef = &v1.SecretKeyReference{Name: "redis-auth", Key: "password"}
		Expect(env.Client.Create(ctx, policy)).To(Succeed())
		identity := rest.CopyConfig(env.Config)
		identity.Impersonate = rest.ImpersonationConfig{UserName: managerAccount,
			Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + installNamespace, "system:authenticated"}}
		ctl := startManager(c, managerOptions{identity: identity, leaderElectionNamespace: installNamespace})
		defer ctl.stop()
		Eventually(func() string {
			if ready := meta.FindStatusCondition(get(policy).Status.Conditions, v1.ConditionReady); ready != nil {
				return ready.Message
			}
			return ""
		}).WithTimeout(30*time.Second).
			Should(ContainSubstring("has no key password"), "the Secret was read: a Forbidden read would say so instead")
		Expect(c.mutatingCalls()).To(BeEmpty())

		By("the same manager rolling the cluster once the spec no longer asks for a password")
		update(policy, func(p *v1.RemediationPolicy) { p.Spec.Health.Redis.PasswordSecretRef = nil })
		Eventually(phaseOf(policy)).WithTimeout(90 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal(v1.PhaseSucceeded))
		expectClusterOn(c, goalNew)
		Expect(events(get(policy))).To(ContainElement(HaveField("Reason", "RolloutSucceeded")))
		lease := &coordinationv1.Lease{}
		Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: installNamespace, Name: controllers.LeaderElectionID}, lease)).To(Succeed())
		Expect(lease.Spec.HolderIdentity).To(HaveValue(Not(BeEmpty())), "the manager led through a Lease in its own namespace")
	})
})
