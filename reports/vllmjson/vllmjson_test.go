package vllmjson

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/servebench/servebench/schema"
)

func sampleStage() (*schema.StageResult, *schema.Run) {
	d := func(b float64) schema.Dist {
		return schema.Dist{Count: 20, Mean: b, Median: b * 0.9, Std: b / 10, Min: b / 2, Max: b * 2,
			Percentiles: map[string]float64{"p50": b * 0.9, "p90": b * 1.5, "p99": b * 1.9, "p99_9": b * 1.99}}
	}
	st := &schema.StageResult{ID: "sweep/safe/c8", Stage: "sweep", Profile: "safe", Concurrency: 8, Status: "completed",
		StartedAt: time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC),
		Metrics: schema.Metrics{Sent: 20, Completed: 19, Failed: 1, DurationS: 14.5, TotalInputTokens: 4864, TotalOutputTokens: 2432,
			RequestThroughput: 19 / 14.5, OutputThroughput: 2432 / 14.5, TotalTokenThroughput: 7296 / 14.5, Goodput: 1.2,
			GoodputSLO: &schema.SLO{TTFT: schema.Duration(time.Second)},
			TTFT:       d(200), TPOT: d(40), ITL: d(39), E2EL: d(5300)}}
	run := &schema.Run{Name: "sweep-run", Server: schema.ServerInfo{Model: "openai/gpt-oss-120b"},
		Scenario: &schema.Scenario{API: schema.API{Endpoint: "completions"}}}
	return st, run
}

// orderedKeys lists the keys of a JSON object in file order.
func orderedKeys(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// TestVLLMKeys pins the exact key set and order `vllm bench serve
// --save-result` writes, so scripts reading results_*.json keep working.
func TestVLLMKeys(t *testing.T) {
	st, run := sampleStage()
	b, err := VLLM(st, run)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"date", "endpoint_type", "backend", "label", "model_id", "tokenizer_id", "num_prompts",
		"request_rate", "burstiness", "max_concurrency", "duration", "completed", "failed",
		"total_input_tokens", "total_output_tokens", "request_throughput", "request_goodput",
		"output_throughput", "total_token_throughput"}
	for _, m := range []string{"ttft", "tpot", "itl", "e2el"} {
		want = append(want, "mean_"+m+"_ms", "median_"+m+"_ms", "std_"+m+"_ms",
			"p50_"+m+"_ms", "p90_"+m+"_ms", "p99_"+m+"_ms", "p99.9_"+m+"_ms")
	}
	got := orderedKeys(t, b)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("keys differ\n got: %v\nwant: %v", got, want)
	}
	var obj map[string]any
	if err := json.Unmarshal(b, &obj); err != nil {
		t.Fatal(err)
	}
	if obj["request_rate"] != "inf" || obj["max_concurrency"] != 8.0 || obj["date"] != "20260314-092653" || obj["backend"] != "openai" {
		t.Errorf("setup values wrong: rate=%v max_concurrency=%v date=%v backend=%v",
			obj["request_rate"], obj["max_concurrency"], obj["date"], obj["backend"])
	}
}

func TestVLLMFileName(t *testing.T) {
	at := time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)
	st := &schema.StageResult{Concurrency: 16}
	if got := VLLMFileName(st, at); got != "results_16_20260314-092653.json" {
		t.Errorf("closed loop: got %q", got)
	}
	st = &schema.StageResult{Rate: 2.5, Concurrency: 16}
	if got := VLLMFileName(st, at); got != "results_rate2.5_20260314-092653.json" {
		t.Errorf("open loop: got %q", got)
	}
}

// TestRoundTrip exports a stage and imports it back: every number vLLM's
// format carries must survive.
func TestRoundTrip(t *testing.T) {
	st, run := sampleStage()
	b, err := VLLM(st, run)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Import(bytes.NewReader(b), "rt")
	if err != nil {
		t.Fatal(err)
	}
	got := back.Stages[0]
	if got.Concurrency != 8 || got.Rate != 0 || got.Metrics.Completed != 19 || got.Metrics.Failed != 1 {
		t.Errorf("load or counts lost: %+v", got)
	}
	for _, m := range []struct {
		name      string
		got, want schema.Dist
	}{{"ttft", got.Metrics.TTFT, st.Metrics.TTFT}, {"itl", got.Metrics.ITL, st.Metrics.ITL}, {"e2el", got.Metrics.E2EL, st.Metrics.E2EL}} {
		if m.got.Mean != m.want.Mean || m.got.Std != m.want.Std || len(m.got.Percentiles) != len(m.want.Percentiles) {
			t.Errorf("%s: got %+v want %+v", m.name, m.got, m.want)
		}
		for k, v := range m.want.Percentiles {
			if m.got.Percentiles[k] != v {
				t.Errorf("%s %s: got %v want %v", m.name, k, m.got.Percentiles[k], v)
			}
		}
	}
	if got.Metrics.Goodput != 1.2 || back.Server.Model != "openai/gpt-oss-120b" {
		t.Errorf("goodput %v model %q", got.Metrics.Goodput, back.Server.Model)
	}
}

func TestImportVLLMFiles(t *testing.T) {
	run := importFile(t, "vllm_c8.json")
	st := run.Stages[0]
	if run.Source != ImportSource || st.Stage != ImportStage || st.Concurrency != 8 || st.Rate != 0 {
		t.Errorf("closed-loop import: source %q stage %q c=%d r=%v", run.Source, st.Stage, st.Concurrency, st.Rate)
	}
	if p99, _ := st.Metrics.TTFT.P(99); math.Abs(p99-441.06230212) > 1e-9 {
		t.Errorf("ttft p99 = %v", p99)
	}
	if st.Metrics.Goodput != st.Metrics.RequestThroughput {
		t.Error("null request_goodput must mean goodput = request throughput")
	}
	if st.InputLen != 256 || st.OutputLen != 128 || !run.StartedAt.Equal(time.Date(2025, 9, 12, 14, 15, 3, 0, time.UTC)) {
		t.Errorf("lengths %d/%d started %v", st.InputLen, st.OutputLen, run.StartedAt)
	}

	rate := importFile(t, "vllm_rate4.json").Stages[0]
	if rate.Rate != 4 || rate.Concurrency != 0 || rate.Burstiness != 0.5 || rate.ID != "vllm/imported/r4" {
		t.Errorf("open-loop import: %+v", rate)
	}
	if v, ok := rate.Metrics.TTFT.P(99.9); !ok || v != 902.5 {
		t.Errorf("p99.9 ttft = %v, %v", v, ok)
	}
	if rate.Metrics.Goodput != 3.1 || math.Abs(rate.Metrics.ErrorRate-0.02) > 1e-12 {
		t.Errorf("goodput %v error rate %v", rate.Metrics.Goodput, rate.Metrics.ErrorRate)
	}
}

func importFile(t *testing.T, name string) *schema.Run {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	run, err := Import(f, name)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func TestImportErrors(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"not json", `completed: 3`, `vllm result "x.json" is not a JSON object`},
		{"array", `[1,2]`, `is not a JSON object`},
		{"wrong type", `{"completed": "many"}`, `key "completed": want a number, got "many"`},
		{"negative", `{"completed": -1}`, `key "completed": want a non-negative integer, got -1`},
		{"not vllm", `{"hello": 1}`, `has no "completed" key`},
		{"string model", `{"completed": 1, "model_id": 5}`, `key "model_id": want a string, got 5`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Import(strings.NewReader(c.in), "x.json")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got error %v, want it to contain %q", err, c.want)
			}
		})
	}
}

// FuzzImport: no input may panic Import, and whatever it accepts must be a
// run the reports can encode (finite numbers, one stage).
func FuzzImport(f *testing.F) {
	for _, name := range []string{"vllm_c8.json", "vllm_rate4.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"completed": 1e400}`))
	f.Add([]byte(`{"completed": 3, "p_ttft_ms": 1, "p99.9.9_itl_ms": 2, "pNaN_tpot_ms": 3, "request_rate": "INF"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		run, err := Import(bytes.NewReader(in), "fuzz.json")
		if err != nil {
			return
		}
		if len(run.Stages) != 1 {
			t.Fatalf("imported %d stages", len(run.Stages))
		}
		if _, err := json.Marshal(run); err != nil {
			t.Fatalf("imported run does not encode: %v", err)
		}
		if !regexp.MustCompile(`^vllm/imported/(c\d+|r.+)$`).MatchString(run.Stages[0].ID) {
			t.Fatalf("odd stage id %q", run.Stages[0].ID)
		}
	})
}
