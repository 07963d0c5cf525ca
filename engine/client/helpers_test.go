package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/servebench/servebench/schema"
)

// Chunks as vLLM's OpenAI server writes them.
func textChunk(text, finish string) string {
	fr := "null"
	if finish != "" {
		fr = `"` + finish + `"`
	}
	return fmt.Sprintf(`{"id":"cmpl-1","object":"text_completion","created":1,"model":"m",`+
		`"choices":[{"index":0,"text":%q,"logprobs":null,"finish_reason":%s,"stop_reason":null}],"usage":null}`, text, fr)
}

func usageChunk(prompt, completion int) string {
	return fmt.Sprintf(`{"id":"cmpl-1","object":"text_completion","created":1,"model":"m","choices":[],`+
		`"usage":{"prompt_tokens":%d,"total_tokens":%d,"completion_tokens":%d}}`, prompt, prompt+completion, completion)
}

func chatChunk(role, content, finish string) string {
	fr := "null"
	if finish != "" {
		fr = `"` + finish + `"`
	}
	delta := fmt.Sprintf(`{"content":%q}`, content)
	if role != "" {
		delta = fmt.Sprintf(`{"role":%q,"content":%q}`, role, content)
	}
	return fmt.Sprintf(`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m",`+
		`"choices":[{"index":0,"delta":%s,"logprobs":null,"finish_reason":%s}]}`, delta, fr)
}

// sseBody builds a whole SSE body: n text chunks, the last with finish
// reason "length", then optional usage and [DONE].
func sseBody(n int, usage bool, done bool) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fin := ""
		if i == n-1 {
			fin = "length"
		}
		b.WriteString("data: " + textChunk(fmt.Sprintf(" w%d", i), fin) + "\n\n")
	}
	if usage {
		b.WriteString("data: " + usageChunk(7, n) + "\n\n")
	}
	if done {
		b.WriteString("data: [DONE]\n\n")
	}
	return b.String()
}

// serve starts a real HTTP server on 127.0.0.1 closed at the end of the test.
func serve(t testing.TB, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// sseHeaders starts a streamed 200 response.
func sseHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
}

func writeFlush(w http.ResponseWriter, s string) {
	_, _ = w.Write([]byte(s))
	w.(http.Flusher).Flush()
}

// staticSSE answers every request with body.
func staticSSE(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		writeFlush(w, body)
	}
}

func newClient(t testing.TB, url string, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{BaseURL: url, Endpoint: schema.EndpointCompletions, Model: "m", Stream: true, IgnoreEOS: true,
		MaxConns: 4, Timeout: 10 * time.Second}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func do(t testing.TB, c *Client, req *Request) *Result {
	t.Helper()
	if req == nil {
		req = &Request{InputLen: 3, OutputLen: 20, TokenIDs: []int{1001, 1002, 1003}}
	}
	var res Result
	c.Do(context.Background(), req, &res)
	return &res
}

func wantFailure(t *testing.T, res *Result, kind, contains string) {
	t.Helper()
	if res.Err == nil {
		t.Fatalf("want failure %s, got success %+v", kind, res)
	}
	if res.Err.Kind != kind {
		t.Fatalf("want failure kind %s, got %s: %s", kind, res.Err.Kind, res.Err.Message)
	}
	if !strings.Contains(res.Err.Message, contains) {
		t.Fatalf("failure message %q does not contain %q", res.Err.Message, contains)
	}
	if len(res.Err.Message) > maxMessageBytes {
		t.Fatalf("failure message has %d bytes, more than %d", len(res.Err.Message), maxMessageBytes)
	}
}

// stall blocks until the client goes away. The body is drained first: the
// server only notices a closed connection (and cancels r.Context) once the
// handler has consumed the request body.
func stall(r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}
