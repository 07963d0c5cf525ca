package stats

import (
	"math"

	"github.com/servebench/servebench/schema"
)

// MeanCI is the mean of values with a two-sided Student-t confidence
// interval at level (e.g. 0.95), for combining the repeats of a stage
// level: the repeats are few, so the normal approximation would be too
// narrow. With fewer than two values the interval collapses to the mean;
// an empty input gives zeros.
func MeanCI(values []float64, level float64) schema.Interval {
	n := len(values)
	if n == 0 {
		return schema.Interval{}
	}
	var sum float64
	for _, v := range values {
		sum += v
	}
	mean := sum / float64(n)
	if n < 2 || level <= 0 || level >= 1 {
		return schema.Interval{Mean: mean, Lo: mean, Hi: mean}
	}
	var ss float64
	for _, v := range values {
		ss += (v - mean) * (v - mean)
	}
	se := math.Sqrt(ss/float64(n-1)) / math.Sqrt(float64(n))
	h := TQuantile((1+level)/2, float64(n-1)) * se
	return schema.Interval{Mean: mean, Lo: mean - h, Hi: mean + h}
}
