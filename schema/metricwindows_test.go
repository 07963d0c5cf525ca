package schema

import (
	"strings"
	"testing"
)

// TestSteadyAndCINames: thresholds read the steady-state window under
// steady. and intervals under ci. (and both together); a stage without a
// window or an interval makes the threshold fail with the reason, never
// read a zero.
func TestSteadyAndCINames(t *testing.T) {
	sc := loadString(t, "version: 1\nstages: [{name: s, concurrency: 1, requests: 1}]\n")
	st := sampleStage()
	st.Intervals = map[string]CI{
		"ttft.p99":          {Lo: 600, Hi: 650, Method: MethodOrderStats, N: 1000},
		"output_throughput": {Missing: "not enough data: 12 completions"},
	}
	sm := st.Metrics
	sm.TTFT.Percentiles = map[string]float64{"p50": 40, "p90": 50, "p95": 60, "p99": 80}
	st.Steady = &SteadyState{Found: true, Metrics: &sm,
		Intervals: map[string]CI{"ttft.p99": {Lo: 75, Hi: 85, Method: MethodOrderStats, N: 900}}}
	cases := []struct {
		expr   string
		passed bool
		err    string
	}{
		{"steady.ttft.p99 == 80 && ttft.p99 == 612", true, ""},
		{"ci.ttft.p99.lo == 600 && ci.ttft.p99.hi == 650", true, ""},
		{"steady.ci.ttft.p99.hi == 85 && steady.ci.ttft.p99.rel == 5.0 / 80", true, ""},
		{"ci.output_throughput.lo > 0", false, "ci.output_throughput has no interval in this stage (not enough data: 12 completions)"},
		{"ci.tpot.p99.hi > 0", false, "has no interval in this stage (add the percentile to report.percentiles)"},
	}
	for _, c := range cases {
		sc.Thresholds = []Threshold{{Expr: c.expr}}
		th, err := CompileThresholds(sc)
		if err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		res, _ := th[0].Evaluate(st, nil)
		if res.Passed != c.passed || !strings.Contains(res.Error, c.err) || (c.err == "") != (res.Error == "") {
			t.Errorf("%s: passed %v error %q, want %v and %q", c.expr, res.Passed, res.Error, c.passed, c.err)
		}
	}
	st.Steady = &SteadyState{Note: "no steady state: TTFT kept changing"}
	sc.Thresholds = []Threshold{{Expr: "steady.e2el.mean < 1"}}
	th, _ := CompileThresholds(sc)
	if res, _ := th[0].Evaluate(st, nil); res.Passed || res.Error != "steady.e2el has no steady state in this stage (no steady state: TTFT kept changing)" {
		t.Errorf("no window: %+v", res)
	}
}
