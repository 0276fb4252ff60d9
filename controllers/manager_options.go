/*
Copyright 2026 The cache-remediator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package controllers

import (
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// LeaderElectionID names the Lease the manager's replicas elect a leader with.
const LeaderElectionID = "cache-remediator.remediation.cache-remediator.io"

// ClientOptions are the options of the manager's client. Secrets (a policy's Redis password) are read
// straight from the API server, never cached: a cache would watch every Secret in the cluster, hold them
// all in memory and need list and watch on them; a direct read needs only get.
func ClientOptions() client.Options {
	return client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}}
}
