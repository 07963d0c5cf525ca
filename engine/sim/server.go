// Package sim is servebench's built-in vLLM-like server: an OpenAI-compatible
// HTTP handler whose latency comes from a small continuous-batching model
// instead of a GPU. It lets a user without a GPU, and CI, run every scenario
// end to end, and it injects the failures (error statuses, dropped
// connections, malformed chunks, stalls, a dying server) that the engine must
// report. Response bodies, SSE chunks, error wording and metric names follow
// vLLM's OpenAI server so the client code is exercised as it will be against
// the real thing.
//
// There is no real tokenizer: a text prompt has one token per
// whitespace-separated word, a token-id prompt one per id, and chat messages
// are wrapped in a small ChatML template (3 tokens per message, 2 for the
// generation prompt) that POST /tokenize applies too, so a client can build
// prompts of exact lengths and verify every count (tokens.go,
// chattemplate.go). Each generated token is one word with a leading space.
// A batch of several prompts in one request is rejected with 400.
//
// With prefix caching (the default, as in vLLM V1) the scheduler keeps full
// KV blocks by a hash chain of their tokens, charges prefill only for the
// tokens after a prompt's cached prefix, and reports vLLM's
// vllm:prefix_cache_queries_total and vllm:prefix_cache_hits_total
// (prefixcache.go).
package sim

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/servebench/servebench/schema/redact"
)

// Server is the simulated inference server. It is an http.Handler; Close
// stops its scheduler goroutine.
type Server struct {
	cfg     Config
	mux     *http.ServeMux
	sched   *scheduler // nil in zero-latency mode
	metrics *metrics
	stats   counters
	created int64 // unix seconds, reported as created by /v1/models

	arrivals atomic.Uint64 // generation requests seen, the per-request RNG index
	finished atomic.Int64  // generation requests done, for Faults.ExitAfter
	exited   chan struct{}
	exitOnce sync.Once
	quit     chan struct{} // closed by Close
	quitOnce sync.Once
	logMu    sync.Mutex
}

var _ http.Handler = (*Server)(nil)

// New returns a running server for cfg, which must be complete (see
// Config.Validate). Call Close when done to stop the scheduler.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:     cfg,
		mux:     http.NewServeMux(),
		metrics: newMetrics(cfg.Model),
		created: time.Now().Unix(),
		exited:  make(chan struct{}),
		quit:    make(chan struct{}),
	}
	if !cfg.ZeroLatency {
		s.sched = newScheduler(cfg, s.quit)
		go s.sched.run()
	}
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	s.route("GET /health", s.handleHealth)
	s.route("GET /v1/models", s.handleModels)
	s.route("GET /version", s.handleVersion)
	s.route("GET /metrics", s.handleMetrics)
	s.route("POST /tokenize", s.handleTokenize)
	s.route("POST /v1/completions", func(w http.ResponseWriter, r *http.Request) (int, int) {
		return s.handleGenerate(w, r, completionEndpoint)
	})
	s.route("POST /v1/chat/completions", func(w http.ResponseWriter, r *http.Request) (int, int) {
		return s.handleGenerate(w, r, chatEndpoint)
	})
}

// route registers h, which returns the status and the generated token count
// for the request log. After the ExitAfter fault fired nothing is answered.
func (s *Server) route(pattern string, h func(http.ResponseWriter, *http.Request) (status, tokens int)) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if s.hasExited() {
			abortConn(w)
			return
		}
		start := time.Now()
		status, tokens := h(w, r)
		s.logRequest(r, status, tokens, time.Since(start))
	})
}

// ServeHTTP routes a request to the vLLM endpoint it names.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close stops the scheduler; requests still waiting for tokens are aborted.
// It is safe to call more than once.
func (s *Server) Close() {
	s.quitOnce.Do(func() { close(s.quit) })
}

// Exited is closed when the ExitAfter fault fires; from then on every
// request's connection is closed without an answer.
func (s *Server) Exited() <-chan struct{} { return s.exited }

func (s *Server) hasExited() bool {
	select {
	case <-s.exited:
		return true
	default:
		return false
	}
}

// requestDone counts a finished generation request and fires the ExitAfter
// fault once the count is reached.
func (s *Server) requestDone() {
	n := s.finished.Add(1)
	if s.cfg.Faults.ExitAfter > 0 && n >= int64(s.cfg.Faults.ExitAfter) {
		s.exitOnce.Do(func() { close(s.exited) })
	}
}

// logRequest writes "METHOD PATH STATUS TOKENS DURATION" when a log is set,
// method and path (the client's bytes) through the redaction funnel.
func (s *Server) logRequest(r *http.Request, status, tokens int, d time.Duration) {
	if s.cfg.Log == nil || status == 0 {
		return
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.cfg.Log, "%s %s %d %d %s\n", redact.Safe(r.Method), redact.Safe(r.URL.Path), status, tokens, d.Round(time.Microsecond))
}

// abortConn closes the client connection without completing the response,
// which is what a crashed server or a broken network looks like to a client.
func abortConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2 or a wrapper that cannot hijack: the server aborts the
		// stream for this sentinel without logging a stack.
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}
