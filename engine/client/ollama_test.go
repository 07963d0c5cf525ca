package client

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/servebench/servebench/schema"
)

// The tests of this file replay Ollama's OpenAI layer byte for byte
// (testdata/ollama/README.md says where each byte comes from). Each one
// failed on the client before net/http became its transport, unless its
// comment says otherwise.

func ollamaFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "ollama", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ollamaSSE serves body one event per write, as Ollama flushes them.
func ollamaSSE(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		for _, ev := range strings.SplitAfter(body, "\n\n") {
			if ev != "" {
				writeFlush(w, ev)
			}
		}
	}
}

func chatClient(t *testing.T, url string) *Client {
	return newClient(t, url, func(c *Config) { c.Endpoint = schema.EndpointChat })
}

// TestOllamaStreams: Ollama's complete streams are successes with its real
// usage, although every completions chunk carries a usage of zeros. (This
// passed before too; it guards the other side of the zero-usage fix.)
func TestOllamaStreams(t *testing.T) {
	for _, tt := range []struct{ file, endpoint string }{
		{"completions_stream.sse", schema.EndpointCompletions},
		{"chat_stream.sse", schema.EndpointChat},
	} {
		t.Run(tt.file, func(t *testing.T) {
			srv := serve(t, ollamaSSE(ollamaFixture(t, tt.file)))
			c := newClient(t, srv.URL, func(c *Config) { c.Endpoint = tt.endpoint })
			res := do(t, c, &Request{InputLen: 26, OutputLen: 5, Text: "Why is the sky blue?"})
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if res.InputTokens != 26 || res.OutputTokens != 5 || res.TokenSource != TokensFromUsage ||
				res.FinishReason != "stop" || len(res.ITL) != 4 {
				t.Fatalf("got in=%d out=%d source=%s finish=%q itls=%d, want 26 5 usage stop 4",
					res.InputTokens, res.OutputTokens, res.TokenSource, res.FinishReason, len(res.ITL))
			}
		})
	}
}

// TestOllamaCutStreamFails (issue "Real servers as they are" 1): with the
// model runner killed mid-generation, Ollama ends the completions body
// after an empty chunk, with zero usage on every chunk, no finish_reason and
// no [DONE]. The zero usage made that a success ("8 ok, 0 failed" with 9 of
// 32 tokens); it is a stream that ended early.
func TestOllamaCutStreamFails(t *testing.T) {
	srv := serve(t, ollamaSSE(ollamaFixture(t, "completions_cut.sse")))
	res := do(t, newClient(t, srv.URL, nil), &Request{OutputLen: 32, Text: "Why is the sky blue?"})
	wantFailure(t, res, schema.FailStreamEarly, "after 3 content chunks")
	if res.InputTokens != 0 {
		t.Fatalf("input tokens %d: the server never reported a prompt count, 0 (unknown) it stays", res.InputTokens)
	}
}

// TestOllamaChatHonoursTheOutputLimit (issue 5): Ollama's chat reads only
// max_tokens and generates without limit when it is absent (494 tokens for
// 32 requested). The fake server decodes the request as Ollama's
// ChatCompletionRequest does and streams Ollama's chunks.
func TestOllamaChatHonoursTheOutputLimit(t *testing.T) {
	const unbounded = 100 // what the model writes when nothing stops it
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			MaxTokens *int `json:"max_tokens"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Error(err)
		}
		n := unbounded
		if req.MaxTokens != nil {
			n = min(*req.MaxTokens, unbounded)
		}
		var b strings.Builder
		for i := range n {
			b.WriteString(ollamaChatChunk(fmt.Sprintf(" w%d", i), ""))
		}
		b.WriteString(ollamaChatChunk("", "length"))
		ollamaSSE(b.String())(w, r)
	})
	res := do(t, chatClient(t, srv.URL), &Request{OutputLen: 32, Text: "Tell me a long story."})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if res.OutputTokens != 32 || res.FinishReason != "length" {
		t.Fatalf("%d tokens, finish %q: want the 32 requested, stopped by length", res.OutputTokens, res.FinishReason)
	}
}

// ollamaChatChunk is one chat chunk as Ollama writes it (chat_stream.sse).
func ollamaChatChunk(content, finish string) string {
	fr := "null"
	if finish != "" {
		fr = `"` + finish + `"`
	}
	c, _ := json.Marshal(content)
	return `data: {"id":"chatcmpl-771","object":"chat.completion.chunk","created":1740000000,"model":"llama3.2:1b",` +
		`"system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":` + string(c) +
		`},"finish_reason":` + fr + `}]}` + "\n\n"
}

// TestOllamaEmptyOutputIsItsOwnKind (issue 7): a model that stops at once
// (finish_reason stop, one completion token, no text) gave no output; that
// is not a cut stream.
func TestOllamaEmptyOutputIsItsOwnKind(t *testing.T) {
	srv := serve(t, ollamaSSE(ollamaFixture(t, "chat_empty_stop.sse")))
	res := do(t, chatClient(t, srv.URL), &Request{OutputLen: 32, Text: "Say nothing."})
	wantFailure(t, res, schema.FailEmptyOutput, `finish_reason "stop" with 1 completion tokens`)
	if res.FinishReason != "stop" {
		t.Fatalf("finish reason %q on the failure, want stop", res.FinishReason)
	}
}

// TestFinishReasonOnEveryPath (issue 10): streaming and non-streaming,
// completions and chat, the finish_reason reaches the result. This passed
// before too; it pins every path.
func TestFinishReasonOnEveryPath(t *testing.T) {
	for _, tt := range []struct {
		file, endpoint string
		stream         bool
	}{
		{"completions_stream.sse", schema.EndpointCompletions, true},
		{"chat_stream.sse", schema.EndpointChat, true},
		{"completion.json", schema.EndpointCompletions, false},
		{"chat.json", schema.EndpointChat, false},
	} {
		t.Run(tt.file, func(t *testing.T) {
			body := ollamaFixture(t, tt.file)
			h := ollamaSSE(body)
			if !tt.stream {
				h = func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					_, _ = w.Write([]byte(body))
				}
			}
			c := newClient(t, serve(t, h).URL, func(c *Config) { c.Endpoint, c.Stream = tt.endpoint, tt.stream })
			res := do(t, c, &Request{OutputLen: 5, Text: "Why is the sky blue?"})
			if res.Err != nil || res.FinishReason != "stop" || res.OutputTokens != 5 {
				t.Fatalf("err %v, finish %q, %d tokens: want stop and 5", res.Err, res.FinishReason, res.OutputTokens)
			}
		})
	}
}
