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

package elasticacheobservation

// nodeTypeMemoryGiB is each node type's memory for data (the maxmemory of ElastiCache's node-type-specific
// parameters, in GiB), from the ElastiCache user guide ("Redis OSS node-type specific parameters"). The
// API does not say how much memory a node type has; a type missing here can be given in the spec
// (target.elastiCache.targetNodeMemoryMiB).
var nodeTypeMemoryGiB = map[string]float64{
	"cache.t2.micro": 0.555, "cache.t2.small": 1.55, "cache.t2.medium": 3.22,
	"cache.t3.micro": 0.5, "cache.t3.small": 1.37, "cache.t3.medium": 3.09,
	"cache.t4g.micro": 0.5, "cache.t4g.small": 1.37, "cache.t4g.medium": 3.09,
	"cache.m5.large": 6.38, "cache.m5.xlarge": 12.93, "cache.m5.2xlarge": 26.04, "cache.m5.4xlarge": 52.26,
	"cache.m5.12xlarge": 157.12, "cache.m5.24xlarge": 314.32,
	"cache.m6g.large": 6.38, "cache.m6g.xlarge": 12.93, "cache.m6g.2xlarge": 26.04, "cache.m6g.4xlarge": 52.26,
	"cache.m6g.8xlarge": 103.68, "cache.m6g.12xlarge": 157.12, "cache.m6g.16xlarge": 209.55,
	"cache.m7g.large": 6.38, "cache.m7g.xlarge": 12.93, "cache.m7g.2xlarge": 26.04, "cache.m7g.4xlarge": 52.26,
	"cache.m7g.8xlarge": 103.68, "cache.m7g.12xlarge": 157.12, "cache.m7g.16xlarge": 209.55,
	"cache.r5.large": 13.07, "cache.r5.xlarge": 26.32, "cache.r5.2xlarge": 52.82, "cache.r5.4xlarge": 105.81,
	"cache.r5.12xlarge": 317.77, "cache.r5.24xlarge": 635.61,
	"cache.r6g.large": 13.07, "cache.r6g.xlarge": 26.32, "cache.r6g.2xlarge": 52.82, "cache.r6g.4xlarge": 105.81,
	"cache.r6g.8xlarge": 209.55, "cache.r6g.12xlarge": 317.77, "cache.r6g.16xlarge": 419.09,
	"cache.r7g.large": 13.07, "cache.r7g.xlarge": 26.32, "cache.r7g.2xlarge": 52.82, "cache.r7g.4xlarge": 105.81,
	"cache.r7g.8xlarge": 209.55, "cache.r7g.12xlarge": 317.77, "cache.r7g.16xlarge": 419.09,
}

// NodeTypeMemory is a node type's memory for data in bytes, and whether the controller knows it.
func NodeTypeMemory(nodeType string) (int64, bool) {
	gib, ok := nodeTypeMemoryGiB[nodeType]
	return int64(gib * (1 << 30)), ok
}
