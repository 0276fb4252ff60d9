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
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Wire namespaces of the three services.
const (
	nsAutoScaling = "http://autoscaling.amazonaws.com/doc/2011-01-01/"
	nsEC2         = "http://ec2.amazonaws.com/doc/2016-11-15/"
	nsElastiCache = "http://elasticache.amazonaws.com/doc/2015-02-02/"
)

// xw writes XML elements by hand: the three protocols name list items differently (member, item, or the
// shape's name), which is clearer written out per operation than encoded in struct tags.
type xw struct{ b bytes.Buffer }

func (w *xw) open(name string)  { w.b.WriteString("<" + name + ">") }
func (w *xw) close(name string) { w.b.WriteString("</" + name + ">") }

// text writes <name>value</name>, escaping the value; empty values are skipped.
func (w *xw) text(name, value string) {
	if value == "" {
		return
	}
	w.open(name)
	_ = xml.EscapeText(&w.b, []byte(value))
	w.close(name)
}

func (w *xw) int(name string, v int64) { w.text(name, strconv.FormatInt(v, 10)) }
func (w *xw) bool(name string, v bool) { w.text(name, strconv.FormatBool(v)) }
func (w *xw) time(name string, t time.Time) {
	if !t.IsZero() {
		w.text(name, t.UTC().Format("2006-01-02T15:04:05.000Z"))
	}
}

// list writes <name><item>..</item>...</name> with each item written by fn.
func (w *xw) list(name, item string, n int, fn func(i int)) {
	w.open(name)
	for i := 0; i < n; i++ {
		w.open(item)
		fn(i)
		w.close(item)
	}
	w.close(name)
}

func (w *xw) strings(name, item string, values []string) {
	w.list(name, item, len(values), func(i int) { _ = xml.EscapeText(&w.b, []byte(values[i])) })
}

// apiError is an error answered on the wire with the service's error shape.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

func validation(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, "ValidationError", format, args...)
}

// writeQuery answers an awsquery (Auto Scaling, ElastiCache) call: <OpResponse><OpResult>..</OpResult>.
// The Result element is always present because some output-less operations require it.
func writeQuery(rw http.ResponseWriter, ns, action, requestID string, body []byte) {
	rw.Header().Set("Content-Type", "text/xml")
	rw.Header().Set("X-Amzn-Requestid", requestID)
	fmt.Fprintf(rw, `<?xml version="1.0" encoding="UTF-8"?><%sResponse xmlns="%s"><%sResult>%s</%sResult><ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`,
		action, ns, action, body, action, requestID, action)
}

// writeEC2 answers an ec2query call: no Result wrapper, lowerCamel element names.
func writeEC2(rw http.ResponseWriter, action, requestID string, body []byte) {
	rw.Header().Set("Content-Type", "text/xml")
	rw.Header().Set("X-Amzn-Requestid", requestID)
	fmt.Fprintf(rw, `<?xml version="1.0" encoding="UTF-8"?><%sResponse xmlns="%s"><requestId>%s</requestId>%s</%sResponse>`,
		action, nsEC2, requestID, body, action)
}

func writeError(rw http.ResponseWriter, svc service, requestID string, e *apiError) {
	var w xw
	rw.Header().Set("Content-Type", "text/xml")
	// AWS answers every call, failed or not, with its request id in this header too.
	rw.Header().Set("X-Amzn-Requestid", requestID)
	rw.WriteHeader(e.status)
	if svc == serviceEC2 {
		w.open("Response")
		w.list("Errors", "Error", 1, func(int) { w.text("Code", e.code); w.text("Message", e.message) })
		w.text("RequestID", requestID)
		w.close("Response")
	} else {
		w.b.WriteString(`<ErrorResponse xmlns="` + svc.namespace() + `">`)
		w.open("Error")
		kind := "Sender"
		if e.status >= 500 {
			kind = "Receiver"
		}
		w.text("Type", kind)
		w.text("Code", e.code)
		w.text("Message", e.message)
		w.close("Error")
		w.text("RequestId", requestID)
		w.close("ErrorResponse")
	}
	_, _ = rw.Write(w.b.Bytes())
}

// page cuts one page out of n items. The token is opaque to clients (base64 of the offset and the
// operation), honours the page size, and a token from another operation is rejected.
func page(action, token string, size, defaultSize, maxSize, n int) (start, end int, next string, err *apiError) {
	if size <= 0 {
		size = defaultSize
	}
	if size > maxSize {
		size = maxSize
	}
	if token != "" {
		raw, decodeErr := base64.RawURLEncoding.DecodeString(token)
		var op string
		var off int
		if decodeErr != nil {
			return 0, 0, "", errorf(http.StatusBadRequest, "InvalidNextToken", "the pagination token is not valid")
		}
		if _, scanErr := fmt.Sscanf(string(raw), "%s %d", &op, &off); scanErr != nil || op != action || off < 0 || off > n {
			return 0, 0, "", errorf(http.StatusBadRequest, "InvalidNextToken", "the pagination token is not valid")
		}
		start = off
	}
	end = start + size
	if end >= n {
		return start, n, "", nil
	}
	return start, end, base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%s %d", action, end))), nil
}
