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

// tailWhy explains a percentile with fewer than MinTail values beyond it.
func tailWhy(p float64, n int) string {
	q := min(p, 100-p) / 100
	return fmt.Sprintf("%s: a %s of %d samples has %d beyond it; an interval needs %d (%d samples)",
		NotEnoughData, schema.PercentileKey(p), n, int(float64(n)*q), MinTail, int(math.Ceil(MinTail/q)))
}

// rankWhy explains a percentile whose rank interval reaches past the
// sample's end: its bound would be a value the sample does not have.
func rankWhy(p float64, n int) string {
	return fmt.Sprintf("%s: the interval of a %s of %d samples reaches past their extreme value "+
		"(too few samples for how correlated they are)", NotEnoughData, schema.PercentileKey(p), n)
}
