package metrics

import (
	"math"
	"slices"

	"github.com/servebench/servebench/schema"
)

// Summarize describes values exactly as `vllm bench serve` does with numpy:
// mean, np.median, population standard deviation (np.std, ddof=0), min, max
// and np.percentile with linear interpolation. Values and the result share a
// unit (the aggregator passes milliseconds). An empty input gives zeros, as
// vLLM's `np.mean(x or 0)` does, with every percentile key present.
func Summarize(values []float64, percentiles []float64) schema.Dist {
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	return summarizeSorted(sorted, percentiles)
}

func summarizeSorted(x []float64, percentiles []float64) schema.Dist {
	d := schema.Dist{Count: len(x), Percentiles: make(map[string]float64, len(percentiles))}
	for _, p := range percentiles {
		d.Percentiles[schema.PercentileKey(p)] = 0
	}
	if len(x) == 0 {
		return d
	}
	d.Mean, d.Std = meanStd(x)
	d.Min, d.Max = x[0], x[len(x)-1]
	d.Median = median(x)
	for _, p := range percentiles {
		d.Percentiles[schema.PercentileKey(p)] = percentile(x, p)
	}
	return d
}

// meanStd uses two passes so the deviation does not lose precision to a
// large mean, as numpy's np.std does.
func meanStd(x []float64) (mean, std float64) {
	var sum float64
	for _, v := range x {
		sum += v
	}
	mean = sum / float64(len(x))
	var ss float64
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(ss / float64(len(x)))
}

// median is np.median: the middle value, or the mean of the two middle ones.
func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// percentile is np.percentile(x, p) with method="linear": the virtual index
// (n−1)·p/100 interpolated between its neighbours, using numpy's two-sided
// lerp so results match to the last bit.
func percentile(sorted []float64, p float64) float64 {
	n := len(sorted)
	q := min(max(p/100, 0), 1)
	h := float64(n-1) * q
	lo := math.Floor(h)
	i := int(lo)
	if i >= n-1 {
		return sorted[n-1]
	}
	a, b, t := sorted[i], sorted[i+1], h-lo
	diff := b - a
	if t >= 0.5 {
		return b - diff*(1-t)
	}
	return a + diff*t
}
