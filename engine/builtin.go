package engine

import (
	"context"
	"fmt"
	"net"

	"github.com/servebench/servebench/engine/sim"
	"github.com/servebench/servebench/schema"
)

// startBuiltin serves the simulator in-process on a free loopback port. It
// is the server of every scenario without a server block, so a new user gets
// a real HTTP benchmark with no GPU and nothing installed.
func (e *executor) startBuiltin(context.Context) (string, func(), error) {
	var b schema.Builtin
	if e.sc.Server.Builtin != nil {
		b = *e.sc.Server.Builtin
	}
	return ServeSim(sim.ConfigFrom(b, e.sc.Model.Name, e.sc.Model.MaxModelLen, e.seed))
}

// ServeSim starts a simulator on 127.0.0.1 with a free port and returns its
// base URL and a stop function that waits for it to end. Benchmarks and
// tests use it too.
func ServeSim(cfg sim.Config) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listen for the built-in simulator: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Serve ends when stop cancels ctx; a broken listener makes requests
		// fail with connection errors, which the report shows.
		_ = sim.Serve(ctx, ln, cfg, nil)
	}()
	stop := func() { cancel(); <-done }
	return "http://" + ln.Addr().String(), stop, nil
}
