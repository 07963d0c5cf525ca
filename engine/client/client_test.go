package client

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/servebench/servebench/schema"
)

// TestTimingMatchesTheServersPacing runs a server that sends its first token
// after 50 ms and then one every 10 ms, 20 tokens in all. Bounds are lower
// bounds the server's sleeps guarantee plus generous upper bounds, so a
// loaded machine cannot make the test flaky.
func TestTimingMatchesTheServersPacing(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		time.Sleep(50 * time.Millisecond)
		for i := 0; i < 20; i++ {
			if i > 0 {
				time.Sleep(10 * time.Millisecond)
			}
			fin := ""
			if i == 19 {
				fin = "length"
			}
			writeFlush(w, "data: "+textChunk(" tok", fin)+"\n\n")
		}
		time.Sleep(30 * time.Millisecond) // not part of E2EL: vLLM stops at the last token
		writeFlush(w, "data: "+usageChunk(3, 20)+"\n\ndata: [DONE]\n\n")
	})
	res := do(t, newClient(t, srv.URL, nil), nil)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	if res.TTFT < 50*time.Millisecond || res.TTFT > 250*time.Millisecond {
		t.Errorf("TTFT %.1f ms, want about 50", ms(res.TTFT))
	}
	if len(res.ITL) != 19 {
		t.Fatalf("%d ITLs, want 19", len(res.ITL))
	}
	itl := slices.Clone(res.ITL)
	slices.Sort(itl)
	if med := itl[len(itl)/2]; med < 5*time.Millisecond || med > 50*time.Millisecond {
		t.Errorf("median ITL %.1f ms, want about 10", ms(med))
	}
	if res.E2EL < 240*time.Millisecond || res.E2EL > 800*time.Millisecond {
		t.Errorf("E2EL %.1f ms, want about 240", ms(res.E2EL))
	}
	var sum time.Duration
	for _, d := range res.ITL {
		sum += d
	}
	if got := res.TTFT + sum; got != res.E2EL {
		t.Errorf("TTFT + sum(ITL) = %v, E2EL = %v: they must add up exactly", got, res.E2EL)
	}
}

func TestTokenCounts(t *testing.T) {
	ollama := strings.Builder{} // zero usage on every chunk until the last
	for i := 0; i < 5; i++ {
		ollama.WriteString(`data: {"choices":[{"index":0,"text":"x","finish_reason":null}],"usage":{"prompt_tokens":0,"completion_tokens":0}}` + "\n\n")
	}
	ollama.WriteString(`data: {"choices":[{"index":0,"text":"","finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":6}}` + "\n\ndata: [DONE]\n\n")
	tests := []struct {
		name    string
		body    string
		in, out int
		source  string
		finish  string
		itls    int
	}{
		{"usage", sseBody(20, true, true), 7, 20, TokensFromUsage, "length", 19},
		{"chunks without usage", sseBody(13, false, true), 0, 13, TokensFromChunks, "length", 12},
		{"finish without done", sseBody(4, false, false), 0, 4, TokensFromChunks, "length", 3},
		{"zero usage is absent", "data: " + textChunk("a", "") + "\n\ndata: " + textChunk("b", "stop") +
			"\n\ndata: " + usageChunk(0, 0) + "\n\ndata: [DONE]\n\n", 0, 2, TokensFromChunks, "stop", 1},
		{"ollama zeros until last", ollama.String(), 9, 6, TokensFromUsage, "stop", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := do(t, newClient(t, serve(t, staticSSE(tt.body)).URL, nil), nil)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			if res.InputTokens != tt.in || res.OutputTokens != tt.out || res.TokenSource != tt.source ||
				res.FinishReason != tt.finish || len(res.ITL) != tt.itls {
				t.Fatalf("got in=%d out=%d source=%s finish=%q itls=%d, want %d %d %s %q %d",
					res.InputTokens, res.OutputTokens, res.TokenSource, res.FinishReason, len(res.ITL),
					tt.in, tt.out, tt.source, tt.finish, tt.itls)
			}
		})
	}
}

// TestChatRoleChunkIsNotAToken: vLLM's chat stream opens with a role-only
// delta whose content is "". It carries no generated text, so it must not
// start the TTFT clock nor count as a token.
func TestChatRoleChunkIsNotAToken(t *testing.T) {
	body := "data: " + chatChunk("assistant", "", "") + "\n\n" +
		"data: " + chatChunk("", "Hello", "") + "\n\n" +
		"data: " + chatChunk("", " world", "") + "\n\n" +
		"data: " + chatChunk("", "", "stop") + "\n\ndata: [DONE]\n\n"
	srv := serve(t, staticSSE(body))
	c := newClient(t, srv.URL, func(c *Config) { c.Endpoint = schema.EndpointChat })
	res := do(t, c, &Request{OutputLen: 2, Text: "hi there"})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if res.OutputTokens != 2 || len(res.ITL) != 1 || res.FinishReason != "stop" {
		t.Fatalf("got out=%d itls=%d finish=%q, want 2 tokens, 1 ITL, stop", res.OutputTokens, len(res.ITL), res.FinishReason)
	}
}

func TestStreamFailures(t *testing.T) {
	tests := []struct {
		name, body, kind, msg string
	}{
		{"truncated json", "data: " + textChunk("a", "") + "\n\ndata: {\"choices\": [{\"text\": \"b\"\n\n", schema.FailMalformed, "chunk 2"},
		{"not json", "data: hello\n\n", schema.FailMalformed, "not a JSON object"},
		{"unterminated string", "data: {\"choices\":[{\"text\":\"a}]}\n\n", schema.FailMalformed, "not a JSON object"},
		{"error object", "data: " + textChunk("a", "") + "\n\ndata: {\"error\": {\"message\": \"CUDA out of memory\", \"type\": \"InternalServerError\", \"code\": 500}}\n\n",
			schema.FailStreamError, "CUDA out of memory"},
		{"vllm error object", "data: {\"object\":\"error\",\"message\":\"engine dead\",\"type\":\"BadRequestError\",\"code\":400}\n\n",
			schema.FailStreamError, "engine dead"},
		{"ends without finish usage or done", sseBody(5, false, false)[:len(sseBody(5, false, false))-len("data: "+textChunk(" w4", "length")+"\n\n")],
			schema.FailStreamEarly, "after 4 content chunks"},
		{"empty body", "", schema.FailStreamEarly, "after 0 content chunks"},
		{"done without text", "data: [DONE]\n\n", schema.FailStreamEarly, "without any generated text"},
		{"only role chunk", "data: " + chatChunk("assistant", "", "") + "\n\ndata: " + chatChunk("", "", "stop") + "\n\ndata: [DONE]\n\n",
			schema.FailEmptyOutput, `finish_reason "stop"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := do(t, newClient(t, serve(t, staticSSE(tt.body)).URL, nil), nil)
			wantFailure(t, res, tt.kind, tt.msg)
		})
	}
}

func TestLimits(t *testing.T) {
	srv := serve(t, staticSSE(sseBody(200, true, true)))
	c := newClient(t, srv.URL, nil)
	c.maxBody = 2000
	wantFailure(t, do(t, c, nil), schema.FailTooLarge, "response too large: more than 2000 bytes")

	long := "data: " + textChunk(strings.Repeat("x", 300), "length") + "\n\ndata: [DONE]\n\n"
	srv = serve(t, staticSSE(long))
	c = newClient(t, srv.URL, nil)
	c.maxLine = 200
	wantFailure(t, do(t, c, nil), schema.FailTooLarge, "more than 200 bytes")
	// The same line passes under the default limit.
	if res := do(t, newClient(t, srv.URL, nil), nil); res.Err != nil {
		t.Fatal(res.Err)
	}
}

func TestHTTPErrors(t *testing.T) {
	const ctxMsg = `{"object":"error","message":"This model's maximum context length is 896 tokens. However, your request has 1024 input tokens. Please reduce the length of the input messages. (parameter=input_tokens, value=1024)","type":"BadRequestError","param":"input_tokens","code":400}`
	tests := []struct {
		name   string
		status int
		body   string
		kind   string
		msg    string
	}{
		{"context length", 400, ctxMsg, schema.FailContextLength, "maximum context length is 896"},
		{"model", 404, `{"error":{"message":"The model ` + "`x`" + ` does not exist.","type":"NotFoundError","code":404}}`, schema.FailModelNotFound, "does not exist"},
		{"rate", 429, `{"error":{"message":"slow down"}}`, schema.FailRateLimited, "HTTP 429: slow down"},
		{"bad request", 400, `{"error":{"message":"temperature must be >= 0"}}`, schema.FailBadRequest, "temperature"},
		{"server", 503, "upstream unavailable", schema.FailServerError, "HTTP 503: upstream unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			})
			res := do(t, newClient(t, srv.URL, nil), nil)
			wantFailure(t, res, tt.kind, tt.msg)
			if res.Err.Status != tt.status {
				t.Fatalf("status %d, want %d", res.Err.Status, tt.status)
			}
		})
	}
}

// TestAPIKeyNeverInFailures: the API key and the header values (New
// registers both with schema/redact) are hidden in failure messages, from
// an error status and from an error inside the stream.
func TestAPIKeyNeverInFailures(t *testing.T) {
	const key = "test-key-0123456789abcdef"
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		if auth != "Bearer "+key {
			t.Errorf("Authorization %q", auth)
		}
		mode := r.Header.Get("X-Mode")
		if strings.HasPrefix(mode, "mode-stream") {
			sseHeaders(w)
			writeFlush(w, `data: {"error":{"message":"bad key `+key+` with `+mode+`"}}`+"\n\n")
			return
		}
		w.WriteHeader(401)
		_, _ = io.WriteString(w, `{"error":{"message":"key `+key+` rejected; you sent `+auth+` and `+mode+`"}}`)
	})
	for _, mode := range []string{"mode-status-7f3a9c", "mode-stream-7f3a9c"} {
		c := newClient(t, srv.URL, func(c *Config) { c.APIKey = key; c.Headers = map[string]string{"X-Mode": mode} })
		res := do(t, c, nil)
		if res.Err == nil {
			t.Fatalf("%s: want a failure", mode)
		}
		if strings.Contains(res.Err.Message, key) || strings.Contains(res.Err.Message, "0123456789") || strings.Contains(res.Err.Message, "7f3a9c") {
			t.Fatalf("%s: a secret leaked into %q", mode, res.Err.Message)
		}
		if !strings.Contains(res.Err.Message, "[redacted]") {
			t.Fatalf("%s: message %q shows no redaction", mode, res.Err.Message)
		}
	}
}

func TestTimeoutIsClassified(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		writeFlush(w, "data: "+textChunk("a", "")+"\n\n")
		stall(r) // mid-stream, until the client gives up
	})
	c := newClient(t, srv.URL, func(c *Config) { c.Timeout = 200 * time.Millisecond })
	wantFailure(t, do(t, c, nil), schema.FailTimeout, "timeout")

	// A stall before the headers is a timeout too.
	srv = serve(t, func(w http.ResponseWriter, r *http.Request) { stall(r) })
	c = newClient(t, srv.URL, func(c *Config) { c.Timeout = 200 * time.Millisecond })
	wantFailure(t, do(t, c, nil), schema.FailTimeout, "timeout")
}

func TestCancelIsClassified(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		writeFlush(w, "data: "+textChunk("a", "")+"\n\n")
		stall(r)
	})
	c := newClient(t, srv.URL, nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	var res Result
	c.Do(ctx, &Request{OutputLen: 5, Text: "hi"}, &res)
	wantFailure(t, &res, schema.FailCanceled, "canceled by the caller")
}

// TestConnectionResetMidStream hijacks the connection, sends half a chunked
// stream and closes the socket, abruptly (RST) or politely (FIN before the
// last chunk: an unexpected EOF). Both are a connection reset to the client.
func TestConnectionResetMidStream(t *testing.T) {
	for _, rst := range []bool{true, false} {
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			chunk := "data: " + textChunk("a", "") + "\n\n"
			_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
			_, _ = buf.WriteString(strconvHex(len(chunk)) + "\r\n" + chunk + "\r\n")
			_ = buf.Flush()
			time.Sleep(20 * time.Millisecond)
			if rst {
				_ = conn.(*net.TCPConn).SetLinger(0)
			}
			_ = conn.Close()
		})
		wantFailure(t, do(t, newClient(t, srv.URL, nil), nil), schema.FailConnReset, "")
	}
}

func strconvHex(n int) string {
	const digits = "0123456789abcdef"
	s := ""
	for ; n > 0; n /= 16 {
		s = string(digits[n%16]) + s
	}
	return s
}

func TestConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	wantFailure(t, do(t, newClient(t, "http://"+addr, nil), nil), schema.FailConnRefused, "refused")
}

func TestRequestBodies(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Config)
		req  Request
		path string
		want map[string]any
	}{
		{"completions ids", nil, Request{OutputLen: 8, TokenIDs: []int{1001, 1002}}, "/v1/completions",
			map[string]any{"model": "m", "prompt": []any{1001.0, 1002.0}, "max_tokens": 8.0, "stream": true,
				"stream_options": map[string]any{"include_usage": true}, "ignore_eos": true}},
		{"completions text", func(c *Config) { c.IgnoreEOS = false }, Request{OutputLen: 4, Text: "say \"hi\"\n\x01é\xff"}, "/v1/completions",
			map[string]any{"model": "m", "prompt": "say \"hi\"\n\x01é\ufffd", "max_tokens": 4.0, "stream": true,
				"stream_options": map[string]any{"include_usage": true}}},
		{"chat", func(c *Config) { c.Endpoint = schema.EndpointChat }, Request{OutputLen: 16, Text: "hello"}, "/v1/chat/completions",
			map[string]any{"model": "m", "messages": []any{map[string]any{"role": "user", "content": "hello"}},
				"max_tokens": 16.0, "max_completion_tokens": 16.0, "stream": true, "stream_options": map[string]any{"include_usage": true},
				"ignore_eos": true}},
		{"not streamed", func(c *Config) { c.Stream = false }, Request{OutputLen: 2, Text: "x"}, "/v1/completions",
			map[string]any{"model": "m", "prompt": "x", "max_tokens": 2.0, "stream": false, "ignore_eos": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got map[string]any
			var path string
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				path = r.URL.Path
				if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
					t.Errorf("body is not JSON: %v", err)
				}
				if r.Header.Get("X-Extra") != "1" || r.Header.Get("Content-Type") != "application/json" {
					t.Errorf("headers %v", r.Header)
				}
				w.WriteHeader(500)
			})
			c := newClient(t, srv.URL, func(c *Config) {
				c.Headers = map[string]string{"X-Extra": "1"}
				if tt.mod != nil {
					tt.mod(c)
				}
			})
			do(t, c, &tt.req)
			if path != tt.path {
				t.Errorf("path %q, want %q", path, tt.path)
			}
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(tt.want)
			if string(gj) != string(wj) {
				t.Errorf("body\n got %s\nwant %s", gj, wj)
			}
		})
	}
}

func TestNonStreaming(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(30 * time.Millisecond)
		_, _ = io.WriteString(w, `{"id":"cmpl-1","object":"text_completion","choices":[{"index":0,"text":" a b c","finish_reason":"length"}],"usage":{"prompt_tokens":4,"total_tokens":7,"completion_tokens":3}}`)
	})
	res := do(t, newClient(t, srv.URL, func(c *Config) { c.Stream = false }), nil)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if res.TTFT != res.E2EL || res.TTFT < 30*time.Millisecond || len(res.ITL) != 0 {
		t.Fatalf("TTFT %v E2EL %v ITL %v: want TTFT = E2EL >= 30ms, no ITL", res.TTFT, res.E2EL, res.ITL)
	}
	if res.OutputTokens != 3 || res.InputTokens != 4 || res.TokenSource != TokensFromUsage || res.FinishReason != "length" {
		t.Fatalf("got %+v", res)
	}
}

func TestITLBufferIsReused(t *testing.T) {
	c := newClient(t, serve(t, staticSSE(sseBody(10, true, true))).URL, nil)
	var res Result
	req := &Request{OutputLen: 10, TokenIDs: []int{1}}
	c.Do(context.Background(), req, &res)
	first := &res.ITL[:1][0]
	c.Do(context.Background(), req, &res)
	if res.Err != nil || len(res.ITL) != 9 || &res.ITL[:1][0] != first {
		t.Fatalf("ITL not reused: err %v len %d", res.Err, len(res.ITL))
	}
}

// TestNewRejectsBadConfig: New takes complete values and names every
// problem at once instead of choosing a default.
func TestNewRejectsBadConfig(t *testing.T) {
	good := Config{BaseURL: "http://127.0.0.1:1", Endpoint: schema.EndpointChat, Timeout: time.Second, MaxConns: 1}
	if _, err := New(good); err != nil {
		t.Fatalf("a complete config was refused: %v", err)
	}
	for _, tt := range []struct {
		name string
		mod  func(*Config)
		want []string
	}{
		{"no scheme", func(c *Config) { c.BaseURL = "127.0.0.1:8000" }, []string{`base url "127.0.0.1:8000"`}},
		{"ftp", func(c *Config) { c.BaseURL = "ftp://x" }, []string{"not an http(s) URL"}},
		{"password in url", func(c *Config) { c.BaseURL = "ftp://u:pw-secret-1@x" }, []string{"u:[redacted]@x"}},
		{"unknown endpoint", func(c *Config) { c.Endpoint = "embeddings" }, []string{`endpoint "embeddings"`}},
		{"zero values", func(c *Config) { *c = Config{BaseURL: c.BaseURL} },
			[]string{`endpoint ""`, "timeout 0s", "max conns 0"}},
		{"idempotency key", func(c *Config) { c.Headers = map[string]string{"idempotency-key": "abc"} },
			[]string{`header "idempotency-key"`, "never sends a request twice"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.mod(&cfg)
			_, err := New(cfg)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "pw-secret-1") {
				t.Errorf("error %q shows the URL's password", err)
			}
		})
	}
}

func TestChatRejectsTokenIDs(t *testing.T) {
	c := newClient(t, "http://127.0.0.1:1", func(c *Config) { c.Endpoint = schema.EndpointChat })
	wantFailure(t, do(t, c, nil), schema.FailOther, "text prompt")
}
