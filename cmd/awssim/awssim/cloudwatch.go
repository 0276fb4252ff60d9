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

// Amazon CloudWatch over the Smithy RPC v2 CBOR protocol.
//
// What the current SDK really sends and expects, read in the module cache
// (github.com/aws/aws-sdk-go-v2/service/cloudwatch@v1.75.5, core aws-sdk-go-v2@v1.47.7,
// github.com/aws/smithy-go@v1.28.8) and checked against the spec
// (smithy-lang/smithy docs/source-2.0/additional-specs/protocols/smithy-rpc-v2.rst):
//
//   - The client is schema-serialized: there is no serializers.go/deserializers.go any more. api_client.go
//     sets options.Protocol = rpcv2.NewCBOR(schemas.GraniteServiceVersion20100801); the protocol lives in
//     smithy-go transport/http/protocol/rpcv2/rpcv2.go and the codec in
//     transport/http/protocol/internal/cbor/{shape_serializer,shape_deserializer}.go.
//   - Request: POST /service/GraniteServiceVersion20100801/operation/<Op> (the service shape's name, no
//     namespace) with headers Smithy-Protocol: rpc-v2-cbor, Accept: application/cbor,
//     Content-Type: application/cbor and, because the service schema carries the awsQueryCompatible trait
//     (schemas/schemas.go: &smithytraits.AWSQueryCompatible{}), X-Amzn-Query-Mode: true. The body is one
//     CBOR map keyed by member names ("MetricDataQueries", "StartTime", ...), written with
//     indefinite-length maps and arrays (0xbf ... 0xff, 0x9f ... 0xff); timestamps are tag 1 around a
//     float64 of epoch seconds with millisecond precision (WriteTime: float64(UnixMilli())/1e3); integers
//     are major types 0/1, doubles float64. Captured requests: request_snapshot/<Op>.request.snap.
//     The spec also says servers may accept the absolute service ID with '#' as '.', that only the last
//     four path segments count, and that a request carrying X-Amz-Target must be rejected.
//   - Success: HTTP 200, the output structure as a CBOR map (definite or indefinite lengths both decode;
//     unknown keys are skipped; null members are treated as absent). Timestamps must be tag 1 around an
//     integer or a float (ReadTime rejects anything else); doubles may be sent as integers. An empty body
//     decodes as an empty output, which is what output-less operations (PutMetricData, SetAlarmState) get.
//     Responses carry Smithy-Protocol: rpc-v2-cbor and Content-Type: application/cbor (the Go client does
//     not check them, the spec requires them).
//   - Errors: any non-2xx status. The body is a CBOR map with "__type" (the error's absolute shape ID,
//     e.g. "com.amazonaws.cloudwatch#InvalidNextToken"; the client strips everything up to '#' and after
//     ':') and the error's members ("message" for most, "Message" for InternalServiceFault and
//     LimitExceededException). The short name is looked up in cloudwatch.TypeRegistry (type_registry.go):
//     a known one decodes to its typed error (*types.InvalidNextToken, *types.ResourceNotFound,
//     *types.InvalidParameterValueException, ...), anything else becomes a *smithy.GenericAPIError.
//   - Query compatibility: the client reads X-Amzn-Query-Error: <Code>;<Sender|Receiver>. For a typed
//     error the code becomes its ErrorCodeOverride, so (*types.InvalidParameterValueException).ErrorCode()
//     is "InvalidParameterValue", the old awsquery code from the shape's AWSQueryError trait; for an unknown
//     __type the GenericAPIError's Code is the header's code. That is how throttling reaches the retryer:
//     __type com.amazon.coral.availability#ThrottlingException with X-Amzn-Query-Error: Throttling;Sender
//     gives Code "Throttling", one of aws/retry.DefaultThrottleErrorCodes.
//   - Status codes come from the shapes' httpError traits: 400 for InvalidNextToken,
//     InvalidParameterValue(Exception), InvalidParameterCombination(Exception), MissingParameter
//     (MissingRequiredParameterException), InvalidFormat(Fault), ValidationError (ValidationException),
//     LimitExceeded(Fault); 404 for ResourceNotFound; 500 for InternalServiceError (InternalServiceFault).
//   - The SDK validates required members before sending (validators.go): GetMetricData needs
//     MetricDataQueries, StartTime, EndTime and per query an Id, per MetricStat a Metric, Period and Stat;
//     PutMetricData a Namespace and per datum a MetricName; SetAlarmState an AlarmName, StateValue and
//     StateReason. Everything else is the service's to check, below.
//   - PutMetricData has the requestCompression trait (api_op_PutMetricData.go,
//     smithy-go private/requestcompression): its body is gzipped with Content-Encoding: gzip once it
//     reaches RequestMinCompressSizeBytes, which is 10240 with config.LoadDefaultConfig but 0 with a bare
//     aws.Config, so the server must gunzip.
//   - The endpoint: the client's ServiceID is "CloudWatch", so config.LoadDefaultConfig reads
//     AWS_ENDPOINT_URL_CLOUDWATCH (endpoints.go resolveBaseEndpoint; config/env_config.go normalizeEnv).
//
// Which code AWS answers for which mistake follows what real CloudWatch was seen to answer where that is
// public (GetMetricData answers ValidationError for an Id that does not match ^[a-z][a-zA-Z0-9_]*$ and
// for StartTime not before EndTime; PutMetricData answers InvalidParameterValue for a StorageResolution
// outside [1, 60]) and otherwise the error the API reference lists for the operation.

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"
)

// CloudWatchService is the service name CloudWatch calls have in the call log and in faults
// (CloudWatch's endpoint prefix).
const CloudWatchService = "monitoring"

const (
	cloudWatchServiceName = "GraniteServiceVersion20100801"
	cloudWatchNamespace   = "com.amazonaws.cloudwatch"
	maxCloudWatchBody     = 4 << 20
)

// isRPCv2CBOR says whether a request speaks Smithy RPC v2 CBOR (only CloudWatch does, among the
// simulated services).
func isRPCv2CBOR(r *http.Request) bool {
	return r.Header.Get("Smithy-Protocol") == "rpc-v2-cbor" || strings.Contains(r.URL.Path, "/service/")
}

var (
	cborEnc cbor.EncMode
	cborDec cbor.DecMode
)

func init() {
	var err error
	// Timestamps as tag 1 (integer seconds when whole, else a float), nil lists as empty arrays so a
	// query without datapoints answers Values: [] as AWS does.
	cborEnc, err = cbor.EncOptions{Time: cbor.TimeUnixDynamic, TimeTag: cbor.EncTagRequired, NilContainers: cbor.NilContainerAsEmpty}.EncMode()
	if err != nil {
		panic(err)
	}
	cborDec, err = cbor.DecOptions{DefaultMapType: reflect.TypeOf(map[string]any(nil)), TimeTagToAny: cbor.TimeTagToTime}.DecMode()
	if err != nil {
		panic(err)
	}
}

// cloudWatchHandler answers one operation: its output (nil for an operation without one) or an error.
type cloudWatchHandler func(s *Sim, body []byte, now time.Time) (any, *apiError)

var cloudWatchHandlers = map[string]cloudWatchHandler{
	"GetMetricData":  (*Sim).getMetricData,
	"DescribeAlarms": (*Sim).describeAlarms,
	"PutMetricData":  (*Sim).putMetricData,
	"SetAlarmState":  (*Sim).setAlarmState,
}

// rpcv2Route reads the service and operation from the last four segments of the path.
func rpcv2Route(path string) (svc, op string, ok bool) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) < 4 || parts[len(parts)-4] != "service" || parts[len(parts)-2] != "operation" {
		return "", "", false
	}
	return parts[len(parts)-3], parts[len(parts)-1], true
}

// serveCloudWatch answers one CloudWatch call; it shares ServeHTTP's steps (hooks, call log, faults, latency).
func (s *Sim) serveCloudWatch(rw http.ResponseWriter, r *http.Request) {
	svc, op, routed := rpcv2Route(r.URL.Path)
	body, readErr := readCloudWatchBody(r)
	params := flattenCBOR(body)
	var reject *apiError
	switch {
	case !routed || (svc != cloudWatchServiceName && svc != cloudWatchNamespace+"."+cloudWatchServiceName):
		reject = errorf(http.StatusNotFound, "UnknownOperationException", "no service %q speaks rpc-v2-cbor here", svc)
	case cloudWatchHandlers[op] == nil:
		reject = errorf(http.StatusNotFound, "UnknownOperationException", "the operation %s is not supported by the simulated CloudWatch", op)
	case r.Method != http.MethodPost:
		reject = errorf(http.StatusMethodNotAllowed, "UnknownOperationException", "rpc-v2-cbor requests are POSTed")
	case r.Header.Get("X-Amz-Target") != "" || r.Header.Get("X-Amzn-Target") != "":
		reject = errorf(http.StatusBadRequest, "SerializationException", "an rpc-v2-cbor request must not carry X-Amz-Target")
	case readErr != nil:
		reject = errorf(http.StatusBadRequest, "SerializationException", "reading the body: %v", readErr)
	case len(body) > 0 && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/cbor"):
		reject = errorf(http.StatusBadRequest, "SerializationException", "the body must be application/cbor")
	}

	s.beforeCall(Call{Time: s.clock.Now(), Service: CloudWatchService, Action: op, Params: params})
	// Real redis-server processes are asked for their INFO without holding the simulator's lock.
	var redis []redisSample
	if reject == nil && op == "GetMetricData" {
		redis = s.sampleRedisForQuery(body)
	}

	s.mu.Lock()
	now := s.clock.Now()
	s.advanceLocked(now)
	s.cloudWatchLocked().active = true
	s.recordRedisLocked(redis, now)
	s.sampleMetricsLocked(now)
	reqID := s.requestID()
	call := Call{Time: now, Service: CloudWatchService, Action: op, Params: params, Attempt: sdkAttempt(r.Header)}
	// CloudWatch answers from the simulator's own region whatever region a call was signed for (its
	// metrics come from that region's instances); the call log still says who asked, and for where.
	caller, authErr := s.identifyLocked(r, now)
	call.Region, call.AccessKeyID, call.Principal = caller.region, caller.accessKeyID, caller.principal
	var out any
	apiErr := reject
	if apiErr == nil {
		apiErr = authErr
	}
	var delay time.Duration
	if apiErr == nil {
		apiErr, delay = s.applyLocked(&call, func() (err *apiError) {
			out, err = s.callCloudWatchLocked(op, body, now)
			return err
		})
	}
	s.finishCallLocked(call, apiErr, delay, func() {
		if apiErr != nil {
			writeCloudWatchError(rw, reqID, apiErr)
		} else {
			writeCloudWatch(rw, reqID, out)
		}
	})
}

// callCloudWatchLocked runs an operation's handler; a bug in it answers InternalServiceError instead of
// leaving the simulator's lock held.
func (s *Sim) callCloudWatchLocked(op string, body []byte, now time.Time) (out any, apiErr *apiError) {
	defer func() {
		if r := recover(); r != nil {
			out, apiErr = nil, cwError("InternalServiceError", "the simulator failed answering %s: %v", op, r)
		}
	}()
	return cloudWatchHandlers[op](s, body, now)
}

// readCloudWatchBody reads a request body, gunzipping a compressed one.
func readCloudWatchBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxCloudWatchBody))
	if err != nil || !strings.Contains(r.Header.Get("Content-Encoding"), "gzip") {
		return body, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(zr, maxCloudWatchBody))
}

func writeCloudWatch(rw http.ResponseWriter, requestID string, out any) {
	rw.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	rw.Header().Set("X-Amzn-Requestid", requestID)
	if out == nil {
		rw.WriteHeader(http.StatusOK)
		return
	}
	b, err := cborEnc.Marshal(out)
	if err != nil {
		writeCloudWatchError(rw, requestID, errorf(http.StatusInternalServerError, "InternalServiceError", "encoding the answer: %v", err))
		return
	}
	rw.Header().Set("Content-Type", "application/cbor")
	rw.Header().Set("Content-Length", strconv.Itoa(len(b)))
	rw.WriteHeader(http.StatusOK)
	_, _ = rw.Write(b)
}

// cloudWatchErrorShape is how one awsquery error code is sent in rpc-v2-cbor: the modeled error shape
// (schemas/schemas.go, AWSQueryError traits) and the member its message goes in.
type cloudWatchErrorShape struct {
	shape, messageMember string
}

var cloudWatchErrorShapes = map[string]cloudWatchErrorShape{
	"InvalidParameterValue":           {"InvalidParameterValueException", "message"},
	"InvalidParameterCombination":     {"InvalidParameterCombinationException", "message"},
	"MissingParameter":                {"MissingRequiredParameterException", "message"},
	"InvalidNextToken":                {"InvalidNextToken", "message"},
	"ResourceNotFound":                {"ResourceNotFound", "message"},
	"ResourceNotFoundException":       {"ResourceNotFoundException", "Message"},
	"InvalidFormat":                   {"InvalidFormatFault", "message"},
	"InternalServiceError":            {"InternalServiceFault", "Message"},
	"LimitExceeded":                   {"LimitExceededFault", "message"},
	"LimitExceededException":          {"LimitExceededException", "Message"},
	"ValidationError":                 {"ValidationException", "message"},
	"ConcurrentModificationException": {"ConcurrentModificationException", "Message"},
	"ResourceConflict":                {"ResourceConflict", "message"},
	"InvalidParameterInput":           {"DashboardInvalidInputError", "message"},
}

// unmodeledErrorTypes are the __type values of errors CloudWatch's model does not list (the service
// framework's own), by their awsquery code.
var unmodeledErrorTypes = map[string]string{
	"Throttling":                  "com.amazon.coral.availability#ThrottlingException",
	"ThrottlingException":         "com.amazon.coral.availability#ThrottlingException",
	"UnknownOperationException":   "com.amazon.coral.service#UnknownOperationException",
	"SerializationException":      "com.amazon.coral.service#SerializationException",
	"InternalFailure":             "com.amazon.coral.service#InternalFailure",
	"ServiceUnavailable":          "com.amazon.coral.availability#ServiceUnavailableException",
	"ServiceUnavailableException": "com.amazon.coral.availability#ServiceUnavailableException",
	"AccessDenied":                "com.amazon.coral.service#AccessDeniedException",
	"AccessDeniedException":       "com.amazon.coral.service#AccessDeniedException",
}

// queryCodeOf turns an error shape's name (what a test might inject, e.g. InvalidParameterValueException)
// into its awsquery code; other codes are returned as they are.
func queryCodeOf(code string) string {
	for qc, sh := range cloudWatchErrorShapes {
		if sh.shape == code {
			return qc
		}
	}
	return code
}

// writeCloudWatchError answers an error as rpc-v2-cbor with CloudWatch's query-compatible code header.
func writeCloudWatchError(rw http.ResponseWriter, requestID string, e *apiError) {
	code := queryCodeOf(e.code)
	body := map[string]any{}
	if sh, ok := cloudWatchErrorShapes[code]; ok {
		body["__type"] = cloudWatchNamespace + "#" + sh.shape
		body[sh.messageMember] = e.message
	} else {
		typ := unmodeledErrorTypes[code]
		if typ == "" {
			typ = code
		}
		body["__type"] = typ
		body["message"] = e.message
	}
	fault := "Sender"
	if e.status >= 500 {
		fault = "Receiver"
	}
	b, _ := cborEnc.Marshal(body)
	rw.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	rw.Header().Set("Content-Type", "application/cbor")
	rw.Header().Set("X-Amzn-Query-Error", code+";"+fault)
	rw.Header().Set("X-Amzn-Requestid", requestID)
	rw.Header().Set("Content-Length", strconv.Itoa(len(b)))
	rw.WriteHeader(e.status)
	_, _ = rw.Write(b)
}

// cwError is a CloudWatch error with the status its shape is modeled with.
func cwError(code, format string, args ...any) *apiError {
	status := http.StatusBadRequest
	switch code {
	case "ResourceNotFound", "ResourceNotFoundException":
		status = http.StatusNotFound
	case "InternalServiceError":
		status = http.StatusInternalServerError
	}
	return errorf(status, code, format, args...)
}

// decodeInput decodes a request body into an operation's input; an empty body is an empty input.
func decodeInput(body []byte, into any) *apiError {
	if len(body) == 0 {
		return nil
	}
	if err := cborDec.Unmarshal(body, into); err != nil {
		return errorf(http.StatusBadRequest, "SerializationException", "the request body is not the operation's input: %v", err)
	}
	return nil
}

// flattenCBOR renders a request body in awsquery form (Key.Sub, List.member.N) for the call log, so
// CloudWatch calls read like the other services' ones.
func flattenCBOR(body []byte) url.Values {
	out := url.Values{}
	if len(body) == 0 {
		return out
	}
	var v any
	if err := cborDec.Unmarshal(body, &v); err != nil {
		return out
	}
	flattenValue(out, "", v)
	return out
}

func flattenValue(out url.Values, prefix string, v any) {
	join := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "." + k
	}
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			flattenValue(out, join(k), x[k])
		}
	case []any:
		for i, item := range x {
			flattenValue(out, join(fmt.Sprintf("member.%d", i+1)), item)
		}
	case time.Time:
		out.Set(prefix, x.UTC().Format("2006-01-02T15:04:05.000Z"))
	case float64:
		out.Set(prefix, strconv.FormatFloat(x, 'g', -1, 64))
	case float32:
		out.Set(prefix, strconv.FormatFloat(float64(x), 'g', -1, 32))
	case uint64:
		out.Set(prefix, strconv.FormatUint(x, 10))
	case int64:
		out.Set(prefix, strconv.FormatInt(x, 10))
	case bool:
		out.Set(prefix, strconv.FormatBool(x))
	case string:
		out.Set(prefix, x)
	case []byte:
		out.Set(prefix, base64.StdEncoding.EncodeToString(x))
	case nil:
	default:
		out.Set(prefix, fmt.Sprint(x))
	}
}

// cloudWatchToken is an opaque pagination token bound to one request: the hash of the request without
// its token, the simulated time of its first page (so that later pages see the same datapoints) and
// the offset reached.
type cloudWatchToken struct {
	Hash   uint64    `cbor:"1,keyasint"`
	AsOf   time.Time `cbor:"2,keyasint"`
	Offset int       `cbor:"3,keyasint"`
}

func (t cloudWatchToken) encode() string {
	b, _ := cborEnc.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCloudWatchToken(s string, hash uint64) (cloudWatchToken, *apiError) {
	var t cloudWatchToken
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = cborDec.Unmarshal(raw, &t)
	}
	if err != nil || t.Hash != hash || t.Offset < 0 {
		return t, cwError("InvalidNextToken", "The service couldn't process the NextToken provided.")
	}
	return t, nil
}

// requestHash identifies a request apart from its token.
func requestHash(v any) uint64 {
	b, _ := cborEnc.Marshal(v)
	var h uint64 = 14695981039346656037
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// timeOrZero dereferences an optional time.
func timeOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// milli is a time as CloudWatch answers it: UTC, to the millisecond.
func milli(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }
