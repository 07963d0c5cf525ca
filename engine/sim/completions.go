package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// endpoint tells the two generation APIs apart.
type endpoint int

const (
	completionEndpoint endpoint = iota
	chatEndpoint
)

// maxBodyBytes bounds a request body; prompts of max_model_len words fit.
const maxBodyBytes = 32 << 20

// genRequest is the part of a completions or chat request the simulator
// reads; other fields (temperature, top_p, ...) are accepted and ignored,
// as vLLM does for sampling parameters that change no length.
type genRequest struct {
	Model               string          `json:"model"`
	Prompt              json.RawMessage `json:"prompt"`
	Messages            []chatMessage   `json:"messages"`
	MaxTokens           *int            `json:"max_tokens"`
	MaxCompletionTokens *int            `json:"max_completion_tokens"`
	Stream              bool            `json:"stream"`
	StreamOptions       *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	IgnoreEOS bool `json:"ignore_eos"`
	templateOptions
}

// apiError is a rejection answered before any generation.
type apiError struct {
	status int
	msg    string
}

func badRequest(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// job is one accepted generation request.
type job struct {
	ep        endpoint
	id        string
	created   int64
	model     string
	ids       []int // prompt token ids
	prompt    int
	maxTokens int
	stream    bool
	usage     bool // stream_options.include_usage
	plan      plan
	start     time.Time
}

// handleGenerate serves POST /v1/completions and /v1/chat/completions.
func (s *Server) handleGenerate(w http.ResponseWriter, r *http.Request, ep endpoint) (int, int) {
	start := time.Now()
	index := s.arrivals.Add(1) - 1
	s.stats.requests.Add(1)
	defer s.requestDone()
	j, apiErr := s.newJob(r, ep, index, start)
	if apiErr != nil {
		s.stats.rejected.Add(1)
		return writeError(w, apiErr.status, errorType(apiErr.status), apiErr.msg), 0
	}
	if st := j.plan.errorStatus; st != 0 {
		s.stats.injected.Add(1)
		return writeError(w, st, errorType(st), fmt.Sprintf("simulated fault: %s", http.StatusText(st))), 0
	}
	s.stats.prompt.Add(int64(j.prompt))
	s.stats.inflight.Add(1)
	defer s.stats.inflight.Add(-1)
	src, err := s.newSource(r.Context(), j)
	if err != nil {
		s.stats.aborted.Add(1)
		abortConn(w)
		return 0, 0
	}
	defer src.release()
	if j.stream {
		return s.stream(w, r.Context(), j, src)
	}
	return s.respond(w, r.Context(), j, src)
}

// newJob decodes and validates a request, then draws its plan.
func (s *Server) newJob(r *http.Request, ep endpoint, index uint64, start time.Time) (*job, *apiError) {
	var req genRequest
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxBodyBytes)).Decode(&req); err != nil {
		return nil, badRequest("invalid JSON body: %v", err)
	}
	if req.Model != "" && req.Model != s.cfg.Model {
		return nil, &apiError{status: http.StatusNotFound, msg: modelNotFoundMessage(req.Model)}
	}
	ids, err := requestTokens(&req, ep)
	if err != nil {
		return nil, badRequest("%v", err)
	}
	maxTokens, apiErr := s.maxTokens(&req, ep, len(ids))
	if apiErr != nil {
		return nil, apiErr
	}
	rng := newRNG(s.cfg.Seed, index)
	j := &job{
		ep: ep, created: start.Unix(), model: s.cfg.Model, ids: ids, prompt: len(ids), maxTokens: maxTokens,
		stream: req.Stream, usage: req.StreamOptions != nil && req.StreamOptions.IncludeUsage,
		plan: newPlan(rng, s.cfg.Faults, maxTokens, req.IgnoreEOS), start: start,
	}
	j.id = fmt.Sprintf("%s%016x%016x", idPrefix(ep), rng.Uint64(), rng.Uint64())
	return j, nil
}

func requestTokens(req *genRequest, ep endpoint) ([]int, error) {
	if ep == chatEndpoint {
		return messagesTokens(req.Messages, req.templateOptions)
	}
	return promptTokens(req.Prompt)
}

// maxTokens applies vLLM's defaults and limits: chat prefers
// max_completion_tokens, an absent value means "the rest of the context",
// and prompt + max_tokens must fit in max_model_len.
func (s *Server) maxTokens(req *genRequest, ep endpoint, prompt int) (int, *apiError) {
	limit := s.cfg.MaxModelLen
	asked := req.MaxTokens
	if ep == chatEndpoint && req.MaxCompletionTokens != nil {
		asked = req.MaxCompletionTokens
	}
	if asked == nil {
		if prompt >= limit {
			return 0, badRequest("%s", promptTooLongMessage(limit, prompt))
		}
		return limit - prompt, nil
	}
	if *asked < 1 {
		return 0, badRequest("max_tokens must be at least 1, got %d.", *asked)
	}
	if prompt+*asked > limit {
		return 0, badRequest("%s", contextLengthMessage(limit, prompt, *asked))
	}
	return *asked, nil
}

func idPrefix(ep endpoint) string {
	if ep == chatEndpoint {
		return "chatcmpl-"
	}
	return "cmpl-"
}

// tokenSource yields the number of tokens generated so far: at once in
// zero-latency mode, step by step from the scheduler otherwise.
type tokenSource struct {
	s     *Server
	q     *seq // nil in zero-latency mode
	total int
}

func (s *Server) newSource(ctx context.Context, j *job) (*tokenSource, error) {
	src := &tokenSource{s: s, total: j.plan.tokens}
	if s.sched == nil {
		return src, nil
	}
	src.q = newSeq(j.prompt, j.plan.tokens, j.maxTokens)
	if c := s.sched.cache; c != nil {
		c.prepare(src.q, j.ids, j.maxTokens)
	}
	return src, s.sched.add(ctx, src.q)
}

// next blocks until more than seen tokens exist.
func (t *tokenSource) next(ctx context.Context, seen int) (int, error) {
	if t.q == nil {
		if t.s.hasExited() {
			return seen, errExited
		}
		return t.total, nil
	}
	return t.q.wait(ctx, seen, t.s.quit, t.s.exited)
}

// release tells the scheduler to forget a sequence its client left.
func (t *tokenSource) release() {
	if t.q != nil && int(t.q.generated.Load()) < t.q.target {
		t.q.cancelled.Store(true)
	}
}

// respond serves a non-streaming request: wait for every token, then write
// one JSON body. Mid-stream faults map to their whole-response equivalent.
func (s *Server) respond(w http.ResponseWriter, ctx context.Context, j *job, src *tokenSource) (int, int) {
	for seen := 0; seen < j.plan.tokens; {
		n, err := src.next(ctx, seen)
		if err != nil {
			return s.abandon(w, err)
		}
		seen = n
	}
	p := j.plan
	if p.stallAt > 0 {
		s.stats.stalls.Add(1)
		if err := s.pause(ctx, s.cfg.Faults.Stall); err != nil {
			return s.abandon(w, err)
		}
	}
	switch {
	case p.dropAt > 0:
		s.stats.drops.Add(1)
		abortConn(w)
		return 0, 0
	case p.errorAt > 0:
		s.stats.midError.Add(1)
		return writeError(w, http.StatusInternalServerError, "InternalServerError", "simulated fault: error during generation"), 0
	case p.malformedAt > 0:
		s.stats.malformed.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(malformedJSON))
		return http.StatusOK, 0
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(fullResponse(j))
	s.stats.generated.Add(int64(j.plan.tokens))
	e2e := time.Since(j.start)
	s.finishOK(j, e2e, e2e)
	return http.StatusOK, j.plan.tokens
}

// abandon ends a request whose client left, whose server closed or exited.
func (s *Server) abandon(w http.ResponseWriter, err error) (int, int) {
	s.stats.aborted.Add(1)
	if errors.Is(err, errExited) || errors.Is(err, errStopped) {
		abortConn(w)
	}
	return 0, 0
}

// finishOK records a request that delivered all its tokens.
func (s *Server) finishOK(j *job, ttft time.Duration, e2e time.Duration) {
	s.stats.completed.Add(1)
	s.metrics.requestFinished(j.prompt, j.plan.tokens, j.plan.finish, ttft, e2e)
}

// pause waits d (a stall fault) unless the request ends or the server
// closes or exits first.
func (s *Server) pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-s.quit:
		return errStopped
	case <-s.exited:
		return errExited
	}
}
