package stats

import (
	"math"

	"github.com/servebench/servebench/schema"
)

// quantileCI is the interval of percentile p (0-100) of a time-ordered
// series, grouped into units (requests) by unit[i]: a request's own value
// for TTFT, its inter-token gaps for ITL. It inverts the interval of a
// proportion (Woodruff, 1952): the share of values at or below the
// estimate q̂ is p/100 up to sampling error, whose standard error comes
// from batch means of that share over contiguous batches of units (so the
// correlation between requests, and between the gaps of one request, is
// in it); the interval of the proportion, mapped through the sample's own
// percentile function, is the interval of the percentile. Being built on
// order statistics it needs no smoothness of the distribution, and it
// knows when it cannot answer: when the upper end of the proportion
// passes 1 the data has no value above the estimate to bound it, which is
// how a p99 of 50 requests is shown to be what it is.
//
// values and units are parallel, units non-decreasing request indexes;
// sorted is values in ascending order. why says why there is no interval.
func quantileCI(values []float64, units []int, sorted []float64, p, level float64) (q, lo, hi float64, e est, why string) {
	n := len(values)
	if n < MinSamples {
		return 0, 0, 0, est{n: n}, notEnough(n)
	}
	q = schema.Percentile(sorted, p)
	if float64(n)*min(p, 100-p)/100 < MinTail {
		return q, 0, 0, est{n: n}, tailWhy(p, n)
	}
	e, ok := shareEst(values, units, q)
	if !ok {
		return q, 0, 0, est{n: n}, notEnough(n)
	}
	h := e.halfWidth(level)
	pLo, pHi := p/100-h, p/100+h
	// The rank interval must stay inside the sample: beyond it the
	// percentile function only repeats the extreme value.
	if pHi >= 1 || pLo <= 0 {
		return q, 0, 0, e, rankWhy(p, n)
	}
	lo = schema.Percentile(sorted, 100*pLo)
	hi = schema.Percentile(sorted, 100*pHi)
	return q, min(lo, q), max(hi, q), e, ""
}

// shareEst is the batch-means estimate of the share of values at or below
// q, batched by unit. The standard error is never below the binomial one,
// p(1−p)/n: with a handful of values beyond an extreme percentile the
// batches can by chance agree, and the interval must not shrink for it.
// MinTail is the fewest values a sample must have beyond a percentile (on
// the side of its nearer end) for an interval: with fewer, batch means of
// the share below it cannot see how the tail's values cluster in time, and
// on a correlated series the interval covered the truth in only 60-70% of
// simulated levels (5 values beyond p99) instead of 88-95% (10 or more).
// A p99 needs 1,000 samples.
const MinTail = 10

func shareEst(values []float64, units []int, q float64) (est, bool) {
	k := 1
	if len(units) > 0 {
		k = units[len(units)-1] - units[0] + 1
	}
	// Per unit: values at or below q, and values in all.
	y, x := make([]float64, 0, k), make([]float64, 0, k)
	for i, v := range values {
		if i == 0 || units[i] != units[i-1] {
			y, x = append(y, 0), append(x, 0)
		}
		x[len(x)-1]++
		if v <= q {
			y[len(y)-1]++
		}
	}
	e, ok := ratioEst(y, x)
	if !ok {
		return est{}, false
	}
	n := float64(len(values))
	e.se = max(e.se, math.Sqrt(e.value*(1-e.value)/n))
	e.n = len(values)
	return e, true
}
