package prompt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/servebench/servebench/engine/httpx"
	"github.com/servebench/servebench/schema/dataset"
	"github.com/servebench/servebench/schema/redact"
)

// ErrNoTokenizer is the answer of a server that has no vLLM-style
// POST /tokenize (404, 405 or a body without a count).
var ErrNoTokenizer = errors.New("the server has no /tokenize endpoint that counts tokens")

// ServerTokenizer counts through vLLM's POST /tokenize, which tokenizes a
// completions prompt, or chat messages with the model's chat template
// applied (the same rendering as the chat endpoint), and answers
// {"count": N, "tokens": [...]}. The built-in simulator serves the same.
type ServerTokenizer struct {
	URL    string // the server's base URL, without /v1
	Model  string
	Chat   bool        // count chat messages rather than a completions prompt
	Header http.Header // authorization and the scenario's headers
	client *http.Client
}

var _ Tokenizer = (*ServerTokenizer)(nil)

// NewServerTokenizer returns a tokenizer client for the server at url.
func NewServerTokenizer(url, model string, chat bool, header http.Header) *ServerTokenizer {
	return &ServerTokenizer{URL: strings.TrimRight(url, "/"), Model: model, Chat: chat, Header: header,
		client: httpx.NewClient(httpx.Options{MaxConns: 1})}
}

// Close closes the client's idle connection.
func (t *ServerTokenizer) Close() { t.client.CloseIdleConnections() }

// tokenizeTimeout bounds one tokenizer call.
const tokenizeTimeout = 30 * time.Second

// maxTokenizeBody bounds the answer: the token list of a prompt as long as
// any context in use, a few bytes per token.
const maxTokenizeBody = 16 << 20

// tokenizeMessage is a chat message as /tokenize reads it: dataset's
// Message, whose JSON is the same.
type tokenizeMessage = dataset.Message

type tokenizeRequest struct {
	Model               string            `json:"model,omitempty"`
	Prompt              *string           `json:"prompt,omitempty"`
	Messages            []tokenizeMessage `json:"messages,omitempty"`
	AddGenerationPrompt *bool             `json:"add_generation_prompt,omitempty"`
}

// Count returns the token count of one request with the given content: a
// user message (chat), rendered with the generation prompt as the chat
// endpoint does, or a prompt (completions), with the special tokens the
// completions endpoint adds.
func (t *ServerTokenizer) Count(ctx context.Context, content string) (int, error) {
	if t.Chat {
		return t.CountMessages(ctx, []tokenizeMessage{{Role: "user", Content: content}})
	}
	return t.CountPrompt(ctx, content)
}

// CountPrompt counts a completions prompt, whatever the tokenizer's Chat:
// a text as the completions endpoint tokenizes it.
func (t *ServerTokenizer) CountPrompt(ctx context.Context, prompt string) (int, error) {
	return t.count(ctx, tokenizeRequest{Model: t.Model, Prompt: &prompt})
}

// CountMessages counts a chat request of msgs, rendered with the chat
// template and the generation prompt as the chat endpoint does.
func (t *ServerTokenizer) CountMessages(ctx context.Context, msgs []tokenizeMessage) (int, error) {
	yes := true
	return t.count(ctx, tokenizeRequest{Model: t.Model, Messages: msgs, AddGenerationPrompt: &yes})
}

// count asks /tokenize for the count of one request.
func (t *ServerTokenizer) count(ctx context.Context, req tokenizeRequest) (int, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, tokenizeTimeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL+"/tokenize", bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("tokenize: %s", redact.Error(err))
	}
	for k, v := range t.Header {
		hr.Header[k] = v
	}
	hr.Header.Set("Content-Type", "application/json")
	resp, err := t.client.Do(hr)
	if err != nil {
		return 0, fmt.Errorf("tokenize: %s", redact.Error(err))
	}
	defer resp.Body.Close()
	return readCount(resp)
}

// readCount reads vLLM's answer; a server without the endpoint (or with
// one of another shape, such as llama.cpp's tokens-only answer) is
// ErrNoTokenizer.
func readCount(resp *http.Response) (int, error) {
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenizeBody))
	if err != nil {
		return 0, fmt.Errorf("tokenize: read answer: %s", redact.Error(err))
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusMethodNotAllowed:
		return 0, ErrNoTokenizer
	default:
		return 0, fmt.Errorf("tokenize answered %s: %s", redact.Line(resp.Status), redact.Excerpt(strings.TrimSpace(string(b)), 200))
	}
	var out struct {
		Count *int `json:"count"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.Count == nil || *out.Count < 0 {
		return 0, ErrNoTokenizer
	}
	return *out.Count, nil
}
