package schema

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
)

// This file is the one definition of a distribution's summary: the numpy
// statistics `vllm bench serve` reports, the names of percentiles in both
// directions, and what an unmeasured distribution looks like. The engine's
// aggregator, compare's bootstrap and the vLLM import all call it.

// Dist summarises one latency distribution in milliseconds. Std is the
// population standard deviation; percentiles interpolate linearly (numpy's
// default). A Dist with Count 0 is absent: nothing was measured (no request
// completed, or the metric cannot be measured, such as TPOT without
// streaming). run.json stores it as null and reports print "n/a", never 0.
type Dist struct {
	Count       int                `json:"count"`
	Mean        float64            `json:"mean"`
	Median      float64            `json:"median"`
	Std         float64            `json:"std"`
	Min         float64            `json:"min"`
	Max         float64            `json:"max"`
	Percentiles map[string]float64 `json:"percentiles,omitempty"` // keyed by PercentileKey
}

// Measured reports whether the distribution has any sample.
func (d Dist) Measured() bool { return d.Count > 0 }

// P returns percentile p (e.g. 99 or 99.9), and false when it was not
// computed or the distribution is absent.
func (d Dist) P(p float64) (float64, bool) {
	if !d.Measured() {
		return 0, false
	}
	v, ok := d.Percentiles[PercentileKey(p)]
	return v, ok
}

// MarshalJSON writes an absent distribution as null, so a reader of
// run.json cannot mistake "not measured" for a measured zero. Decoding null
// leaves the zero Dist, which is absent again.
func (d Dist) MarshalJSON() ([]byte, error) {
	if !d.Measured() {
		return []byte("null"), nil
	}
	type plain Dist // without the method
	return json.Marshal(plain(d))
}

// DefaultPercentiles are computed when report.percentiles is not set.
var DefaultPercentiles = []float64{50, 90, 95, 99}

// Percentiles is the set every distribution offers: the defaults plus
// those report.percentiles asks for, ascending and unique, ignoring values
// outside (0, 100). The aggregator computes exactly these, so every name a
// threshold can read has a value.
func Percentiles(extra []float64) []float64 {
	out := slices.Clone(DefaultPercentiles)
	for _, p := range extra {
		if p > 0 && p < 100 {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// PercentileKey names percentile p as metrics and thresholds do: 99 -> "p99", 99.9 -> "p99_9".
func PercentileKey(p float64) string {
	s := strconv.FormatFloat(p, 'f', -1, 64)
	return "p" + strings.ReplaceAll(s, ".", "_")
}

// ParsePercentileKey reads a key back into its percentile ("p99_9" -> 99.9).
// Only the spelling PercentileKey gives, for a percentile strictly between
// 0 and 100, is accepted: "p099", "p99_90", "p1e1" and "p100" are not keys.
func ParsePercentileKey(key string) (float64, bool) {
	num, ok := strings.CutPrefix(key, "p")
	if !ok || num == "" || len(num) > 32 || strings.Trim(num, "0123456789_") != "" {
		return 0, false
	}
	p, err := strconv.ParseFloat(strings.Replace(num, "_", ".", 1), 64)
	if err != nil || p <= 0 || p >= 100 || PercentileKey(p) != key {
		return 0, false
	}
	return p, true
}

// Summarize describes values exactly as `vllm bench serve` does with numpy:
// mean, np.median, population standard deviation (np.std, ddof=0), min,
// max and np.percentile with linear interpolation. No values give the
// absent Dist. values is not modified.
func Summarize(values []float64, percentiles []float64) Dist {
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	return SummarizeSorted(sorted, percentiles)
}

// SummarizeSorted is Summarize of values already in ascending order.
func SummarizeSorted(x []float64, percentiles []float64) Dist {
	if len(x) == 0 {
		return Dist{}
	}
	d := Dist{Count: len(x), Percentiles: make(map[string]float64, len(percentiles))}
	d.Mean, d.Std = meanStd(x)
	d.Min, d.Max = x[0], x[len(x)-1]
	d.Median = median(x)
	for _, p := range percentiles {
		d.Percentiles[PercentileKey(p)] = Percentile(x, p)
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

// median is np.median: the middle value, or the mean of the two middle
// ones (numpy averages them; the lerp of Percentile can differ in the last bit).
func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// Percentile is np.percentile(sorted, p) with method="linear": the virtual
// index (n−1)·p/100 interpolated between its neighbours with numpy's
// two-sided lerp, so results match numpy to the last bit. p is clamped to [0, 100]; an empty slice gives NaN.
func Percentile(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
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

// LatencyNames are the per-request latency distributions of Metrics as
// metric names, in the order reports show them.
var LatencyNames = []string{"ttft", "tpot", "itl", "e2el"}

// Latency returns the latency distribution called name (one of
// LatencyNames), and false for any other name.
func (m *Metrics) Latency(name string) (Dist, bool) {
	switch name {
	case "ttft":
		return m.TTFT, true
	case "tpot":
		return m.TPOT, true
	case "itl":
		return m.ITL, true
	case "e2el":
		return m.E2EL, true
	}
	return Dist{}, false
}

// TPOT is vLLM's time per output token after the first of one request:
// (e2el − ttft) / (outputTokens − 1), in the unit of its arguments. It is
// measured only when the tokens arrived apart (gaps, the request's number of
// inter-token latencies, is at least 1): with one output token there is no
// "after the first", and when every token came in one piece (a
// non-streaming request, a stream of one chunk) e2el − ttft is 0 and says
// nothing about decoding. vLLM records 0 in that second case; servebench
// leaves the request out, so a non-streaming run has no TPOT at all
// instead of a TPOT of 0.
func TPOT[T ~int64 | ~float64](ttft, e2el T, outputTokens, gaps int) (T, bool) {
	if outputTokens <= 1 || gaps == 0 {
		return 0, false
	}
	return (e2el - ttft) / T(outputTokens-1), true
}

// KeepPercentiles chooses at most n of the percentiles ps for a bounded
// view (an imported file or a chart may carry any number of them): the
// defaults first, then the highest, since a distribution's tail is what
// extra percentiles are asked for. The result is ascending.
func KeepPercentiles(ps []float64, n int) []float64 {
	out := slices.Clone(ps)
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) <= n {
		return out
	}
	slices.SortStableFunc(out, func(a, b float64) int {
		da, db := slices.Contains(DefaultPercentiles, a), slices.Contains(DefaultPercentiles, b)
		switch {
		case da && !db:
			return -1
		case db && !da:
			return 1
		case a > b:
			return -1
		case a < b:
			return 1
		}
		return 0
	})
	out = out[:max(n, 0)]
	slices.Sort(out)
	return out
}
