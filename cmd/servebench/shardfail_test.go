package main

import (
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// longShardScenario runs one stage far longer than any test waits, so a
// shard that ends the run ends it mid-stage.
const longShardScenario = `version: 1
name: shards
server: {url: %s}
model: {name: m, max_model_len: 1024}
stages:
  - {name: long, profile: dev, concurrency: 4, duration: 5m}
`

// exitWithin waits for every process and checks that each exits 3 within
// limit of the event that ended the run, printing want.
func exitWithin(t *testing.T, procs map[int]*cliProc, limit time.Duration, want string) {
	t.Helper()
	start := time.Now()
	var wg sync.WaitGroup
	for i, p := range procs {
		wg.Go(func() {
			code := p.wait(t)
			took := time.Since(start)
			if code != ExitRunFailed || !strings.Contains(p.errText(), want) {
				t.Errorf("shard %d exited %d after %v, want 3 and %q:\n%s", i, code, took, want, p.errText())
			}
			if took > limit {
				t.Errorf("shard %d took %v to exit, more than %v", i, took, limit)
			}
		})
	}
	wg.Wait()
}

// TestShardFailuresEndEveryProcess: a shard that never joins, a shard
// that dies mid-stage, shard 0 dying mid-stage and a shard that hangs
// each end every other process with exit 3 and a message naming the
// shard, within a stated bound: the join timeout; at once for a death
// (the kernel closes its connections); shard.Silence (15s) for a hang.
func TestShardFailuresEndEveryProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 15 processes")
	}
	_, url := shardSim(t)
	path := writeScenario(t, fmt.Sprintf(longShardScenario, url))
	start := func(n int, skip int) map[int]*cliProc {
		rdv := fmt.Sprintf("127.0.0.1:%d", freePort(t))
		procs := map[int]*cliProc{}
		for i := range n {
			if i != skip {
				procs[i] = startCLI(t, nil, "run", path, "--shard", fmt.Sprintf("%d/%d", i, n), "--rendezvous", rdv,
					"--rendezvous-timeout", "3s", "--results-dir", t.TempDir())
			}
		}
		return procs
	}
	t.Run("a shard never joins", func(t *testing.T) {
		procs := start(4, 3)
		exitWithin(t, procs, 30*time.Second, "shard 3 of 4 did not join the rendezvous at 127.0.0.1:")
	})
	kill := func(victim int, sig syscall.Signal, want string, limit time.Duration) func(*testing.T) {
		return func(t *testing.T) {
			procs := start(4, -1)
			procs[victim].waitLine(t, "long/dev/c4 started")
			killed := procs[victim]
			delete(procs, victim)
			if err := killed.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = killed.cmd.Process.Signal(syscall.SIGKILL) }()
			exitWithin(t, procs, limit, want)
		}
	}
	t.Run("a shard dies mid-stage", kill(2, syscall.SIGKILL, "shard 2 closed the rendezvous connection: it died or was stopped", 30*time.Second))
	t.Run("shard 0 dies mid-stage", kill(0, syscall.SIGKILL, "shard 0 closed the rendezvous connection: it died or was stopped", 30*time.Second))
	t.Run("a shard hangs mid-stage", kill(3, syscall.SIGSTOP, "shard 3 sent nothing for 15s", 45*time.Second))
}
