package stats

import (
	"math"
	"sync"

	"gonum.org/v1/gonum/stat/distuv"
)

// TQuantile is the p-quantile of Student's t distribution with df degrees
// of freedom, for p in (0.5, 1); an infinite df gives the normal quantile.
// Batch means with b batches use df = b − 1: with few batches the normal
// approximation would be too narrow. Results are remembered: an analysis
// asks for the same few (p, df) pairs thousands of times, and each inverts
// the incomplete beta function.
func TQuantile(p, df float64) float64 {
	if math.IsInf(df, 1) || df > 1e7 {
		return NormalQuantile(p)
	}
	key := [2]float64{p, df}
	if v, ok := tCache.Load(key); ok {
		return v.(float64)
	}
	v := tQuantile(p, df)
	tCache.Store(key, v)
	return v
}

// tCache remembers TQuantile by (p, df); the pairs an analysis uses are few.
var tCache sync.Map

// tQuantile is gonum's Student's t quantile (the inverse regularized
// incomplete beta function), standard location and scale.
func tQuantile(p, df float64) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(p)
}

// NormalQuantile is the p-quantile of the standard normal distribution.
func NormalQuantile(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }
