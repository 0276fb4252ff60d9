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

package health

import (
	"encoding/json"
	"fmt"
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

// DecodeHTTPStatus reads a status endpoint's answer: its HTTP code and JSON body.
func DecodeHTTPStatus(code int, body []byte) HTTPStatus {
	st := HTTPStatus{Code: code}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &st); err != nil && code/100 == 2 {
			st.Err = fmt.Errorf("status endpoint answered something that is not JSON: %w", err)
		}
	}
	st.Code = code
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
