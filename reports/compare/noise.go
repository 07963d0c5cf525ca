package compare

import (
	"fmt"
	"math"

	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/stats"
)

// Noise sources of a delta's interval.
const (
	// NoiseWithin: each run's own interval (schema.Method*: batch means
	// over time, order statistics, time windows, Wilson), combined.
	NoiseWithin = "within-run"
	// NoiseRepeats: the spread between the repeats of the level in each run.
	NoiseRepeats = "repeats"
	NoiseNone    = "none"
)

// familyLevel is the confidence of each of m deltas so that the whole
// comparison holds at level (Bonferroni): with 200 deltas at 95% each, ten
// would be "significant" by chance in a comparison of two identical runs.
func familyLevel(level float64, m int) float64 {
	return 1 - (1-level)/float64(max(m, 1))
}

// levelNoise is one run's intervals of one stage level at the delta level.
type levelNoise struct {
	all, steady map[string]schema.CI
	why         string // why there are none, e.g. no per-request records
}

// analyze computes a run's intervals of a stage level from its records.
func analyze(run *schema.Run, st *schema.StageResult, reqs []stats.Request, label string, level float64) levelNoise {
	if len(reqs) == 0 {
		return levelNoise{why: fmt.Sprintf("%s: %s (%s has no per-request records)", stats.NotEnoughData, label, label)}
	}
	o := stats.Options{SLO: st.Metrics.GoodputSLO, Confidence: level, OpenLoop: st.Rate > 0}
	if run.Scenario != nil {
		o.Percentiles = run.Scenario.Report.Percentiles
	}
	a := stats.Analyze(reqs, o)
	n := levelNoise{all: a.All, steady: a.Steady.Intervals}
	if !a.Steady.Found {
		n.steady = nil
	}
	return n
}

// ci is the interval of m in a level's noise, or why there is none.
func (n levelNoise) ci(m Metric, label string) (schema.CI, string) {
	if n.why != "" {
		return schema.CI{}, n.why
	}
	set := n.all
	if m.Steady {
		set = n.steady
	}
	ci, ok := set[m.Interval]
	switch {
	case !ok:
		return schema.CI{}, fmt.Sprintf("%s: %s has no interval of %s", stats.NotEnoughData, label, m.Name)
	case !ci.OK():
		return schema.CI{}, label + ": " + ci.Missing
	}
	return ci, ""
}

// diffCI is the interval of the difference cv − bv of two independent
// estimates with intervals b and c, by Newcombe's MOVER (Zou and Donner,
// 2008): each side's distance to its own bounds, added in quadrature. It
// keeps the asymmetry of a percentile's or a proportion's interval.
func diffCI(bv, cv float64, b, c schema.CI) (lo, hi float64) {
	d := cv - bv
	lo = d - math.Hypot(max(cv-c.Lo, 0), max(b.Hi-bv, 0))
	hi = d + math.Hypot(max(c.Hi-cv, 0), max(bv-b.Lo, 0))
	return lo, hi
}

// repeatValues reads metric m from every completed repeat of st's level:
// the between-run spread that one run's own interval cannot show.
func repeatValues(run *schema.Run, st *schema.StageResult, m Metric) []float64 {
	if st.Repeat == 0 {
		return nil
	}
	key := schema.RepeatKey(st.ID)
	var out []float64
	for i := range run.Stages {
		r := &run.Stages[i]
		if r.Repeat == 0 || r.Status != schema.StatusCompleted || schema.RepeatKey(r.ID) != key {
			continue
		}
		v, absent := m.get(r, run)
		if absent != "" {
			return nil
		}
		out = append(out, v)
	}
	if len(out) < 2 {
		return nil
	}
	return out
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
