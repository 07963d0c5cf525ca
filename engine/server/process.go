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
)

// drainWait bounds how long an exit waits for the last log lines to arrive.
// Output written before the exit is already in the pipe; the wait only
// matters when a surviving worker keeps the pipe open.
const drainWait = time.Second

// proc is a server running as a child process (a command, or the docker
// client of a container) in its own process group.
type proc struct {
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
	died   chan struct{} // closed when it exited before Stop
	exitMu sync.Mutex
	state  *os.ProcessState // set before exited closes
	// stopping is set by Stop before the first signal, so the exit it
	// causes is not reported as a death.
	stopping bool
	stopOnce onceErr
}

var _ Handle = (*proc)(nil)

func (p *proc) URL() string             { return p.info.URL }
func (p *proc) Info() schema.ServerInfo { return p.info }
func (p *proc) Died() <-chan struct{}   { return p.died }

// ExitErr describes an unexpected exit; nil while the server runs or after Stop.
func (p *proc) ExitErr() error {
	select {
	case <-p.died:
		return p.exitError()
	default:
		return nil
	}
}

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
	if err := waitReady(ctx, o.Server.URL, o.Server.Ready, p, o.Logf); err != nil {
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
	logPath := filepath.Join(o.RunDir, o.Server.Log)
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return nil, fmt.Errorf("create server log directory: %w", err)
	}
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create server log: %w", err)
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
	secret := secretReplacer(o.Server.Env, o.Server.Secrets, o.Secrets...)
	p := &proc{
		info:        schema.ServerInfo{URL: o.Server.URL, Command: redactAll(secret, cmd.Args), Log: o.Server.Log},
		cmd:         cmd,
		pgid:        cmd.Process.Pid, // Setpgid with Pgid 0: the group id is the child's pid
		out:         newCapture(r, logFile, o.FollowLog, secret),
		logFile:     logFile,
		readEnd:     r,
		stopTimeout: o.Server.StopTimeout.D(),
		exited:      make(chan struct{}),
		died:        make(chan struct{}),
	}
	go p.watch()
	return p, nil
}

// watch reaps the child, waits briefly for its last output, and closes died
// when nobody asked it to stop.
func (p *proc) watch() {
	_ = p.cmd.Wait() // the status is in ProcessState
	p.out.wait(drainWait)
	p.exitMu.Lock()
	p.state = p.cmd.ProcessState
	unexpected := !p.stopping
	p.exitMu.Unlock()
	close(p.exited)
	if unexpected {
		close(p.died)
	}
}

// exitError words an exit with the status and the last lines of the log.
func (p *proc) exitError() error {
	p.exitMu.Lock()
	st := p.state
	p.exitMu.Unlock()
	lines := p.out.lines()
	var b strings.Builder
	fmt.Fprintf(&b, "server process %q (pid %d) %s", p.cmd.Args[0], p.pgid, describeExit(st))
	if len(lines) == 0 {
		fmt.Fprintf(&b, "; its log %s is empty", p.info.Log)
	} else {
		fmt.Fprintf(&b, "; last %d lines of its log (%s):\n", len(lines), p.info.Log)
		for _, l := range lines {
			b.WriteString("    " + l + "\n")
		}
	}
	return errors.New(strings.TrimRight(b.String(), "\n"))
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
