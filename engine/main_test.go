package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/servebench/servebench/engine/sim"
	"github.com/servebench/servebench/schema"
)

// TestMain lets the test binary play a server process: with
// SERVEBENCH_TEST_SIM=<port>:<exit after> it serves the simulator and exits
// with status 1 after that many requests, the way Go's own os/exec tests
// re-execute themselves as helper processes.
func TestMain(m *testing.M) {
	if spec := os.Getenv("SERVEBENCH_TEST_SIM"); spec != "" {
		os.Exit(serveSimChild(spec))
	}
	os.Exit(m.Run())
}

func serveSimChild(spec string) int {
	port, after, _ := strings.Cut(spec, ":")
	n, _ := strconv.Atoi(after)
	cfg := sim.Config{Model: "child", DecodeStep: time.Millisecond, DecodePerSeq: time.Microsecond,
		PrefillPerToken: time.Microsecond, Faults: sim.Faults{ExitAfter: n}}
	err := sim.ListenAndServe(context.Background(), "127.0.0.1:"+port, cfg, os.Stdout)
	if errors.Is(err, sim.ErrExited) {
		fmt.Println("child: exiting after", n, "requests")
		return 1
	}
	return 2
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestServerDyingMidStageFailsTheRunAndKeepsResults(t *testing.T) {
	port := freePort(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SERVEBENCH_TEST_SIM", fmt.Sprintf("%d:%d", port, 30))
	sc := scenario(t, fmt.Sprintf(`
version: 1
name: dies
server:
  command: [%q, "-test.run=^$"]
  url: http://127.0.0.1:%d
  ready: {timeout: 20s, interval: 50ms}
  stop_timeout: 2s
model: {name: child}
profiles:
  p: {input: 8, output: 8}
stages:
  - name: s
    profile: p
    concurrency: 2
    requests: 1000
`, exe, port))
	run, dir, err := execute(t, context.Background(), sc)
	var re *RunError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want a RunError", err)
	}
	if run.Status != schema.StatusFailed || len(run.Stages) != 1 {
		t.Fatalf("status %q with %d stages", run.Status, len(run.Stages))
	}
	st := run.Stages[0]
	if st.Status != schema.StatusFailed || !strings.Contains(st.StopReason, "exit") {
		t.Errorf("stage status %q reason %q, want failed with the exit status", st.Status, st.StopReason)
	}
	m := st.Metrics
	if m.Completed == 0 || m.Completed+m.Failed != m.Sent {
		t.Errorf("completed %d + failed %d != sent %d", m.Completed, m.Failed, m.Sent)
	}
	saved := readRunFile(t, dir)
	if saved.Status != schema.StatusFailed || len(saved.Stages) != 1 {
		t.Errorf("run.json: status %q, %d stages", saved.Status, len(saved.Stages))
	}
	if _, err := os.Stat(dir + "/server.log"); err != nil {
		t.Errorf("server.log: %v", err)
	}
}
