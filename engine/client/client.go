// Package client sends one OpenAI-compatible completion or chat request at a
// time and measures it the way `vllm bench serve` does: time to first token,
// inter-token latencies and end-to-end latency from the streamed chunks, and
// token counts from the server's usage report. It also classifies every way
// a request can fail, so a run reports "context_length: needs 1152 tokens,
// max_model_len is 1024" rather than a bare HTTP 400.
//
// The streaming path is the client's hot loop: it reads server-sent events
// with pooled buffers and scans each chunk's bytes instead of decoding them,
// allocating nothing per chunk.
package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/servebench/servebench/schema"
)

// DefaultTimeout bounds a whole request when Config.Timeout is zero; it is
// the scenario's documented api.timeout default.
const DefaultTimeout = 5 * time.Minute

// Config says where and how requests go. The zero values of the limits
// select their defaults.
type Config struct {
	BaseURL   string // http://127.0.0.1:8000 (no /v1)
	Endpoint  string // schema.EndpointCompletions (default) | schema.EndpointChat
	Model     string
	APIKey    string // sent as "Authorization: Bearer ..."; never logged, never in errors
	Headers   map[string]string
	Timeout   time.Duration // per request, whole request including the stream; default DefaultTimeout
	MaxConns  int           // keep-alive pool size (= stage concurrency); default 100
	IgnoreEOS bool
	Stream    bool // false: non-streaming mode (TTFT = E2EL, ITL empty)
	// MaxResponseBytes bounds one response body; default DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// MaxLineBytes bounds one SSE line; default DefaultMaxLineBytes.
	MaxLineBytes int
	// Secrets are more values to hide in failure messages, beside APIKey
	// and the Headers values (a server may echo any of them in an error body).
	Secrets []string
	// StdTransport sends http:// requests with net/http's Transport instead
	// of the lean one (transport.go), for comparison and debugging; so does
	// the environment variable SERVEBENCH_STD_TRANSPORT=1. https:// always
	// uses net/http.
	StdTransport bool
}

// StdTransportEnv names the environment variable that selects net/http's
// Transport for every client of the process when set to 1.
const StdTransportEnv = "SERVEBENCH_STD_TRANSPORT"

// Request is one prompt. Exactly one of TokenIDs (completions only) and
// Text is set.
type Request struct {
	InputLen, OutputLen int // requested lengths; OutputLen is sent as max_tokens
	TokenIDs            []int
	Text                string
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
	E2EL         time.Duration
	InputTokens  int    // usage.prompt_tokens (0 if absent)
	OutputTokens int    // usage.completion_tokens, else the number of content chunks
	TokenSource  string // TokensFromUsage | TokensFromChunks
	FinishReason string
	Err          *schema.RequestFailure // nil on success
}

// Client sends requests over one keep-alive connection pool. It is safe for
// concurrent use.
type Client struct {
	cfg     Config
	url     string
	auth    string
	secrets *strings.Replacer // nil: nothing to hide
	headers http.Header
	hc      *http.Client
	readers sync.Pool // *SSEReader
	bodies  sync.Pool // *[]byte request bodies
	// writesWhole: the transport has written the whole request body when
	// the response arrives (the lean one; net/http may still be writing).
	writesWhole bool
}

// New checks cfg and builds a client with its own connection pool.
func New(cfg Config) (*Client, error) {
	if err := applyDefaults(&cfg); err != nil {
		return nil, err
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	c := &Client{cfg: cfg, url: base + endpointPath(cfg.Endpoint)}
	if cfg.APIKey != "" {
		c.auth = "Bearer " + cfg.APIKey
	}
	c.headers = make(http.Header, len(cfg.Headers)+3)
	secrets := append([]string{cfg.APIKey}, cfg.Secrets...)
	for k, v := range cfg.Headers {
		c.headers.Set(k, v)
		secrets = append(secrets, v)
	}
	c.secrets = secretReplacer(secrets)
	c.headers.Set("Content-Type", "application/json")
	if c.auth != "" {
		c.headers.Set("Authorization", c.auth)
	}
	c.hc = &http.Client{Transport: newRoundTripper(cfg)}
	_, lean := c.hc.Transport.(*leanTransport)
	c.writesWhole = lean && strings.HasPrefix(c.url, "http://") // https:// goes to net/http
	return c, nil
}

// newRoundTripper is the lean transport, falling back to net/http for
// https://, unless net/http was asked for.
func newRoundTripper(cfg Config) http.RoundTripper {
	std := newTransport(cfg.MaxConns)
	if cfg.StdTransport || os.Getenv(StdTransportEnv) == "1" {
		return std
	}
	return newLeanTransport(cfg.MaxConns, std)
}

func applyDefaults(cfg *Config) error {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("client: base url %q is not an http(s) URL", cfg.BaseURL)
	}
	switch cfg.Endpoint {
	case "":
		cfg.Endpoint = schema.EndpointCompletions
	case schema.EndpointCompletions, schema.EndpointChat:
	default:
		return fmt.Errorf("client: unknown endpoint %q (want %q or %q)",
			cfg.Endpoint, schema.EndpointCompletions, schema.EndpointChat)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 100
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.MaxLineBytes <= 0 {
		cfg.MaxLineBytes = DefaultMaxLineBytes
	}
	return nil
}

func endpointPath(endpoint string) string {
	if endpoint == schema.EndpointChat {
		return "/v1/chat/completions"
	}
	return "/v1/completions"
}

// newTransport keeps one idle connection per concurrent request, so a
// closed loop never pays a TCP handshake inside its measurements, and turns
// off compression: gzip would buffer the stream and blur every timestamp.
// Its 4 KiB buffers (net/http's default) are per connection, that is per
// in-flight stream; bodies and chunks larger than them pass through.
func newTransport(maxConns int) *http.Transport {
	return &http.Transport{
		Proxy:               nil, // benchmarks measure the server, not a proxy from the environment
		DialContext:         (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        maxConns,
		MaxIdleConnsPerHost: maxConns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
		ReadBufferSize:      4 << 10,
		WriteBufferSize:     4 << 10,
	}
}

// Close closes the idle connections of the pool.
func (c *Client) Close() {
	c.hc.CloseIdleConnections()
}

// scrub removes the client's API key, header values and Secrets from a
// failure message.
func (c *Client) scrub(f *schema.RequestFailure) *schema.RequestFailure {
	if f != nil && c.secrets != nil {
		f.Message = c.secrets.Replace(f.Message)
	}
	return f
}

// secretReplacer replaces every non-empty value with [redacted], longest
// first so a secret containing another is hidden whole; nil when none.
func secretReplacer(values []string) *strings.Replacer {
	values = slices.DeleteFunc(slices.Clone(values), func(v string) bool { return v == "" })
	if len(values) == 0 {
		return nil
	}
	slices.SortFunc(values, func(a, b string) int { return len(b) - len(a) })
	pairs := make([]string, 0, 2*len(values))
	for _, v := range values {
		pairs = append(pairs, v, "[redacted]")
	}
	return strings.NewReplacer(pairs...)
}

// failure classifies err, telling the caller's cancellation (canceled, or
// timeout when the caller's own deadline passed) from the client's per-request
// timeout, whatever error the transport chose to report them with.
func (c *Client) failure(parent, reqCtx context.Context, status int, err error) *schema.RequestFailure {
	switch {
	case errors.Is(parent.Err(), context.Canceled):
		err = fmt.Errorf("request canceled by the caller: %w", parent.Err())
	case parent.Err() != nil:
		err = fmt.Errorf("the caller's deadline passed: %w", parent.Err())
	case errors.Is(err, ErrResponseTooLarge):
		err = fmt.Errorf("%w: more than %d bytes", err, c.cfg.MaxResponseBytes)
	case reqCtx.Err() != nil:
		err = fmt.Errorf("request timeout %v exceeded: %w", c.cfg.Timeout, context.DeadlineExceeded)
	}
	return c.scrub(Classify(status, nil, err))
}
