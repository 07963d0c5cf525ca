package compare

import (
	"math"

	"github.com/servebench/servebench/schema/stats"
)

// NoiseLevels marks a delta whose interval also holds the spread between
// levels (see betweenLevels).
const NoiseLevels = " + between levels"

// MinLevelsForSpread is the fewest matched levels whose spread is taken as
// between-run noise: the estimate from fewer is too unsteady (with three
// levels it exceeded zero in about a third of comparisons without any
// drift, and a 30% slowdown at every level was no longer called).
const MinLevelsForSpread = 4

// betweenLevels widens the within-run intervals of each metric by the
// noise that separates two runs, estimated from how much the metric's
// relative change varies from level to level beyond what the within-run
// intervals explain: the between-study variance τ² of a random-effects
// meta-analysis, the levels being the studies (see tauOf). The levels of a run execute one after the other, so a machine
// whose load changes between runs shifts them by different amounts; a
// real change of the server (a slower decode) shifts them alike and adds
// little spread. The price is explicit: a change at only one level, when
// the other levels agree, widens its own interval and may stay within
// noise (repeat the level to confirm it). Levels with repeats are left
// alone: their spread between repeats is measured directly.
func (c *Comparison) betweenLevels() {
	z := stats.NormalQuantile((1 + c.DeltaLevel) / 2)
	type ref struct{ s, d int }
	groups := map[[2]any][]ref{}
	for si := range c.Stages {
		for di, d := range c.Stages[si].Deltas {
			// Every level with both values tells how far the change varies,
			// with an interval or without one (a p99 too thin to bound).
			if d.Verdict == NotMeasured || d.Noise == NoiseRepeats || d.Baseline == 0 || !finiteAll(d.Abs) {
				continue
			}
			k := [2]any{d.Candidate, d.Metric}
			groups[k] = append(groups[k], ref{si, di})
		}
	}
	for _, refs := range groups {
		if len(refs) < MinLevelsForSpread {
			continue
		}
		ds := make([]*Delta, len(refs))
		for i, r := range refs {
			ds[i] = &c.Stages[r.s].Deltas[r.d]
		}
		tau := tauOf(ds, z)
		for _, d := range ds {
			if d.Noise != NoiseNone {
				widen(d, z*tau*math.Abs(d.Baseline))
				d.Verdict = verdict(*d, c.Options)
			}
		}
	}
}

// tauOf is the standard deviation of the relative change between levels
// beyond the within-run noise, by the method of moments without weights
// (Hedges, 1983): the spread of the changes less the mean within-run
// variance (the mean over the levels that have an interval; a level
// without one still shows how far the change moved). Unweighted on purpose: a level whose change is far off its
// neighbours' counts in full even when its own interval is wide, because a
// machine that stalled during one level of one run is exactly the noise
// this term is for (DerSimonian and Laird's weights let the precise levels
// outvote it, and such pairs of one configuration were called regressions).
func tauOf(ds []*Delta, z float64) float64 {
	k := float64(len(ds))
	var mean, within float64
	withCI := 0
	rs := make([]float64, len(ds))
	for i, d := range ds {
		rs[i] = d.Abs / math.Abs(d.Baseline)
		mean += rs[i] / k
		if d.Noise != NoiseNone {
			se := (d.Hi - d.Lo) / 2 / math.Abs(d.Baseline) / z
			within += se * se
			withCI++
		}
	}
	if withCI > 0 {
		within /= float64(withCI) // the levels without an interval are taken to have the same
	}
	var spread float64
	for _, r := range rs {
		spread += (r - mean) * (r - mean) / (k - 1)
	}
	return math.Sqrt(max(spread-within, 0))
}

// widen adds h in quadrature to both sides of a delta's interval.
func widen(d *Delta, h float64) {
	if h <= 0 {
		return
	}
	d.Lo = d.Abs - math.Hypot(d.Abs-d.Lo, h)
	d.Hi = d.Abs + math.Hypot(d.Hi-d.Abs, h)
	d.Noise += NoiseLevels
}
