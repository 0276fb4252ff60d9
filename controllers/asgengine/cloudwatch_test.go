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

package asgengine_test

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1 "github.com/cache-remediator/cache-remediator/api/v1alpha1"
	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
)

// watchCloudWatch gives the policy an alarm and a CPU gate on every node.
func watchCloudWatch(f *fixture) {
	f.Policy.Spec.Health.CloudWatch = &v1.CloudWatchHealth{Alarms: []string{"sessions-latency"},
		Metrics: []v1.CloudWatchMetricGate{{Name: "CPU", MetricName: "CPUUtilization", Below: "90"}}}
}

func TestAnAlarmInALARMBlocksEveryStepWithOneCloudWatchReadPerReconcileAndResumesWhenItClears(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{})
	watchCloudWatch(f)
	g.Expect(f.Sim.SetAlarm("sessions-latency", awssim.AlarmStateAlarm, "Threshold Crossed: 1 datapoint [9.0] was greater than the threshold (5.0).")).To(Succeed())

	o := f.Run(10, v1.PhaseBlocked)
	g.Expect(o.Reason).To(Equal(v1.ReasonAlarmFiring))
	g.Expect(o.Message).To(ContainSubstring("alarm sessions-latency is in ALARM"))
	for range 10 {
		f.Step(o.RequeueAfter)
		var calls map[string]int
		o, calls = f.ReconcileCounting()
		g.Expect(o.Reason).To(Equal(v1.ReasonAlarmFiring))
		g.Expect(calls).To(HaveKeyWithValue("GetMetricData", 1), "every gate of every node in one call")
		g.Expect(calls).To(HaveKeyWithValue("DescribeAlarms", 1))
	}
	g.Expect(f.Mutations()).To(BeEmpty(), "nothing moves while the alarm fires")
	g.Expect(f.Checkpoints).To(BeEmpty())

	g.Expect(f.Sim.SetAlarm("sessions-latency", awssim.AlarmStateOK, "Threshold Crossed: 1 datapoint [1.0] was not greater than the threshold (5.0).")).To(Succeed())
	f.Run(300, v1.PhaseSucceeded)
	g.Expect(f.Mutations()).To(ContainElement("TerminateInstanceInAutoScalingGroup"))
	var gates []string
	for _, gate := range f.Policy.Status.Gates {
		gates = append(gates, gate.Name)
	}
	g.Expect(gates).To(ContainElements("CloudWatchAlarms", "CPU"))

	// Once the cluster is on its goal and idle, it reads no CloudWatch.
	f.Step(timings.Idle)
	o, calls := f.ReconcileCounting()
	g.Expect(o.Phase).To(Equal(v1.PhaseSucceeded))
	g.Expect(calls).NotTo(HaveKey("GetMetricData"))
	g.Expect(calls).NotTo(HaveKey("DescribeAlarms"))
}

func TestANodeMetricWithoutDatapointsBlocksWithMetricMissingAndTouchesNothing(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{})
	watchCloudWatch(f)
	g.Expect(f.Sim.SetAlarm("sessions-latency", awssim.AlarmStateOK, "fine")).To(Succeed())
	quiet := f.Sim.GroupInstances("sessions-b")[0].ID
	f.Sim.SetMetricMissing("AWS/EC2", "CPUUtilization", map[string]string{"InstanceId": quiet})
	f.Step(10 * time.Minute)

	o := f.Run(10, v1.PhaseBlocked)
	g.Expect(o.Reason).To(Equal(v1.ReasonMetricMissing))
	g.Expect(o.Message).To(Equal("CPU on " + quiet + ": AWS/EC2 CPUUtilization {InstanceId=" + quiet + "} (Maximum per 1m) has no datapoint in the last 5m"))
	g.Expect(f.Mutations()).To(BeEmpty())
}

func TestAnAlarmThatFiresDuringTheCanarysBakeRollsTheCanaryBack(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, fixtureOptions{})
	watchCloudWatch(f)
	f.Policy.Spec.Strategy = v1.StrategySpec{Canary: v1.CanarySpec{Nodes: ptr(int32(1)), BakeTime: &metav1.Duration{Duration: time.Hour}}, RollbackOnFailure: true}
	f.Policy.Status.LastGood = &v1.ImageAndType{ImageID: amiOld, InstanceType: typeOld}
	g.Expect(f.Sim.SetAlarm("sessions-latency", awssim.AlarmStateOK, "fine")).To(Succeed())
	f.Step(time.Minute) // the instances' first datapoints
	for f.Policy.Status.CurrentStep == nil || f.Policy.Status.CurrentStep.Type != v1.StepBake {
		o := f.Reconcile()
		g.Expect(o.Phase).To(Equal(v1.PhaseProgressing), o.Message)
		f.Step(max(o.RequeueAfter, time.Second))
	}
	g.Expect(f.Sim.SetAlarm("sessions-latency", awssim.AlarmStateAlarm, "Threshold Crossed: 3 datapoints were greater than the threshold (5.0).")).To(Succeed())
	o := f.Reconcile()
	g.Expect(o.Phase).To(Equal(v1.PhaseRollingBack))
	g.Expect(f.Policy.Status.FailedTarget.Reason).To(Equal(v1.ReasonAlarmFired))
	f.Run(300, v1.PhaseRolledBack)
	terminations := 0
	for _, m := range f.Mutations() {
		if m == "TerminateInstanceInAutoScalingGroup" {
			terminations++
		}
	}
	g.Expect(terminations).To(Equal(2), "the canary, then its rollback, while the alarm still fired")
}
