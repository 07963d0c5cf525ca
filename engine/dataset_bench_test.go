package engine

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/dataset/synth"
)

// BenchmarkDatasetStage1GB streams a generated 1 GiB JSONL dataset through
// a real stage: `validate`'s index and walk, pre-flight's exact counting
// with /tokenize, and 50,000 chat requests of records in a seeded random
// order at concurrency 64 against the zero-latency simulator in the same
// process, requests.jsonl written. A child process runs it, so that its
// peak RSS (VmHWM) is the stage's alone, simulator included (an upper
// bound on the client's); the bound is 100 MB. Run it with
//
//	go test -run '^$' -bench DatasetStage1GB -benchtime 1x -timeout 30m ./engine
const (
	stageFileEnv  = "SERVEBENCH_DATASET_STAGE_SCENARIO"
	stageSize     = 1 << 30
	stageRequests = 50_000
	stageRSS      = 100_000_000
)

// stageResult is what the child measured.
type stageResult struct {
	LoadSeconds, RunSeconds, CPUSeconds float64
	Completed, Failed                   int
	Used, Skipped                       int
	Measured                            string
	PeakRSSBytes                        int64
}

func BenchmarkDatasetStage1GB(b *testing.B) {
	dir := b.TempDir()
	f, err := os.Create(filepath.Join(dir, "prompts.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	n, err := synth.PromptsJSONL(f, 14, stageSize)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		b.Fatal(err)
	}
	scenario := filepath.Join(dir, "stage.yaml")
	if err := os.WriteFile(scenario, []byte(fmt.Sprintf(`version: 1
name: dataset-stage
server: {builtin: {zero_latency: true, max_model_len: 8192}, metrics: {enabled: false}}
api: {endpoint: chat}
profiles:
  big: {dataset: {file: prompts.jsonl, format: jsonl, order: random, max_input: 1024, max_output: 128, output_tokens: 64}}
stages:
  - {name: stream, profile: big, concurrency: 64, requests: %d}
report: {dir: %s, formats: [json]}
`, stageRequests, dir)), 0o644); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d records", n)
	b.ResetTimer()
	for range b.N {
		res := runStageChild(b, scenario)
		b.ReportMetric(res.LoadSeconds, "load-s")
		b.ReportMetric(res.RunSeconds, "run-s")
		b.ReportMetric(res.CPUSeconds, "cpu-s")
		b.ReportMetric(float64(res.PeakRSSBytes)/(1<<20), "peak-RSS-MiB")
		b.Logf("%+v", res)
		if res.Completed != stageRequests || res.PeakRSSBytes >= stageRSS {
			b.Errorf("%d of %d requests completed, peak RSS %d bytes (budget %d)", res.Completed, stageRequests, res.PeakRSSBytes, stageRSS)
		}
	}
}

// runStageChild re-executes the test binary as TestDatasetStageChild.
func runStageChild(b *testing.B, scenario string) stageResult {
	cmd := exec.Command(os.Args[0], "-test.run=^TestDatasetStageChild$", "-test.v", "-test.timeout=30m")
	cmd.Env = append(os.Environ(), stageFileEnv+"="+scenario)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("child: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if js, ok := strings.CutPrefix(strings.TrimSpace(line), "stage-result: "); ok {
			var res stageResult
			if err := json.Unmarshal([]byte(js), &res); err != nil {
				b.Fatal(err)
			}
			return res
		}
	}
	b.Fatalf("child printed no result:\n%s", out)
	return stageResult{}
}

// TestDatasetStageChild is the child of BenchmarkDatasetStage1GB; it does
// nothing in a plain test run.
func TestDatasetStageChild(t *testing.T) {
	path := os.Getenv(stageFileEnv)
	if path == "" {
		t.Skip("the child of BenchmarkDatasetStage1GB")
	}
	var res stageResult
	start, cpu := time.Now(), processCPU()
	sc, err := schema.Load(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPlan(sc)
	if err != nil {
		t.Fatal(err)
	}
	res.LoadSeconds = time.Since(start).Seconds()
	start = time.Now()
	run, _, err := Execute(context.Background(), Options{Plan: p, Version: "bench"})
	if err != nil {
		t.Fatal(err)
	}
	res.RunSeconds, res.CPUSeconds = time.Since(start).Seconds(), (processCPU() - cpu).Seconds()
	st := run.Stages[0]
	res.Completed, res.Failed = st.Metrics.Completed, st.Metrics.Failed
	res.Used, res.Measured = st.Dataset.Used, st.Dataset.Measured
	for _, c := range st.Dataset.Skipped {
		res.Skipped += c
	}
	res.PeakRSSBytes = peakRSS(t)
	js, _ := json.Marshal(res)
	os.Stdout.WriteString("stage-result: " + string(js) + "\n")
}

// processCPU is the user and system CPU time of this process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS is this process's VmHWM (Linux /proc).
func peakRSS(t *testing.T) int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}
