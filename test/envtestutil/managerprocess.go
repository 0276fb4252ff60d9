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

package envtestutil

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// BuildManager builds cmd/manager into dir/bin/manager and returns its path. Programs that run the manager
// as a process of its own (the demo, the fault campaign) run the binary a cluster runs, not an in-process
// copy of its wiring. buildFlags go to `go build` (e.g. -race).
func BuildManager(ctx context.Context, dir string, buildFlags ...string) (string, error) {
	bin := filepath.Join(dir, "bin", "manager")
	args := append(append([]string{"build"}, buildFlags...), "-o", bin, "./cmd/manager")
	build := exec.CommandContext(ctx, "go", args...)
	build.Dir = RepoRoot()
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("building the manager: %w", err)
	}
	return bin, nil
}

// ManagerProcess is the manager binary running as a child process against a control plane and a simulator.
type ManagerProcess struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// ManagerProcessOptions say how the manager binary runs.
type ManagerProcessOptions struct {
	// Kubeconfig is the control plane's kubeconfig; AWSEnv points the SDK at the simulator
	// (awssim.Server.EndpointEnv).
	Kubeconfig string
	AWSEnv     []string
	// Log receives the manager's stdout and stderr.
	Log io.Writer
	// Args are more flags (e.g. a higher --aws-requests-per-second for a benchmark's thousands of policies).
	Args []string
}

// StartManagerProcess starts the binary the way a simulator wants it: --fast-poll (the simulator runs faster
// than real time), no metrics endpoint and the health probes on a free loopback port, so that several
// managers, or one restarted while the old one's port is still held, never collide.
func StartManagerProcess(bin string, o ManagerProcessOptions) (*ManagerProcess, error) {
	cmd := exec.Command(bin, append([]string{"--fast-poll", "--metrics-bind-address=0", "--health-probe-bind-address=127.0.0.1:0"}, o.Args...)...)
	cmd.Env = append(append(os.Environ(), "KUBECONFIG="+o.Kubeconfig), o.AWSEnv...)
	cmd.Stdout, cmd.Stderr = o.Log, o.Log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &ManagerProcess{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Pid is the process id.
func (p *ManagerProcess) Pid() int { return p.cmd.Process.Pid }

// Done is closed once the process has exited, for whatever reason.
func (p *ManagerProcess) Done() <-chan struct{} { return p.done }

// Kill sends SIGKILL, as a node that dies or an OOM kill would: no shutdown, no last status write, an AWS
// call in flight left without its answer. It returns once the process is gone.
func (p *ManagerProcess) Kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// Stop asks the manager to shut down (SIGTERM) and kills it if it has not within 10 seconds.
func (p *ManagerProcess) Stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.Kill()
	}
	return nil
}
