package vllmjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
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

// TestFileNames: the original name for a plain run; unique names when
// levels share a second (the old names let 2 profiles × c1, c4 × 2 repeats
// overwrite 3 of 8 files); a bounded name for any rate (1e308 made a name
// of 300 digits, "file name too long").
func TestFileNames(t *testing.T) {
	at := time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)
	level := func(stage, profile string, c int, rate float64, repeat int) schema.StageResult {
		return schema.StageResult{Stage: stage, Profile: profile, Concurrency: c, Rate: rate, Repeat: repeat, StartedAt: at}
	}
	cases := []struct {
		name   string
		stages []schema.StageResult
		want   []string
	}{
		{"one stage, one profile: the original names", []schema.StageResult{level("s", "p", 16, 0, 0), level("s", "p", 2, 2.5, 0)},
			[]string{"results_16_20260314-092653.json", "results_rate2.5_20260314-092653.json"}},
		{"profiles and repeats in one second", func() []schema.StageResult {
			var out []schema.StageResult
			for _, p := range []string{"safe", "balanced"} {
				for _, c := range []int{1, 4} {
					for r := 1; r <= 2; r++ {
						out = append(out, level("sweep", p, c, 0, r))
					}
				}
			}
			return out
		}(), []string{
			"results_1_20260314-092653_safe_r1.json", "results_1_20260314-092653_safe_r2.json",
			"results_4_20260314-092653_safe_r1.json", "results_4_20260314-092653_safe_r2.json",
			"results_1_20260314-092653_balanced_r1.json", "results_1_20260314-092653_balanced_r2.json",
			"results_4_20260314-092653_balanced_r1.json", "results_4_20260314-092653_balanced_r2.json"}},
		{"stages, and names a file cannot hold", []schema.StageResult{level("a b", "p", 1, 0, 0), level("a/b", "p", 1, 0, 0), level("..", "p", 1, 0, 0)},
			[]string{"results_1_20260314-092653_a-b.json", "results_1_20260314-092653_a-b-2.json", "results_1_20260314-092653_x...json"}},
		{"huge rate", []schema.StageResult{level("s", "p", 0, 1e308, 0)}, []string{"results_rate1e+308_20260314-092653.json"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := FileNames(&schema.Run{Stages: c.stages})
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("names\n got %v\nwant %v", got, c.want)
			}
		})
	}
}

// TestWriteFilesNeverOverwrites: an existing file keeps its content, the
// same result rendered again adds nothing, and a 1e308 rate writes.
func TestWriteFilesNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	st, run := sampleStage()
	run.Stages = []schema.StageResult{*st, *st}
	run.Stages[1].Rate = 1e308
	names := FileNames(run)
	if err := os.WriteFile(filepath.Join(dir, names[0]), []byte("someone else's result"), 0o644); err != nil {
		t.Fatal(err)
	}
	written, err := WriteFiles(dir, run)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{strings.TrimSuffix(names[0], ".json") + "-2.json", names[1]}
	if strings.Join(written, " ") != strings.Join(want, " ") {
		t.Errorf("wrote %v, want %v", written, want)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, names[0])); string(b) != "someone else's result" {
		t.Error("an existing file was overwritten")
	}
	again, err := WriteFiles(dir, run)
	if err != nil || strings.Join(again, " ") != strings.Join(want, " ") {
		t.Errorf("rendered again: %v, %v", again, err)
	}
	if files, _ := os.ReadDir(dir); len(files) != 3 {
		t.Errorf("%d files after rendering twice, want 3", len(files))
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
	f.Add([]byte(`{"completed": 2, "request_goodput:": 1.5, "max_concurrency": 2, "input_lens": [3, 4], "output_lens": [2, 0], ` +
		`"ttfts": [0.1, 0.0], "itls": [[0.01], []], "latencies": [0.2, 0.0], "start_times": [5.5, 5.25], "errors": ["", "Bad Request"]}`))
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
		for _, name := range schema.LatencyNames {
			d, _ := run.Stages[0].Metrics.Latency(name)
			if len(d.Percentiles) > maxImportPercentiles || (!d.Measured() && len(d.Percentiles) > 0) {
				t.Fatalf("%s: %d percentiles, count %d", name, len(d.Percentiles), d.Count)
			}
		}
		if names := FileNames(run); len(names[0]) > 200 {
			t.Fatalf("file name of %d bytes", len(names[0]))
		}
	})
}

// manyPercentiles is a vLLM-shaped result with n distinct TTFT percentile
// keys, the shape that once made the HTML report take over a minute.
func manyPercentiles(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"completed": 10, "failed": 0, "duration": 2, "max_concurrency": 4`)
	for _, m := range []string{"ttft", "tpot", "itl", "e2el"} {
		fmt.Fprintf(&b, `, "mean_%[1]s_ms": 10, "median_%[1]s_ms": 9, "std_%[1]s_ms": 1, "p99_%[1]s_ms": 20, "p100_%[1]s_ms": 30`, m)
	}
	for i := range n {
		fmt.Fprintf(&b, `, "p%s_ttft_ms": %d`, strconv.FormatFloat(float64(i+1)*99.0/float64(n+1), 'f', -1, 64), i)
	}
	b.WriteString("}")
	return b.Bytes()
}

// TestImportBoundsPercentiles: at most maxImportPercentiles per distribution
// survive an import, the defaults and the tail first, and the run says so.
func TestImportBoundsPercentiles(t *testing.T) {
	run, err := Import(bytes.NewReader(manyPercentiles(200_000)), "many.json")
	if err != nil {
		t.Fatal(err)
	}
	d := run.Stages[0].Metrics.TTFT
	if len(d.Percentiles) != maxImportPercentiles {
		t.Fatalf("kept %d percentiles, want %d", len(d.Percentiles), maxImportPercentiles)
	}
	if v, ok := d.P(99); !ok || v != 20 {
		t.Errorf("p99 = %v, %v: the defaults must be kept", v, ok)
	}
	notes := strings.Join(run.Notes, "\n")
	for _, want := range []string{"ttft: kept 32 of the file's 200001 percentiles", "ttft: ignored 1 percentile key(s)"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
}

// TestAbsentTravelsAsNull: an unmeasured TPOT is exported as null (never
// 0) under every key vLLM writes, and imported back as absent.
func TestAbsentTravelsAsNull(t *testing.T) {
	st, run := sampleStage()
	st.Metrics.TPOT = schema.Dist{}
	b, err := VLLM(st, run)
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := json.Unmarshal(b, &obj); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"mean_tpot_ms", "median_tpot_ms", "std_tpot_ms", "p50_tpot_ms", "p99_tpot_ms", "p99.9_tpot_ms"} {
		if v, ok := obj[k]; !ok || v != nil {
			t.Errorf("%s = %v (present %v), want null", k, v, ok)
		}
	}
	back, err := Import(bytes.NewReader(b), "rt")
	if err != nil {
		t.Fatal(err)
	}
	if m := back.Stages[0].Metrics; m.TPOT.Measured() || !m.TTFT.Measured() {
		t.Errorf("imported TPOT %+v TTFT count %d", m.TPOT, m.TTFT.Count)
	}
}
