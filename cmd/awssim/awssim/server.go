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
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Server is a simulator served over HTTP on a loopback port.
type Server struct {
	*Sim
	*httptest.Server
	stop chan struct{}
}

// Serve serves the simulator on a loopback port and advances it every 20ms of real time.
func Serve(s *Sim) *Server {
	srv := &Server{Sim: s, Server: httptest.NewServer(s), stop: make(chan struct{})}
	go s.Run(srv.stop, 20*time.Millisecond)
	return srv
}

// Close stops the server and every process behind the simulated instances.
func (s *Server) Close() {
	close(s.stop)
	s.Server.Close()
	s.Sim.Close()
}

// SDKConfig is an aws.Config for the real SDK clients pointed at the simulator, with static credentials and
// the SDK's standard retryer (throttling is retried, as against AWS).
func (s *Server) SDKConfig() aws.Config {
	return aws.Config{
		Region:       s.Sim.region,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDSIMULATOR", "simulator-secret", ""),
		BaseEndpoint: aws.String(s.URL),
		HTTPClient:   inMemoryBodyClient{awshttp.NewBuildableClient()},
	}
}

// inMemoryBodyClient sends each request body from memory. smithy-go hands net/http a body whose WriteTo
// answers io.EOF once the SDK has closed it, and the SDK closes it as soon as the response headers arrive.
// When a server answers before net/http has finished with the request body (it reads past the body's
// length to check for extra bytes), net/http takes that EOF for a write error and closes the connection
// under the response being read ("use of closed network connection"). AWS answers too slowly for that to
// happen; the simulator on loopback does not, with large responses. A body net/http knows to be in memory
// is written with the headers in one flush, after that check.
type inMemoryBodyClient struct{ inner aws.HTTPClient }

func (c inMemoryBodyClient) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	return c.inner.Do(req)
}

// EndpointEnv is the environment that points any SDK-based program (the manager) at the simulator.
func (s *Server) EndpointEnv() []string {
	return []string{
		"AWS_ENDPOINT_URL_AUTO_SCALING=" + s.URL,
		"AWS_ENDPOINT_URL_EC2=" + s.URL,
		"AWS_ENDPOINT_URL_ELASTICACHE=" + s.URL,
		"AWS_ENDPOINT_URL_CLOUDWATCH=" + s.URL,
		"AWS_ENDPOINT_URL_STS=" + s.URL,
		"AWS_REGION=" + s.Sim.region,
		"AWS_ACCESS_KEY_ID=AKIDSIMULATOR",
		"AWS_SECRET_ACCESS_KEY=simulator-secret",
	}
}
