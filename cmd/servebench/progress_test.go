package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/servebench/servebench/engine"
	"github.com/servebench/servebench/schema"
)

// TestNonTTYProgressIsPlainLog: when stderr is not a terminal (CI, pipes)
// progress is timestamped lines, and nothing anywhere has an ANSI escape.
func TestNonTTYProgressIsPlainLog(t *testing.T) {
	code, out, errs := runCLI(t, "run", writeScenario(t, fastScenario), "--results-dir", t.TempDir())
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	ts := `\d{2}:\d{2}:\d{2}\.\d{3} `
	for _, re := range []string{
		`(?m)^` + ts + `\[1/2\] sweep/tiny/c1 started: profile tiny \(16/4 tokens\), concurrency 1, 6 requests$`,
		`(?m)^` + ts + `\[1/2\] sweep/tiny/c1 completed: 6 ok, 0 failed, [\d.]+ req/s, \d+ tok/s, TTFT p50 [\d.]+ ms  thresholds ✔$`,
		`(?m)^` + ts + `\[2/2\] sweep/tiny/c2 started: profile tiny \(16/4 tokens\), concurrency 2, 6 requests$`,
		`(?m)^` + ts + `\[2/2\] sweep/tiny/c2 completed: 6 ok, 0 failed, `,
	} {
		if !regexp.MustCompile(re).MatchString(errs) {
			t.Errorf("stderr lacks a line matching %s:\n%s", re, errs)
		}
	}
	for _, l := range strings.Split(strings.TrimSpace(errs), "\n") {
		if !regexp.MustCompile(`^` + ts).MatchString(l) {
			t.Errorf("stderr line without a timestamp: %q", l)
		}
	}
	if strings.ContainsAny(errs+out, "\x1b\r") {
		t.Errorf("escape codes or carriage returns in non-TTY output:\nstderr %q\nstdout %q", errs, out)
	}
	if !strings.Contains(out, "sweep") || !strings.Contains(out, "c=2") {
		t.Errorf("no summary table on stdout:\n%s", out)
	}
}

// lockedBuffer is written by the refresh goroutine and read by the test;
// every write is announced on wrote, so the test waits for frames instead
// of sleeping.
type lockedBuffer struct {
	mu    sync.Mutex
	b     bytes.Buffer
	wrote chan struct{}
}

func newLockedBuffer() *lockedBuffer { return &lockedBuffer{wrote: make(chan struct{}, 1)} }

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case l.wrote <- struct{}{}:
	default:
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor waits until the buffer satisfies ok, woken by each write.
func (l *lockedBuffer) waitFor(t *testing.T, ok func(string) bool) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for !ok(l.String()) {
		select {
		case <-l.wrote:
		case <-timeout:
			t.Fatalf("not written within 20s: %q", l.String())
		}
	}
}

// TestTTYRedrawsOneLineInPlace drives the terminal display directly: frames
// overwrite each other with no newline and no blank frame, fit the
// terminal, and the finished line replaces the live one.
func TestTTYRedrawsOneLineInPlace(t *testing.T) {
	buf := newLockedBuffer()
	p := &progress{w: buf, tty: true, width: func() int { return 60 }}
	step := engine.Step{ID: "a-rather-long-stage-name/balanced/c128"}
	p.StepStarted(step, 0, 2, &engine.Live{Total: 20})
	buf.waitFor(t, func(s string) bool { return strings.Count(s, "\r") >= 2 })
	p.Logf("server ready")
	p.StepFinished(&schema.StageResult{Status: schema.StatusCompleted})
	p.Stop()
	got := buf.String()

	if strings.Count(got, "\n") != 2 || !strings.HasSuffix(got, "[1/2] a-rather-long-stage-name/balanced/c128 completed: 0 ok, 0 failed, 0.00 req/s, 0 tok/s, TTFT p50 n/a\n") {
		t.Errorf("want the finished line last and only two newlines:\n%q", got)
	}
	if !strings.Contains(got, "\r\x1b[Kserver ready\n") {
		t.Errorf("a log message must first erase the live line:\n%q", got)
	}
	frames := regexp.MustCompile("\r([^\r\n\x1b]+)\x1b\\[K").FindAllStringSubmatch(got, -1)
	if len(frames) < 2 {
		t.Fatalf("frames %d:\n%q", len(frames), got)
	}
	for _, f := range frames {
		if n := utf8.RuneCountInString(f[1]); n > 59 {
			t.Errorf("frame of %d columns on a 60-column terminal wraps: %q", n, f[1])
		}
		if !strings.HasPrefix(f[1], "[1/2] a-rather-long-stage-name/balanced/c128  0/20 done") || !strings.HasSuffix(f[1], "…") {
			t.Errorf("frame: %q", f[1])
		}
	}
	if regexp.MustCompile(`\d{2}:\d{2}:\d{2}\.\d{3}`).MatchString(got) {
		t.Errorf("timestamps on a terminal:\n%q", got)
	}
}

// TestLiveLine: a level that ends by duration shows a bar of its window with
// elapsed and remaining time (not "56/? done"); a level that ends by
// requests shows a bar of its requests; the line never wraps, and a narrow
// terminal loses the bar before the numbers.
func TestLiveLine(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		name    string
		live    *engine.Live
		elapsed time.Duration
		width   int
		want    []string
		not     []string
	}{
		{"duration, a quarter", &engine.Live{Duration: time.Minute}, 15 * time.Second, 120,
			[]string{"██████░░░░░░░░░░░░░░░░░░  0 done", "15s/1m0s  45s left"}, []string{"?"}},
		{"duration, over", &engine.Live{Duration: time.Second}, 3 * time.Second, 120,
			[]string{"████████████████████████  0 done", "1s/1s  finishing"}, []string{"?"}},
		{"requests, none yet", &engine.Live{Total: 10}, time.Second, 120,
			[]string{"░░░░░░░░░░░░░░░░░░░░░░░░  0/10 done  0 errors  0.0 req/s  elapsed 1s  eta ?"}, nil},
		{"80 columns", &engine.Live{Duration: time.Minute}, 30 * time.Second, 80,
			[]string{"  █████░░░░░  0 done", "30s/1m0s  30s left"}, nil},
		{"too narrow for a bar", &engine.Live{Duration: time.Minute}, 30 * time.Second, 72,
			[]string{"[1/6] sweep/dev/c4  0 done", "30s left"}, []string{"█", "░"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &progress{label: "[1/6] sweep/dev/c4", live: tc.live, start: now.Add(-tc.elapsed)}
			got := p.liveLine(now, tc.width)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q lacks %q", got, w)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(got, w) {
					t.Errorf("%q has %q", got, w)
				}
			}
			if n := utf8.RuneCountInString(got); n > tc.width-1 {
				t.Errorf("%d columns on a %d-column terminal: %q", n, tc.width, got)
			}
		})
	}
}

// buildBinary builds servebench into a temporary directory, for the tests
// that need a real process: signals and shell completion.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "servebench")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestInterruptExits130: Ctrl-C in mid-stage exits 130 and still saves the
// run, marked interrupted.
func TestInterruptExits130(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	long := strings.Replace(fastScenario, "requests: 6", "duration: 60s", 1)
	results := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "run", writeScenario(t, long), "--results-dir", results)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	for sc.Scan() && !strings.Contains(sc.Text(), "started:") {
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	var rest strings.Builder
	for sc.Scan() {
		rest.WriteString(sc.Text() + "\n")
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != ExitInterrupted {
		t.Fatalf("exit: %v, want 130\n%s", err, rest.String())
	}
	dirs, _ := filepath.Glob(filepath.Join(results, "fast", "*"))
	if len(dirs) != 1 {
		t.Fatalf("run directories: %v", dirs)
	}
	run, err := schema.ReadRun(dirs[0])
	if err != nil || run.Status != schema.StatusInterrupted {
		t.Fatalf("saved run: %v, status %v", err, run)
	}
	if !strings.Contains(stdout.String(), "sweep") {
		t.Errorf("an interrupted run is still reported:\n%s", stdout.String())
	}
}

// TestBashCompletionInBash sources the bash script in a real bash and
// completes a command name and a flag written after the scenario path.
func TestBashCompletionInBash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	bin := buildBinary(t)
	complete := func(words ...string) string {
		script := `source <(servebench completion bash)
COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _servebench; echo "${COMPREPLY[*]}"`
		cmd := exec.Command("bash", append([]string{"-c", script, "bash"}, words...)...)
		cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+":"+os.Getenv("PATH"))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("bash: %v\n%s", err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if got := complete("servebench", "com"); got != "compare completion" {
		t.Errorf("servebench com<TAB> = %q", got)
	}
	if got := complete("servebench", "run", "s.yaml", "--qu"); got != "--quiet" {
		t.Errorf("servebench run s.yaml --qu<TAB> = %q", got)
	}
	if got := complete("servebench", "compare", "--fail"); got != "--fail-on" {
		t.Errorf("servebench compare --fail<TAB> = %q", got)
	}
}
