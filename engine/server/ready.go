package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// progressEvery is how often a waiting start-up prints a progress line (a
// variable so that a test can see a few without waiting minutes).
var progressEvery = 10 * time.Second

// maxPollTimeout bounds one readiness request, so a server that accepts but
// never answers is retried rather than waited on for the whole timeout.
const maxPollTimeout = 5 * time.Second

// waiter polls one server until it is ready. A server is ready when its
// ready.path answers 200 and /v1/models lists a model. Many
// OpenAI-compatible servers (Ollama among them) have no health endpoint at
// all: a 404 there is not "not ready yet", so the model list alone decides.
type waiter struct {
	s        schema.Server
	base     string // the server URL as given
	shown    string // its health URL with the password hidden, for messages
	noHealth bool   // ready.path answered 404
	logf     func(string, ...any)
}

// waitReady polls until the server is ready. p, when non-nil, is the
// started process: its exit fails the wait at once instead of after the
// timeout. A redirect fails it at once too: it will not go away by waiting.
func waitReady(ctx context.Context, s schema.Server, p *proc, logf func(string, ...any)) error {
	w := &waiter{s: s, base: s.URL, shown: redact.URL(strings.TrimRight(s.URL, "/") + s.Ready.Path), logf: logf}
	start := time.Now()
	deadline := time.NewTimer(s.Ready.Timeout.D())
	defer deadline.Stop()
	tick := time.NewTicker(s.Ready.Interval.D())
	defer tick.Stop()
	var exited <-chan struct{}
	if p != nil {
		exited = p.exited
	}
	logf("waiting for %s (up to %s)", w.shown, s.Ready.Timeout)
	lastLog := start
	for {
		err := w.poll(ctx)
		if err == nil {
			logf("server at %s ready after %s", redact.URL(s.URL), time.Since(start).Round(time.Millisecond))
			return nil
		}
		if redirect(err) {
			return fmt.Errorf("server at %s is not usable: %w", redact.URL(s.URL), err)
		}
		if waited := time.Since(start); time.Since(lastLog) >= progressEvery {
			lastLog = time.Now()
			logf("waiting for %s: %v (%s of %s, giving up in %s)", w.shown, err, waited.Round(time.Second),
				s.Ready.Timeout, (s.Ready.Timeout.D() - waited).Round(time.Second))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for server at %s: %w", redact.URL(s.URL), ctx.Err())
		case <-exited:
			return fmt.Errorf("server exited during start-up, before %s answered: %w", w.shown, p.exitError())
		case <-deadline.C:
			return w.timeout(err)
		case <-tick.C:
		}
	}
}

// timeout words a server that never became ready, with advice that fits
// its kind: only a started server has a log to read or a model to load.
func (w *waiter) timeout(last error) error {
	msg := fmt.Sprintf("server at %s not ready after %s: last error: %v", redact.URL(w.base), w.s.Ready.Timeout, last)
	if w.s.Kind() == schema.ServerURL {
		return fmt.Errorf("%s; servebench only attaches to this server: check that it runs and that server.url is right", msg)
	}
	return fmt.Errorf("%s; see the server log %s in the run directory, or raise server.ready.timeout if the model needs longer to load",
		msg, w.s.Log)
}

// poll is one readiness attempt: health first (unless the server has none),
// then the model list.
func (w *waiter) poll(ctx context.Context) error {
	interval := w.s.Ready.Interval.D()
	ctx, cancel := context.WithTimeout(ctx, min(max(interval, time.Second), maxPollTimeout))
	defer cancel()
	if !w.noHealth {
		_, err := get(ctx, strings.TrimRight(w.base, "/")+w.s.Ready.Path, nil)
		switch {
		case notFound(err):
			w.noHealth = true
			w.logf("%s answered 404 (no health endpoint): readiness is judged by /v1/models alone", w.shown)
		case err != nil:
			return err
		}
	}
	ids, _, err := listModels(ctx, w.base, nil)
	if errors.Is(err, errUnauthorized) {
		// The server is up and guards /v1 with an API key; the pre-flight
		// check and the probe request, which carry the key, say more.
		return nil
	}
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return fmt.Errorf("GET %s/v1/models lists no model yet", redact.URL(strings.TrimRight(w.base, "/")))
	}
	return nil
}
