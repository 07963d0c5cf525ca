package plot

import (
	"math"
	"strconv"

	"github.com/go-analyze/charts/chartdraw"
)

// maxTicks bounds the labels of an axis.
const maxTicks = 6

// linearTicks covers lo..hi with at most maxTicks+1 "nice" values (steps of
// 1, 2, 2.5 or 5 times a power of ten) whose labels are all different.
func linearTicks(lo, hi float64, suffix string) []chartdraw.Tick {
	if !(hi > lo) {
		hi = lo + 1
	}
	step := niceStep((hi - lo) / maxTicks)
	first := math.Floor(lo/step) * step
	var vals []float64
	for i := 0; ; i++ {
		v := first + float64(i)*step
		vals = append(vals, v)
		if v >= hi-step*1e-9 {
			break
		}
	}
	return labelled(vals, decimals(step), suffix)
}

// decimals is how many decimals write a multiple of step exactly (0.25: 2).
func decimals(step float64) int {
	d := max(0, int(-math.Floor(math.Log10(step))))
	for d < 9 && math.Abs(step*math.Pow(10, float64(d))-math.Round(step*math.Pow(10, float64(d)))) > 1e-6 {
		d++
	}
	return d
}

// niceStep rounds a raw step up to 1, 2, 2.5 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if !(raw > 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if raw <= m*p*(1+1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// logTicks covers lo..hi (both positive) with 1, 2 and 5 times powers of
// ten, thinned to the powers of ten when that would be too many.
func logTicks(lo, hi float64) []chartdraw.Tick {
	lo = max(lo, 1e-9)
	if !(hi > lo) {
		hi = lo * 10
	}
	from, to := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	mults := []float64{1, 2, 5}
	if to-from > 2 {
		mults = []float64{1}
	}
	var vals []float64
	for e := from; e <= to; e++ {
		for _, m := range mults {
			v := m * math.Pow(10, e)
			if v >= lo/10 && (len(vals) == 0 || vals[len(vals)-1] < hi) {
				vals = append(vals, v)
			}
		}
	}
	// the range is the first tick at or below lo to the first at or above hi
	for len(vals) > 2 && vals[1] <= lo {
		vals = vals[1:]
	}
	return labelled(vals, 0, "")
}

// labelled formats the values with at least dec decimals, more when two
// labels would read the same (0.5, 1, 1.5, never 1, 1, 2).
func labelled(vals []float64, dec int, suffix string) []chartdraw.Tick {
	for ; ; dec++ {
		seen := map[string]bool{}
		ticks := make([]chartdraw.Tick, len(vals))
		unique := true
		for i, v := range vals {
			l := strconv.FormatFloat(v, 'f', dec, 64)
			if l == "-0" {
				l = "0"
			}
			unique = unique && !seen[l]
			seen[l] = true
			ticks[i] = chartdraw.Tick{Value: v, Label: l + suffix}
		}
		if unique || dec >= 9 {
			return ticks
		}
	}
}
