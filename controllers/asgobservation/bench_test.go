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

package asgobservation_test

import (
	"context"
	"testing"
	"time"

	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
	"github.com/cache-remediator/cache-remediator/controllers/asgobservation"
)

// BenchmarkObserve builds one policy's snapshot (a one-group cluster of two nodes): in full, as a policy with
// work to do is observed (its groups, template pointers and status checks read from the simulator over
// HTTP), and settled, from the fleet snapshot shared by 150 policies, with no AWS call.
func BenchmarkObserve(b *testing.B) {
	for _, c := range []struct {
		name string
		opts asgobservation.Options
	}{{"full", asgobservation.Options{}}, {"settled", asgobservation.Options{Settled: true}}} {
		b.Run(c.name, func(b *testing.B) {
			srv, builder, specs := fleetOf(b)
			now := awssim.SimEpoch
			for _, spec := range specs {
				if _, err := builder.Observe(context.Background(), spec, asgobservation.Credentials{}, nil, now, c.opts); err != nil {
					b.Fatal(err)
				}
			}
			from := len(srv.Calls())
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := builder.Observe(context.Background(), specs[i%len(specs)], asgobservation.Credentials{}, nil, now.Add(time.Second), c.opts); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(len(srv.Calls())-from)/float64(i), "aws-calls/op")
		})
	}
}
