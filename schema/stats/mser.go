package stats

// msrBatch is the batch size of MSER-5: the statistic is computed on means
// of 5 consecutive values, which smooths single outliers without hiding a
// transient (White, Cobb and Spratt, 2000).
const msrBatch = 5

// mserResolution is the finest standard error, relative to the series'
// mean, that tells two truncation points apart.
const mserResolution = 1e-3

// MinMSER is the fewest values MSER-5 is run on (10 batches); a shorter
// series is not truncated.
const MinMSER = 10 * msrBatch

// mser5 is the MSER-5 truncation point of a time-ordered series: the
// number of leading values to drop so that the mean of the rest has the
// smallest marginal standard error, Σ(z − z̄)² / (k − d)² over the k − d
// batch means z that remain after dropping d batches (White, 1997). A
// transient (the burst of a closed loop's first requests, an open loop's
// queue building up) adds values far from the rest and is cut; a series
// that is steady from the start keeps nearly everything.
//
// The cut is searched in the first half only, as is usual: near the end
// the statistic rests on a few batches and is noise (a nearly constant
// series, such as the requests in flight of a closed loop, can end in a
// run of equal values whose statistic is 0). steady is false when the
// best cut is the half itself, the statistic still falling: the series
// never settled (an overloaded open loop whose queue grows to the end) and
// the level has no steady state to measure (Franklin and White, 2008).
func mser5(x []float64) (cut int, steady bool) {
	k := len(x) / msrBatch
	if len(x) < MinMSER {
		return 0, true
	}
	z := make([]float64, k)
	for j := range k {
		var s float64
		for _, v := range x[j*msrBatch : (j+1)*msrBatch] {
			s += v
		}
		z[j] = s / msrBatch
	}
	var mean float64
	for _, v := range z {
		mean += v
	}
	mean /= float64(k)
	// Suffix sums of the centred means give every d in one backward pass.
	var s, ss float64
	stats := make([]float64, k)
	for d := k - 1; d >= 0; d-- {
		c := z[d] - mean
		s += c
		ss += c * c
		m := float64(k - d)
		stats[d] = max(ss-s*s/m, 0) / (m * m)
	}
	// The statistic is the squared standard error of the mean that
	// remains; two cuts whose errors differ by less than mserResolution of
	// the mean are the same cut, and the earlier one is kept.
	tol := (mserResolution * mean) * (mserResolution * mean)
	half, bestD := k/2, 0
	for d := 1; d <= half; d++ {
		if stats[d] < stats[bestD]-tol {
			bestD = d
		}
	}
	return bestD * msrBatch, bestD < half
}
