package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/servebench/servebench/schema/redact"
)

// ErrExited is returned by Serve and ListenAndServe when the ExitAfter fault
// fired; `servebench sim` then exits with status 1, as a crashed server would.
var ErrExited = errors.New("simulated server exit after the configured number of requests")

// shutdownGrace is how long in-flight requests get to finish when ctx ends.
const shutdownGrace = 2 * time.Second

// ListenAndServe serves the simulator on addr until ctx is cancelled (then
// it returns nil) or the ExitAfter fault fires (ErrExited). Each request is
// logged to logw when it is not nil, after a first line naming the address.
func ListenAndServe(ctx context.Context, addr string, cfg Config, logw io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %q: %w", addr, err)
	}
	return Serve(ctx, ln, cfg, logw)
}

// Serve is ListenAndServe on an existing listener, which it closes.
func Serve(ctx context.Context, ln net.Listener, cfg Config, logw io.Writer) error {
	if logw != nil {
		cfg.Log = logw
	}
	s, err := New(cfg)
	if err != nil {
		ln.Close()
		return fmt.Errorf("configure simulator: %w", err)
	}
	defer s.Close()
	if logw != nil {
		fmt.Fprintf(logw, "simulator serving model %q (max_model_len %d) on http://%s\n", redact.String(cfg.Model), cfg.MaxModelLen, ln.Addr())
	}
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		// Requests inherit ctx, so cancelling it ends their streams and
		// Shutdown does not wait for long generations.
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve simulator: %w", err)
	case <-s.Exited():
		// In-flight requests abort themselves; Shutdown lets the last
		// answer finish its bytes, refuses new connections and closes
		// the idle ones.
		shutdown(hs, s, served)
		return ErrExited
	case <-ctx.Done():
		return shutdown(hs, s, served)
	}
}

// shutdown stops accepting, lets in-flight requests end, then closes what
// is left.
func shutdown(hs *http.Server, s *Server, served <-chan error) error {
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	s.Close()
	err := hs.Shutdown(sctx)
	if err != nil {
		hs.Close()
	}
	<-served
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shut down simulator: %w", err)
	}
	return nil
}
