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

// Package redisload writes to a Redis primary for as long as it runs, follows the primary role when it
// moves, and at the end reads every acknowledged write back from the final primary: it counts the ones
// lost, says which node acknowledged them and when, and the longest time no write was acknowledged. The
// rollout tests and the demo measure hand-offs with it; the fault campaign checks that nothing is lost.
package redisload

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Client is a short-lived client with tight timeouts, so a node that is gone is noticed at once.
func Client(addr string) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond,
		ReadTimeout: 500 * time.Millisecond, WriteTimeout: 500 * time.Millisecond, MaxRetries: -1, PoolSize: 1})
}

// Role is "master", "slave" (a synced replica), "replica-not-synced" or "unreachable".
func Role(addr string) string {
	c := Client(addr)
	defer c.Close()
	info, err := c.InfoMap(context.Background(), "replication").Result()
	if err != nil {
		return "unreachable"
	}
	r := info["Replication"]
	if r["role"] == "slave" && (r["master_link_status"] != "up" || r["master_sync_in_progress"] != "0") {
		return "replica-not-synced"
	}
	return r["role"]
}

// Result is what a write run measured.
type Result struct {
	Acknowledged int
	Lost         int
	// LostWrites are the first maxLostWrites writes lost, in the order they were acknowledged.
	LostWrites []Write
	LongestGap time.Duration
}

// Write is one acknowledged write: its key, when it was acknowledged and by which node (address).
type Write struct {
	Key string
	At  time.Time
	By  string
}

// maxLostWrites bounds Result.LostWrites: the first few say where to look.
const maxLostWrites = 20

// Writer writes keys to whichever node is the primary.
type Writer struct {
	primary func() string
	prefix  string
	mu      sync.Mutex
	acked   []Write
	lastOK  time.Time
	longest time.Duration
	stop    chan struct{}
	done    chan struct{}
}

// Start writes a key every 2ms to the address primary returns ("" when there is none right now).
func Start(prefix string, primary func() string) *Writer {
	w := &Writer{primary: primary, prefix: prefix, stop: make(chan struct{}), done: make(chan struct{}), lastOK: time.Now()}
	go w.run()
	return w
}

func (w *Writer) run() {
	defer close(w.done)
	var c *redis.Client
	addr := ""
	for i := 0; ; i++ {
		select {
		case <-w.stop:
			if c != nil {
				_ = c.Close()
			}
			return
		case <-time.After(2 * time.Millisecond):
		}
		if c == nil {
			addr = w.primary()
			if addr == "" {
				continue
			}
			c = Client(addr)
		}
		key := fmt.Sprintf("%s:%07d", w.prefix, i)
		if err := c.Set(context.Background(), key, i, 0).Err(); err != nil {
			// READONLY after a hand-off, or the node is gone: find the primary again.
			_ = c.Close()
			c = nil
			continue
		}
		now := time.Now()
		w.mu.Lock()
		w.acked = append(w.acked, Write{Key: key, At: now, By: addr})
		w.longest = max(w.longest, now.Sub(w.lastOK))
		w.lastOK = now
		w.mu.Unlock()
	}
}

// Acknowledged is how many writes were acknowledged so far.
func (w *Writer) Acknowledged() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.acked)
}

// Finish stops writing and checks every acknowledged key on the primary.
func (w *Writer) Finish() (Result, error) {
	close(w.stop)
	<-w.done
	addr := w.primary()
	if addr == "" {
		return Result{}, fmt.Errorf("the cluster has no primary at the end")
	}
	c := Client(addr)
	defer c.Close()
	w.mu.Lock()
	defer w.mu.Unlock()
	res := Result{Acknowledged: len(w.acked), LongestGap: w.longest}
	for start := 0; start < len(w.acked); start += 500 {
		batch := w.acked[start:min(start+500, len(w.acked))]
		keys := make([]string, len(batch))
		for i, wr := range batch {
			keys[i] = wr.Key
		}
		values, err := c.MGet(context.Background(), keys...).Result()
		if err != nil {
			return res, err
		}
		for i, v := range values {
			if v != nil {
				continue
			}
			res.Lost++
			if len(res.LostWrites) < maxLostWrites {
				res.LostWrites = append(res.LostWrites, batch[i])
			}
		}
	}
	return res, nil
}
