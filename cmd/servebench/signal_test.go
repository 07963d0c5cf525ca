package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/servebench/servebench/engine/testexec"
	"github.com/servebench/servebench/schema"
)

// TestMain lets the test binary be the servebench command (helper "cli")
// or a fake server process (helpers "echo" and "leaky", see secrets_test.go
// and leak_servers_test.go), the way Go's os/exec tests re-execute
// themselves (see testexec): signals and exit codes are then those of a
// real process, without a separate go build.
func TestMain(m *testing.M) {
	testexec.Main(m, map[string]testexec.Helper{
		"cli":   func(args []string) int { return run(append([]string{"servebench"}, args...), os.Stdout, os.Stderr) },
		"echo":  serveEcho,
		"leaky": serveLeaky,
	})
}

// cliProc is servebench running as a child process.
type cliProc struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	mu     sync.Mutex
	stderr strings.Builder
	lines  chan string
	done   chan struct{}
}

// startCLI starts the test binary as `servebench args...`; stderr lines are
// also sent to lines, so a test can act when a stage starts.
func startCLI(t *testing.T, env []string, args ...string) *cliProc {
	t.Helper()
	p := &cliProc{cmd: testexec.Command(t, "cli", args...), lines: make(chan string, 1024), done: make(chan struct{})}
	p.cmd.Env = append(p.cmd.Env, env...)
	p.cmd.Stdout = &p.stdout
	errPipe, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go p.scan(errPipe)
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			_ = p.wait(t)
		}
	})
	return p
}

func (p *cliProc) scan(r interface{ Read([]byte) (int, error) }) {
	defer close(p.done)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		p.mu.Lock()
		p.stderr.WriteString(sc.Text() + "\n")
		p.mu.Unlock()
		select {
		case p.lines <- sc.Text():
		default:
		}
	}
}

// waitLine waits for a stderr line containing s.
func (p *cliProc) waitLine(t *testing.T, s string) {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case l := <-p.lines:
			if strings.Contains(l, s) {
				return
			}
		case <-p.done:
			t.Fatalf("servebench ended before printing %q:\n%s", s, p.errText())
		case <-timeout:
			t.Fatalf("no %q on stderr within a minute:\n%s", s, p.errText())
		}
	}
}

// wait returns the exit code; a process that does not end in a minute is killed.
func (p *cliProc) wait(t *testing.T) int {
	t.Helper()
	exited := make(chan error, 1)
	go func() { <-p.done; exited <- p.cmd.Wait() }()
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(60 * time.Second):
		_ = p.cmd.Process.Kill()
		t.Fatalf("servebench did not exit within a minute:\n%s", p.errText())
	}
	return -1
}

func (p *cliProc) errText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// twoStages finishes a short stage, then runs a long one that a test cuts;
// the third must never start. The first %s is the server block, the %d the
// first stage's requests. The threshold applies to the first stage only, so
// an interrupted run has evaluated thresholds and none failed.
const twoStages = `version: 1
name: cut
server: %s
profiles:
  p: {input: 8, output: 16}
stages:
  - {name: first, profile: p, concurrency: 2, requests: %d}
  - {name: long, profile: p, concurrency: 4, requests: 100000}
  - {name: never, profile: p, concurrency: 1, requests: 1}
thresholds:
  - {when: 'stage == "first"', expr: error_rate == 0}
`

// simServer is the built-in simulator, fast enough for small stages.
const simServer = `{builtin: {decode_step: 2ms, decode_per_seq: 10us, prefill_per_token: 1us}}`

// countingServer is an OpenAI-compatible server on 127.0.0.1 that announces
// every completion it has answered on the returned channel, so a test can
// act when requests of a stage have finished instead of sleeping.
func countingServer(t *testing.T) (string, <-chan struct{}) {
	t.Helper()
	answered := make(chan struct{}, 1<<16)
	api := fakeOpenAI("m", func(http.ResponseWriter, *http.Request) bool { return false })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api.ServeHTTP(w, r)
		if r.URL.Path == "/v1/completions" {
			select {
			case answered <- struct{}{}:
			default:
			}
		}
	}))
	t.Cleanup(srv.Close)
	return fmt.Sprintf("{url: %s}", srv.URL), answered
}

// TestSignalMidStageSavesAndReports: SIGINT or SIGTERM in mid-stage exits
// 130, leaves a valid run.json and requests.jsonl, and `servebench report`
// says which stage finished and which was cut; the summary says the
// thresholds were interrupted, not that some failed.
func TestSignalMidStageSavesAndReports(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			server, answered := countingServer(t)
			path := writeScenario(t, fmt.Sprintf(twoStages, server, 6))
			results := t.TempDir()
			p := startCLI(t, nil, "run", path, "--results-dir", results)
			p.waitLine(t, "long/p/c4 started")
			// Answers of the first stage (and of the probe) are still in
			// the channel: drop them, then wait for answers of the long one.
			for drained := false; !drained; {
				select {
				case <-answered:
				default:
					drained = true
				}
			}
			for range 8 { // some requests of the long stage finish
				select {
				case <-answered:
				case <-time.After(time.Minute):
					t.Fatalf("the long stage answered no requests within a minute:\n%s", p.errText())
				}
			}
			if err := p.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if code := p.wait(t); code != ExitInterrupted {
				t.Fatalf("exit %d, want %d:\n%s", code, ExitInterrupted, p.errText())
			}
			dir := onlyRunDir(t, results, "cut")
			run := checkRunFiles(t, dir)
			if run.Status != schema.StatusInterrupted || len(run.Stages) != 2 {
				t.Fatalf("run.json: status %q, %d stages; want interrupted with first and long", run.Status, len(run.Stages))
			}
			if run.Stages[0].Status != schema.StatusCompleted || run.Stages[1].Status != schema.StatusInterrupted {
				t.Errorf("stage statuses %q, %q; want completed, interrupted", run.Stages[0].Status, run.Stages[1].Status)
			}
			if run.Stages[1].Metrics.Sent == 0 {
				t.Errorf("the long stage recorded no request: the signal came before it ran")
			}
			for _, f := range []string{"report.md", "report.html"} {
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Errorf("an interrupted run still renders its reports: %v", err)
				}
			}
			if want := "thresholds: interrupted before all were evaluated; none failed"; !strings.Contains(p.stdout.String(), want) {
				t.Errorf("the summary does not say %q:\n%s", want, p.stdout.String())
			}
			code, out, errs := runCLI(t, "report", dir, "--no-color")
			if code != ExitOK {
				t.Fatalf("report: exit %d: %s", code, errs)
			}
			for _, want := range []string{"interrupted", "finished stages: first/p/c2", "cut: long/p/c4 (interrupted: interrupted by the user)"} {
				if !strings.Contains(out, want) {
					t.Errorf("report does not say %q:\n%s", want, out)
				}
			}
		})
	}
}

// TestResultsDirUnderAFileExitsThree: a results directory that cannot be
// created (its parent is a regular file; chmod does not stop root) fails
// before any server starts, with the path in the message.
func TestResultsDirUnderAFileExitsThree(t *testing.T) {
	file := filepath.Join(t.TempDir(), "plain-file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := writeScenario(t, fmt.Sprintf(twoStages, simServer, 1))
	code, _, errs := runCLI(t, "run", path, "--results-dir", filepath.Join(file, "results"), "--quiet")
	if code != ExitRunFailed {
		t.Fatalf("exit %d, want %d: %s", code, ExitRunFailed, errs)
	}
	if !strings.Contains(errs, "create results directory") || !strings.Contains(errs, "not a directory") {
		t.Errorf("message does not say what could not be written and why: %s", errs)
	}
}

// TestResultsDirRemovedMidRunExitsThree: when the run directory disappears
// in mid-stage, the run stops after that stage and exits 3 saying which
// file could not be written.
func TestResultsDirRemovedMidRunExitsThree(t *testing.T) {
	path := writeScenario(t, fmt.Sprintf(twoStages, simServer, 200))
	results := t.TempDir()
	p := startCLI(t, nil, "run", path, "--results-dir", results)
	p.waitLine(t, "first/p/c2 started")
	if err := os.RemoveAll(results); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t); code != ExitRunFailed {
		t.Fatalf("exit %d, want %d:\n%s", code, ExitRunFailed, p.errText())
	}
	errs := p.errText()
	if !strings.Contains(errs, "results cannot be saved") || !strings.Contains(errs, "run.json") {
		t.Errorf("no clear message about the results:\n%s", errs)
	}
	if strings.Contains(errs, "long/p/c4 started") {
		t.Errorf("the run went on after its results could not be saved:\n%s", errs)
	}
}

func onlyRunDir(t *testing.T, results, name string) string {
	t.Helper()
	dirs, _ := filepath.Glob(filepath.Join(results, name, "*"))
	if len(dirs) != 1 {
		t.Fatalf("run directories: %v", dirs)
	}
	return dirs[0]
}

// checkRunFiles parses run.json and every line of requests.jsonl, and checks
// that completed + failed == sent in every stage, with one line per request
// sent or cancelled.
func checkRunFiles(t *testing.T, dir string) *schema.Run {
	t.Helper()
	run, err := schema.ReadRun(dir)
	if err != nil {
		t.Fatalf("run.json: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "requests.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]int{}
	for i, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		var r schema.RequestRecord
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("requests.jsonl line %d: %v", i+1, err)
		}
		if !r.Warmup {
			lines[r.Stage]++
		}
	}
	for _, st := range run.Stages {
		m := st.Metrics
		if m.Completed+m.Failed != m.Sent || lines[st.ID] != m.Sent+m.Canceled {
			t.Errorf("%s: completed %d + failed %d, sent %d, cancelled %d, %d lines", st.ID, m.Completed, m.Failed, m.Sent, m.Canceled, lines[st.ID])
		}
		t.Logf("%s: %s, sent %d completed %d failed %d cancelled %d %v", st.ID, st.Status, m.Sent, m.Completed, m.Failed, m.Canceled, st.Failures)
	}
	return run
}
