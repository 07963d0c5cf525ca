package compare

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/servebench/servebench/schema"
)

// TestFailOnAcceptsEveryThresholdName is the shared table: every name a
// threshold accepts (custom percentiles included) compiles in --fail-on
// under baseline. and candidate., and a typo is rejected by both with the
// same hint. The old --fail-on environment knew 13 names per run.
func TestFailOnAcceptsEveryThresholdName(t *testing.T) {
	pct := []float64{12.5, 99.9, 99.99}
	names := schema.MetricNames(pct)
	if len(names) < 100 || !slices.Contains(names, "ttft.p99_99") || !slices.Contains(names, "server.kv_cache_usage.max") {
		t.Fatalf("suspiciously few metric names: %d", len(names))
	}
	for _, name := range names {
		th := &schema.Scenario{Report: schema.Report{Percentiles: pct},
			Thresholds: []schema.Threshold{{Expr: name + " == " + name}}}
		if _, err := schema.CompileThresholds(th); err != nil {
			t.Errorf("threshold %s: %v", name, err)
		}
		if _, err := CompileFailOn("candidate." + name + " == baseline." + name); err != nil {
			t.Errorf("--fail-on %s: %v", name, err)
		}
	}
	for _, typo := range []struct{ name, hint string }{
		{"ttft.p999", "ttft.p99"}, {"tpot.p99x", "tpot.p99"}, {"error_rat", "error_rate"},
		{"server.kv_cache_usage.maxx", "server.kv_cache_usage.max"}, {"repeats.ttft.p99.high", "repeats.ttft.p99.hi"},
	} {
		th := &schema.Scenario{Thresholds: []schema.Threshold{{Expr: typo.name + " > 0"}}}
		_, terr := schema.CompileThresholds(th)
		_, ferr := CompileFailOn("candidate." + typo.name + " > 0")
		if terr == nil || !strings.Contains(terr.Error(), `did you mean "`+typo.hint+`"`) {
			t.Errorf("threshold %s: %v", typo.name, terr)
		}
		if ferr == nil || !strings.Contains(ferr.Error(), `did you mean "candidate.`+typo.hint+`"`) {
			t.Errorf("--fail-on %s: %v", typo.name, ferr)
		}
	}
}

// TestCompareRefusesAbsentMetrics: a streaming baseline against a
// non-streaming candidate. TPOT and ITL are not measured in the candidate:
// they are "not measured", not a -100% improvement, and a gate that reads
// them fails with the reason instead of passing.
func TestCompareRefusesAbsentMetrics(t *testing.T) {
	base, br := synthRun("streaming", 1, 1, []int{4}, 100)
	cand, cr := synthRun("non-streaming", 2, 1, []int{4}, 100)
	off := false
	cand.Scenario = &schema.Scenario{API: schema.API{Stream: &off}}
	for i := range cr {
		cr[i].ITLMS, cr[i].TTFTMS = nil, cr[i].E2ELMS
	}
	fillStage(&cand.Stages[0], cr)
	c := Compare([]*schema.Run{base, cand}, [][]schema.RequestRecord{br, cr}, Options{})
	notMeasured := 0
	for _, d := range c.Stages[0].Deltas {
		name := strings.TrimPrefix(d.Metric, schema.SteadyPrefix)
		isStream := strings.HasPrefix(name, "tpot.") || strings.HasPrefix(name, "itl.")
		subject, _, _ := strings.Cut(name, ".")
		if d.Metric != name {
			subject = schema.SteadyPrefix + subject
		}
		switch {
		case isStream && (d.Verdict != NotMeasured || !math.IsNaN(d.Value) || !math.IsNaN(d.Rel) ||
			d.Absent != "candidate: "+subject+" is not measured in this stage (non-streaming)"):
			t.Errorf("%s: %+v", d.Metric, d)
		case !isStream && d.Verdict == NotMeasured:
			t.Errorf("%s wrongly not measured: %s", d.Metric, d.Absent)
		}
		if d.Verdict == NotMeasured {
			notMeasured++
		}
	}
	if notMeasured != 12 || c.Counts()[Improvement] != 0 {
		t.Errorf("%d not measured, verdicts %v", notMeasured, c.Counts())
	}
	f, err := CompileFailOn("candidate.tpot.p99 > baseline.tpot.p99 * 1.1")
	if err != nil {
		t.Fatal(err)
	}
	got := f.Eval(c)
	if len(got) != 1 || !strings.Contains(got[0], "error: candidate.tpot is not measured in this stage (non-streaming)") {
		t.Errorf("gate on an absent metric: %q", got)
	}
}
