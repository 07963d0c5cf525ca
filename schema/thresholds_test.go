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
			TTFT: Dist{Count: 10, Mean: 100, Percentiles: map[string]float64{"p99": 612}},
			E2EL: Dist{Count: 10, Percentiles: map[string]float64{"p99_9": 800}},
		},
		Server: &ServerMetrics{Available: true, Gauges: map[string]Agg{"kv_cache_usage": {Max: 0.5}}},
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

// TestThresholdOnAbsentMetricFails: a metric the stage did not measure is
// absent, and a threshold that reads it fails with an error naming it and
// why. Before, each of these read 0 and passed silently.
func TestThresholdOnAbsentMetricFails(t *testing.T) {
	noStream := false
	streamRun := &Run{}
	nonStreamRun := &Run{Scenario: &Scenario{API: API{Stream: &noStream}}}
	measured := func(st *StageResult) *StageResult {
		st.Metrics.Completed = 10
		st.Metrics.TTFT = Dist{Count: 10, Percentiles: map[string]float64{"p50": 1, "p99": 2}}
		return st
	}
	cases := []struct {
		name, expr, when string
		st               *StageResult
		run              *Run
		want             string
	}{
		{"tpot without streaming", "tpot.p99 < 50", "", measured(&StageResult{}), nonStreamRun,
			"tpot is not measured in this stage (non-streaming)"},
		{"itl without streaming", "itl.mean < 50", "", measured(&StageResult{}), nonStreamRun,
			"itl is not measured in this stage (non-streaming)"},
		{"tpot of one-token outputs", "tpot.p99 < 50", "", measured(&StageResult{}), streamRun,
			"tpot is not measured in this stage (no completed request streamed two or more output tokens in separate chunks)"},
		{"no request completed", "ttft.p99 < 500", "", &StageResult{}, streamRun,
			"ttft is not measured in this stage (no request completed)"},
		{"percentile not computed", "ttft.p90 < 500", "", measured(&StageResult{}), streamRun,
			"ttft.p90 was not computed in this stage"},
		{"send lag of a closed loop", "client.send_lag.p99 < 5", "", measured(&StageResult{}), streamRun,
			"client.send_lag is not measured in this stage (closed-loop stage"},
		{"server metrics off", "server.kv_cache_usage.max < 0.9", "", measured(&StageResult{}), streamRun,
			"server.kv_cache_usage was not scraped in this stage"},
		{"gauge not reported", "server.kv_cache_usage.max < 0.9", "",
			measured(&StageResult{Server: &ServerMetrics{Available: true}}), streamRun,
			"server.kv_cache_usage was not reported by the server's /metrics"},
		{"counter not scraped", "server.preemptions == 0", "",
			measured(&StageResult{Server: &ServerMetrics{Note: "connection refused"}}), streamRun,
			"server.preemptions was not scraped in this stage (connection refused)"},
		{"when reads an absent metric", "error_rate == 0", "tpot.p99 > 0", measured(&StageResult{}), nonStreamRun,
			"when: tpot is not measured in this stage (non-streaming)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc := loadString(t, "version: 1\nstages: [{name: s, concurrency: 1, requests: 1}]\n")
			sc.Thresholds = []Threshold{{Expr: c.expr, When: c.when}}
			ths, err := CompileThresholds(sc)
			if err != nil {
				t.Fatal(err)
			}
			res, applies := ths[0].Evaluate(c.st, c.run)
			if !applies || res.Passed || !strings.Contains(res.Error, c.want) {
				t.Fatalf("got passed=%v applies=%v error %q, want a failure saying %q", res.Passed, applies, res.Error, c.want)
			}
			for name, v := range res.Values {
				if strings.HasPrefix(c.want, strings.SplitN(name, ".", 2)[0]) {
					t.Errorf("absent %s reported with value %v", name, v)
				}
			}
		})
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
		if d.Name == "profile" || d.Name == "stage" || d.Name == "variant" {
			op = ` != ""`
		}
		// A summary row (ci.<metric>.lo) stands for every metric in its place.
		sc.Thresholds = []Threshold{{Expr: strings.ReplaceAll(d.Name, "<metric>", "ttft.p99") + op}}
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
