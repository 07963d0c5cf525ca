package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/servebench/servebench/engine/testexec"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// fake is one started fake server: its options, and where its pids land.
type fake struct {
	opts    Options
	pidFile string
	follow  *syncBuffer
}

// newFake prepares a command server that runs this test binary in mode.
func newFake(t *testing.T, mode string) *fake {
	t.Helper()
	dir := t.TempDir()
	port := freePort(t)
	f := &fake{pidFile: filepath.Join(dir, "pids"), follow: &syncBuffer{}}
	s := defaultServer(t, "http://127.0.0.1:"+strconv.Itoa(port))
	s.Command = testexec.Argv(t)
	s.Env = map[string]string{
		testexec.Env:              mode,
		"SERVEBENCH_FAKE_PORT":    strconv.Itoa(port),
		"SERVEBENCH_FAKE_PIDFILE": f.pidFile,
	}
	s.Ready.Timeout = schema.Duration(time.Minute)
	s.Ready.Interval = schema.Duration(20 * time.Millisecond)
	s.StopTimeout = schema.Duration(10 * time.Second)
	f.opts = Options{Server: s, RunDir: dir, FollowLog: f.follow, Logf: t.Logf}
	return f
}

// start starts the fake and registers a Stop for the end of the test.
func (f *fake) start(t *testing.T) Handle {
	t.Helper()
	h, err := Start(context.Background(), f.opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = h.Stop(context.Background()) })
	return h
}

// pids returns the pids the fake wrote (leader first, then its workers).
func (f *fake) pids(t *testing.T) []int {
	t.Helper()
	b, err := os.ReadFile(f.pidFile)
	if err != nil {
		t.Fatalf("read pid file: %v", err)
	}
	var pids []int
	for _, l := range strings.Fields(string(b)) {
		pid, err := strconv.Atoi(l)
		if err != nil {
			t.Fatal(err)
		}
		pids = append(pids, pid)
	}
	return pids
}

func (f *fake) log(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(f.opts.RunDir, f.opts.Server.Log))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// assertGone fails unless every pid has exited. Exit after SIGKILL is not
// instant, so it waits; the generous bound only matters when the test fails.
func assertGone(t *testing.T, pids ...int) {
	t.Helper()
	for _, pid := range pids {
		deadline := time.Now().Add(10 * time.Second)
		for running(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("process %d still runs after Stop", pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// running is true for a live process; a zombie has exited.
func running(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	st, _, ok := procState(pid)
	return ok && st != 'Z'
}

func TestStartReadyThenStopLeavesNoProcess(t *testing.T) {
	f := newFake(t, "ready")
	f.opts.Server.Env["SERVEBENCH_FAKE_CHILD"] = "1"
	h := f.start(t)

	if _, err := get(context.Background(), h.URL()+"/v1/models", nil); err != nil {
		t.Fatalf("server not answering after Start: %v", err)
	}
	info := h.Info()
	if info.Kind != schema.ServerCommand || info.URL != f.opts.Server.URL || info.Log != schema.DefaultServerLog ||
		len(info.Command) != 3 {
		t.Errorf("Info() = %+v", info)
	}
	pids := f.pids(t)
	if len(pids) != 2 {
		t.Fatalf("want leader and worker pids, got %v", pids)
	}
	for _, pid := range pids {
		if !running(pid) {
			t.Fatalf("pid %d not running before Stop", pid)
		}
	}
	if err := h.Stop(context.Background()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	assertGone(t, pids...)
	if err := h.Stop(context.Background()); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	select {
	case <-h.Died():
		t.Error("Died closed after a requested Stop")
	default:
	}
	if h.ExitErr() != nil {
		t.Errorf("ExitErr after Stop = %v", h.ExitErr())
	}
}

var stampedLine = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (.*)$`)

func TestServerLogHoldsTimestampedOutput(t *testing.T) {
	f := newFake(t, "ready")
	h := f.start(t)
	if err := h.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	log := f.log(t)
	var text []string
	for _, l := range strings.Split(strings.TrimSuffix(log, "\n"), "\n") {
		m := stampedLine.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("log line without RFC 3339 ms timestamp: %q", l)
		}
		text = append(text, m[1])
	}
	joined := strings.Join(text, "\n")
	for _, want := range []string{"fake server starting, mode ready", "fake stderr line: loading weights", "listening on 127.0.0.1:"} {
		if !strings.Contains(joined, want) {
			t.Errorf("server.log lacks %q:\n%s", want, log)
		}
	}
	if got := f.follow.String(); got != log {
		t.Errorf("followed output differs from server.log:\nfollow: %q\nlog:    %q", got, log)
	}
}

func TestSecretsNeverReachLogOrInfo(t *testing.T) {
	const secret = "sk-s3cr3t-value"
	f := newFake(t, "ready")
	f.opts.Server.Env["SERVEBENCH_FAKE_SECRET"] = secret
	f.opts.Server.Secrets = []string{"SERVEBENCH_FAKE_SECRET"}
	f.opts.Server.Command = append(f.opts.Server.Command, "--api-key", secret)
	h := f.start(t)
	info := h.Info()
	if err := h.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	log := f.log(t)
	if !strings.Contains(log, "'api_key': '"+redact.Mask+"'") {
		t.Errorf("server.log lacks the redacted key line:\n%s", log)
	}
	for what, s := range map[string]string{"server.log": log, "followed output": f.follow.String(),
		"Info().Command": strings.Join(info.Command, " ")} {
		if strings.Contains(s, secret) {
			t.Errorf("%s holds the secret: %s", what, s)
		}
	}
	if got := info.Command[len(info.Command)-1]; got != redact.Mask {
		t.Errorf("last argument in Info().Command = %q, want %q", got, redact.Mask)
	}
}

func TestStartNeverReadyTimesOutAndStops(t *testing.T) {
	f := newFake(t, "never")
	f.opts.Server.Ready.Timeout = schema.Duration(700 * time.Millisecond)
	_, err := Start(context.Background(), f.opts)
	if err == nil {
		t.Fatal("Start succeeded against a server that is never ready")
	}
	t.Log(err)
	for _, want := range []string{"not ready after 700ms", "503", "model still loading", "server.ready.timeout", "server.log"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	assertGone(t, f.pids(t)...)
}

func TestStartFailsAtOnceWhenServerExits(t *testing.T) {
	f := newFake(t, "exit")
	f.opts.Server.Ready.Timeout = schema.Duration(10 * time.Minute)
	begin := time.Now()
	_, err := Start(context.Background(), f.opts)
	took := time.Since(begin)
	if err == nil {
		t.Fatal("Start succeeded against a server that exited")
	}
	t.Log(err)
	var exit *ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("error %v is not an *ExitError", err)
	}
	// The message is one line; the log tail comes separately, to be printed once.
	if strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "exited with status 1") ||
		!strings.Contains(err.Error(), "server.log") {
		t.Errorf("error %q: want one line naming the exit status and the log", err)
	}
	for _, want := range []string{"CUDA out of memory", "fake server starting"} {
		if !strings.Contains(exit.Tail(), want) {
			t.Errorf("log tail lacks %q: %s", want, exit.Tail())
		}
	}
	// The timeout is 10 minutes: anything near it means the exit went unnoticed.
	if took > time.Minute {
		t.Errorf("Start took %s to notice the exit", took)
	}
}

func TestDiedClosesWhenServerDiesMidStage(t *testing.T) {
	f := newFake(t, "ready")
	f.opts.Server.Env["SERVEBENCH_FAKE_CHILD"] = "1" // a worker that outlives the API server
	h := f.start(t)
	if h.ExitErr() != nil {
		t.Fatalf("ExitErr while running = %v", h.ExitErr())
	}
	// The "stage": a request that kills the server.
	_, _ = http.Get(h.URL() + "/die")
	select {
	case <-h.Died():
	case <-time.After(30 * time.Second):
		t.Fatal("Died not closed after the server exited")
	}
	err := h.ExitErr()
	if err == nil {
		t.Fatal("ExitErr is nil after Died")
	}
	t.Log(err)
	var exit *ExitError
	if !errors.As(err, &exit) || !strings.Contains(err.Error(), "exited with status 3") ||
		!strings.Contains(exit.Tail(), "engine core died") || !strings.HasPrefix(exit.Tail(), "last ") {
		t.Errorf("ExitErr = %v with tail %q", err, exit.Tail())
	}
	if err := h.Stop(context.Background()); err != nil {
		t.Errorf("Stop after death: %v", err)
	}
	assertGone(t, f.pids(t)...) // the orphaned worker too
}

func TestStopKillsServerThatIgnoresTerm(t *testing.T) {
	f := newFake(t, "ignoreterm")
	grace := 300 * time.Millisecond
	f.opts.Server.StopTimeout = schema.Duration(grace)
	h := f.start(t)
	begin := time.Now()
	if err := h.Stop(context.Background()); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	// A lower bound only: SIGKILL must not come before the grace period.
	if took := time.Since(begin); took < grace {
		t.Errorf("Stop returned after %s, before stop_timeout %s", took, grace)
	}
	assertGone(t, f.pids(t)...)
	if log := f.log(t); !strings.Contains(log, "got SIGTERM, ignoring it") {
		t.Errorf("SIGTERM was not sent before SIGKILL; log:\n%s", log)
	}
}

func TestStopContextShorterThanStopTimeoutStillKills(t *testing.T) {
	f := newFake(t, "ignoreterm")
	f.opts.Server.StopTimeout = schema.Duration(10 * time.Minute)
	h := f.start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	begin := time.Now()
	if err := h.Stop(ctx); err != nil {
		t.Errorf("Stop: %v (SIGKILL after the context ended should still reap the server)", err)
	}
	// The stop_timeout is 10 minutes: anything near it means ctx was ignored.
	if took := time.Since(begin); took > time.Minute {
		t.Errorf("Stop took %s despite a 300ms context", took)
	}
	assertGone(t, f.pids(t)...)
}

func TestStartCancelledStopsServer(t *testing.T) {
	f := newFake(t, "never")
	ctx, cancel := context.WithCancel(context.Background())
	f.opts.Logf = func(format string, args ...any) {
		if strings.HasPrefix(format, "started") {
			go cancelOnceRunning(f.pidFile, cancel)
		}
	}
	_, err := Start(ctx, f.opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Start after cancel = %v, want context.Canceled", err)
	}
	assertGone(t, f.pids(t)...)
}

// cancelOnceRunning cancels when the fake has written its pid, so the test
// knows which process must be gone afterwards.
func cancelOnceRunning(pidFile string, cancel context.CancelFunc) {
	defer cancel()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		if b, err := os.ReadFile(pidFile); err == nil && len(b) > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestPortInUseNamesPortAndProcess(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	s := defaultServer(t, fmt.Sprintf("http://127.0.0.1:%d", port))
	s.Command = []string{"/nonexistent/vllm", "serve"} // never started: the port check must come first
	o := Options{Server: s, RunDir: t.TempDir()}
	_, err = Start(context.Background(), o)
	if err == nil {
		t.Fatal("Start succeeded on a port in use")
	}
	t.Log(err)
	for _, want := range []string{fmt.Sprintf("port %d", port), "already in use", fmt.Sprintf("pid %d", os.Getpid())} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

func TestStartMissingProgram(t *testing.T) {
	s := defaultServer(t, fmt.Sprintf("http://127.0.0.1:%d", freePort(t)))
	s.Command = []string{"/nonexistent/vllm", "serve"}
	o := Options{Server: s, RunDir: t.TempDir()}
	_, err := Start(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), `"/nonexistent/vllm"`) {
		t.Fatalf("Start of a missing program = %v", err)
	}
}

// freePort returns a port nothing listens on (closed again at once).
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// syncBuffer is a bytes.Buffer safe for the capture goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
