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

package health

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// HTTPStatus is what a status endpoint answered, in the style of Dynomite-Manager:
// {"healthy": true, "warmUpInProgress": false, "backupInProgress": false}.
type HTTPStatus struct {
	Err              error
	Code             int
	Healthy          bool `json:"healthy"`
	WarmUpInProgress bool `json:"warmUpInProgress"`
	BackupInProgress bool `json:"backupInProgress"`
}

// HTTPProber reads status endpoints.
type HTTPProber struct {
	Client *http.Client
}

// Probe GETs http://ip:port/path and decodes its JSON.
func (p HTTPProber) Probe(ctx context.Context, ip string, port int32, path string) HTTPStatus {
	client := p.Client
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(ip, strconv.Itoa(int(port)))+path, nil)
	if err != nil {
		return HTTPStatus{Err: err}
	}
	resp, err := client.Do(req)
	if err != nil {
		return HTTPStatus{Err: err}
	}
	defer resp.Body.Close()
	st := HTTPStatus{Code: resp.StatusCode}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err == nil && len(body) > 0 {
		if jerr := json.Unmarshal(body, &st); jerr != nil && resp.StatusCode/100 == 2 {
			st.Err = fmt.Errorf("status endpoint answered something that is not JSON: %w", jerr)
		}
	}
	st.Code = resp.StatusCode
	return st
}

// HTTPGate evaluates the status endpoint's answer: 2xx, healthy, no warm-up and no backup running.
func HTTPGate(id string, st HTTPStatus) Result {
	switch {
	case st.Err != nil:
		return fail(GateHTTPStatus, id, "Unreachable", "status endpoint: "+st.Err.Error())
	case st.Code/100 != 2:
		return fail(GateHTTPStatus, id, "NotOK", fmt.Sprintf("status endpoint answered HTTP %d", st.Code))
	case st.WarmUpInProgress:
		return fail(GateHTTPStatus, id, "WarmUpInProgress", "a cold bootstrap (warm-up) is running")
	case st.BackupInProgress:
		return fail(GateHTTPStatus, id, "BackupInProgress", "a backup is running")
	case !st.Healthy:
		return fail(GateHTTPStatus, id, "Unhealthy", "status endpoint reports the node unhealthy")
	}
	return pass(GateHTTPStatus, id)
}
