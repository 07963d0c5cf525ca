package metrics

import (
	"math"
	"math/bits"
	"slices"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/servebench/servebench/schema"
)

// HDR histogram geometry: microseconds from 1 µs to 1 hour, 3 significant
// digits (relative error below 0.1%, ~200 KB per histogram).
const (
	hdrLowest = 1
	hdrMax    = 3600 * 1_000_000
	hdrDigits = 3
)

// series is one latency distribution in milliseconds. It keeps exact samples
// up to limit, so small stages match numpy to the last bit, then moves them
// into an HDR histogram so memory stays bounded however long the stage.
// Count, mean, std, min and max stay exact either way (running moments);
// only the median and percentiles become approximate.
type series struct {
	limit  int
	exact  []float64
	hist   *hdr.Histogram
	n      int
	mean   float64 // Welford's running mean and sum of squared deviations
	m2     float64
	lo, hi float64
}

func newSeries(limit int) *series { return &series{limit: limit} }

func (s *series) add(ms float64) {
	s.moments(ms)
	if s.hist == nil {
		s.exact = append(s.exact, ms)
		if len(s.exact) <= s.limit {
			return
		}
		s.spill()
		return
	}
	s.record(ms)
}

func (s *series) moments(v float64) {
	s.n++
	if s.n == 1 || v < s.lo {
		s.lo = v
	}
	if s.n == 1 || v > s.hi {
		s.hi = v
	}
	d := v - s.mean
	s.mean += d / float64(s.n)
	s.m2 += d * (v - s.mean)
}

// spill moves the exact samples into a new histogram and frees them.
func (s *series) spill() {
	s.hist = hdr.New(hdrLowest, hdrMax, hdrDigits)
	for _, v := range s.exact {
		s.record(v)
	}
	s.exact = nil
}

// record stores ms as whole microseconds, clamped into the histogram's range
// (a value beyond an hour is recorded as an hour; min and max stay exact).
func (s *series) record(ms float64) {
	us := int64(math.Round(ms * 1000))
	_ = s.hist.RecordValue(min(max(us, 0), hdrMax))
}

// isExact reports whether every sample is still kept.
func (s *series) isExact() bool { return s.hist == nil }

func (s *series) dist(percentiles []float64) schema.Dist {
	if s.hist == nil {
		slices.Sort(s.exact)
		return schema.SummarizeSorted(s.exact, percentiles)
	}
	d := schema.Dist{
		Count: s.n, Mean: s.mean, Std: math.Sqrt(s.m2 / float64(s.n)),
		Min: s.lo, Max: s.hi,
		Median:      s.quantile(50),
		Percentiles: make(map[string]float64, len(percentiles)),
	}
	for _, p := range percentiles {
		d.Percentiles[schema.PercentileKey(p)] = s.quantile(p)
	}
	return d
}

// quantile reads percentile p from the histogram in milliseconds, kept
// within the exact min and max.
func (s *series) quantile(p float64) float64 {
	v := midEquivalent(s.hist.ValueAtQuantile(p)) / 1000
	return min(max(v, s.lo), s.hi)
}

// midEquivalent turns the top of an HDR bucket, which ValueAtQuantile
// returns, into the bucket's midpoint, halving the worst-case error. With 3
// significant digits a bucket holds 2048 sub-buckets: values below 2048 are
// exact, and above that a value with bit length L shares its sub-bucket
// with 2^(L−11) neighbours.
func midEquivalent(top int64) float64 {
	shift := bits.Len64(uint64(top)) - 11
	if shift <= 0 {
		return float64(top)
	}
	width := int64(1) << shift
	return float64(top) - float64(width-1)/2
}
