// Package compat holds fake servers that behave like real
// OpenAI-compatible servers where they differ from vLLM, byte for byte on
// the wire, so that each quirk met in the field becomes a test: Ollama's
// OpenAI layer (no /health, /metrics, /tokenize or max_model_len, tagged
// model ids, /api/version, string-only prompts, one request at a time), and
// a server that dies the way a killed process does.
//
// The wire bytes were taken from Ollama's source (openai/openai.go and
// middleware/openai.go, as of v0.17): the field order of its structs, the
// trailing newline of json.Encoder, gin's "404 page not found".
package compat

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Ollama answers like `ollama serve` v0.17.4 through its OpenAI layer.
type Ollama struct {
	// Model is the tagged id /v1/models lists, e.g. "tiny:latest". A request
	// may name it with or without ":latest", as Ollama accepts both.
	Model string
	// Version is what /api/version reports, e.g. "0.17.4".
	Version string
	// TokenDelay is the time per generated token.
	TokenDelay time.Duration

	// busy serialises generation: Ollama runs one request at a time per
	// model unless OLLAMA_NUM_PARALLEL says otherwise.
	busy sync.Mutex
	// Requests counts generation requests that were accepted.
	Requests atomic.Int64
	// Paths counts every request by path, 404s included.
	paths sync.Map // string -> *atomic.Int64
}

// Hits is how many requests asked for path so far.
func (o *Ollama) Hits(path string) int64 {
	if n, ok := o.paths.Load(path); ok {
		return n.(*atomic.Int64).Load()
	}
	return 0
}

func (o *Ollama) count(path string) {
	n, _ := o.paths.LoadOrStore(path, new(atomic.Int64))
	n.(*atomic.Int64).Add(1)
}

// created is the model's modification time as /v1/models reports it.
const created = 1764460800

func (o *Ollama) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o.count(r.URL.Path)
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, "Ollama is running")
	case r.Method == http.MethodGet && r.URL.Path == "/v1/models":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"object":"list","data":[{"id":%q,"object":"model","created":%d,"owned_by":"library"}]}`+"\n",
			o.Model, created)
	case r.Method == http.MethodGet && r.URL.Path == "/api/version":
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		fmt.Fprintf(w, `{"version":%q}`, o.Version)
	case r.Method == http.MethodPost && r.URL.Path == "/v1/completions":
		o.complete(w, r)
	default:
		// gin's NoRoute answer: /health, /metrics, /tokenize, /version ...
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, "404 page not found")
	}
}

// completionRequest is the part of Ollama's CompletionRequest that matters:
// the prompt is a string, so a token-id list fails to decode.
type completionRequest struct {
	Model         string `json:"model"`
	Prompt        string `json:"prompt"`
	MaxTokens     *int   `json:"max_tokens"`
	Stream        bool   `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

func (o *Ollama) complete(w http.ResponseWriter, r *http.Request) {
	var req completionRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		// gin's AbortWithStatusJSON: json.Marshal, no trailing newline.
		msg := err.Error()
		if strings.Contains(msg, "cannot unmarshal array") {
			msg = "json: cannot unmarshal array into Go struct field CompletionRequest.prompt of type string"
		}
		writeError(w, http.StatusBadRequest, "invalid_request_error", msg, false)
		return
	}
	if req.Model != o.Model && req.Model+":latest" != o.Model {
		// The generate handler's 404, rewritten by the OpenAI middleware
		// with json.Encoder (trailing newline).
		writeError(w, http.StatusNotFound, "not_found_error", fmt.Sprintf("model %q not found, try pulling it first", req.Model), true)
		return
	}
	o.Requests.Add(1)
	o.busy.Lock()
	defer o.busy.Unlock()
	n := 16
	if req.MaxTokens != nil {
		n = *req.MaxTokens
	}
	o.stream(w, r, req, n)
}

// stream writes Ollama's completion chunks: with include_usage every chunk
// carries an all-zero usage object, the last text chunk has "" and the
// finish reason, then a chunk with no choices holds the real usage.
func (o *Ollama) stream(w http.ResponseWriter, r *http.Request, req completionRequest, n int) {
	w.Header().Set("Content-Type", "text/event-stream")
	fl, _ := w.(http.Flusher)
	usage := req.StreamOptions != nil && req.StreamOptions.IncludeUsage
	id := "cmpl-123"
	chunk := func(text, finish string, u string) {
		fr := "null"
		if finish != "" {
			fr = fmt.Sprintf("%q", finish)
		}
		fmt.Fprintf(w, `data: {"id":%q,"object":"text_completion","created":%d,"choices":[{"text":%q,"index":0,"finish_reason":%s}],"model":%q,"system_fingerprint":"fp_ollama"%s}`+"\n\n",
			id, created, text, fr, req.Model, u)
		if fl != nil {
			fl.Flush()
		}
	}
	zero := ""
	if usage {
		zero = `,"usage":{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0}`
	}
	for i := 0; i < n; i++ {
		select {
		case <-time.After(o.TokenDelay):
		case <-r.Context().Done():
			return
		}
		chunk(" tok", "", zero)
	}
	chunk("", "length", zero)
	if usage {
		p := len(strings.Fields(req.Prompt))
		fmt.Fprintf(w, `data: {"id":%q,"object":"text_completion","created":%d,"choices":[],"model":%q,"system_fingerprint":"fp_ollama","usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}`+"\n\n",
			id, created, req.Model, p, n, p+n)
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	if fl != nil {
		fl.Flush()
	}
}

// writeError writes the OpenAI error object as Ollama's middleware does,
// in its struct's field order (message, type, param, code).
func writeError(w http.ResponseWriter, status int, typ, msg string, newline bool) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	m, _ := json.Marshal(msg)
	fmt.Fprintf(w, `{"error":{"message":%s,"type":%q,"param":null,"code":null}}`, m, typ)
	if newline {
		fmt.Fprint(w, "\n")
	}
}
