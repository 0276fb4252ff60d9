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

// Command awssim serves a simulated AWS account (Auto Scaling, EC2, ElastiCache, CloudWatch) described by a scenario
// file on a loopback port, optionally with a real redis-server behind every instance, and prints the
// environment that points AWS SDK programs at it.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cache-remediator/cache-remediator/cmd/awssim/awssim"
)

func main() {
	scenarioPath := flag.String("scenario", "hack/scenarios/demo.yaml", "The scenario file to serve.")
	addr := flag.String("addr", "127.0.0.1:0", "The loopback address to listen on.")
	speed := flag.Float64("speed", 0, "Run simulated time this many times faster than real time (overrides the scenario).")
	dir := flag.String("dir", "", "Working directory for the nodes' processes (default: a temporary directory).")
	envFile := flag.String("env-file", "", "Also write the AWS_* settings to this file.")
	flag.Parse()

	sc, err := awssim.LoadScenario(*scenarioPath)
	if err != nil {
		log.Fatal(err)
	}
	if *speed > 0 {
		sc.ClockSpeed = *speed
	}
	if *dir == "" {
		if *dir, err = os.MkdirTemp("", "awssim-"); err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(*dir)
	}
	sim, _, err := sc.Build(nil, *dir)
	if err != nil {
		log.Fatal(err)
	}
	defer sim.Close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	env := fmt.Sprintf("export AWS_ENDPOINT_URL_AUTO_SCALING=%[1]s\nexport AWS_ENDPOINT_URL_EC2=%[1]s\nexport AWS_ENDPOINT_URL_ELASTICACHE=%[1]s\n"+
		"export AWS_ENDPOINT_URL_CLOUDWATCH=%[1]s\nexport AWS_ENDPOINT_URL_STS=%[1]s\n"+
		"export AWS_REGION=%[2]s\nexport AWS_ACCESS_KEY_ID=AKIDSIMULATOR\nexport AWS_SECRET_ACCESS_KEY=simulator-secret\n", url, regionOf(sc))
	fmt.Print(env)
	if *envFile != "" {
		if err := os.WriteFile(*envFile, []byte(env), 0o600); err != nil {
			log.Fatal(err)
		}
	}

	stop := make(chan struct{})
	go sim.Run(stop, 20*time.Millisecond)
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			log.Fatal(err)
		}
	}()
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	<-signals
	close(stop)
	_ = srv.Close()
}

func regionOf(sc *awssim.Scenario) string {
	if sc.Region == "" {
		return "us-east-1"
	}
	return sc.Region
}
