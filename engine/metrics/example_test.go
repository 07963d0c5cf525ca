package metrics_test

import (
	"fmt"
	"time"

	"github.com/servebench/servebench/engine/metrics"
	"github.com/servebench/servebench/schema"
)

func ExampleAggregator() {
	a := metrics.NewAggregator(metrics.Options{
		SLO: &schema.SLO{TTFT: schema.Duration(100 * time.Millisecond)},
	})
	// The collecting goroutine adds every measured request, then finishes once.
	gaps := []time.Duration{20 * time.Millisecond} // streamed: the tokens arrived apart
	a.Add(&metrics.Sample{OK: true, TTFT: 50 * time.Millisecond, E2EL: 250 * time.Millisecond, ITL: gaps,
		InputTokens: 100, OutputTokens: 11, TokenSource: "usage"})
	a.Add(&metrics.Sample{OK: true, TTFT: 150 * time.Millisecond, E2EL: 350 * time.Millisecond, ITL: gaps,
		InputTokens: 100, OutputTokens: 11, TokenSource: "usage"})
	a.Add(&metrics.Sample{Kind: schema.FailServerError, Status: 500, Message: "internal error"})
	m, failures, _ := a.Finish(2 * time.Second)
	fmt.Printf("completed %d failed %d req/s %.1f goodput %.1f tpot %.0f ms\n",
		m.Completed, m.Failed, m.RequestThroughput, m.Goodput, m.TPOT.Mean)
	fmt.Printf("%s/%d x%d: %s\n", failures[0].Kind, failures[0].Status, failures[0].Count, failures[0].Example)
	// Output:
	// completed 2 failed 1 req/s 1.0 goodput 0.5 tpot 20 ms
	// server_error/500 x1: internal error
}
