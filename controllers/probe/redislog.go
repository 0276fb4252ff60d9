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

package probe

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
	ctrl "sigs.k8s.io/controller-runtime"
)

// go-redis prints every failed dial to stderr with the standard logger. A probe of a node that is down is
// an expected outcome the gates already report, so those lines go to the controller's structured log at
// debug level instead of interleaving with it unformatted.
func init() {
	redis.SetLogger(redisLogger{})
}

type redisLogger struct{}

func (redisLogger) Printf(_ context.Context, format string, v ...any) {
	ctrl.Log.WithName("go-redis").V(1).Info(fmt.Sprintf(format, v...))
}
