package client

import (
	"context"
	"net/http"
	"runtime"
	"testing"
)

// BenchmarkStream measures the whole request path against an in-process
// server that writes a pre-built 128-token stream with no delay, so the
// numbers are the client's (and the in-process server's) CPU cost.
// allocs/chunk counts both sides' allocations, divided by 128.
func BenchmarkStream(b *testing.B) {
	const tokens = 128
	body := []byte(sseBody(tokens, true, true))
	srv := serve(b, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write(body)
	})
	c := newClient(b, srv.URL, nil)
	req := &Request{InputLen: 3, OutputLen: tokens, TokenIDs: []int{1001, 1002, 1003}}
	var res Result
	ctx := context.Background()
	c.Do(ctx, req, &res) // warm the pools and the connection
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for b.Loop() {
		c.Do(ctx, req, &res)
		if res.Err != nil || res.OutputTokens != tokens {
			b.Fatalf("bad result: %+v", res)
		}
	}
	runtime.ReadMemStats(&after)
	n := float64(b.N)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/(n*tokens), "ns/chunk")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/(n*tokens), "allocs/chunk")
	b.ReportMetric(n/b.Elapsed().Seconds(), "req/s")
}
