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

package awsclient

import (
	"errors"
	"strings"

	"github.com/aws/smithy-go"
)

// ErrorKind is how the controller reacts to an AWS error.
type ErrorKind string

const (
	// KindNone: no error.
	KindNone ErrorKind = ""
	// KindThrottled: the request rate is too high; retry with backoff.
	KindThrottled ErrorKind = "Throttled"
	// KindNotFound: the resource does not exist.
	KindNotFound ErrorKind = "NotFound"
	// KindInvalid: the request is wrong (bad parameter, quota, state that will not change by itself); retrying
	// the same request will not help.
	KindInvalid ErrorKind = "Invalid"
	// KindInProgress: another operation is running on the resource; wait and retry.
	KindInProgress ErrorKind = "InProgress"
	// KindTransient: a server-side or network failure; retry with backoff.
	KindTransient ErrorKind = "Transient"
)

var codeKinds = map[string]ErrorKind{
	// Throttling, as the SDK's standard retryer knows it plus the services' own codes.
	"Throttling": KindThrottled, "ThrottlingException": KindThrottled, "RequestLimitExceeded": KindThrottled,
	"RequestThrottled": KindThrottled, "TooManyRequestsException": KindThrottled,
	"SlowDown": KindThrottled, "EC2ThrottledException": KindThrottled,
	// Not found.
	"InvalidInstanceID.NotFound": KindNotFound, "InvalidAMIID.NotFound": KindNotFound, "InvalidAMIID.Unavailable": KindNotFound,
	"InvalidLaunchTemplateId.NotFound": KindNotFound, "InvalidLaunchTemplateName.NotFoundException": KindNotFound,
	"InvalidLaunchTemplateId.VersionNotFound": KindNotFound, "ReplicationGroupNotFoundFault": KindNotFound,
	"CacheClusterNotFound": KindNotFound, "NodeGroupNotFoundFault": KindNotFound, "ServiceUpdateNotFoundFault": KindNotFound,
	"SnapshotNotFoundFault": KindNotFound, "InvalidInstanceType": KindNotFound,
	// Contention: another change is running.
	"ResourceContention": KindInProgress, "ScalingActivityInProgress": KindInProgress, "ResourceInUse": KindInProgress,
	"InvalidReplicationGroupState": KindInProgress, "InvalidCacheClusterState": KindInProgress, "IncorrectState": KindInProgress,
	// Invalid requests.
	"ValidationError": KindInvalid, "InvalidParameterValue": KindInvalid, "InvalidParameterCombination": KindInvalid,
	"InvalidAMIID.Malformed": KindInvalid, "LimitExceeded": KindInvalid, "TestFailoverNotAvailableFault": KindInvalid,
	"AlreadyExists": KindInvalid, "SnapshotAlreadyExistsFault": KindInvalid, "InvalidNextToken": KindInvalid,
	"UnauthorizedOperation": KindInvalid, "AccessDenied": KindInvalid, "AccessDeniedException": KindInvalid,
	"InsufficientCacheClusterCapacity": KindInvalid, "InvalidARN": KindInvalid,
	// TestFailover's quota (15 node groups per account in a rolling 24 hours) is refused with this code, which
	// the SDK does not retry either: retrying it in a loop would burn the rest of the day.
	"APICallRateForCustomerExceeded": KindInvalid, "NodeQuotaForCustomerExceeded": KindInvalid, "NodeQuotaForClusterExceeded": KindInvalid,
	"InvalidVPCNetworkStateFault": KindInvalid, "SnapshotQuotaExceededFault": KindInvalid,
	// Session credentials that lapsed: the clients of a role drop them and assume the role again (targets.go).
	"ExpiredToken": KindTransient, "ExpiredTokenException": KindTransient, "RequestExpired": KindTransient,
	"InvalidClientTokenId": KindInvalid, "RegionDisabledException": KindInvalid,
}

// Classify says how to react to err. Errors that are not AWS API errors (network, context) are transient.
func Classify(err error) ErrorKind {
	if err == nil {
		return KindNone
	}
	// errors.As unwraps the SDK's operation and retry wrappers down to the service's error.
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		if kind, ok := codeKinds[apiErr.ErrorCode()]; ok {
			return kind
		}
		if strings.HasSuffix(apiErr.ErrorCode(), ".NotFound") || strings.HasSuffix(apiErr.ErrorCode(), "NotFoundFault") {
			return KindNotFound
		}
		if apiErr.ErrorFault() == smithy.FaultServer {
			return KindTransient
		}
	}
	if apiErr != nil {
		return KindInvalid
	}
	return KindTransient
}

// Code is the AWS error code of err, or "" when it is not an AWS API error.
func Code(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// IsNotFound says whether err means the resource does not exist.
func IsNotFound(err error) bool { return Classify(err) == KindNotFound }

// IsThrottled says whether err means the request rate was too high.
func IsThrottled(err error) bool { return Classify(err) == KindThrottled }

// IsRetryable says whether retrying the same call later may succeed.
func IsRetryable(err error) bool {
	switch Classify(err) {
	case KindThrottled, KindInProgress, KindTransient:
		return true
	}
	return false
}

// IsTestFailoverQuota says whether err is ElastiCache refusing TestFailover for the account's rolling 24-hour
// quota.
func IsTestFailoverQuota(err error) bool {
	return Code(err) == "APICallRateForCustomerExceeded"
}

// Explain says what an AWS error means in words that do not change from one call to the next: the call, the
// error code and AWS's message, without the request id and HTTP details that make every attempt's text
// differ. Other errors are returned as they are.
func Explain(err error) string {
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		return err.Error()
	}
	text := apiErr.ErrorCode() + ": " + apiErr.ErrorMessage()
	var op *smithy.OperationError
	if errors.As(err, &op) {
		text = op.ServiceID + " " + op.OperationName + " " + text
	}
	return text
}

// IsRefusal says whether AWS refused the call for good: an error it answered (not a network failure) that
// retrying the same call cannot fix (AccessDenied, UnauthorizedOperation, a validation error). A refusal
// blocks with backoff; it is never retried in a tight loop.
func IsRefusal(err error) bool {
	return err != nil && Code(err) != "" && !IsRetryable(err)
}

// notFound builds the error an adapter returns when a describe answers with nothing for an id, so callers
// classify it like the service's own NotFound errors.
func notFound(code, message string) error {
	return &smithy.GenericAPIError{Code: code, Message: message, Fault: smithy.FaultClient}
}
