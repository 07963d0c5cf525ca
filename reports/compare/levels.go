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
// meta-analysis (DerSimonian and Laird, 1986), the levels being the
// studies. The levels of a run execute one after the other, so a machine
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
			if d.Noise == NoiseNone || d.Noise == NoiseRepeats || d.Baseline == 0 {
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
			widen(d, z*tau*math.Abs(d.Baseline))
			d.Verdict = verdict(*d, c.Options)
		}
	}
}

// tauOf is the DerSimonian-Laird estimate of the standard deviation of
// the relative change between levels, beyond the within-run noise.
func tauOf(ds []*Delta, z float64) float64 {
	var sw, sw2, swr float64
	rs, ws := make([]float64, len(ds)), make([]float64, len(ds))
	for i, d := range ds {
		se := (d.Hi - d.Lo) / 2 / math.Abs(d.Baseline) / z
		rs[i], ws[i] = d.Abs/math.Abs(d.Baseline), 1/max(se*se, 1e-12)
		sw, sw2, swr = sw+ws[i], sw2+ws[i]*ws[i], swr+ws[i]*rs[i]
	}
	mean := swr / sw
	var q float64
	for i := range rs {
		q += ws[i] * (rs[i] - mean) * (rs[i] - mean)
	}
	tau2 := (q - float64(len(ds)-1)) / (sw - sw2/sw)
	return math.Sqrt(max(tau2, 0))
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
