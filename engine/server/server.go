package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/servebench/servebench/schema"
)

// Defaults applied when the scenario leaves a field at its zero value.
const (
	// DefaultReadyPath is polled until it answers 200 (vLLM's health endpoint).
	DefaultReadyPath = "/health"
	// DefaultReadyTimeout bounds start-up; large models take minutes to load.
	DefaultReadyTimeout = 10 * time.Minute
	// DefaultReadyInterval is the pause between readiness polls.
	DefaultReadyInterval = time.Second
	// DefaultStopTimeout is the grace between SIGTERM and SIGKILL.
	DefaultStopTimeout = 30 * time.Second
	// DefaultLog is the server log file name inside the run directory.
	DefaultLog = "server.log"
)

// Options says which server to start or reach and where its output goes.
type Options struct {
	Server schema.Server
	Model  schema.Model
	// RunDir receives the server log at filepath.Join(RunDir, Server.Log).
	RunDir string
	// FollowLog, when non-nil, also receives the server's output live
	// (--follow-server-log). It is written from one goroutine only.
	FollowLog io.Writer
	// Builtin starts the in-process simulator (kind builtin). It is injected
	// so this package does not depend on the simulator.
	Builtin func(ctx context.Context) (url string, stop func(), err error)
	// Logf receives progress lines such as "waiting for .../health (12s)"; nil drops them.
	Logf func(format string, args ...any)
	// Secrets are more values to hide in the server's log and argv, beside
	// the server.secrets: the API key and header values, which a server
	// that logs its requests would print.
	Secrets []string
}

// Handle is a server that is ready to take requests.
type Handle interface {
	// URL is the base URL (scheme://host:port, no /v1).
	URL() string
	// Info is the server's identity as far as the lifecycle knows it: kind,
	// URL, command and log path (relative to the run directory). Preflight
	// adds what the server says about itself; see MergeInfo.
	Info() schema.ServerInfo
	// Died is closed when a started process exits before Stop was called.
	// It never closes for url and builtin servers.
	Died() <-chan struct{}
	// ExitErr describes the unexpected exit (status and log tail) once Died is closed; nil before.
	ExitErr() error
	// Stop ends the server and everything it started: SIGTERM to the process
	// group, StopTimeout of grace, SIGKILL; for docker also `docker rm -f`.
	// It is idempotent and safe to call from a defer with a fresh context.
	Stop(ctx context.Context) error
}

// Start starts or reaches the server that o.Server declares and returns once
// it is ready: /health (or ready.path) answers 200 and /v1/models lists a
// model. A process that exits during start-up fails Start at once, with its
// exit status and the tail of its log. On any error nothing is left running.
func Start(ctx context.Context, o Options) (Handle, error) {
	o = withDefaults(o)
	switch kind := o.Server.Kind(); kind {
	case schema.ServerBuiltin:
		return startBuiltin(ctx, o)
	case schema.ServerURL:
		return attach(ctx, o)
	case schema.ServerCommand, schema.ServerDocker:
		return startProcess(ctx, o, kind)
	default:
		return nil, fmt.Errorf("start server: unknown server kind %q", kind)
	}
}

// withDefaults fills the zero values of the server block in one pass.
func withDefaults(o Options) Options {
	s := &o.Server
	if s.Ready.Path == "" {
		s.Ready.Path = DefaultReadyPath
	}
	if s.Ready.Timeout == 0 {
		s.Ready.Timeout = schema.Duration(DefaultReadyTimeout)
	}
	if s.Ready.Interval == 0 {
		s.Ready.Interval = schema.Duration(DefaultReadyInterval)
	}
	if s.StopTimeout == 0 {
		s.StopTimeout = schema.Duration(DefaultStopTimeout)
	}
	if s.Log == "" {
		s.Log = DefaultLog
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	return o
}

// startBuiltin runs the injected simulator. Its URL is ready when Builtin
// returns (the listener is already accepting), so there is nothing to poll.
func startBuiltin(ctx context.Context, o Options) (Handle, error) {
	if o.Builtin == nil {
		return nil, errors.New("start built-in simulator: no simulator was provided (this is a bug in servebench)")
	}
	u, stop, err := o.Builtin(ctx)
	if err != nil {
		return nil, fmt.Errorf("start built-in simulator: %w", err)
	}
	if stop == nil {
		stop = func() {}
	}
	info := schema.ServerInfo{Kind: schema.ServerBuiltin, URL: u}
	return &inproc{info: info, stop: stop}, nil
}

// attach waits for a server someone else runs; it is never stopped.
func attach(ctx context.Context, o Options) (Handle, error) {
	if _, err := parseURL(o.Server.URL); err != nil {
		return nil, err
	}
	if err := waitReady(ctx, o.Server.URL, o.Server.Ready, nil, o.Logf); err != nil {
		return nil, err
	}
	info := schema.ServerInfo{Kind: schema.ServerURL, URL: o.Server.URL}
	return &inproc{info: info, stop: func() {}}, nil
}

// parseURL checks that a server URL has a scheme and a host.
func parseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("server url %q is not usable: write it as http://HOST:PORT (no /v1)", raw)
	}
	return u, nil
}

// inproc is the handle of a server whose life is not a child process:
// the built-in simulator (stop ends it) or an attached URL (stop is a no-op).
type inproc struct {
	info schema.ServerInfo
	stop func()
	once onceErr
}

var _ Handle = (*inproc)(nil)

func (h *inproc) URL() string             { return h.info.URL }
func (h *inproc) Info() schema.ServerInfo { return h.info }
func (h *inproc) Died() <-chan struct{}   { return nil } // a nil channel never closes
func (h *inproc) ExitErr() error          { return nil }

func (h *inproc) Stop(context.Context) error {
	return h.once.do(func() error { h.stop(); return nil })
}

// MergeInfo combines what the lifecycle knows (h.Info()) with what Preflight
// learned from the server, for run.json.
func MergeInfo(lifecycle, pre schema.ServerInfo) schema.ServerInfo {
	out := lifecycle
	out.Model = pre.Model
	out.ModelRoot = pre.ModelRoot
	out.MaxModelLen = pre.MaxModelLen
	out.Models = pre.Models
	out.Version = pre.Version
	if out.URL == "" {
		out.URL = pre.URL
	}
	return out
}
