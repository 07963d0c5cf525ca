package stats

import "math"

// event is a completion at time t (ms) carrying weight w: one request, its
// output tokens, or 1 when it met the SLO.
type event struct{ t, w float64 }

// rateCI is the interval of a throughput, Σw per second over the window
// [from, to] (ms). The window is cut into b equal time windows; the rate
// of each is a batch mean whose average is exactly the throughput, and
// their spread gives its standard error (batch means in time rather than
// over requests, since a throughput is a property of time). Windows get
// at least MinSamples completions on average; with fewer than MinSamples
// windows there is not enough data.
func rateCI(events []event, from, to, level float64) (lo, hi float64, e est, why string) {
	span := to - from
	n := len(events)
	b := min(MaxBatches, n/MinSamples)
	if span <= 0 || b < MinSamples {
		return 0, 0, est{n: n}, notEnoughRate(n)
	}
	per := make([]float64, b)
	var total float64
	for _, ev := range events {
		j := int(float64(b) * (ev.t - from) / span)
		j = min(max(j, 0), b-1)
		per[j] += ev.w
		total += ev.w
	}
	width := span / float64(b) / 1000 // seconds
	mean := total / (span / 1000)
	var ss float64
	for _, w := range per {
		d := w/width - mean
		ss += d * d
	}
	e = est{value: mean, se: math.Sqrt(ss / float64(b-1) / float64(b)), df: float64(b - 1), n: n, batches: b}
	h := e.halfWidth(level)
	return max(mean-h, 0), mean + h, e, ""
}
