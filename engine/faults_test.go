package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/servebench/servebench/engine/testexec"
	"github.com/servebench/servebench/schema"
)

// faultOutcome is how a faulty run must end: the documented exit code it maps to
// (0 ok, 1 threshold failed, 3 could not complete, 130 interrupted).
type faultOutcome int

const (
	wantOK          faultOutcome = 0
	wantThreshold   faultOutcome = 1
	wantRunFailed   faultOutcome = 3
	wantInterrupted faultOutcome = 130
)

// faultCase is one row of the fault matrix.
type faultCase struct {
	name string
	// scenario is the YAML; %[1]s is the argv of a helper server process
	// (a YAML list), %[2]d its free port and %[3]s the marker put into its
	// environment.
	scenario string
	want     faultOutcome
	// kinds are the only failure kinds allowed, and at least one must occur.
	kinds []string
	// stages is the number of stages run.json must hold (-1: no run.json).
	stages int
	// during, when set, acts on the run while its first stage runs.
	during func(t *testing.T, base string, cancel context.CancelFunc)
	// check, when set, makes row-specific assertions.
	check func(t *testing.T, run *schema.Run)
}

// faultScenario is a fast builtin simulator with the given faults; the
// threshold makes any failed request fail the run (exit 1).
func faultScenario(name, faults, api string) string {
	return fmt.Sprintf(`
version: 1
name: %s
seed: 1
server:
  builtin: {decode_step: 1ms, decode_per_seq: 10us, prefill_per_token: 1us, faults: %s}
model: {max_model_len: 512}
api: %s
profiles:
  p: {input: 8, output: 16}
stages:
  - name: s
    profile: p
    concurrency: 4
    requests: 40
thresholds:
  - expr: error_rate == 0
`, name, faults, api)
}

func faultMatrix() []faultCase {
	return []faultCase{
		{name: "http-500", scenario: faultScenario("e500", "{error_rate: 0.3, error_status: [500]}", "{}"),
			want: wantThreshold, kinds: []string{schema.FailServerError}, stages: 1,
			check: statusesAre(500)},
		{name: "http-503", scenario: faultScenario("e503", "{error_rate: 0.3, error_status: [503]}", "{}"),
			want: wantThreshold, kinds: []string{schema.FailServerError}, stages: 1,
			check: statusesAre(503)},
		{name: "http-429", scenario: faultScenario("e429", "{error_rate: 0.3, error_status: [429]}", "{}"),
			want: wantThreshold, kinds: []string{schema.FailRateLimited}, stages: 1,
			check: statusesAre(429)},
		{name: "connection-reset-mid-stream", scenario: faultScenario("drop", "{drop_rate: 0.3}", "{}"),
			want: wantThreshold, kinds: []string{schema.FailConnReset}, stages: 1},
		{name: "malformed-sse-chunk", scenario: faultScenario("malformed", "{malformed_rate: 0.3}", "{}"),
			want: wantThreshold, kinds: []string{schema.FailMalformed}, stages: 1},
		{name: "error-object-mid-stream", scenario: faultScenario("errmid", "{error_mid_stream: 0.3}", "{}"),
			want: wantThreshold, kinds: []string{schema.FailStreamError}, stages: 1},
		{name: "stall-longer-than-timeout", scenario: faultScenario("stall", "{stall_rate: 0.2, stall: 1m}", "{timeout: 400ms}"),
			want: wantThreshold, kinds: []string{schema.FailTimeout}, stages: 1},
		{name: "stall-cut-by-stage-deadline",
			scenario: strings.Replace(faultScenario("deadline", "{stall_rate: 0.2, stall: 1m}", "{timeout: 1m}"),
				"requests: 40", "requests: 40\n    deadline: 1s", 1),
			want: wantThreshold, kinds: []string{schema.FailTimeout, schema.FailCanceled}, stages: 1,
			check: func(t *testing.T, run *schema.Run) {
				if r := run.Stages[0].StopReason; r != "stage deadline reached" {
					t.Errorf("stop reason %q, want the stage deadline", r)
				}
			}},
		{name: "builtin-exits-mid-stage", scenario: faultScenario("exit", "{exit_after: 15}", "{}"),
			want: wantRunFailed, kinds: []string{schema.FailConnReset, schema.FailConnRefused, schema.FailCanceled}, stages: 1,
			check: func(t *testing.T, run *schema.Run) {
				// The in-process simulator stopping is a dead server too (exit 3).
				st := run.Stages[0]
				if st.Status != schema.StatusFailed || !strings.Contains(st.StopReason, "exit_after") {
					t.Errorf("stage %q, reason %q: want failed, naming the simulator's exit", st.Status, st.StopReason)
				}
			}},
		{name: "server-process-dies-mid-stage", scenario: dyingChildScenario, want: wantRunFailed,
			kinds: []string{schema.FailConnReset, schema.FailConnRefused, schema.FailCanceled}, stages: 1,
			check: func(t *testing.T, run *schema.Run) {
				st := run.Stages[0]
				if st.Status != schema.StatusFailed || !strings.Contains(st.StopReason, "exit") {
					t.Errorf("stage %q, reason %q: want failed with the exit status", st.Status, st.StopReason)
				}
			}},
		{name: "interrupted-mid-stage", scenario: longScenario("cut", 100000), want: wantInterrupted,
			kinds: []string{schema.FailCanceled}, stages: 1,
			during: func(t *testing.T, _ string, cancel context.CancelFunc) { cancel() },
			check: func(t *testing.T, run *schema.Run) {
				if st := run.Stages[0]; st.Status != schema.StatusInterrupted {
					t.Errorf("stage status %q, want interrupted", st.Status)
				}
			}},
		{name: "results-dir-removed-mid-run", scenario: longScenario("gone", 200), want: wantRunFailed, stages: -1,
			during: func(t *testing.T, base string, _ context.CancelFunc) {
				if err := os.RemoveAll(base); err != nil {
					t.Error(err)
				}
			},
			check: func(t *testing.T, run *schema.Run) {
				// The stage in progress is kept in memory; the next one never starts.
				if len(run.Stages) != 1 {
					t.Fatalf("%d stages ran, want the run to stop after the first", len(run.Stages))
				}
				checkAccounting(t, run, nil)
			}},
	}
}

// statusesAre checks that every failure group carries one of the statuses.
func statusesAre(statuses ...int) func(t *testing.T, run *schema.Run) {
	return func(t *testing.T, run *schema.Run) {
		for _, f := range run.Stages[0].Failures {
			if !contains(statuses, f.Status) {
				t.Errorf("failure %s has status %d, want one of %v", f.Kind, f.Status, statuses)
			}
		}
	}
}

// longScenario runs a first stage long enough to be acted upon, then a
// second one that must never start.
func longScenario(name string, requests int) string {
	return fmt.Sprintf(`
version: 1
name: %s
server:
  builtin: {decode_step: 2ms, decode_per_seq: 10us, prefill_per_token: 1us}
profiles:
  p: {input: 8, output: 16}
stages:
  - name: long
    profile: p
    concurrency: 4
    requests: %d
  - name: never-started
    profile: p
    concurrency: 1
    requests: 1
`, name, requests)
}

// dyingChildScenario runs the test binary as a simulator process that exits
// after 30 requests (the "sim" helper of TestMain).
const dyingChildScenario = `
version: 1
name: dies
server:
  command: %[1]s
  env: {SERVEBENCH_TEST_HELPER: sim, SERVEBENCH_TEST_MARKER: %[3]q}
  url: http://127.0.0.1:%[2]d
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
`

// TestFaultMatrix runs every fault against a real server over real HTTP and
// checks what the issue promises for each: the run ends the documented way,
// every sent request is accounted for with a classified reason, run.json and
// requests.jsonl parse and no server process is left.
func TestFaultMatrix(t *testing.T) {
	for _, fc := range faultMatrix() {
		t.Run(fc.name, func(t *testing.T) {
			marker := fmt.Sprintf("fault-%s-%d", fc.name, time.Now().UnixNano())
			src := fc.scenario
			if strings.Contains(src, "%[1]s") {
				port := freePort(t)
				src = fmt.Sprintf(src, helperArgv(t, strconv.Itoa(port), "30"), port, marker)
			}
			sc := scenario(t, src)
			run, dir, err := runFault(t, sc, fc)
			checkOutcome(t, fc, run, err)
			if fc.stages < 0 {
				fc.check(t, run)
				return
			}
			if len(run.Notes) > 0 {
				t.Errorf("the pre-flight probe met a fault (pick another seed): %v", run.Notes)
			}
			saved := checkSaved(t, dir, fc.stages)
			checkAccounting(t, saved, fc.kinds)
			if fc.check != nil {
				fc.check(t, saved)
			}
			checkNoChild(t, marker)
		})
	}
}

// runFault executes the scenario, calling fc.during once the first stage has
// finished 10 requests.
func runFault(t *testing.T, sc *schema.Scenario, fc faultCase) (*schema.Run, string, error) {
	t.Helper()
	p, err := NewPlan(sc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	o := Options{Plan: p, Version: "test"}
	if fc.during != nil {
		o.Observer = &actMidStage{t: t, act: func() { fc.during(t, sc.Report.Dir, cancel) }}
	}
	return Execute(ctx, o)
}

// actMidStage acts once step number step (0: the first) has finished a
// few requests.
type actMidStage struct {
	t    *testing.T
	act  func()
	step int
}

func (a *actMidStage) StepStarted(_ Step, i, _ int, live *Live) {
	if i != a.step {
		return
	}
	go func() {
		for live.Done() < 10 {
			time.Sleep(2 * time.Millisecond)
		}
		a.act()
	}()
}

func (a *actMidStage) StepFinished(*schema.StageResult) {}

func checkOutcome(t *testing.T, fc faultCase, run *schema.Run, err error) {
	t.Helper()
	var re *RunError
	got := wantOK
	switch {
	case errors.Is(err, ErrInterrupted):
		got = wantInterrupted
	case errors.As(err, &re):
		got = wantRunFailed
	case err != nil:
		t.Fatalf("unexpected error kind: %v", err)
	case !run.Passed:
		got = wantThreshold
	}
	if got != fc.want {
		t.Fatalf("faultOutcome %d, want %d (err %v)", got, fc.want, err)
	}
	if fc.want == wantRunFailed && fc.stages < 0 && !strings.Contains(err.Error(), "run.json") {
		t.Errorf("error %q does not say which file could not be written", err)
	}
	if run != nil && run.Status == schema.StatusCompleted && err != nil {
		t.Errorf("status completed with error %v", err)
	}
}

// checkSaved reads run.json and every line of requests.jsonl, and checks that
// each measured request of each stage has exactly one line.
func checkSaved(t *testing.T, dir string, stages int) *schema.Run {
	t.Helper()
	saved, err := schema.ReadRun(dir)
	if err != nil {
		t.Fatalf("run.json: %v", err)
	}
	if len(saved.Stages) != stages {
		t.Fatalf("run.json has %d stages, want %d", len(saved.Stages), stages)
	}
	perStage := map[string]int{}
	for _, r := range readRecords(t, dir) {
		if !r.Warmup {
			perStage[r.Stage]++
		}
		if r.Error != nil && (r.Error.Kind == "" || r.Error.Message == "") {
			t.Errorf("request %s/%d: failure without kind or message: %+v", r.Stage, r.Index, r.Error)
		}
	}
	for _, st := range saved.Stages {
		if perStage[st.ID] != st.Metrics.Sent+st.Metrics.Canceled {
			t.Errorf("%s: requests.jsonl has %d measured lines, stage sent %d and cancelled %d", st.ID, perStage[st.ID], st.Metrics.Sent, st.Metrics.Canceled)
		}
	}
	return saved
}

// checkAccounting: completed + failed == sent in every stage, and every
// failure is classified with one of the expected kinds.
func checkAccounting(t *testing.T, run *schema.Run, kinds []string) {
	t.Helper()
	seen := map[string]int{}
	for _, st := range run.Stages {
		m := st.Metrics
		if m.Sent == 0 || m.Completed+m.Failed != m.Sent {
			t.Errorf("%s: completed %d + failed %d != sent %d", st.ID, m.Completed, m.Failed, m.Sent)
		}
		grouped := 0
		seen[schema.FailCanceled] += m.Canceled // counted apart from failures
		for _, f := range st.Failures {
			grouped += f.Count
			seen[f.Kind] += f.Count
			if !contains(kinds, f.Kind) {
				t.Errorf("%s: %d failures of kind %q (%s), want only %v", st.ID, f.Count, f.Kind, f.Example, kinds)
			}
		}
		if grouped != m.Failed {
			t.Errorf("%s: failure groups count %d, failed %d", st.ID, grouped, m.Failed)
		}
		t.Logf("%s: sent %d completed %d failed %d %v (%s)", st.ID, m.Sent, m.Completed, m.Failed, kindList(seen), st.StopReason)
	}
	if len(kinds) > 0 && len(seen) == 0 {
		t.Errorf("no failures, want some of %v", kinds)
	}
}

// checkNoChild scans /proc for a process whose environment holds marker.
func checkNoChild(t *testing.T, marker string) {
	t.Helper()
	if pids := processesWithEnv("SERVEBENCH_TEST_MARKER=" + marker); len(pids) > 0 {
		t.Errorf("server processes %v outlived the run", pids)
	}
}

func processesWithEnv(kv string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err == nil && bytes.Contains(append(env, 0), []byte(kv+"\x00")) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// helperArgv is the YAML list that starts the "sim" helper with args.
func helperArgv(t *testing.T, args ...string) string {
	var q []string
	for _, a := range testexec.Argv(t, args...) {
		q = append(q, strconv.Quote(a))
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func kindList(m map[string]int) string {
	var s []string
	for k, n := range m {
		s = append(s, fmt.Sprintf("%s=%d", k, n))
	}
	sort.Strings(s)
	return strings.Join(s, " ")
}

// TestProcessesWithEnvFindsAChild keeps checkNoChild honest: the scan does
// see a live process carrying the marker.
func TestProcessesWithEnvFindsAChild(t *testing.T) {
	marker := fmt.Sprintf("scan-%d", time.Now().UnixNano())
	cmd := exec.Command("sleep", "30")
	cmd.Env = append(os.Environ(), "SERVEBENCH_TEST_MARKER="+marker)
	if err := cmd.Start(); err != nil {
		t.Skip("no sleep binary:", err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	// The scan reads /proc, which a loaded machine may show the new
	// process in a moment late: look again for a while before failing.
	var pids []int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if pids = processesWithEnv("SERVEBENCH_TEST_MARKER=" + marker); contains(pids, cmd.Process.Pid) {
			return
		}
	}
	t.Fatalf("scan found %v, want pid %d", pids, cmd.Process.Pid)
}

// floodServer answers the pre-flight probe normally, then misbehaves on
// every request: one SSE line of 2 MiB ("line"), or an endless stream of
// keep-alive comments ("size"). It records whether each flood ended because
// the client hung up rather than because it ran out.
type floodServer struct {
	mode     string
	requests atomic.Int64
	cutOff   atomic.Int64 // floods the client hung up on
}

// floodCap bounds one flood, far above the client's 64 MiB response limit.
const floodCap = 512 << 20

func (f *floodServer) handler(w http.ResponseWriter, r *http.Request) {
	if f.requests.Add(1) == 1 {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: {\"choices\":[{\"index\":0,\"text\":\" a\",\"finish_reason\":\"length\"}]}\n\ndata: [DONE]\n\n")
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	fmt.Fprint(w, "data: {\"choices\":[{\"index\":0,\"text\":\" a\",\"finish_reason\":null}]}\n\n")
	var unit []byte
	if f.mode == "line" {
		unit = append([]byte("data: "), bytes.Repeat([]byte("x"), 2<<20)...)
	} else {
		unit = append(append([]byte(": "), bytes.Repeat([]byte("k"), 4<<10)...), '\n')
	}
	for sent := 0; sent < floodCap; sent += len(unit) {
		if _, err := w.Write(unit); err != nil {
			f.cutOff.Add(1)
			return
		}
	}
}

// TestMisbehavingServerIsBounded: a server that sends an endless line or an
// endless response cannot exhaust the client; each request fails as
// response_too_large, the client hangs up, and every request is accounted for.
func TestMisbehavingServerIsBounded(t *testing.T) {
	for _, mode := range []string{"line", "size"} {
		t.Run(mode, func(t *testing.T) {
			f := &floodServer{mode: mode}
			mux := http.NewServeMux()
			mux.HandleFunc("GET /health", func(http.ResponseWriter, *http.Request) {})
			mux.HandleFunc("GET /v1/models", func(w http.ResponseWriter, _ *http.Request) {
				fmt.Fprint(w, `{"data":[{"id":"flood","max_model_len":4096}]}`)
			})
			mux.HandleFunc("POST /v1/completions", f.handler)
			srv := httptest.NewServer(mux)
			defer srv.Close()
			sc := scenario(t, `
version: 1
name: flood
server: {url: `+srv.URL+`}
profiles:
  p: {input: 4, output: 4}
stages:
  - {name: s, profile: p, concurrency: 2, requests: 4}
`)
			run, dir, err := execute(t, context.Background(), sc)
			if err != nil {
				t.Fatal(err)
			}
			saved := checkSaved(t, dir, 1)
			checkAccounting(t, saved, []string{schema.FailTooLarge})
			if m := run.Stages[0].Metrics; m.Failed != 4 {
				t.Errorf("failed %d of 4", m.Failed)
			}
			srv.Close() // waits for the handlers
			if n := f.cutOff.Load(); n != 4 {
				t.Errorf("the client hung up on %d of 4 floods", n)
			}
		})
	}
}
