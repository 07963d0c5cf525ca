package metrics

import (
	"testing"
	"time"
)

// BenchmarkAggregatorAdd is the cost of one finished request with 128
// inter-token latencies: what the aggregating goroutine spends per sample.
func BenchmarkAggregatorAdd(b *testing.B) {
	s := &Sample{OK: true, TTFT: 80 * time.Millisecond, E2EL: 1400 * time.Millisecond,
		InputTokens: 512, OutputTokens: 129, TokenSource: "usage",
		QueueTime: time.Microsecond, SendLag: 20 * time.Microsecond, ITL: make([]time.Duration, 128)}
	for i := range s.ITL {
		s.ITL[i] = time.Duration(9000+37*i) * time.Microsecond
	}
	a := NewAggregator(Options{Percentiles: []float64{50, 90, 95, 99, 99.9}})
	b.ReportAllocs()
	for b.Loop() {
		a.Add(s)
	}
}
