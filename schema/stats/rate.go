package stats

import "math"

// event is what a throughput counts: weight w over the span [t0, t1] (ms),
// spread evenly over it (a request's output tokens, which stream from its
// first token to its end), or at one instant when t0 == t1 (a completion).
type event struct{ t0, t1, w float64 }

// rateCI is the interval of a throughput, Σw per second over the window
// [from, to] (ms), counting the part of each event inside it. The window
// is cut into b equal time windows; the rate of each is a batch mean whose
// average is exactly the throughput, and their spread gives its standard
// error (batch means in time rather than over requests, since a
// throughput is a property of time). Tokens are counted as they stream,
// not when their request ends: a closed loop whose requests finish in
// waves would otherwise make the windows differ by whole waves. Windows
// get at least MinSamples events on average; with fewer than MinSamples
// windows there is not enough data.
func rateCI(events []event, from, to, level float64) (lo, hi float64, e est, why string) {
	span := to - from
	n := len(events)
	b := min(MaxBatches, n/MinSamples)
	if span <= 0 || b < MinSamples {
		return 0, 0, est{n: n}, notEnoughRate(n)
	}
	per := make([]float64, b)
	width := span / float64(b)
	for _, ev := range events {
		spread(per, ev, from, width)
	}
	var total float64
	for _, w := range per {
		total += w
	}
	sec := width / 1000
	mean := total / (span / 1000)
	var ss float64
	for _, w := range per {
		d := w/sec - mean
		ss += d * d
	}
	e = est{value: mean, se: math.Sqrt(ss / float64(b-1) / float64(b)), df: float64(b - 1), n: n, batches: b}
	h := e.halfWidth(level)
	return max(mean-h, 0), mean + h, e, ""
}

// spread adds the part of ev inside each time window to per; windows are
// width ms long from from. Nothing outside the windows is counted.
func spread(per []float64, ev event, from, width float64) {
	end := from + width*float64(len(per))
	if ev.t1 <= ev.t0 {
		if ev.t0 >= from && ev.t0 <= end {
			j := min(int((ev.t0-from)/width), len(per)-1)
			per[j] += ev.w
		}
		return
	}
	rate := ev.w / (ev.t1 - ev.t0)
	a, z := max(ev.t0, from), min(ev.t1, end)
	for j := min(int((a-from)/width), len(per)-1); a < z && j < len(per); j++ {
		next := min(from+width*float64(j+1), z)
		if j == len(per)-1 {
			next = z // rounding must not leave a sliver uncounted
		}
		per[j] += rate * max(next-a, 0)
		a = next
	}
}
