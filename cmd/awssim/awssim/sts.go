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

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// nsSTS is STS's wire namespace (awsquery, API version 2011-06-15).
const nsSTS = "https://sts.amazonaws.com/doc/2011-06-15/"

// DefaultPrincipal is who a caller signing with long-term access keys is: the controller's own role, as
// IRSA or EKS Pod Identity makes it. The simulator does not verify long-term keys (tests and the demo use
// any), only the session credentials it issued itself.
const DefaultPrincipal = "arn:aws:iam::" + account + ":role/cache-remediator"

// Role is an IAM role that callers may assume with AssumeRole: its trust policy, reduced to what the
// controller relies on (which principals it trusts, and the sts:ExternalId it requires of them).
type Role struct {
	ARN string
	// TrustedPrincipals are the principal ARNs the trust policy allows to assume the role.
	TrustedPrincipals []string
	// ExternalID, when set, is the sts:ExternalId condition: a call without it, or with another, is refused.
	ExternalID string
	// MaxSessionDuration bounds DurationSeconds (default one hour, as IAM's default).
	MaxSessionDuration time.Duration
}

// session is a set of temporary credentials AssumeRole issued.
type session struct {
	token   string
	role    *Role
	name    string
	expires time.Time
}

// principal is the ARN of the assumed-role session, as STS and CloudTrail name it.
func (ss *session) principal() string {
	acct, name := roleAccountAndName(ss.role.ARN)
	return "arn:aws:sts::" + acct + ":assumed-role/" + name + "/" + ss.name
}

// roleAccountAndName splits arn:aws:iam::123456789012:role/path/name into the account and the name.
func roleAccountAndName(arn string) (string, string) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return "", arn
	}
	res := parts[5]
	return parts[4], res[strings.LastIndex(res, "/")+1:]
}

// AddRole creates (or replaces) a role.
func (s *Sim) AddRole(r Role) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.MaxSessionDuration == 0 {
		r.MaxSessionDuration = time.Hour
	}
	if s.roles == nil {
		s.roles = map[string]*Role{}
	}
	s.roles[r.ARN] = &r
}

// identity is who made a call and where it was sent, read from its SigV4 Authorization header.
type identity struct {
	accessKeyID string
	region      string
	principal   string
}

// credentialScope matches the Credential=AKID/20260101/us-west-2/autoscaling/aws4_request part of a SigV4
// Authorization header.
var credentialScope = regexp.MustCompile(`Credential=([^/,\s]+)/\d{8}/([^/,\s]+)/[^/,\s]+/aws4_request`)

// identifyLocked says who signed r and for which region, and refuses session credentials the simulator
// did not issue, whose token does not match, or that expired: what AWS answers the SDK when its cached
// credentials outlived their session. A request with no signature is anonymous (raw HTTP in tests).
func (s *Sim) identifyLocked(r *http.Request, now time.Time) (identity, *apiError) {
	m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		return identity{}, nil
	}
	id := identity{accessKeyID: m[1], region: m[2], principal: DefaultPrincipal}
	if !strings.HasPrefix(id.accessKeyID, "ASIA") {
		return id, nil
	}
	ss := s.sessions[id.accessKeyID]
	if ss == nil || r.Header.Get("X-Amz-Security-Token") != ss.token {
		return id, errorf(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
	}
	if !now.Before(ss.expires) {
		return id, errorf(http.StatusBadRequest, "ExpiredToken", "The security token included in the request is expired")
	}
	id.principal = ss.principal()
	return id, nil
}

var (
	sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
	externalIDPattern  = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
)

// stsLocked answers an STS call made by caller.
func (s *Sim) stsLocked(action string, form url.Values, caller identity, now time.Time) ([]byte, *apiError) {
	if action != "AssumeRole" {
		return nil, errorf(http.StatusBadRequest, "InvalidAction", "the action %s is not valid for this web service", action)
	}
	roleARN, name, externalID := form.Get("RoleArn"), form.Get("RoleSessionName"), form.Get("ExternalId")
	if roleARN == "" || len(roleARN) < 20 {
		return nil, validation("1 validation error detected: Value '%s' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20", roleARN)
	}
	if !sessionNamePattern.MatchString(name) {
		return nil, validation("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64", name)
	}
	if _, given := form["ExternalId"]; given && (len(externalID) < 2 || len(externalID) > 1224 || !externalIDPattern.MatchString(externalID)) {
		return nil, validation("1 validation error detected: Value '%s' at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]* and have length between 2 and 1224", externalID)
	}
	duration := time.Hour
	if v := form.Get("DurationSeconds"); v != "" {
		secs, err := strconv.Atoi(v)
		if err != nil || secs < 900 || secs > 43200 {
			return nil, validation("1 validation error detected: Value '%s' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200", v)
		}
		duration = time.Duration(secs) * time.Second
	}
	role := s.roles[roleARN]
	// AWS answers the same AccessDenied whether the role is missing, does not trust the caller or wants
	// another external ID: it does not tell a caller which roles exist.
	if role == nil || !trusts(role, caller.principal) || (role.ExternalID != "" && role.ExternalID != externalID) {
		return nil, errorf(http.StatusForbidden, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", caller.principal, roleARN)
	}
	if duration > role.MaxSessionDuration {
		return nil, validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	s.seq++
	akid := fmt.Sprintf("ASIA%016X", s.seq)
	ss := &session{token: fmt.Sprintf("simulated-session-token-%d", s.seq), role: role, name: name, expires: now.Add(duration)}
	if s.sessions == nil {
		s.sessions = map[string]*session{}
	}
	s.sessions[akid] = ss
	_, roleName := roleAccountAndName(roleARN)
	var w xw
	w.open("Credentials")
	w.text("AccessKeyId", akid)
	w.text("SecretAccessKey", "simulated-secret-"+akid)
	w.text("SessionToken", ss.token)
	w.time("Expiration", ss.expires)
	w.close("Credentials")
	w.open("AssumedRoleUser")
	w.text("AssumedRoleId", "AROA"+strings.ToUpper(fmt.Sprintf("%016x", len(roleName)))+":"+name)
	w.text("Arn", ss.principal())
	w.close("AssumedRoleUser")
	return w.b.Bytes(), nil
}

func trusts(r *Role, principal string) bool {
	for _, p := range r.TrustedPrincipals {
		if p == principal {
			return true
		}
	}
	return false
}

// inRegionLocked is the simulated region a call was signed for. The simulator's resources live in its own
// region; another region is a separate, empty one (created on first use, on the same clock), so a call
// for a region where a group does not exist does not find it, as against AWS.
func (s *Sim) inRegionLocked(region string) *Sim {
	if region == "" || region == s.region {
		return s
	}
	if s.otherRegions == nil {
		s.otherRegions = map[string]*Sim{}
	}
	other := s.otherRegions[region]
	if other == nil {
		delays := s.delays
		other = New(Options{Clock: s.clock, Delays: &delays, Region: region, TestFailoverQuota: s.failoverQuota})
		s.otherRegions[region] = other
	}
	return other
}
