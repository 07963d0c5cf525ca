package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"

	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// Options says which server to start or reach and where its output goes.
// Every setting comes complete from the scenario (schema's defaults pass
// fills them): Start rejects zero values rather than guessing.
type Options struct {
	Server schema.Server
	// RunDir receives the server log at filepath.Join(RunDir, Server.Log).
	RunDir string
	// FollowLog, when non-nil, also receives the server's output live
	// (--follow-server-log). It is written from one goroutine only.
	FollowLog io.Writer
	// Builtin starts the in-process simulator (kind builtin). It is injected
	// so this package does not depend on the simulator.
	Builtin func(ctx context.Context) (Builtin, error)
	// Logf receives progress lines such as "waiting for .../health (12s)"; nil drops them.
	Logf func(format string, args ...any)
}

// Builtin is a running in-process simulator, as Options.Builtin returns it.
type Builtin struct {
	URL  string
	Stop func() // ends it and waits for it; called once
	// Exited closes when the simulator stops serving on its own (its
	// exit_after fault); ExitErr then says so. A nil Exited never closes.
	Exited  <-chan struct{}
	ExitErr error
}

// Handle is a server that is ready to take requests.
type Handle interface {
	// URL is the base URL (scheme://host:port, no /v1).
	URL() string
	// Info is the server's identity as far as the lifecycle knows it: kind,
	// URL (password hidden), command and log path (relative to the run
	// directory). Preflight adds what the server says about itself; see
	// MergeInfo.
	Info() schema.ServerInfo
	// Died is closed when the server stopped serving before Stop was
	// called, whatever its kind: a started process exited, the built-in
	// simulator stopped, an attached server went away (found by Check).
	Died() <-chan struct{}
	// ExitErr says how it died once Died is closed; nil before.
	ExitErr() error
	// Check finds out whether the server still accepts connections, after
	// a request could not reach it (connection refused or reset): nil when
	// it does, else the reason, and Died is then closed. A failed request is
	// one sample; a server that is gone ends the run.
	Check(ctx context.Context) error
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
	kind := o.Server.Kind()
	if err := o.check(kind); err != nil {
		return nil, err
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	// The server's own secrets (server.env values named in server.secrets)
	// are hidden wherever servebench writes: its log, its argv in run.json.
	redact.Add(secretEnv(o.Server)...)
	switch kind {
	case schema.ServerBuiltin:
		return startBuiltin(ctx, o)
	case schema.ServerURL:
		return attach(ctx, o)
	default:
		return startProcess(ctx, o, kind)
	}
}

// check rejects incomplete settings: they are a bug in the caller, never
// something to repair here with a second set of defaults.
func (o Options) check(kind string) error {
	s := o.Server
	var errs []error
	need := func(ok bool, name string) {
		if !ok {
			errs = append(errs, fmt.Errorf("%s is not set", name))
		}
	}
	switch kind {
	case schema.ServerBuiltin:
		need(o.Builtin != nil, "the built-in simulator")
	case schema.ServerURL, schema.ServerCommand, schema.ServerDocker:
		need(s.Ready.Path != "", "server.ready.path")
		need(s.Ready.Timeout > 0, "server.ready.timeout")
		need(s.Ready.Interval > 0, "server.ready.interval")
	default:
		errs = append(errs, fmt.Errorf("unknown server kind %q", kind))
	}
	if kind == schema.ServerCommand || kind == schema.ServerDocker {
		need(s.StopTimeout > 0, "server.stop_timeout")
		need(o.RunDir != "", "the run directory")
		need(filepath.IsLocal(s.Log), fmt.Sprintf("server.log as a file name inside the run directory (got %q)", s.Log))
	}
	if len(errs) > 0 {
		return fmt.Errorf("start server: incomplete settings (a scenario must come from schema.Load, whose defaults fill them): %w",
			errors.Join(errs...))
	}
	return nil
}

// secretEnv lists the values of the server.env keys named in server.secrets.
func secretEnv(s schema.Server) []string {
	var out []string
	for _, k := range s.Secrets {
		out = append(out, s.Env[k])
	}
	return out
}

// startBuiltin runs the injected simulator. Its URL is ready when Builtin
// returns (the listener is already accepting), so there is nothing to poll.
func startBuiltin(ctx context.Context, o Options) (Handle, error) {
	b, err := o.Builtin(ctx)
	if err != nil {
		return nil, fmt.Errorf("start built-in simulator: %w", err)
	}
	h := &inproc{info: schema.ServerInfo{Kind: schema.ServerBuiltin, URL: b.URL}, stop: b.Stop, stopped: make(chan struct{})}
	h.life = newLife(b.URL, 0, func() error { return b.ExitErr })
	go func() {
		select {
		case <-b.Exited:
			h.declare(b.ExitErr)
		case <-h.stopped:
		}
	}()
	return h, nil
}

// attach waits for a server someone else runs; it is never stopped.
func attach(ctx context.Context, o Options) (Handle, error) {
	if _, err := parseURL(o.Server.URL); err != nil {
		return nil, err
	}
	if err := waitReady(ctx, o.Server, nil, o.Logf); err != nil {
		return nil, err
	}
	shown := redact.URL(o.Server.URL)
	h := &inproc{info: schema.ServerInfo{Kind: schema.ServerURL, URL: shown}, stop: func() {}, stopped: make(chan struct{})}
	h.life = newLife(o.Server.URL, 0, func() error {
		return fmt.Errorf("the attached server at %s refuses connections: it went away after serving; "+
			"servebench does not restart a server it only attaches to", shown)
	})
	return h, nil
}

// parseURL checks that a server URL has a scheme and a host.
func parseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("server url %q is not usable: write it as http://HOST:PORT (no /v1)", redact.URL(raw))
	}
	return u, nil
}

// inproc is the handle of a server whose life is not a child process:
// the built-in simulator (stop ends it) or an attached URL (stop is a no-op).
type inproc struct {
	*life
	info    schema.ServerInfo
	stop    func()
	stopped chan struct{} // closed by Stop: ends the exit watcher
	once    onceErr
}

var _ Handle = (*inproc)(nil)

func (h *inproc) URL() string             { return h.life.url }
func (h *inproc) Info() schema.ServerInfo { return h.info }

func (h *inproc) Stop(context.Context) error {
	return h.once.do(func() error { close(h.stopped); h.stop(); return nil })
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
