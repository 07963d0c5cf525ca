package schema

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// Every repeated metric is named as a threshold reads it on one stage, so
// `repeats.ttft.p99.hi` means the interval of what `ttft.p99` reads.
func TestRepeatedMetricsAreStageMetricNames(t *testing.T) {
	names := metricNames(DefaultPercentiles)
	for _, rm := range RepeatedMetrics {
		if !slices.Contains(names, rm.Name) {
			t.Errorf("repeated metric %q is not a stage metric", rm.Name)
		}
		for _, b := range []string{"mean", "lo", "hi"} {
			if !slices.Contains(names, "repeats."+rm.Name+"."+b) {
				t.Errorf("repeats.%s.%s is not in the metric catalogue", rm.Name, b)
			}
		}
	}
}

func TestRepeatsEnvReadsTheLevelSummary(t *testing.T) {
	sc, err := LoadBytes("t.yaml", []byte(`
version: 1
stages:
  - name: s
    concurrency: 1
    requests: 1
    repeat: 2
    thresholds:
      - expr: repeats.ttft.p99.hi < 500
`), os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	th, err := CompileThresholds(sc)
	if err != nil || len(th) != 1 {
		t.Fatalf("compile: %v", err)
	}
	run := &Run{Repeats: []RepeatSummary{{Key: "s/safe/c1", N: 2, Metrics: map[string]Interval{"ttft.p99": {Mean: 400, Lo: 300, Hi: 600}}}}}
	ttft := Metrics{Completed: 1, TTFT: Dist{Count: 1, Percentiles: map[string]float64{"p99": 1}}}
	for _, c := range []struct {
		id     string
		repeat int
		hi     float64
		err    string
	}{
		{"s/safe/c1#2", 2, 600, ""}, // the level's summary
		{"s/safe/c2#2", 2, 0, "repeats.ttft.p99 has no interval for this stage level"}, // another level: no summary yet
		{"s/safe/c1", 0, 0, "repeats.ttft.p99 has no interval for this stage level"},   // not a repeat
	} {
		res, _ := th[0].Evaluate(&StageResult{ID: c.id, Stage: "s", Repeat: c.repeat, Metrics: ttft}, run)
		if res.Passed || res.Values["repeats.ttft.p99.hi"] != c.hi || !strings.HasPrefix(res.Error, c.err) || (c.err == "") != (res.Error == "") {
			t.Errorf("%s: %+v, want a failure reading %v with error %q", c.id, res, c.hi, c.err)
		}
	}
	noTPOT := Metrics{Completed: 1}
	run.Repeats[0].Metrics["tpot.p99"] = Interval{}
	th[0].program, _ = th[0].program.env.Compile("expr", "repeats.tpot.p99.hi < 500")
	if res, _ := th[0].Evaluate(&StageResult{ID: "s/safe/c1#2", Repeat: 2, Metrics: noTPOT}, run); res.Passed ||
		!strings.Contains(res.Error, "repeats.tpot.p99 has no interval: tpot.p99 is not measured") {
		t.Errorf("an interval over an absent metric must not pass: %+v", res)
	}
}

func TestRepeatsTypoIsRejectedWithAHint(t *testing.T) {
	_, err := LoadBytes("t.yaml", []byte(`
version: 1
stages:
  - name: s
    concurrency: 1
    requests: 1
    thresholds:
      - expr: repeats.ttft.p99.high < 500
`), os.LookupEnv)
	if err == nil || !strings.Contains(err.Error(), `repeats.ttft.p99.high`) || !strings.Contains(err.Error(), "repeats.ttft.p99.hi") {
		t.Fatalf("err = %v, want the unknown name and a hint", err)
	}
}
