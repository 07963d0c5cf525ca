package compare

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/servebench/servebench/schema"
)

// interval is a confidence interval of a difference.
type interval struct{ lo, hi float64 }

// bootstrapCIs estimates, for each statistic, the confidence interval of
// stat(candidate) - stat(baseline) by resampling both sets of per-request
// values with replacement. One resample serves every statistic of the same
// sample (p50, p99 and mean of TTFT), which is most of the cost. The
// generator is seeded, so a comparison is reproducible.
func bootstrapCIs(base, cand []float64, stats []func([]float64) float64, o Options) []interval {
	rng := rand.New(rand.NewPCG(uint64(o.Seed), 0x5eb))
	deltas := make([][]float64, len(stats))
	for j := range deltas {
		deltas[j] = make([]float64, o.Resamples)
	}
	base, cand = slices.Sorted(slices.Values(base)), slices.Sorted(slices.Values(cand))
	bs, cs := make([]float64, len(base)), make([]float64, len(cand))
	counts := make([]int, max(len(base), len(cand)))
	for i := range o.Resamples {
		resample(rng, base, bs, counts)
		resample(rng, cand, cs, counts)
		for j, stat := range stats {
			deltas[j][i] = stat(cs) - stat(bs)
		}
	}
	alpha := (1 - o.Confidence) / 2
	out := make([]interval, len(stats))
	for j, d := range deltas {
		slices.Sort(d)
		out[j] = interval{schema.Percentile(d, alpha*100), schema.Percentile(d, (1-alpha)*100)}
	}
	return out
}

// resample fills dst with len(src) draws from the sorted src, sorted (the
// statistics read sorted samples). Counting draws per index and replaying
// them in order sorts in O(n) instead of O(n log n): the bootstrap's hot loop.
func resample(rng *rand.Rand, src, dst []float64, counts []int) {
	counts = counts[:len(src)]
	clear(counts)
	for range src {
		counts[rng.IntN(len(src))]++
	}
	k := 0
	for i, n := range counts {
		for ; n > 0; n-- {
			dst[k] = src[i]
			k++
		}
	}
}

// finiteAll reports whether every value is a real number.
func finiteAll(v ...float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}
