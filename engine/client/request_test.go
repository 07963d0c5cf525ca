package client

import (
	"fmt"
	"testing"

	"github.com/servebench/servebench/schema"
)

// BenchmarkRequestBody measures encoding/json on the largest thing the
// client builds per request, a token-id prompt. Its cost per request is
// compared with the client's CPU per request in docs/performance.md.
func BenchmarkRequestBody(b *testing.B) {
	for _, n := range []int{128, 1024} {
		b.Run(fmt.Sprintf("ids=%d", n), func(b *testing.B) {
			c := &Client{cfg: Config{Endpoint: schema.EndpointCompletions, Model: "meta-llama/Llama-3.1-8B-Instruct",
				Stream: true, IgnoreEOS: true}}
			ids := make([]int, n)
			for i := range ids {
				ids[i] = 1000 + i*29%29000
			}
			req := &Request{OutputLen: 128, TokenIDs: ids}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.encodeBody(req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
