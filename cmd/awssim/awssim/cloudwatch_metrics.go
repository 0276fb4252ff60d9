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

package awssim

// The simulated CloudWatch's metrics.
//
// A metric is a namespace, a name and an exact set of dimensions, as in CloudWatch (a query with
// {CacheClusterId} does not match a series published with {CacheClusterId, CacheNodeId}). Its
// datapoints come from three sources, merged:
//
//   - Derived: the simulator publishes metrics for the resources it simulates, one sample a minute, from
//     the resource's creation until it is gone. AWS/EC2 per instance ({InstanceId}) and per Auto Scaling
//     group ({AutoScalingGroupName}, the samples of the group's instances of that minute);
//     AWS/ElastiCache per member cache cluster ({CacheClusterId} and {CacheClusterId, CacheNodeId=0001},
//     with the same values; AWS publishes these metrics with no ReplicationGroupId dimension, and neither
//     does the simulator); and, where a real redis-server runs behind an instance (ProcessNodes), the
//     custom namespace "Redis" per instance and per group, sampled from the server's INFO when a
//     GetMetricData asks for it.
//   - Set by a test: SetMetric (a value from now on), SetMetricMissing (no datapoints from now on),
//     ClearMetric (back to the derived value), the scenario's cloudWatch.metrics.
//   - Put: PutMetricData's datapoints, at their own timestamps.
//
// Time: the sample of minute m is the metric's value at the last instant of that minute that has
// passed (min(m+1m, now)); a resource has samples for the minutes m with createdAt <= m < goneAt. The
// values derived from the simulator's state are recorded when they change (after every API call and
// every Advance, once CloudWatch is in use), so past datapoints keep the values they had. The state
// the simulator had before CloudWatch was first used (the first CloudWatch call, metric or alarm set)
// is taken to have held since the resource was created. State changed through Go methods that do not
// go through the simulator's API (SetImpaired) is seen at the next call or Advance.

import (
	"context"
	"math"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Namespaces the simulator publishes metrics in.
const (
	NamespaceEC2         = "AWS/EC2"
	NamespaceElastiCache = "AWS/ElastiCache"
	// NamespaceRedis is a custom namespace (not an AWS one) with the metrics a Redis exporter would
	// publish for self-managed nodes, named as ElastiCache names them, from each redis-server's INFO.
	NamespaceRedis = "Redis"
)

const (
	minute = time.Minute
	mib    = 1 << 20
	// instanceCPUBaseline is the CPUUtilization of a simulated instance, which runs no load model; tests
	// that need another value set it with SetMetric.
	instanceCPUBaseline = 10.0
	// engineCPUBaseline and currConnectionsBaseline likewise for an ElastiCache node.
	engineCPUBaseline       = 5.0
	currConnectionsBaseline = 10.0
)

// The metrics each kind of simulated resource publishes, with their units.
var (
	ec2Metrics         = []string{"CPUUtilization", "StatusCheckFailed", "StatusCheckFailed_Instance", "StatusCheckFailed_System"}
	elastiCacheMetrics = []string{"BytesUsedForCache", "DatabaseMemoryUsagePercentage", "ReplicationLag", "EngineCPUUtilization", "CurrConnections", "IsMaster"}
	redisMetrics       = []string{"BytesUsedForCache", "DatabaseMemoryUsagePercentage", "ReplicationLag", "CurrConnections", "IsMaster"}
	metricUnits        = map[string]string{
		"CPUUtilization": "Percent", "StatusCheckFailed": "Count", "StatusCheckFailed_Instance": "Count", "StatusCheckFailed_System": "Count",
		"BytesUsedForCache": "Bytes", "DatabaseMemoryUsagePercentage": "Percent", "ReplicationLag": "Seconds",
		"EngineCPUUtilization": "Percent", "CurrConnections": "Count", "IsMaster": "Count",
	}
)

func metricIndex(names []string, name string) int {
	for i, n := range names {
		if n == name {
			return i
		}
	}
	return -1
}

// seriesKey identifies a metric: its namespace, name and exact dimension set.
func seriesKey(namespace, name string, dims map[string]string) string {
	keys := make([]string, 0, len(dims))
	for k := range dims {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(namespace)
	b.WriteByte(0)
	b.WriteString(name)
	for _, k := range keys {
		b.WriteByte(0)
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(dims[k])
	}
	return b.String()
}

// cloudWatch is the simulated CloudWatch's state, under the simulator's lock.
type cloudWatch struct {
	// active is set by the first CloudWatch call, metric or alarm: derived metrics are recorded from then on.
	active bool
	// Recorded values of simulated resources: instances and cache clusters by id, redis-servers by
	// instance id.
	ec2, elastiCache, redis map[string]*timeline
	overrides               map[string][]override // by series key
	stored                  map[string][]storedPoint
	// usedMemoryMiB is the used memory of a cache cluster a test set (SetCacheClusterUsedMemory).
	usedMemoryMiB map[string]int64
	alarms        map[string]*alarm
	scratch       []float64
}

// cloudWatchLocked returns the CloudWatch state, creating it on first use.
func (s *Sim) cloudWatchLocked() *cloudWatch {
	if s.cw == nil {
		s.cw = &cloudWatch{ec2: map[string]*timeline{}, elastiCache: map[string]*timeline{}, redis: map[string]*timeline{},
			overrides: map[string][]override{}, stored: map[string][]storedPoint{}, usedMemoryMiB: map[string]int64{}, alarms: map[string]*alarm{}}
	}
	return s.cw
}

// snapshot is a resource's metric values from a time on; NaN is "no datapoint".
type snapshot struct {
	at     time.Time
	values []float64
}

// timeline is the values a resource's metrics had over time, one snapshot per change.
type timeline struct {
	steps []snapshot
	final bool // the resource is gone: nothing more is recorded
}

// record notes the values at time at if they changed; the first record is dated first (the time from
// which the values are known to hold).
func (tl *timeline) record(first, at time.Time, values []float64) {
	n := len(tl.steps)
	if n == 0 {
		tl.steps = append(tl.steps, snapshot{at: first, values: append([]float64(nil), values...)})
		return
	}
	last := &tl.steps[n-1]
	if sameValues(last.values, values) {
		return
	}
	if !at.After(last.at) {
		// Several changes at one instant: the last one is what the instant shows.
		last.values = append(last.values[:0], values...)
		return
	}
	tl.steps = append(tl.steps, snapshot{at: at, values: append([]float64(nil), values...)})
}

// value is metric i's value at t (NaN when none).
func (tl *timeline) value(i int, t time.Time) float64 {
	if tl == nil {
		return math.NaN()
	}
	j := sort.Search(len(tl.steps), func(j int) bool { return tl.steps[j].at.After(t) }) - 1
	if j < 0 {
		return math.NaN()
	}
	return tl.steps[j].values[i]
}

func sameValues(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) {
			return false
		}
	}
	return true
}

// cacheMemberSnapshot is what the CloudWatch code knows of one ElastiCache member.
type cacheMemberSnapshot struct {
	ReplicationGroupID string
	ClusterID          string
	Role               string // primary or replica
	NodeType           string
	// MaxMemoryMiB is the node's usable memory (Redis maxmemory): its memory less the reserved-memory-percent;
	// 0 when the node type's memory is unknown.
	MaxMemoryMiB int64
	// UsedBytes is the member's data: its redis-server's used_memory when one runs, else the group's
	// UsedMemoryMiB.
	UsedBytes float64
	CreatedAt time.Time
}

// elastiCacheMemberSnapshotLocked is the one place the CloudWatch code reads the simulated ElastiCache
// state: the members of every replication group (or the one cache cluster asked for).
func (s *Sim) elastiCacheMemberSnapshotLocked(clusterID string) []cacheMemberSnapshot {
	var out []cacheMemberSnapshot
	for _, rg := range s.replication {
		for _, m := range rg.Members {
			if clusterID != "" && m.ClusterID != clusterID {
				continue
			}
			used := float64(rg.UsedMemoryMiB) * mib
			if r := s.cacheRunner(); r != nil {
				if info, ok := r.CacheNodeInfo(m.ClusterID); ok {
					used = float64(info.UsedMemory)
				}
			}
			out = append(out, cacheMemberSnapshot{ReplicationGroupID: rg.ID, ClusterID: m.ClusterID, Role: m.Role, NodeType: m.NodeType,
				MaxMemoryMiB: s.memoryMiB(m.NodeType) * int64(100-rg.ReservedMemoryPercent) / 100, UsedBytes: used, CreatedAt: m.CreatedAt})
		}
	}
	return out
}

// sampleMetricsLocked records the values derived from the simulator's state at now and evaluates the
// alarms. It does nothing until CloudWatch is used.
func (s *Sim) sampleMetricsLocked(now time.Time) {
	cw := s.cw
	if cw == nil || !cw.active {
		return
	}
	vals := cw.scratch[:0]
	for id, inst := range s.instances {
		tl := cw.ec2[id]
		if tl == nil {
			tl = &timeline{}
			cw.ec2[id] = tl
		} else if tl.final {
			continue
		}
		vals = instanceValues(vals[:0], inst)
		tl.record(minTime(inst.LaunchedAt, now), now, vals)
		tl.final = inst.LifecycleState == StateTerminated
	}
	for _, m := range s.elastiCacheMemberSnapshotLocked("") {
		tl := cw.elastiCache[m.ClusterID]
		if tl == nil {
			tl = &timeline{}
			cw.elastiCache[m.ClusterID] = tl
		}
		vals = cw.memberValues(vals[:0], m)
		tl.record(minTime(m.CreatedAt, now), now, vals)
	}
	cw.scratch = vals
	s.evaluateAlarmsLocked(now)
}

func minTime(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

func instanceValues(into []float64, inst *Instance) []float64 {
	failed := 0.0
	if inst.Impaired {
		failed = 1
	}
	return append(into, instanceCPUBaseline, failed, failed, 0)
}

func (cw *cloudWatch) memberValues(into []float64, m cacheMemberSnapshot) []float64 {
	used := m.UsedBytes
	if v, ok := cw.usedMemoryMiB[m.ClusterID]; ok {
		used = float64(v) * mib
	}
	// DatabaseMemoryUsagePercentage is used_memory/maxmemory, as AWS computes it from Redis INFO.
	pct, lag, master := math.NaN(), math.NaN(), 1.0
	if m.MaxMemoryMiB > 0 {
		pct = 100 * used / (float64(m.MaxMemoryMiB) * mib)
	}
	if m.Role != "primary" {
		lag, master = 0, 0
	}
	return append(into, used, pct, lag, engineCPUBaseline, currConnectionsBaseline, master)
}

// override is a value (or the absence of one) a test set for a metric from a time on.
type override struct {
	at      time.Time
	value   float64
	unit    string
	missing bool // no datapoints
	cleared bool // back to the derived value
}

func (cw *cloudWatch) setOverride(key string, o override) {
	list := cw.overrides[key]
	if n := len(list); n > 0 && !o.at.After(list[n-1].at) {
		list[n-1] = o
		return
	}
	cw.overrides[key] = append(list, o)
}

// overrideAt is the override in force at t among the given series (the latest set), if any.
func (cw *cloudWatch) overrideAt(keys []string, t time.Time) (override, bool) {
	var best override
	found := false
	for _, k := range keys {
		list := cw.overrides[k]
		j := sort.Search(len(list), func(j int) bool { return list[j].at.After(t) }) - 1
		if j >= 0 && (!found || list[j].at.After(best.at)) {
			best, found = list[j], true
		}
	}
	if found && best.cleared {
		return override{}, false
	}
	return best, found
}

// storedPoint is a datapoint PutMetricData stored: a value, values with counts, or a statistic set.
type storedPoint struct {
	at                   time.Time
	count, sum, min, max float64
	values, counts       []float64 // nil for a statistic set
	unit                 string
}

func (cw *cloudWatch) store(key string, p storedPoint) {
	list := cw.stored[key]
	i := sort.Search(len(list), func(i int) bool { return list[i].at.After(p.at) })
	list = append(list, storedPoint{})
	copy(list[i+1:], list[i:])
	list[i] = p
	cw.stored[key] = list
}

// SetMetric makes a metric have value from now on, one sample a minute, until it is set again or
// cleared. For a metric the simulator derives (see NamespaceEC2, NamespaceElastiCache), the value
// replaces the derived one and the resource's lifetime still bounds the datapoints; setting it for an
// instance also changes its group's aggregate. Any other metric is a custom one with that value.
func (s *Sim) SetMetric(namespace, name string, dims map[string]string, value float64) {
	s.setMetricOverride(namespace, name, dims, override{value: value})
}

// SetMetricMissing makes a metric have no datapoints from now on (what CloudWatch answers when a
// resource stops reporting), until it is set or cleared.
func (s *Sim) SetMetricMissing(namespace, name string, dims map[string]string) {
	s.setMetricOverride(namespace, name, dims, override{missing: true})
}

// ClearMetric undoes SetMetric and SetMetricMissing from now on: the metric is derived again (or has no
// datapoints, for a custom one).
func (s *Sim) ClearMetric(namespace, name string, dims map[string]string) {
	s.setMetricOverride(namespace, name, dims, override{cleared: true})
}

func (s *Sim) setMetricOverride(namespace, name string, dims map[string]string, o override) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.beginCloudWatchLocked()
	o.at = now
	if o.unit == "" {
		o.unit = metricUnits[name]
	}
	if o.unit == "" {
		o.unit = "None"
	}
	s.cw.setOverride(seriesKey(namespace, name, dims), o)
	s.sampleMetricsLocked(now)
}

// SetCacheClusterUsedMemory sets the memory a cache cluster (a replication group member) uses from now
// on, which its BytesUsedForCache and DatabaseMemoryUsagePercentage are derived from; by default a
// member uses its replication group's UsedMemoryMiB.
func (s *Sim) SetCacheClusterUsedMemory(cacheClusterID string, usedMiB int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.beginCloudWatchLocked()
	s.cw.usedMemoryMiB[cacheClusterID] = usedMiB
	s.sampleMetricsLocked(now)
}

// beginCloudWatchLocked brings the simulation up to now, turns CloudWatch on and records the state before
// a change is made.
func (s *Sim) beginCloudWatchLocked() time.Time {
	now := s.clock.Now()
	s.advanceLocked(now)
	s.cloudWatchLocked().active = true
	s.sampleMetricsLocked(now)
	return now
}

// metricMember is one resource whose samples make up (part of) a derived metric.
type metricMember struct {
	tl           *timeline
	index        int       // the metric's index in the timeline's values
	start, end   time.Time // the resource's lifetime; end zero while it exists
	overrideKeys []string  // the resource's own series, whose overrides apply
}

func (m metricMember) existsAt(t time.Time) bool {
	return !t.Before(m.start) && (m.end.IsZero() || t.Before(m.end))
}

// instanceEnd is when an instance stopped (or will stop) reporting: its termination.
func instanceEnd(inst *Instance) time.Time {
	if inst.LifecycleState == StateTerminating || inst.LifecycleState == StateTerminated {
		return inst.goneAt
	}
	return time.Time{}
}

// derivedMembersLocked resolves a metric to the simulated resources it is derived from: one, or a group's
// instances (aggregated); derived is false for a metric the simulator does not publish.
func (s *Sim) derivedMembersLocked(namespace, name string, dims map[string]string) (members []metricMember, aggregated, derived bool) {
	cw := s.cloudWatchLocked()
	instanceMembers := func(names []string, timelines map[string]*timeline) ([]metricMember, bool, bool) {
		i := metricIndex(names, name)
		if i < 0 || len(dims) != 1 {
			return nil, false, false
		}
		member := func(inst *Instance) metricMember {
			return metricMember{tl: timelines[inst.ID], index: i, start: inst.LaunchedAt, end: instanceEnd(inst),
				overrideKeys: []string{seriesKey(namespace, name, map[string]string{"InstanceId": inst.ID})}}
		}
		if id, ok := dims["InstanceId"]; ok {
			inst := s.instances[id]
			if inst == nil {
				return nil, false, false
			}
			return []metricMember{member(inst)}, false, true
		}
		if g, ok := dims["AutoScalingGroupName"]; ok {
			if s.groups[g] == nil {
				return nil, false, false
			}
			var out []metricMember
			for _, id := range sortedKeys(s.instances) {
				if inst := s.instances[id]; inst.Group == g {
					out = append(out, member(inst))
				}
			}
			return out, true, true
		}
		return nil, false, false
	}
	switch namespace {
	case NamespaceEC2:
		return instanceMembers(ec2Metrics, cw.ec2)
	case NamespaceRedis:
		return instanceMembers(redisMetrics, cw.redis)
	case NamespaceElastiCache:
		i := metricIndex(elastiCacheMetrics, name)
		id := dims["CacheClusterId"]
		if i < 0 || id == "" || len(dims) > 2 || (len(dims) == 2 && dims["CacheNodeId"] != "0001") {
			return nil, false, false
		}
		ms := s.elastiCacheMemberSnapshotLocked(id)
		if len(ms) == 0 {
			return nil, false, false
		}
		// The cluster-level and node-level series are the same node's: an override of either applies to both.
		keys := []string{seriesKey(namespace, name, map[string]string{"CacheClusterId": id}),
			seriesKey(namespace, name, map[string]string{"CacheClusterId": id, "CacheNodeId": "0001"})}
		return []metricMember{{tl: cw.elastiCache[id], index: i, start: ms[0].CreatedAt, overrideKeys: keys}}, false, true
	}
	return nil, false, false
}

// aggregate is the samples that fall in one period.
type aggregate struct {
	count, sum, min, max float64
	values, weights      []float64
	inexact              bool // some samples were statistic sets: no percentiles
}

func (a *aggregate) add(v float64) {
	a.addSet(1, v, v, v)
	a.values = append(a.values, v)
	a.weights = append(a.weights, 1)
}

func (a *aggregate) addSet(count, sum, lo, hi float64) {
	if a.count == 0 || lo < a.min {
		a.min = lo
	}
	if a.count == 0 || hi > a.max {
		a.max = hi
	}
	a.count += count
	a.sum += sum
}

func (a *aggregate) addPoint(p storedPoint) {
	a.addSet(p.count, p.sum, p.min, p.max)
	if p.values == nil {
		a.inexact = true
		return
	}
	a.values = append(a.values, p.values...)
	a.weights = append(a.weights, p.counts...)
}

// stat computes a statistic (validated by parseStat) of the period's samples.
func (a *aggregate) stat(st stat) (float64, bool) {
	if a.count == 0 {
		return 0, false
	}
	switch st.name {
	case "SampleCount":
		return a.count, true
	case "Sum":
		return a.sum, true
	case "Average":
		return a.sum / a.count, true
	case "Minimum":
		return a.min, true
	case "Maximum":
		return a.max, true
	}
	// A percentile, by nearest rank over the individual values.
	if a.inexact || len(a.values) == 0 {
		return 0, false
	}
	idx := make([]int, len(a.values))
	var total float64
	for i := range idx {
		idx[i] = i
		total += a.weights[i]
	}
	sort.Slice(idx, func(i, j int) bool { return a.values[idx[i]] < a.values[idx[j]] })
	rank := math.Max(1, math.Ceil(st.percentile/100*total))
	var seen float64
	for _, i := range idx {
		seen += a.weights[i]
		if seen >= rank {
			return a.values[i], true
		}
	}
	return a.values[idx[len(idx)-1]], true
}

// stat is a parsed statistic: one of the five plain ones or a percentile pNN[.NN].
type stat struct {
	name       string
	percentile float64
}

func parseStat(s string) (stat, bool) {
	switch s {
	case "SampleCount", "Sum", "Average", "Minimum", "Maximum":
		return stat{name: s}, true
	}
	if p, ok := strings.CutPrefix(s, "p"); ok {
		v, err := strconv.ParseFloat(p, 64)
		if err == nil && v >= 0 && v <= 100 && !strings.ContainsAny(p, "eE+-") {
			return stat{name: s, percentile: v}, true
		}
	}
	return stat{}, false
}

// bucket is one period of a metric: its start and samples.
type bucket struct {
	start time.Time
	agg   aggregate
}

// metricBucketsLocked collects a metric's samples into the periods starting at from, from+period, ...
// before to (from a multiple of period), as they were at now. unit, when not empty, keeps only samples of
// that unit (CloudWatch does not convert units).
func (s *Sim) metricBucketsLocked(namespace, name string, dims map[string]string, unit string, period time.Duration, from, to, now time.Time) []bucket {
	cw := s.cloudWatchLocked()
	n := int(to.Sub(from) / period)
	if to.Sub(from)%period != 0 {
		n++
	}
	if n <= 0 {
		return nil
	}
	buckets := make([]bucket, n)
	for i := range buckets {
		buckets[i].start = from.Add(time.Duration(i) * period)
	}
	end := from.Add(time.Duration(n) * period)
	at := func(t time.Time) *aggregate {
		i := int(t.Sub(from) / period)
		if t.Before(from) || i >= n {
			return nil
		}
		return &buckets[i].agg
	}

	key := seriesKey(namespace, name, dims)
	members, aggregated, derived := s.derivedMembersLocked(namespace, name, dims)
	seriesUnit := "None"
	if derived {
		seriesUnit = metricUnits[name]
	}
	ownKeys := []string{key}
	if derived && !aggregated {
		ownKeys = members[0].overrideKeys
	}

	// One sample a minute from the derived value or an override, from the first minute of the first period
	// at which the series can have one (the first resource's creation, or the first override).
	first := alignDown(from, minute)
	if first.Before(from) {
		first = first.Add(minute)
	}
	var since time.Time
	if derived {
		for _, mem := range members {
			if since.IsZero() || mem.start.Before(since) {
				since = mem.start
			}
		}
	} else {
		for _, k := range ownKeys {
			if list := cw.overrides[k]; len(list) > 0 && (since.IsZero() || list[0].at.Before(since)) {
				since = list[0].at
			}
		}
	}
	if since.IsZero() {
		first = end // nothing but PutMetricData's datapoints
	} else if t0 := alignDown(since, minute); t0.After(first) {
		first = t0
	}
	for m := first; m.Before(end) && !m.After(now); m = m.Add(minute) {
		instant := minTime(m.Add(minute-time.Nanosecond), now)
		agg := at(m)
		if agg == nil {
			continue
		}
		if derived && !anyExists(members, m) {
			continue
		}
		if o, ok := cw.overrideAt(ownKeys, instant); ok {
			if !o.missing && (unit == "" || unit == o.unit) {
				agg.add(o.value)
			}
			continue
		}
		if !derived || (unit != "" && unit != seriesUnit) {
			continue
		}
		for _, mem := range members {
			if !mem.existsAt(m) {
				continue
			}
			t := instant
			if !mem.end.IsZero() && !t.Before(mem.end) {
				t = mem.end.Add(-time.Nanosecond)
			}
			if aggregated {
				// An instance's own override counts in its group's aggregate.
				if o, ok := cw.overrideAt(mem.overrideKeys, t); ok {
					if !o.missing {
						agg.add(o.value)
					}
					continue
				}
			}
			if v := mem.tl.value(mem.index, t); !math.IsNaN(v) {
				agg.add(v)
			}
		}
	}

	// PutMetricData's datapoints, at their timestamps.
	points := cw.stored[key]
	i := sort.Search(len(points), func(i int) bool { return !points[i].at.Before(from) })
	for ; i < len(points) && points[i].at.Before(end); i++ {
		if unit == "" || unit == points[i].unit {
			at(points[i].at).addPoint(points[i])
		}
	}
	return buckets
}

// alignDown rounds t down to a multiple of d since the Unix epoch, as CloudWatch aligns periods.
func alignDown(t time.Time, d time.Duration) time.Time {
	ns := t.UnixNano()
	r := ns % int64(d)
	if r < 0 {
		r += int64(d)
	}
	return time.Unix(0, ns-r).UTC()
}

func anyExists(members []metricMember, t time.Time) bool {
	for _, m := range members {
		if m.existsAt(t) {
			return true
		}
	}
	return false
}

// redisSample is one redis-server's INFO, as far as CloudWatch cares.
type redisSample struct {
	instanceID string
	ok         bool
	usedMemory float64
	maxMemory  float64
	master     bool
	lagSeconds float64 // NaN for a primary
	clients    float64
}

// redisAddress is the address of an instance's redis-server, if one runs.
func (p *ProcessNodes) redisAddress(instanceID string) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.nodes[instanceID]
	if n == nil || n.redis == nil {
		return "", false
	}
	return net.JoinHostPort(n.ip, strconv.Itoa(p.RedisPort)), true
}

// sampleRedisForQuery asks the redis-servers a GetMetricData asks Redis metrics of for their INFO
// (without the simulator's lock: this is network I/O). It costs one INFO per server per call, and
// nothing when no query is for the Redis namespace or no real Redis runs.
func (s *Sim) sampleRedisForQuery(body []byte) []redisSample {
	var in getMetricDataInput
	if decodeInput(body, &in) != nil {
		return nil
	}
	targets := s.redisTargets(in) // instance -> address ("" when nothing runs there)

	out := make([]redisSample, 0, len(targets))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for id, addr := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			smp := redisInfoSample(id, addr)
			mu.Lock()
			out = append(out, smp)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// redisTargets are the live instances whose Redis metrics a GetMetricData asks for, with the address of
// their redis-server.
func (s *Sim) redisTargets(in getMetricDataInput) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	procs, ok := s.nodes.(*ProcessNodes)
	if !ok || !procs.Redis {
		return nil
	}
	targets := map[string]string{}
	for _, q := range in.MetricDataQueries {
		if q.MetricStat == nil || q.MetricStat.Metric == nil || q.MetricStat.Metric.Namespace != NamespaceRedis {
			continue
		}
		dims := q.MetricStat.Metric.dimensionMap()
		for id, inst := range s.instances {
			if inst.LifecycleState == StateTerminated || (id != dims["InstanceId"] && (dims["AutoScalingGroupName"] == "" || inst.Group != dims["AutoScalingGroupName"])) {
				continue
			}
			targets[id], _ = procs.redisAddress(id)
		}
	}
	return targets
}

func redisInfoSample(instanceID, addr string) redisSample {
	smp := redisSample{instanceID: instanceID, lagSeconds: math.NaN()}
	if addr == "" {
		return smp
	}
	c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 500 * time.Millisecond, ReadTimeout: 500 * time.Millisecond, MaxRetries: -1, PoolSize: 1})
	defer func() { _ = c.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	info, err := c.InfoMap(ctx, "memory", "replication", "clients").Result()
	if err != nil {
		return smp
	}
	num := func(section, key string) float64 {
		v, err := strconv.ParseFloat(info[section][key], 64)
		if err != nil {
			return math.NaN()
		}
		return v
	}
	smp.ok = true
	smp.usedMemory, smp.maxMemory, smp.clients = num("Memory", "used_memory"), num("Memory", "maxmemory"), num("Clients", "connected_clients")
	repl := info["Replication"]
	smp.master = repl["role"] == "master"
	if !smp.master {
		if repl["master_link_status"] == "up" {
			smp.lagSeconds = num("Replication", "master_last_io_seconds_ago")
		} else if down := num("Replication", "master_link_down_since_seconds"); down >= 0 {
			smp.lagSeconds = down
		}
	}
	return smp
}

// recordRedisLocked records redis-server samples taken at now; a server that did not answer has no
// datapoints until it answers again. A series begins at its first sample.
func (s *Sim) recordRedisLocked(samples []redisSample, now time.Time) {
	if len(samples) == 0 {
		return
	}
	cw := s.cloudWatchLocked()
	for _, smp := range samples {
		inst := s.instances[smp.instanceID]
		if inst == nil {
			continue
		}
		vals := []float64{math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()}
		if smp.ok {
			limit := smp.maxMemory
			if !(limit > 0) {
				if it := s.instanceTypes[inst.InstanceType]; it != nil && it.MemoryMiB > 0 {
					limit = float64(it.MemoryMiB) * mib
				}
			}
			pct := math.NaN()
			if limit > 0 {
				pct = 100 * smp.usedMemory / limit
			}
			master := 0.0
			if smp.master {
				master = 1
			}
			vals = []float64{smp.usedMemory, pct, smp.lagSeconds, smp.clients, master}
		}
		tl := cw.redis[smp.instanceID]
		if tl == nil {
			tl = &timeline{}
			cw.redis[smp.instanceID] = tl
		}
		tl.record(now, now, vals)
	}
}
