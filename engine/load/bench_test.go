package load

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkClosedLoopOverhead measures the scheduler's own cost per request:
// the job does nothing, so ns/op is counter, accounting and clock overhead.
func BenchmarkClosedLoopOverhead(b *testing.B) {
	for _, c := range []int{1, 4, 64} {
		b.Run(fmt.Sprintf("c%d", c), func(b *testing.B) {
			b.ReportAllocs()
			st := Run(context.Background(), Spec{Concurrency: c, Requests: b.N}, func(context.Context, Ticket) {})
			if st.Sent != b.N {
				b.Fatalf("sent %d, want %d", st.Sent, b.N)
			}
		})
	}
}

// BenchmarkOpenLoopDispatch measures dispatch cost when every slot is already
// due (infinite rate): one goroutine per request plus the accounting.
func BenchmarkOpenLoopDispatch(b *testing.B) {
	b.ReportAllocs()
	p, _ := NewPacer("poisson", 1e18, 1, 1)
	st := Run(context.Background(), Spec{Pacer: p, Concurrency: 64, Requests: b.N}, func(context.Context, Ticket) {})
	if st.Sent != b.N {
		b.Fatalf("sent %d, want %d", st.Sent, b.N)
	}
}
