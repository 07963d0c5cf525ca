package compare

import (
	"fmt"
	"math"
	"strings"

	"github.com/servebench/servebench/reports/internal/format"
	"github.com/servebench/servebench/schema"
)

// Options tune the noise estimate. Zero values take the defaults below.
type Options struct {
	Resamples  int     // bootstrap resamples (default 1000)
	Confidence float64 // confidence level of the interval (default 0.95)
	Seed       int64   // bootstrap seed (default 1), fixed so reruns agree
	// MinRelative is the smallest relative change worth calling even when it
	// is outside the noise (default 0.05): with thousands of requests a 0.5%
	// shift is "significant" and still not a regression anyone should chase,
	// and two runs of one configuration drift by a few percent between them
	// (machine load, clocks), which a per-request bootstrap cannot see.
	MinRelative float64
	// IgnoreNames matches stage levels by level alone, e.g. to compare an
	// imported vLLM result with a servebench stage of another name.
	IgnoreNames bool
}

// Defaults of Options.
const (
	DefaultResamples   = 1000
	DefaultConfidence  = 0.95
	DefaultSeed        = 1
	DefaultMinRelative = 0.05
)

func (o Options) withDefaults() Options {
	if o.Resamples <= 0 {
		o.Resamples = DefaultResamples
	}
	if o.Confidence <= 0 || o.Confidence >= 1 {
		o.Confidence = DefaultConfidence
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.MinRelative <= 0 {
		o.MinRelative = DefaultMinRelative
	}
	return o
}

// Verdict is what a delta means once noise is accounted for.
type Verdict string

// Verdicts.
const (
	Regression  Verdict = "regression"
	Improvement Verdict = "improvement"
	Unchanged   Verdict = "within noise"
	NoEstimate  Verdict = "no noise estimate"
	// NotMeasured: a run has no value for the metric (TPOT of a
	// non-streaming run); an absent value is never compared with a number.
	NotMeasured Verdict = "not measured"
)

// Noise sources of a delta's interval.
const (
	NoiseBootstrap = "bootstrap"
	NoiseRepeats   = "repeats"
	NoiseNone      = "none"
)

// Comparison is the result of Compare: the runs, and every stage level
// that at least two of them measured.
type Comparison struct {
	Runs    []RunInfo
	Options Options
	Stages  []StageComparison
	// Unmatched names stage levels only some runs have (not compared).
	Unmatched []string
	runs      []*schema.Run // the compared runs, for --fail-on
}

// RunInfo identifies one compared run; Runs[0] is the baseline.
type RunInfo struct {
	Name, Source, Model string
	Started             string
	Records             bool // per-request records were supplied
}

// StageComparison is one stage level across runs.
type StageComparison struct {
	Key            string // stage/profile/level, e.g. "sweep/safe/c=8"
	Stage, Profile string
	Level          string
	LevelValue     float64
	// Results holds each run's stage result (nil where a run lacks it).
	Results []*schema.StageResult
	Deltas  []Delta
}

// Delta is one metric of one candidate against the baseline.
type Delta struct {
	Metric         string
	HigherIsBetter bool
	Candidate      int // index into Comparison.Runs (>= 1)
	Baseline       float64
	Value          float64
	Abs            float64 // Value - Baseline
	Rel            float64 // Abs / Baseline (NaN when the baseline is 0)
	// Lo and Hi bound Abs at the comparison's confidence (NaN: no estimate).
	Lo, Hi  float64
	Noise   string
	Verdict Verdict
	// Absent says why a run has no value (Verdict NotMeasured), e.g.
	// "candidate: tpot is not measured in this stage (non-streaming)";
	// Baseline or Value is then NaN.
	Absent string
}

// Compare matches stage levels by stage name, profile and level (see
// Options.IgnoreNames) and compares every candidate (runs[1:]) with the
// baseline runs[0]. reqs[i] holds run i's per-request records; reqs, or any
// entry, may be nil.
func Compare(runs []*schema.Run, reqs [][]schema.RequestRecord, o Options) *Comparison {
	o = o.withDefaults()
	c := &Comparison{Options: o, runs: runs}
	samples := make([]recordIndex, len(runs))
	for i, r := range runs {
		c.Runs = append(c.Runs, runInfo(r, i < len(reqs) && len(reqs[i]) > 0))
		if i < len(reqs) {
			samples[i] = indexRecords(r, reqs[i], o)
		}
	}
	keys, byKey := matchStages(runs, o)
	for _, k := range keys {
		res := byKey[k]
		if present(res) < 2 || res[0] == nil {
			c.Unmatched = append(c.Unmatched, k)
			continue
		}
		c.Stages = append(c.Stages, compareStage(k, res, runs, samples, o))
	}
	return c
}

func runInfo(r *schema.Run, records bool) RunInfo {
	return RunInfo{Name: r.Name, Source: r.Source, Model: r.Server.Model,
		Started: r.StartedAt.UTC().Format("2006-01-02 15:04 UTC"), Records: records}
}

func present(res []*schema.StageResult) int {
	n := 0
	for _, r := range res {
		if r != nil {
			n++
		}
	}
	return n
}

// stageKey names a stage level independently of the run (repeats share a key).
func stageKey(st *schema.StageResult, o Options) string {
	if o.IgnoreNames {
		return format.Level(st)
	}
	key := st.Stage + "/" + st.Profile + "/" + format.Level(st)
	if st.Variant != "" { // a matrix variant matches the same variant
		key = st.Variant + "/" + key
	}
	return key
}

// matchStages lists keys in the baseline's order, then keys only later runs have.
func matchStages(runs []*schema.Run, o Options) ([]string, map[string][]*schema.StageResult) {
	var keys []string
	byKey := map[string][]*schema.StageResult{}
	for i, r := range runs {
		for j := range r.Stages {
			st := &r.Stages[j]
			k := stageKey(st, o)
			if byKey[k] == nil {
				byKey[k] = make([]*schema.StageResult, len(runs))
				keys = append(keys, k)
			}
			if byKey[k][i] == nil { // first repeat stands for the level; repeat summaries carry the rest
				byKey[k][i] = st
			}
		}
	}
	return keys, byKey
}

func compareStage(key string, res []*schema.StageResult, runs []*schema.Run, samples []recordIndex, o Options) StageComparison {
	base := res[0]
	sc := StageComparison{Key: key, Stage: base.Stage, Profile: base.Profile, Level: format.Level(base),
		LevelValue: format.LevelValue(base), Results: res}
	if o.IgnoreNames {
		sc.Stage, sc.Profile = "", ""
	}
	for ci := 1; ci < len(res); ci++ {
		if res[ci] == nil {
			continue
		}
		cis := bootstrapStage(samples[0][key], samples[ci][key], o)
		for _, m := range Metrics {
			sc.Deltas = append(sc.Deltas, compareMetric(m, ci, res, runs, cis, o))
		}
	}
	return sc
}

// bootstrapStage computes the bootstrap interval of every metric that has
// per-request samples in both runs, keyed by metric name.
func bootstrapStage(base, cand []schema.RequestRecord, o Options) map[string]interval {
	out := map[string]interval{}
	if len(base) == 0 || len(cand) == 0 {
		return out
	}
	bySource := map[string][]Metric{}
	var sources []string
	for _, m := range Metrics {
		if m.source == "" {
			continue
		}
		if bySource[m.source] == nil {
			sources = append(sources, m.source)
		}
		bySource[m.source] = append(bySource[m.source], m)
	}
	for _, src := range sources {
		ms := bySource[src]
		bs, cs := sampleValues(base, ms[0]), sampleValues(cand, ms[0])
		if len(bs) < minSamples || len(cs) < minSamples {
			continue
		}
		if src == "failed" {
			// Agresti-Caffo: one pseudo failure and success per run, so a run
			// with no failures does not make the interval collapse to a point.
			bs, cs = append(bs, 1, 0), append(cs, 1, 0)
		}
		stats := make([]func([]float64) float64, len(ms))
		for i, m := range ms {
			stats[i] = m.stat
		}
		for i, iv := range bootstrapCIs(bs, cs, stats, o) {
			if thinTail(ms[i], min(len(bs), len(cs))) {
				continue
			}
			out[ms[i].Name] = iv
		}
	}
	return out
}

func compareMetric(m Metric, ci int, res []*schema.StageResult, runs []*schema.Run, cis map[string]interval, o Options) Delta {
	d := Delta{Metric: m.Name, HigherIsBetter: m.HigherIsBetter, Candidate: ci,
		Lo: math.NaN(), Hi: math.NaN(), Noise: NoiseNone, Abs: math.NaN(), Rel: math.NaN()}
	var baseAbsent, candAbsent string
	d.Baseline, baseAbsent = m.get(res[0], runs[0])
	d.Value, candAbsent = m.get(res[ci], runs[ci])
	if baseAbsent != "" || candAbsent != "" {
		return notMeasured(d, baseAbsent, candAbsent)
	}
	if bi, ok := repeatInterval(runs[0], res[0], m.Name); ok {
		if cInt, ok := repeatInterval(runs[ci], res[ci], m.Name); ok {
			d.Baseline, d.Value = bi.Mean, cInt.Mean
			d.Lo, d.Hi, d.Noise = cInt.Lo-bi.Hi, cInt.Hi-bi.Lo, NoiseRepeats
		}
	}
	if iv, ok := cis[m.Name]; ok && d.Noise == NoiseNone {
		d.Lo, d.Hi, d.Noise = iv.lo, iv.hi, NoiseBootstrap
	}
	d.Abs = d.Value - d.Baseline
	d.Rel = math.NaN()
	if d.Baseline != 0 {
		d.Rel = d.Abs / math.Abs(d.Baseline)
	}
	d.Verdict = verdict(d, m.minAbs, o)
	return d
}

// notMeasured is the delta of a metric that a run does not have: no
// number, no verdict but NotMeasured, and the reason.
func notMeasured(d Delta, baseAbsent, candAbsent string) Delta {
	var why []string
	if baseAbsent != "" {
		d.Baseline = math.NaN()
		why = append(why, "baseline: "+baseAbsent)
	}
	if candAbsent != "" {
		d.Value = math.NaN()
		why = append(why, "candidate: "+candAbsent)
	}
	d.Verdict, d.Absent = NotMeasured, strings.Join(why, "; ")
	return d
}

// minSamples is the fewest per-request values a bootstrap is run on.
const minSamples = 5

// minTail is the fewest values a run must have beyond a percentile for its
// bootstrap interval to be trusted. The bootstrap of an extreme quantile of
// a small sample is too narrow: p99 of 12 requests is their maximum, and two
// runs of one configuration on the simulator had their p99 called a
// regression whenever one request stalled. p99 needs 500 requests per run.
const minTail = 5

func thinTail(m Metric, n int) bool {
	return m.tail > 0 && float64(n)*m.tail < minTail
}

// verdict calls a delta only when its interval excludes zero and the change
// is large enough to matter.
func verdict(d Delta, minAbs float64, o Options) Verdict {
	if d.Noise == NoiseNone || !finiteAll(d.Lo, d.Hi, d.Abs) {
		return NoEstimate
	}
	if d.Lo <= 0 && d.Hi >= 0 {
		return Unchanged
	}
	if !math.IsNaN(d.Rel) && math.Abs(d.Rel) < o.MinRelative || math.Abs(d.Abs) < minAbs {
		return Unchanged
	}
	if (d.Abs > 0) == d.HigherIsBetter {
		return Improvement
	}
	return Regression
}

// repeatInterval finds the repeat summary of a stage level, if it repeated.
func repeatInterval(run *schema.Run, st *schema.StageResult, metric string) (schema.Interval, bool) {
	key := schema.RepeatKey(st.ID)
	for _, r := range run.Repeats {
		if r.Key == key && r.N > 1 {
			iv, ok := r.Metrics[metric]
			return iv, ok && finiteAll(iv.Mean, iv.Lo, iv.Hi)
		}
	}
	return schema.Interval{}, false
}

// Counts tallies verdicts over the whole comparison.
func (c *Comparison) Counts() map[Verdict]int {
	out := map[Verdict]int{}
	for _, s := range c.Stages {
		for _, d := range s.Deltas {
			out[d.Verdict]++
		}
	}
	return out
}

// Regressions lists "stage key: metric" for every regression, in order,
// safe to print (format.Line: stage names come from run files).
func (c *Comparison) Regressions() []string {
	var out []string
	for _, s := range c.Stages {
		for _, d := range s.Deltas {
			if d.Verdict == Regression {
				out = append(out, format.Line(fmt.Sprintf("%s: %s %s", s.Key, d.Metric, format.Pct(d.Rel))))
			}
		}
	}
	return out
}
