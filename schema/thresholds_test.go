package schema

import (
	"errors"
	"strings"
	"testing"
)

func loadString(t *testing.T, src string) *Scenario {
	t.Helper()
	sc, err := LoadBytes("t.yaml", []byte(src), testEnv)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return sc
}

const thresholdScenario = `version: 1
stages:
  - name: sweep
    concurrency: [1, 8, 32]
    requests: 10
    thresholds:
      - name: stage only
        expr: e2el.p99_9 < 1000
  - name: other
    rate: 2
    duration: 5s
thresholds:
  - name: low concurrency
    when: concurrency <= 8
    expr: ttft.p99 < 500 && error_rate == 0
  - expr: server.kv_cache_usage.max < 0.9 && capacity.concurrency >= 16
  - expr: profile == "safe" && stage != ""
report:
  percentiles: [50, 99.9]
`

func sampleStage() *StageResult {
	return &StageResult{
		ID: "sweep/safe/c8", Stage: "sweep", Profile: "safe", Concurrency: 8,
		Metrics: Metrics{
			Sent: 10, Completed: 10, ErrorRate: 0,
			TTFT: Dist{Mean: 100, Percentiles: map[string]float64{"p99": 612}},
			E2EL: Dist{Percentiles: map[string]float64{"p99_9": 800}},
		},
		Server: &ServerMetrics{Gauges: map[string]Agg{"kv_cache_usage": {Max: 0.5}}},
	}
}

func TestThresholdEvaluate(t *testing.T) {
	sc := loadString(t, thresholdScenario)
	ths, err := CompileThresholds(sc)
	if err != nil {
		t.Fatal(err)
	}
	if len(ths) != 4 {
		t.Fatalf("want 4 thresholds, got %d", len(ths))
	}
	stage, low, server, strs := ths[3], ths[0], ths[1], ths[2]
	if stage.Stage != "sweep" || !stage.AppliesTo("sweep") || stage.AppliesTo("other") || !low.AppliesTo("other") {
		t.Fatalf("AppliesTo wrong: stage=%q", stage.Stage)
	}
	st := sampleStage()
	run := &Run{Capacity: []CapacityResult{{Dimension: "concurrency", Found: true, Value: 24}, {Dimension: "rate", Found: true, Value: 99}}}

	res, applies := low.Evaluate(st, run)
	if !applies || res.Passed {
		t.Fatalf("ttft.p99 612 < 500 must fail: %+v applies=%v", res, applies)
	}
	if res.Values["ttft.p99"] != 612 || res.Values["error_rate"] != 0 || len(res.Values) != 2 {
		t.Fatalf("values: %v", res.Values)
	}
	st.Metrics.TTFT.Percentiles["p99"] = 400
	if res, _ := low.Evaluate(st, run); !res.Passed {
		t.Fatalf("ttft.p99 400 < 500 must pass: %+v", res)
	}
	st.Concurrency = 32
	if _, applies := low.Evaluate(st, run); applies {
		t.Fatal("when: concurrency <= 8 must not apply at 32")
	}
	if got := strings.Join(low.Reads(), ","); got != "ttft.p99,error_rate,concurrency" {
		t.Errorf("Reads() = %s", got)
	}
	if res, _ := server.Evaluate(st, run); !res.Passed || res.Values["capacity.concurrency"] != 24 || res.Values["server.kv_cache_usage.max"] != 0.5 {
		t.Fatalf("server/capacity: %+v", res)
	}
	if res, _ := server.Evaluate(st, nil); res.Passed {
		t.Fatal("without a run, capacity.concurrency is 0 and the threshold must fail")
	}
	if res, _ := strs.Evaluate(st, run); !res.Passed {
		t.Fatalf("string metrics: %+v", res)
	}
	if res, _ := stage.Evaluate(st, run); !res.Passed || res.Values["e2el.p99_9"] != 800 {
		t.Fatalf("custom percentile: %+v", res)
	}
}

func TestThresholdMissingServerMetricsReadZero(t *testing.T) {
	sc := loadString(t, thresholdScenario)
	ths, _ := CompileThresholds(sc)
	st := sampleStage()
	st.Server = nil
	res, _ := ths[1].Evaluate(st, nil)
	if res.Values["server.kv_cache_usage.max"] != 0 {
		t.Fatalf("absent gauge must read 0: %v", res.Values)
	}
}

// TestThresholdClockBuiltinsDisabled keeps thresholds deterministic.
func TestThresholdClockBuiltinsDisabled(t *testing.T) {
	for _, e := range []string{"now().Year() > 2000", `date("2024-01-01").Year() > 2000`} {
		src := "version: 1\nstages: [{name: s, concurrency: 1, requests: 1}]\nthresholds:\n  - expr: '" + e + "'\n"
		_, err := LoadBytes("t.yaml", []byte(src), nil)
		if err == nil {
			t.Errorf("%s compiled", e)
		}
	}
}

func TestThresholdTooLarge(t *testing.T) {
	for reps, want := range map[int]string{60: "exceeds maximum allowed nodes", 200: "at most 2048 are allowed"} {
		e := strings.Repeat("ttft.p99 < 1 && ", reps) + "true"
		src := "version: 1\nstages: [{name: s, concurrency: 1, requests: 1}]\nthresholds:\n  - expr: " + e + "\n"
		_, err := LoadBytes("t.yaml", []byte(src), nil)
		var d *Diagnostics
		if !errors.As(err, &d) || !strings.Contains(d.List[0].Message, want) {
			t.Fatalf("%d terms: want %q, got %v", reps, want, err)
		}
	}
}

// TestMetricDocsMatchEnvironment: every documented name compiles, and every
// name of the environment is documented (they come from one tree).
func TestMetricDocsMatchEnvironment(t *testing.T) {
	if len(MetricDocs) < 60 {
		t.Fatalf("only %d metric docs", len(MetricDocs))
	}
	sc := loadString(t, "version: 1\nstages: [{name: s, concurrency: 1, requests: 1}]\n")
	for _, d := range MetricDocs {
		if d.Description == "" {
			t.Errorf("%s has no description", d.Name)
		}
		op := " >= 0"
		if d.Name == "profile" || d.Name == "stage" {
			op = ` != ""`
		}
		sc.Thresholds = []Threshold{{Expr: d.Name + op}}
		if _, err := CompileThresholds(sc); err != nil {
			t.Errorf("%s: %v", d.Name, err)
		}
	}
	var b strings.Builder
	if err := WriteMetricReference(&b); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"`ttft.p99`", "`server.kv_cache_usage.max`", "`capacity.rate`", "`goodput`", "`client.send_lag.p99`"} {
		if !strings.Contains(b.String(), name) {
			t.Errorf("reference lacks %s", name)
		}
	}
}

func BenchmarkCompileThresholds(b *testing.B) {
	sc, err := LoadBytes("t.yaml", []byte(thresholdScenario), nil)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := CompileThresholds(sc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvaluate(b *testing.B) {
	sc, _ := LoadBytes("t.yaml", []byte(thresholdScenario), nil)
	ths, _ := CompileThresholds(sc)
	st, run := sampleStage(), &Run{}
	for b.Loop() {
		ths[0].Evaluate(st, run)
	}
}
