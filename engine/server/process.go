package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// drainWait bounds how long an exit waits for the last log lines to arrive.
// Output written before the exit is already in the pipe; the wait only
// matters when a surviving worker keeps the pipe open.
const drainWait = time.Second

// exitSettle is how long Check waits, once a started server refuses
// connections, for its exit to be reaped, so that its death is told with
// its exit status and log rather than as a refusal.
const exitSettle = 5 * time.Second

// proc is a server running as a child process (a command, or the docker
// client of a container) in its own process group.
type proc struct {
	*life
	info        schema.ServerInfo
	cmd         *exec.Cmd
	pgid        int
	out         *capture
	logFile     *os.File
	readEnd     *os.File
	stopTimeout time.Duration
	// afterGrace runs between the grace period and SIGKILL (docker rm -f).
	afterGrace func(ctx context.Context) error

	exited chan struct{} // closed once the child is reaped and its output drained
	exitMu sync.Mutex
	state  *os.ProcessState // set before exited closes
	// stopping is set by Stop before the first signal, so the exit it
	// causes is not reported as a death.
	stopping bool
	stopOnce onceErr
}

var _ Handle = (*proc)(nil)

func (p *proc) URL() string             { return p.life.url }
func (p *proc) Info() schema.ServerInfo { return p.info }

// startProcess opens the log, checks the port, starts the child and waits
// until it is ready. Every failure after the child started stops it again.
func startProcess(ctx context.Context, o Options, kind string) (Handle, error) {
	if _, err := parseURL(o.Server.URL); err != nil {
		return nil, fmt.Errorf("%s server: %w (server.url is where servebench reaches it)", kind, err)
	}
	if err := checkPort(ctx, o.Server.URL); err != nil {
		return nil, err
	}
	cmd, afterGrace, err := buildCmd(o, kind)
	if err != nil {
		return nil, err
	}
	p, err := launch(o, cmd)
	if err != nil {
		return nil, err
	}
	p.info.Kind = kind
	p.afterGrace = afterGrace
	o.Logf("started %s (pid %d), output in %s", p.info.Command[0], p.cmd.Process.Pid, p.info.Log)
	if err := waitReady(ctx, o.Server, p, o.Logf); err != nil {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.stopTimeout+drainWait+10*time.Second)
		defer cancel()
		_ = p.Stop(stopCtx)
		return nil, err
	}
	return p, nil
}

// buildCmd turns the server block into the child command. The environment is
// servebench's own plus server.env; argv is never passed through a shell.
func buildCmd(o Options, kind string) (*exec.Cmd, func(context.Context) error, error) {
	s := o.Server
	env := os.Environ()
	for _, k := range sortedKeys(s.Env) {
		env = append(env, k+"="+s.Env[k])
	}
	var cmd *exec.Cmd
	var afterGrace func(context.Context) error
	switch kind {
	case schema.ServerCommand:
		if len(s.Command) == 0 || s.Command[0] == "" {
			return nil, nil, errors.New("command server: server.command is empty: give the argv, e.g. [vllm, serve, MODEL]")
		}
		cmd = exec.Command(s.Command[0], s.Command[1:]...)
		cmd.Dir = s.Dir
	case schema.ServerDocker:
		name := containerName()
		cmd = exec.Command("docker", DockerArgs(name, *s.Docker, s.Env)...)
		afterGrace = func(ctx context.Context) error { return removeContainer(ctx, name) }
	}
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd, afterGrace, nil
}

// launch opens the log file, starts cmd with both output streams on one pipe
// (so stdout and stderr keep their relative order) and starts the watcher.
func launch(o Options, cmd *exec.Cmd) (*proc, error) {
	logFile, err := createLog(o.RunDir, o.Server.Log)
	if err != nil {
		return nil, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		logFile.Close()
		return nil, fmt.Errorf("create server output pipe: %w", err)
	}
	cmd.Stdout, cmd.Stderr = w, w
	err = cmd.Start()
	w.Close() // the child holds its own copy; ours would keep the pipe open forever
	if err != nil {
		r.Close()
		logFile.Close()
		return nil, fmt.Errorf("start server %q: %w; check server.command and PATH", cmd.Path, err)
	}
	p := &proc{
		info:        schema.ServerInfo{URL: redact.URL(o.Server.URL), Command: redactArgs(cmd.Args), Log: o.Server.Log},
		cmd:         cmd,
		pgid:        cmd.Process.Pid, // Setpgid with Pgid 0: the group id is the child's pid
		out:         newCapture(r, logFile, o.FollowLog),
		logFile:     logFile,
		readEnd:     r,
		stopTimeout: o.Server.StopTimeout.D(),
		exited:      make(chan struct{}),
	}
	p.life = newLife(o.Server.URL, exitSettle, func() error {
		return fmt.Errorf("server process %q (pid %d) still runs but refuses connections at %s: it stopped serving",
			p.info.Command[0], p.pgid, p.info.URL)
	})
	go p.watch()
	return p, nil
}

// createLog creates the server log inside the run directory. It never
// truncates: O_EXCL fails on any existing file, so a log name that reaches
// outside the run directory cannot overwrite someone's file.
func createLog(runDir, name string) (*os.File, error) {
	if !filepath.IsLocal(name) {
		return nil, fmt.Errorf("server log %q must be a file name inside the run directory", name)
	}
	path := filepath.Join(runDir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create server log directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create server log: %w", err)
	}
	return f, nil
}

// redactArgs returns a copy of argv with every registered secret hidden:
// ${VAR} expansion can put a key into it (--api-key ${KEY}), and argv lands
// in run.json.
func redactArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = redact.String(a)
	}
	return out
}

// watch reaps the child, waits briefly for its last output, and announces
// the death when nobody asked it to stop.
func (p *proc) watch() {
	_ = p.cmd.Wait() // the status is in ProcessState
	p.out.wait(drainWait)
	p.exitMu.Lock()
	p.state = p.cmd.ProcessState
	unexpected := !p.stopping
	p.exitMu.Unlock()
	close(p.exited)
	if unexpected {
		p.declare(p.exitError())
	}
}

// ExitError is how a started server ended on its own. Its message is one
// line, fit for run.json and a stage's stop reason; Tail holds the last
// lines of its log, which the caller prints once.
type ExitError struct {
	Desc  string   // `server process "vllm" (pid 12) exited with status 1`
	Log   string   // the log file, relative to the run directory
	Lines []string // the last lines of the log, oldest first
}

func (e *ExitError) Error() string {
	if len(e.Lines) == 0 {
		return fmt.Sprintf("%s; its log %s is empty", e.Desc, e.Log)
	}
	return fmt.Sprintf("%s; see its log %s", e.Desc, e.Log)
}

// Tail is the last lines of the log, one indented line each, under a heading.
func (e *ExitError) Tail() string {
	if len(e.Lines) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "last %d lines of %s:", len(e.Lines), e.Log)
	for _, l := range e.Lines {
		b.WriteString("\n    " + l)
	}
	return b.String()
}

// exitError words an exit with the status and the last lines of the log.
func (p *proc) exitError() *ExitError {
	p.exitMu.Lock()
	st := p.state
	p.exitMu.Unlock()
	return &ExitError{
		Desc:  fmt.Sprintf("server process %q (pid %d) %s", p.info.Command[0], p.pgid, describeExit(st)),
		Log:   p.info.Log,
		Lines: p.out.lines(),
	}
}

// describeExit says "exited with status N" or "was killed by signal S".
func describeExit(st *os.ProcessState) string {
	if st == nil {
		return "exited"
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return fmt.Sprintf("was killed by signal %v", ws.Signal())
	}
	return fmt.Sprintf("exited with status %d", st.ExitCode())
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
