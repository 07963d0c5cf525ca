package compare

import (
	"fmt"
	"math"
	"strings"

	"github.com/servebench/servebench/reports/internal/format"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/stats"
)

// Options tune the noise estimate. Zero values take the defaults below.
type Options struct {
	// Confidence is the level of the whole comparison (default 0.95): the
	// chance that a comparison of two runs of one configuration calls
	// anything at all is at most 1 − Confidence (Bonferroni over its
	// deltas), as far as the intervals cover the noise.
	Confidence float64
	// MinRelative is the smallest relative change worth calling even when it
	// is outside the noise (default 0.05): with thousands of requests a 0.5%
	// shift is "significant" and still not a regression anyone should chase,
	// and two runs of one configuration drift by a few percent between them
	// (machine load, clocks), which no interval of a single run can see.
	MinRelative float64
	// Match says how stage levels of the runs are paired (default MatchAuto).
	Match Match
	// Window is which metrics are compared: WindowBoth (default),
	// WindowSteady or WindowAll.
	Window string
}

// Defaults of Options.
const (
	DefaultConfidence  = 0.95
	DefaultMinRelative = 0.05
)

func (o Options) withDefaults() Options {
	if o.Confidence <= 0 || o.Confidence >= 1 {
		o.Confidence = DefaultConfidence
	}
	if o.MinRelative <= 0 {
		o.MinRelative = DefaultMinRelative
	}
	if o.Match == "" {
		o.Match = MatchAuto
	}
	if o.Window == "" {
		o.Window = WindowBoth
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
	// NotEnoughData: a run has too few samples for an interval of the
	// metric (a p99 of 200 requests, no per-request records): the delta
	// is shown, never called.
	NotEnoughData Verdict = "not enough data"
	// NotMeasured: a run has no value for the metric (TPOT of a
	// non-streaming run); an absent value is never compared with a number.
	NotMeasured Verdict = "not measured"
)

// Comparison is the result of Compare: the runs, and every stage level
// that at least two of them measured.
type Comparison struct {
	Runs    []RunInfo
	Options Options
	Stages  []StageComparison
	// Unmatched names stage levels only some runs have (not compared).
	Unmatched []string
	// MatchNotes say which loads could not be paired, and why.
	MatchNotes []string
	// DeltaLevel is the confidence of each delta's interval: Confidence
	// spread over the Deltas deltas of the comparison (Bonferroni).
	DeltaLevel float64
	Deltas     int
	runs       []*schema.Run // the compared runs, for --fail-on
}

// RunInfo identifies one compared run; Runs[0] is the baseline.
type RunInfo struct {
	Name, Source, Model string
	Started             string
	// Label tells the run apart from the others in every output: its
	// --label, else its name when the names differ, else its start time.
	Label   string
	Records bool // per-request records were supplied
}

// StageComparison is one stage level across runs.
type StageComparison struct {
	// Key names the level by the baseline's stage/profile/level, e.g.
	// "sweep/safe/c=8", followed by " ↔ " and the candidate's where it was
	// paired by load under another name.
	Key            string
	Stage, Profile string // the baseline's
	Level          string
	LevelValue     float64
	// Names holds each run's stage/profile/level of the paired level ("" where none).
	Names []string
	// PairedBy says per run how its level was paired with the baseline's:
	// ByName, ByLoad, or "" (the baseline, and runs without the level).
	PairedBy []string
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
	// Lo and Hi bound Abs at the comparison's DeltaLevel (NaN: no interval).
	Lo, Hi  float64
	Noise   string
	Verdict Verdict
	// Absent says why a run has no value (Verdict NotMeasured), e.g.
	// "candidate: tpot is not measured in this stage (non-streaming)";
	// Baseline or Value is then NaN. Missing says why there is no
	// interval (Verdict NotEnoughData).
	Absent, Missing string
	minAbs          float64 // the metric's smallest change worth calling
}

// Compare pairs stage levels as Options.Match says and compares every
// candidate (runs[1:]) with the baseline runs[0]. reqs[i] holds run i's
// per-request records; reqs, or any entry, may be nil: a run without them
// gets "not enough data" where it has no repeats.
func Compare(runs []*schema.Run, reqs [][]schema.RequestRecord, o Options) *Comparison {
	o = o.withDefaults()
	c := &Comparison{Options: o, runs: runs}
	labels := runLabels(runs)
	samples := make([]recordIndex, len(runs))
	for i, r := range runs {
		if i < len(reqs) {
			samples[i] = indexRecords(reqs[i])
		}
		c.Runs = append(c.Runs, runInfo(r, labels[i], len(samples[i]) > 0))
	}
	metrics := MetricsOf(o.Window)
	m := matchRuns(runs, o.Match)
	for _, g := range m.groups {
		c.Deltas += (present(g.res) - 1) * len(metrics)
	}
	c.DeltaLevel = familyLevel(o.Confidence, c.Deltas)
	for _, g := range m.groups {
		c.Stages = append(c.Stages, c.compareStage(g, samples, metrics))
	}
	c.Unmatched, c.MatchNotes = m.unmatched, m.notes
	c.betweenLevels()
	return c
}

func runInfo(r *schema.Run, label string, records bool) RunInfo {
	return RunInfo{Name: r.Name, Source: r.Source, Model: r.Server.Model, Label: label,
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

func (c *Comparison) compareStage(g matched, samples []recordIndex, metrics []Metric) StageComparison {
	res, base := g.res, g.res[0]
	sc := StageComparison{Key: g.displayKey(), Stage: base.Stage, Profile: base.Profile, Level: format.Level(base),
		LevelValue: format.LevelValue(base), Results: res, Names: g.keys, PairedBy: g.by}
	noise := func(i int) levelNoise {
		return analyze(c.runs[i], res[i], samples[i][res[i].ID], c.Runs[i].Label, c.DeltaLevel)
	}
	baseNoise := noise(0)
	for ci := 1; ci < len(res); ci++ {
		if res[ci] == nil {
			continue
		}
		candNoise := noise(ci)
		for _, m := range metrics {
			sc.Deltas = append(sc.Deltas, c.compareMetric(m, ci, res, baseNoise, candNoise))
		}
	}
	return sc
}

// compareMetric is one delta: its values, and its interval from the
// repeats of both runs when both repeated the level (the spread between
// runs), else from each run's own interval.
func (c *Comparison) compareMetric(m Metric, ci int, res []*schema.StageResult, bn, cn levelNoise) Delta {
	runs := c.runs
	d := Delta{Metric: m.Name, HigherIsBetter: m.HigherIsBetter, Candidate: ci, minAbs: m.minAbs,
		Lo: math.NaN(), Hi: math.NaN(), Noise: NoiseNone, Abs: math.NaN(), Rel: math.NaN()}
	var baseAbsent, candAbsent string
	d.Baseline, baseAbsent = m.get(res[0], runs[0])
	d.Value, candAbsent = m.get(res[ci], runs[ci])
	if baseAbsent != "" || candAbsent != "" {
		return notMeasured(d, baseAbsent, candAbsent)
	}
	if bv, cv := repeatValues(runs[0], res[0], m), repeatValues(runs[ci], res[ci], m); bv != nil && cv != nil {
		bi, ciR := stats.MeanCI(bv, c.DeltaLevel), stats.MeanCI(cv, c.DeltaLevel)
		d.Baseline, d.Value = bi.Mean, ciR.Mean
		d.Lo, d.Hi = diffCI(bi.Mean, ciR.Mean, schema.CI{Lo: bi.Lo, Hi: bi.Hi}, schema.CI{Lo: ciR.Lo, Hi: ciR.Hi})
		d.Noise = NoiseRepeats
	} else {
		bci, why := bn.ci(m, c.Runs[0].Label)
		cci, cwhy := cn.ci(m, c.Runs[ci].Label)
		if why == "" {
			why = cwhy
		}
		if why != "" {
			d.Missing = why
		} else {
			d.Lo, d.Hi = diffCI(d.Baseline, d.Value, bci, cci)
			d.Noise = NoiseWithin + " " + bci.Method
		}
	}
	d.Abs = d.Value - d.Baseline
	if d.Baseline != 0 {
		d.Rel = d.Abs / math.Abs(d.Baseline)
	}
	d.Verdict = verdict(d, c.Options)
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

// verdict calls a delta only when its interval excludes zero and the change
// is large enough to matter.
func verdict(d Delta, o Options) Verdict {
	if d.Noise == NoiseNone || !finiteAll(d.Lo, d.Hi, d.Abs) {
		return NotEnoughData
	}
	if d.Lo <= 0 && d.Hi >= 0 {
		return Unchanged
	}
	if !math.IsNaN(d.Rel) && math.Abs(d.Rel) < o.MinRelative || math.Abs(d.Abs) < d.minAbs {
		return Unchanged
	}
	if (d.Abs > 0) == d.HigherIsBetter {
		return Improvement
	}
	return Regression
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
