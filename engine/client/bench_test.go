package client

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
)

// vllmStream is a completions stream as vLLM writes it, with realistic ids
// and model name, so chunk sizes (about 250 bytes) match production.
func vllmStream(tokens int) []byte {
	const head = `{"id":"cmpl-8f0c9e7d6b5a4c3d2e1f0a9b8c7d6e5f","object":"text_completion","created":1732627200,` +
		`"model":"meta-llama/Llama-3.1-8B-Instruct","choices":[{"index":0,"text":%q,"logprobs":null,` +
		`"finish_reason":%s,"stop_reason":null}],"usage":null}`
	var b strings.Builder
	for i := 0; i < tokens; i++ {
		fin := "null"
		if i == tokens-1 {
			fin = `"length"`
		}
		fmt.Fprintf(&b, "data: "+head+"\n\n", fmt.Sprintf(" tok%d", i), fin)
	}
	fmt.Fprintf(&b, "data: "+`{"id":"cmpl-8f0c9e7d6b5a4c3d2e1f0a9b8c7d6e5f","object":"text_completion","created":1732627200,`+
		`"model":"meta-llama/Llama-3.1-8B-Instruct","choices":[],"usage":{"prompt_tokens":256,"total_tokens":%d,"completion_tokens":%d}}`+
		"\n\ndata: [DONE]\n\n", 256+tokens, tokens)
	return []byte(b.String())
}

// BenchmarkStream measures the whole request path against an in-process
// server that writes a pre-built 128-token stream with no delay, so the
// numbers are the client's (and the in-process server's) CPU cost.
// allocs/chunk counts both sides' allocations, divided by 128.
func BenchmarkStream(b *testing.B) { benchmarkStream(b, false) }

// BenchmarkStreamKeepReply is BenchmarkStream for a conversation's turn,
// which keeps the generated text to send it back.
func BenchmarkStreamKeepReply(b *testing.B) { benchmarkStream(b, true) }

func benchmarkStream(b *testing.B, keep bool) {
	const tokens = 128
	body := vllmStream(tokens)
	srv := serve(b, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write(body)
	})
	c := newClient(b, srv.URL, nil)
	req := &Request{InputLen: 3, OutputLen: tokens, TokenIDs: []int{1001, 1002, 1003}, KeepReply: keep, ReplyLimit: 1 << 20}
	var res Result
	ctx := context.Background()
	c.Do(ctx, req, &res) // warm the pools and the connection
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for b.Loop() {
		c.Do(ctx, req, &res)
		if res.Err != nil || res.OutputTokens != tokens || keep != (res.Reply != "") {
			b.Fatalf("bad result: %+v", res)
		}
	}
	runtime.ReadMemStats(&after)
	n := float64(b.N)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/(n*tokens), "ns/chunk")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/(n*tokens), "allocs/chunk")
	b.ReportMetric(n/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkScanChunk measures the per-chunk JSON scan alone on a
// vLLM-sized completions chunk.
func BenchmarkScanChunk(b *testing.B) {
	data := vllmStream(1)
	data = data[len("data: "):]
	data = data[:strings.IndexByte(string(data), '\n')]
	var ch chunk
	for b.Loop() {
		if !scanChunk(data, &ch) || !ch.content {
			b.Fatal("bad scan")
		}
	}
}
