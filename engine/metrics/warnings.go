package metrics

import (
	"fmt"
	"math"

	"github.com/servebench/servebench/schema"
)

// driftTolerance is how far the mean actual input or output length may stray
// from the profile before Finish warns (5%).
const driftTolerance = 0.05

// warnings says when the server did not run the workload the profile asked
// for, or when the numbers rest on weak ground.
func (a *Aggregator) warnings(m schema.Metrics) []string {
	var w []string
	if a.sent > 0 && a.completed == 0 {
		w = append(w, fmt.Sprintf("all %d requests failed", a.sent))
	}
	if a.completed == 0 {
		return w
	}
	w = appendDrift(w, "input", m.MeanInputLen, a.o.RequestedInput)
	w = appendDrift(w, "output", m.MeanOutputLen, a.o.RequestedOutput)
	if a.short > 0 {
		w = append(w, fmt.Sprintf("%d of %d completed requests returned fewer output tokens than the %d requested (the model stopped early; consider ignore_eos)",
			a.short, a.completed, a.o.RequestedOutput))
	}
	if m.TokenSource == "chunks" || m.TokenSource == "mixed" {
		w = append(w, fmt.Sprintf("output token counts come partly or wholly from counted stream chunks (token source %q), not the server's usage; a server that sends several tokens per chunk is undercounted", m.TokenSource))
	}
	return w
}

func appendDrift(w []string, what string, actual float64, requested int) []string {
	if requested <= 0 {
		return w
	}
	drift := (actual - float64(requested)) / float64(requested)
	if math.Abs(drift) <= driftTolerance {
		return w
	}
	return append(w, fmt.Sprintf("mean actual %s length %.1f tokens is %+.1f%% off the profile's %d", what, actual, 100*drift, requested))
}
