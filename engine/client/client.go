// Package client sends one OpenAI-compatible completion or chat request at a
// time and measures it the way `vllm bench serve` does: time to first token,
// inter-token latencies and end-to-end latency from the streamed chunks, and
// token counts from the server's usage report. It also classifies every way
// a request can fail, so a run reports "context_length: needs 1152 tokens,
// max_model_len is 1024" rather than a bare HTTP 400.
//
// The transport is net/http, configured by engine/httpx: no proxy from the
// environment, no redirects followed, bounded response headers, no
// compression, and a request that may have reached the server is never sent
// twice. The streaming path, the client's hot loop, reads server-sent events
// with pooled buffers and scans each chunk's bytes instead of decoding them,
// allocating nothing per chunk.
package client

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/servebench/servebench/engine/httpx"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/dataset"
	"github.com/servebench/servebench/schema/redact"
)

// Config says where and how requests go. It is complete: New rejects a
// zero or unknown value instead of choosing one, because the scenario
// (schema.DefaultEndpoint, schema.DefaultAPITimeout, the stage's
// concurrency) owns every default.
type Config struct {
	BaseURL  string // required: http(s)://host:port, without /v1
	Endpoint string // required: schema.EndpointCompletions or schema.EndpointChat
	// Model is sent as is; "" lets a server that allows it pick its model.
	Model string
	// APIKey is sent as "Authorization: Bearer ..."; New registers it with
	// schema/redact, so no failure message, log or report can show it.
	APIKey string
	// Headers are added to every request; New registers their values as
	// secrets too. Idempotency-Key and X-Idempotency-Key are refused: they
	// make net/http resend a POST that may already have reached the server.
	Headers map[string]string
	// Timeout bounds a whole request, stream included. Required, > 0.
	Timeout time.Duration
	// MaxConns is the number of keep-alive connections kept for reuse: the
	// stage's concurrency. Required, > 0.
	MaxConns  int
	IgnoreEOS bool
	Stream    bool // false: non-streaming mode (TTFT = E2EL, ITL empty)
	// Secrets are more values to hide (server.secrets), registered with
	// schema/redact by New. Redundant once the scenario loader registers
	// them itself.
	Secrets []string
}

// Request is one prompt. Exactly one of TokenIDs (completions only), Text
// and Messages (chat only) is set.
type Request struct {
	InputLen, OutputLen int // requested lengths; OutputLen is sent as the output limit
	TokenIDs            []int
	Text                string
	// Messages are chat messages sent as they are (a dataset record's, a
	// conversation's history); Text on chat is one user message.
	Messages []dataset.Message
	// KeepReply keeps the generated text in Result.Reply, up to ReplyLimit
	// bytes: a conversation sends it back in its next turn. Other requests
	// leave it off and the stream's text is never copied.
	KeepReply  bool
	ReplyLimit int
}

// Token sources of Result.TokenSource.
const (
	TokensFromUsage  = "usage"  // usage.completion_tokens
	TokensFromChunks = "chunks" // count of content chunks
)

// Result is the measurement of one request. Durations are relative to Start.
type Result struct {
	Start time.Time // when the request was handed to the transport (vLLM's send time)
	// TTFT is the arrival of the first chunk carrying generated text.
	TTFT time.Duration
	// ITL holds the gaps between consecutive content chunks. Do reuses its
	// backing array: copy it to keep it past the next Do.
	ITL []time.Duration
	// E2EL is the arrival of the last content chunk (streaming) or of the
	// end of the body (non-streaming).
	E2EL time.Duration
	// InputTokens is usage.prompt_tokens; 0 means unknown (the server sent
	// no usage, or zeros as Ollama does until the end), never "no prompt".
	InputTokens  int
	OutputTokens int    // usage.completion_tokens, else the number of content chunks
	TokenSource  string // TokensFromUsage | TokensFromChunks
	// FinishReason is the server's finish_reason, also on a failed request
	// when the server sent one (an empty output stopped by the model).
	FinishReason string
	// Reply is the generated text when the request asked to keep it;
	// ReplyCut says it was longer than the request's ReplyLimit, and Reply
	// holds none of it.
	Reply    string
	ReplyCut bool
	Err      *schema.RequestFailure // nil on success
}

// Client sends requests over one keep-alive connection pool. It is safe for
// concurrent use.
type Client struct {
	cfg     Config
	url     string
	headers http.Header
	hc      *http.Client
	// maxBody and maxLine bound a response body and an SSE line: the
	// package constants, lowered by tests.
	maxBody int64
	maxLine int
	readers sync.Pool // *SSEReader
}

// New checks cfg and builds a client with its own connection pool.
func New(cfg Config) (*Client, error) {
	if err := check(cfg); err != nil {
		return nil, err
	}
	redact.Add(cfg.APIKey)
	redact.Add(cfg.Secrets...)
	c := &Client{
		cfg:     cfg,
		url:     strings.TrimRight(cfg.BaseURL, "/") + endpointPath(cfg.Endpoint),
		headers: make(http.Header, len(cfg.Headers)+2),
		hc:      httpx.NewClient(httpx.Options{MaxConns: cfg.MaxConns}),
		maxBody: MaxResponseBytes,
		maxLine: MaxLineBytes,
	}
	for k, v := range cfg.Headers {
		redact.Add(v)
		c.headers.Set(k, v)
	}
	c.headers.Set("Content-Type", "application/json")
	if cfg.APIKey != "" {
		c.headers.Set("Authorization", "Bearer "+cfg.APIKey)
	}
	return c, nil
}

// check reports every problem of cfg at once.
func check(cfg Config) error {
	var errs []error
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("base url %q is not an http(s) URL", redact.URL(cfg.BaseURL)))
	}
	if cfg.Endpoint != schema.EndpointCompletions && cfg.Endpoint != schema.EndpointChat {
		errs = append(errs, fmt.Errorf("endpoint %q: want %q or %q",
			cfg.Endpoint, schema.EndpointCompletions, schema.EndpointChat))
	}
	if cfg.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("timeout %v: want a duration > 0", cfg.Timeout))
	}
	if cfg.MaxConns <= 0 {
		errs = append(errs, fmt.Errorf("max conns %d: want > 0 (the stage's concurrency)", cfg.MaxConns))
	}
	for k := range cfg.Headers {
		if ck := http.CanonicalHeaderKey(k); ck == "Idempotency-Key" || ck == "X-Idempotency-Key" {
			errs = append(errs, fmt.Errorf("header %q: net/http resends a request carrying it after a broken connection, "+
				"and servebench never sends a request twice", k))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("client: %w", err)
	}
	return nil
}

func endpointPath(endpoint string) string {
	if endpoint == schema.EndpointChat {
		return "/v1/chat/completions"
	}
	return "/v1/completions"
}

// Close closes the idle connections of the pool.
func (c *Client) Close() {
	c.hc.CloseIdleConnections()
}
