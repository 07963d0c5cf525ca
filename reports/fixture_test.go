package reports

import (
	"fmt"
	"time"

	"github.com/servebench/servebench/schema"
)

// fixedStart is the fixture clock: golden files must not depend on time.Now.
var fixedStart = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

// dist builds a plausible latency distribution around base milliseconds.
func dist(base float64, n int) schema.Dist {
	return schema.Dist{
		Count: n, Mean: base * 1.1, Median: base, Std: base * 0.2, Min: base * 0.6, Max: base * 2.5,
		Percentiles: map[string]float64{"p50": base, "p90": base * 1.6, "p95": base * 1.8, "p99": base * 2.2},
	}
}

// fixtureStage is a closed-loop (rate == 0) or open-loop stage level whose
// numbers grow with load the way a real server's do.
func fixtureStage(stage, profile string, c int, rate float64, i int) schema.StageResult {
	load := float64(c)
	if rate > 0 {
		load = rate * 2
	}
	if profile == "balanced" {
		load *= 1.4 // longer sequences cost more at the same level
	}
	id := fmt.Sprintf("%s/%s/c%d", stage, profile, c)
	if rate > 0 {
		id = fmt.Sprintf("%s/%s/r%g", stage, profile, rate)
	}
	n := 40
	dur := 20 + load
	return schema.StageResult{
		ID: id, Stage: stage, Profile: profile, InputLen: 256, OutputLen: 128,
		Concurrency: c, Rate: rate, PlannedRequests: n, Status: schema.StatusCompleted,
		StartedAt: fixedStart.Add(time.Duration(i) * time.Minute),
		Metrics: schema.Metrics{
			Sent: n, Completed: n, DurationS: dur,
			TotalInputTokens: int64(n * 256), TotalOutputTokens: int64(n * 128),
			RequestThroughput: float64(n) / dur, OutputThroughput: float64(n*128) / dur,
			TotalTokenThroughput: float64(n*384) / dur, Goodput: float64(n) / dur * 0.9,
			TTFT: dist(40+8*load, n), TPOT: dist(9+0.5*load, n), ITL: dist(9+0.4*load, n*127),
			E2EL: dist(1200+70*load, n), TokenSource: "usage", Exact: true,
			MeanInputLen: 256, MeanOutputLen: 128,
		},
		Client: schema.ClientStats{TargetConcurrency: c, AchievedConcurrency: load * 0.97, MaxInFlight: c},
		Thresholds: []schema.ThresholdResult{
			{Name: "ttft p99 under 300ms", Expr: "ttft.p99 < 300", Passed: (40+8*load)*2.2 < 300,
				Values: map[string]float64{"ttft.p99": (40 + 8*load) * 2.2}},
			{Expr: "error_rate < 0.01", Passed: true, Values: map[string]float64{"error_rate": 0}},
		},
	}
}

// fixtureRun is the fixed run every golden file renders: a concurrency sweep
// over two profiles, a rate stage with failures and server series, and a
// capacity search.
func fixtureRun() *schema.Run {
	run := &schema.Run{
		SchemaVersion: schema.RunSchemaVersion,
		Tool:          schema.Tool{Name: "servebench", Version: "0.1.0-test"},
		Name:          "gpt-oss-sweep",
		ScenarioFile:  "scenarios/gpt-oss-120b.yaml",
		StartedAt:     fixedStart, EndedAt: fixedStart.Add(9*time.Minute + 30*time.Second),
		Status:      schema.StatusCompleted,
		Environment: schema.Environment{Hostname: "gpu-box-1", OS: "linux", Arch: "amd64", CPUs: 32},
		Server: schema.ServerInfo{Kind: "command", URL: "http://127.0.0.1:8000", Model: "openai/gpt-oss-120b",
			MaxModelLen: 896, Version: "0.11.0", Command: []string{"vllm", "serve", "openai/gpt-oss-120b"}},
		Source: "servebench",
	}
	run.Scenario = &schema.Scenario{Version: 1, Name: run.Name, Model: schema.Model{Name: "openai/gpt-oss-120b", MaxModelLen: 896},
		Stages: []schema.Stage{{Name: "sweep", Profile: schema.ProfileRef{"safe", "balanced"},
			Concurrency: &schema.Levels{Values: []int{1, 4, 8}}, Requests: 40}},
		Thresholds: []schema.Threshold{{Name: "ttft p99 under 300ms", Expr: "ttft.p99 < 300"}, {Expr: "error_rate < 0.01"}}}
	i := 0
	for _, p := range []string{"safe", "balanced"} {
		for _, c := range []int{1, 4, 8} {
			run.Stages = append(run.Stages, fixtureStage("sweep", p, c, 0, i))
			i++
		}
	}
	rate := fixtureStage("open", "safe", 16, 2.5, i)
	rate.Distribution = schema.DistPoisson
	rate.Burstiness = 1
	rate.Metrics.Failed, rate.Metrics.Sent, rate.Metrics.ErrorRate = 3, 43, 3.0/43
	rate.Failures = []schema.FailureCount{
		{Kind: schema.FailServerError, Status: 500, Count: 2, Example: "Internal Server Error: CUDA out of memory"},
		{Kind: schema.FailTimeout, Count: 1, Example: "request timeout after 5m0s"},
	}
	rate.Thresholds[1] = schema.ThresholdResult{Expr: "error_rate < 0.01", Passed: false,
		Values: map[string]float64{"error_rate": 3.0 / 43}}
	rate.Warnings = []string{"achieved rate 2.31/s is 8% below the target 2.5/s"}
	rate.Server = &schema.ServerMetrics{Available: true,
		Series: []schema.Series{
			{Name: "kv_cache_usage", T: []float64{0, 1, 2, 3, 4}, Values: []float64{0.05, 0.32, 0.51, 0.63, 0.58}},
			{Name: "num_requests_running", T: []float64{0, 1, 2, 3, 4}, Values: []float64{0, 4, 7, 9, 8}},
			{Name: "num_requests_waiting", T: []float64{0, 1, 2, 3, 4}, Values: []float64{0, 0, 1, 3, 2}},
		},
		Gauges:   map[string]schema.Agg{"kv_cache_usage": {Min: 0.05, Max: 0.63, Mean: 0.42, Last: 0.58}},
		Counters: map[string]float64{"prompt_tokens": 11008, "generation_tokens": 5120}}
	run.Stages = append(run.Stages, rate)
	probe := fixtureStage("capacity", "safe", 12, 0, i+1)
	probe.Probe = true
	run.Stages = append(run.Stages, probe)
	run.Capacity = []schema.CapacityResult{{Stage: "capacity", Dimension: "concurrency", Found: true, Value: 12,
		FirstFailing: 14, FailedThreshold: "ttft p99 under 300ms", Resolution: 2,
		Probes: []schema.Probe{{Level: 8, Passed: true, StageID: "capacity/safe/c8"}, {Level: 16, Passed: false, StageID: "capacity/safe/c16"},
			{Level: 12, Passed: true, StageID: "capacity/safe/c12"}, {Level: 14, Passed: false, StageID: "capacity/safe/c14"}}}}
	run.Passed = false
	return run
}

// interruptedRun is the fixture cut short by Ctrl-C in its last stage.
func interruptedRun() *schema.Run {
	run := fixtureRun()
	run.Status = schema.StatusInterrupted
	run.Error = "interrupted by signal: interrupt"
	last := &run.Stages[len(run.Stages)-1]
	last.Status = schema.StatusInterrupted
	last.StopReason = "context canceled after 17 of 40 requests"
	return run
}
