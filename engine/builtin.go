package engine

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/servebench/servebench/engine/server"
	"github.com/servebench/servebench/engine/sim"
	"github.com/servebench/servebench/schema"
)

// errSimExited is the "exit status" of the in-process simulator when its
// exit_after fault fires: to the run it is a server that died.
var errSimExited = errors.New("the built-in simulator stopped serving (its exit_after fault fired)")

// builtin returns the starter of the scenario's in-process simulator, the
// server of every scenario without a server block, so a new user gets a
// real HTTP benchmark with no GPU and nothing installed.
func builtin(sc *schema.Scenario) func(context.Context) (server.Builtin, error) {
	return func(context.Context) (server.Builtin, error) {
		url, stop, exited, err := serveSim(sim.ConfigFrom(*sc.Server.Builtin, sc.Model.Name, sc.Seed))
		return server.Builtin{URL: url, Stop: stop, Exited: exited, ExitErr: errSimExited}, err
	}
}

// ServeSim starts a simulator on 127.0.0.1 with a free port and returns its
// base URL and a stop function that waits for it to end. Benchmarks and
// tests use it too.
func ServeSim(cfg sim.Config) (string, func(), error) {
	url, stop, _, err := serveSim(cfg)
	return url, stop, err
}

// serveSim is ServeSim plus a channel closed when the simulator stops
// serving on its own (the exit_after fault), so the engine can treat it as
// a dead server, exactly like a server process that exited.
func serveSim(cfg sim.Config) (string, func(), <-chan struct{}, error) {
	if err := cfg.Validate(); err != nil {
		return "", nil, nil, fmt.Errorf("configure the built-in simulator: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, nil, fmt.Errorf("listen for the built-in simulator: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		// Serve ends when stop cancels ctx, or by itself when exit_after
		// fires; a broken listener makes requests fail with connection
		// errors, which the report shows.
		if errors.Is(sim.Serve(ctx, ln, cfg, nil), sim.ErrExited) {
			close(exited)
		}
	}()
	stop := func() { cancel(); <-done }
	return "http://" + ln.Addr().String(), stop, exited, nil
}
