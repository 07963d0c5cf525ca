package stats

import (
	"fmt"
	"math"

	"github.com/servebench/servebench/schema"
)

// The reasons an interval is missing. Each starts with NotEnoughData so
// that reports and compare can say "not enough data" and keep the detail.

// NotEnoughData begins the reason of every missing interval.
const NotEnoughData = "not enough data"

func notEnough(n int) string {
	return fmt.Sprintf("%s: %d samples, an interval needs at least %d", NotEnoughData, n, MinSamples)
}

func notEnoughRate(n int) string {
	return fmt.Sprintf("%s: %d completions, a throughput interval needs at least %d (%d per time window)",
		NotEnoughData, n, MinSamples*MinSamples, MinSamples)
}

// tailWhy explains a percentile too far in the tail for its sample: fewer
// than MinTail values lie beyond it, or the interval of its rank reaches
// past the sample's end. need is the smaller sample size that avoids both
// for independent values (z²·p/(1−p) for the rank); correlated requests
// need more.
func tailWhy(p float64, n int) string {
	q := min(p, 100-p) / 100
	z := NormalQuantile((1 + schema.IntervalConfidence) / 2)
	need := int(math.Ceil(max(z*z*(1-q)/q, MinTail/q)))
	return fmt.Sprintf("%s: a %s of %d samples lies among its most extreme values; an interval needs about %d or more",
		NotEnoughData, schema.PercentileKey(p), n, need)
}
