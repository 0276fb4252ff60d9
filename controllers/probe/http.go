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
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/cache-remediator/cache-remediator/controllers/health"
)

// HTTP reads status endpoints.
type HTTP struct {
	Client *http.Client
}

// Probe GETs http://ip:port/path.
func (p HTTP) Probe(ctx context.Context, ip string, port int32, path string) health.HTTPStatus {
	client := p.Client
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(ip, strconv.Itoa(int(port)))+path, nil)
	if err != nil {
		return health.HTTPStatus{Err: err}
	}
	resp, err := client.Do(req)
	if err != nil {
		return health.HTTPStatus{Err: err}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return health.DecodeHTTPStatus(resp.StatusCode, body)
}
