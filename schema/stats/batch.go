package stats

import "math"

// MaxBatches is the number of batches (or time windows) an interval is
// computed from: 20, in the 10-30 that Schmeiser (1982) found to balance
// the bias of short batches against the width that few degrees of freedom
// cost. A series shorter than that gets one batch per sample.
const MaxBatches = 20

// MinSamples is the fewest samples any interval is computed from; fewer
// give "not enough data".
const MinSamples = 5

// est is a point estimate with its standard error and the degrees of
// freedom of the t quantile that turns them into an interval.
type est struct {
	value, se, df float64
	n, batches    int
}

// halfWidth is the half-width of the two-sided interval at level.
func (e est) halfWidth(level float64) float64 {
	if e.se == 0 {
		return 0
	}
	return TQuantile((1+level)/2, e.df) * e.se
}

// batchBounds splits n ordered samples into b = min(MaxBatches, n)
// contiguous batches of near-equal size and returns the b+1 boundaries.
func batchBounds(n int) []int {
	b := min(MaxBatches, n)
	out := make([]int, b+1)
	for j := range out {
		out[j] = j * n / b
	}
	return out
}

// meanEst is the batch-means estimate of the mean of a time-ordered
// series: the grand mean, with the standard error from the spread of the
// means of contiguous batches. Consecutive requests of a level share the
// server's batches and queue, so they are correlated and a standard error
// over single requests would be too small; the means of long batches are
// nearly independent. The error is never taken below the i.i.d. one: a
// negatively correlated series is rare and a narrower interval than
// independence gives would be a claim the data cannot back.
func meanEst(x []float64) (est, bool) {
	n := len(x)
	if n < MinSamples {
		return est{}, false
	}
	bounds := batchBounds(n)
	b := len(bounds) - 1
	var sum float64
	for _, v := range x {
		sum += v
	}
	mean := sum / float64(n)
	var bss, iss float64
	for j := range b {
		lo, hi := bounds[j], bounds[j+1]
		var s float64
		for _, v := range x[lo:hi] {
			s += v
			iss += (v - mean) * (v - mean)
		}
		d := s/float64(hi-lo) - mean
		bss += d * d * float64(hi-lo) // weighted: batches differ in size by one at most
	}
	seBatch := math.Sqrt(bss / float64(n) / float64(b-1))
	seIID := math.Sqrt(iss / float64(n-1) / float64(n))
	return est{value: mean, se: max(seBatch, seIID), df: float64(b - 1), n: n, batches: b}, true
}

// ratioEst is the batch-means estimate of a ratio of sums, Σy / Σx, over
// time-ordered units (requests): the mean inter-token latency is the sum
// of every request's gaps over their count. The standard error is the
// linearised one of the batch ratios, so a long request weighs as much as
// its tokens.
func ratioEst(y, x []float64) (est, bool) {
	n := len(y)
	if n < MinSamples {
		return est{}, false
	}
	var sy, sx float64
	for i := range y {
		sy, sx = sy+y[i], sx+x[i]
	}
	if sx <= 0 {
		return est{}, false
	}
	r := sy / sx
	bounds := batchBounds(n)
	b := len(bounds) - 1
	var ss float64
	for j := range b {
		var by, bx float64
		for i := bounds[j]; i < bounds[j+1]; i++ {
			by, bx = by+y[i], bx+x[i]
		}
		e := by - r*bx
		ss += e * e
	}
	xbar := sx / float64(b)
	se := math.Sqrt(ss/float64(b*(b-1))) / xbar
	return est{value: r, se: se, df: float64(b - 1), n: n, batches: b}, true
}
