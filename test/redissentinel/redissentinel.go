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

// Package redissentinel runs real Redis Sentinels on loopback for the tests: a group of them monitoring
// one primary, tuned (SENTINEL DEBUG) to notice new replicas and each other within a fraction of a second
// instead of seconds. Sentinel is redis-server started with --sentinel: Debian's redis-sentinel package
// only adds a service and a link to the same binary, so the redis-server the tests install is enough.
package redissentinel

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// FirstPort is the port of the first Sentinel of a group; the others follow it.
const FirstPort = 26379

// Group is a running group of Sentinels.
type Group struct {
	MasterName string
	addresses  []string
	processes  []*exec.Cmd
}

// Start runs n Sentinels on host (ports FirstPort and up) that monitor masterName at primary (ip:port)
// with quorum, and waits until every one knows the others and can reach its quorum. dir holds their
// configuration files (Sentinel rewrites them) and logs.
func Start(dir, host, masterName, primary string, n, quorum int) (*Group, error) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		return nil, fmt.Errorf("redis-server is not installed, and Redis Sentinel runs as redis-server --sentinel: run hack/install-test-deps.sh (Debian: apt-get install redis-server): %w", err)
	}
	primaryHost, primaryPort, err := net.SplitHostPort(primary)
	if err != nil {
		return nil, err
	}
	g := &Group{MasterName: masterName}
	for i := range n {
		port := FirstPort + i
		conf := filepath.Join(dir, fmt.Sprintf("sentinel-%d.conf", port))
		lines := []string{
			fmt.Sprintf("bind %s", host), fmt.Sprintf("port %d", port), "daemonize no", "protected-mode no", "dir " + dir,
			fmt.Sprintf("logfile %s", filepath.Join(dir, fmt.Sprintf("sentinel-%d.log", port))),
			// Hello messages carry this address, so the Sentinels find each other on the loopback block.
			fmt.Sprintf("sentinel announce-ip %s", host),
			fmt.Sprintf("sentinel monitor %s %s %s %d", masterName, primaryHost, primaryPort, quorum),
			// A primary that does not answer for 5 s of real time is down: a test's primary never is.
			fmt.Sprintf("sentinel down-after-milliseconds %s 5000", masterName),
		}
		if err := os.WriteFile(conf, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			g.Stop()
			return nil, err
		}
		cmd := exec.Command("redis-server", conf, "--sentinel")
		if err := cmd.Start(); err != nil {
			g.Stop()
			return nil, fmt.Errorf("starting redis-server --sentinel: %w", err)
		}
		g.processes = append(g.processes, cmd)
		g.addresses = append(g.addresses, net.JoinHostPort(host, strconv.Itoa(port)))
	}
	if err := g.tune(); err != nil {
		g.Stop()
		return nil, err
	}
	return g, g.awaitQuorum(n)
}

// tune shortens Sentinel's periods once each Sentinel listens: INFO to the instances and hello messages
// every 100 ms (default 10 s and 2 s), and no TILT mode for a test machine whose timer lags (a Sentinel in
// TILT acts on nothing for 30 s).
func (g *Group) tune() error {
	for _, address := range g.addresses {
		var err error
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if err = g.do(address, "SENTINEL", "DEBUG", "info-period", "100", "publish-period", "100", "tilt-trigger", "60000"); err == nil {
				break
			}
		}
		if err != nil {
			return fmt.Errorf("Sentinel %s did not start: %w", address, err)
		}
	}
	return nil
}

// awaitQuorum waits until every Sentinel knows the n-1 others and can reach its quorum.
func (g *Group) awaitQuorum(n int) error {
	var last string
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		last = ""
		for _, address := range g.addresses {
			c := client(address)
			master, err := c.Do(context.Background(), "SENTINEL", "MASTER", g.MasterName).Slice()
			quorum := c.Do(context.Background(), "SENTINEL", "CKQUORUM", g.MasterName).Err()
			_ = c.Close()
			if err != nil || quorum != nil || field(master, "num-other-sentinels") != strconv.Itoa(n-1) {
				last = fmt.Sprintf("Sentinel %s: %v %v, knows %s others", address, err, quorum, field(master, "num-other-sentinels"))
				break
			}
		}
		if last == "" {
			return nil
		}
	}
	return fmt.Errorf("the Sentinels did not find each other: %s", last)
}

// Addresses are the Sentinels' host:port, in order.
func (g *Group) Addresses() []string { return append([]string(nil), g.addresses...) }

// Named is the primary address (ip:port) each Sentinel names, "" for one that does not answer.
func (g *Group) Named() []string {
	out := make([]string, len(g.addresses))
	for i, address := range g.addresses {
		c := client(address)
		addr, err := c.Do(context.Background(), "SENTINEL", "GET-MASTER-ADDR-BY-NAME", g.MasterName).StringSlice()
		_ = c.Close()
		if err == nil && len(addr) == 2 {
			out[i] = net.JoinHostPort(addr[0], addr[1])
		}
	}
	return out
}

// Primary is the primary's address as the first Sentinel that answers names it, "" when none does: how a
// Sentinel-aware client finds the primary.
func (g *Group) Primary() string {
	for _, named := range g.Named() {
		if named != "" {
			return named
		}
	}
	return ""
}

// Replicas are the replicas a Sentinel lists, by address, with its flags for each.
func (g *Group) Replicas(i int) (map[string]string, error) {
	c := redis.NewSentinelClient(&redis.Options{Addr: g.addresses[i], DialTimeout: 200 * time.Millisecond, MaxRetries: -1, Protocol: 2, DisableIdentity: true})
	defer c.Close()
	replicas, err := c.Replicas(context.Background(), g.MasterName).Result()
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, r := range replicas {
		out[net.JoinHostPort(r["ip"], r["port"])] = r["flags"]
	}
	return out, nil
}

// ConfigEpochs are the master's configuration epoch as each Sentinel reports it: 0 for the configuration
// the group started with, one more for every failover Sentinel made. (Sentinel's INFO has no command
// statistics to count SENTINEL FAILOVER with.)
func (g *Group) ConfigEpochs() ([]string, error) {
	var out []string
	for _, address := range g.addresses {
		c := client(address)
		master, err := c.Do(context.Background(), "SENTINEL", "MASTER", g.MasterName).Slice()
		_ = c.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, field(master, "config-epoch"))
	}
	return out, nil
}

// CommandCalls reads how often a command was called from INFO commandstats (0 when never).
func CommandCalls(commandstats, command string) int {
	for _, line := range strings.Split(commandstats, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "cmdstat_"+command+":calls=")
		if !ok {
			continue
		}
		calls, _ := strconv.Atoi(strings.SplitN(rest, ",", 2)[0])
		return calls
	}
	return 0
}

// Stop kills the Sentinels.
func (g *Group) Stop() {
	for _, cmd := range g.processes {
		if cmd.Process != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}
	g.processes = nil
}

func (g *Group) do(address string, args ...any) error {
	c := client(address)
	defer c.Close()
	return c.Do(context.Background(), args...).Err()
}

func client(address string) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: address, DialTimeout: 200 * time.Millisecond, ReadTimeout: 500 * time.Millisecond,
		MaxRetries: -1, PoolSize: 1, Protocol: 2, DisableIdentity: true})
}

// field reads a field of a flat RESP2 map reply.
func field(reply []any, name string) string {
	for i := 0; i+1 < len(reply); i += 2 {
		if reply[i] == name {
			return fmt.Sprint(reply[i+1])
		}
	}
	return ""
}
