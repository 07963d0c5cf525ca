package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/servebench/servebench/schema"
)

// TestServerDyingNearTheEndOfAStageIsBlamedOnThatStage: a server process
// that exits while the last requests of a stage are being sent (30 of 34
// here) makes them
// fail fast (connection refused) before its exit is reaped. The stage it
// died in is the one that failed, the next one never starts, and the log
// tail is told once: in the error printed, not in run.json's one-line
// messages too.
func TestServerDyingNearTheEndOfAStageIsBlamedOnThatStage(t *testing.T) {
	port := freePort(t)
	marker := fmt.Sprintf("dies-late-%d", time.Now().UnixNano())
	sc := scenario(t, fmt.Sprintf(`
version: 1
name: dies-late
server:
  command: %s
  env: {SERVEBENCH_TEST_HELPER: sim, SERVEBENCH_TEST_MARKER: %q}
  url: http://127.0.0.1:%d
  ready: {timeout: 20s, interval: 50ms}
  stop_timeout: 2s
model: {name: child}
profiles:
  p: {input: 8, output: 8}
stages:
  - {name: first, profile: p, concurrency: 2, requests: 34}
  - {name: second, profile: p, concurrency: 1, requests: 5}
`, helperArgv(t, strconv.Itoa(port), "30"), marker, port))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run, dir, err := execute(t, ctx, sc)
	var re *RunError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want a *RunError (exit 3)", err)
	}
	saved := checkSaved(t, dir, 1)
	st := saved.Stages[0]
	if st.Stage != "first" || st.Status != schema.StatusFailed || !strings.Contains(st.StopReason, "exited with status 1") {
		t.Fatalf("stage %s %q (%s): want the first stage failed with the exit status", st.ID, st.Status, st.StopReason)
	}
	const tailLine = "child: exiting after 30 requests"
	if n := strings.Count(err.Error(), tailLine); n != 1 {
		t.Errorf("the error quotes the log tail %d times, want once:\n%v", n, err)
	}
	for what, s := range map[string]string{"run.json error": saved.Error, "stop reason": st.StopReason, "returned run": run.Error} {
		if strings.Contains(s, "\n") || strings.Contains(s, tailLine) {
			t.Errorf("%s carries the log tail: %q", what, s)
		}
	}
	checkNoChild(t, marker)
}
