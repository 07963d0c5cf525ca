package reports

import (
	"fmt"
	"time"

	"github.com/servebench/servebench/schema"
)

// matrixVariants are the fixture's 2×2 matrix: batch size × decode step,
// as scenarios/matrix.yaml crosses them on the simulator.
var matrixVariants = []struct {
	name   string
	batch  int
	stepMS float64
}{
	{"seqs4-step2ms", 4, 2},
	{"seqs4-step4ms", 4, 4},
	{"seqs16-step2ms", 16, 2},
	{"seqs16-step4ms", 16, 4},
}

// matrixLevel is one level of one variant, with numbers a continuous
// batching server would give: up to the batch size every request decodes
// at once; past it, requests queue and throughput stays at the batch's.
func matrixLevel(variant string, batch int, stepMS float64, c, i int) schema.StageResult {
	running := min(c, batch)
	tpot := stepMS + 0.1*float64(running)
	queued := float64(max(c-batch, 0)) / float64(batch)
	ttft := 3 + tpot*16*queued
	out := 1000 / tpot * float64(running)
	n := 32
	dur := float64(n*16) / out
	st := schema.StageResult{
		ID: fmt.Sprintf("%s/sweep/short/c%d", variant, c), Variant: variant, Stage: "sweep", Profile: "short",
		InputLen: 64, OutputLen: 16, Concurrency: c, PlannedRequests: n, Status: schema.StatusCompleted,
		StartedAt: fixedStart.Add(time.Duration(i) * 10 * time.Second),
		Metrics: schema.Metrics{
			Sent: n, Completed: n, DurationS: dur, TotalInputTokens: int64(n * 64), TotalOutputTokens: int64(n * 16),
			RequestThroughput: float64(n) / dur, OutputThroughput: out, TotalTokenThroughput: out * 5,
			Goodput: float64(n) / dur, TTFT: dist(ttft, n), TPOT: dist(tpot, n), ITL: dist(tpot, n*15),
			E2EL: dist(ttft+15*tpot, n), TokenSource: "usage", Exact: true,
		},
		Client: schema.ClientStats{TargetConcurrency: c, AchievedConcurrency: float64(c) * 0.95, MaxInFlight: c},
	}
	st.Server = &schema.ServerMetrics{Available: true, Series: []schema.Series{
		{Name: "kv_cache_usage", T: []float64{0, 0.5, 1}, Values: []float64{0.001, 0.004 * float64(running), 0.015}},
		{Name: "num_requests_running", T: []float64{0, 0.5, 1}, Values: []float64{0, float64(running), float64(running)}},
		{Name: "num_requests_waiting", T: []float64{0, 0.5, 1}, Values: []float64{0, float64(c - running), 0}},
	}}
	return st
}

// matrixRun is a matrix run of four variants over concurrency 1, 4 and 16,
// with its request records: the bigger batch saturates higher.
func matrixRun() (*schema.Run, []schema.RequestRecord) {
	run := &schema.Run{
		SchemaVersion: schema.RunSchemaVersion,
		Tool:          schema.Tool{Name: "servebench", Version: "0.1.0-test"},
		Name:          "matrix", StartedAt: fixedStart, EndedAt: fixedStart.Add(2 * time.Minute),
		Status: schema.StatusCompleted, Passed: true, Source: "servebench",
		Server: schema.ServerInfo{Kind: "builtin", Model: "sim-model"},
	}
	var recs []schema.RequestRecord
	i := 0
	for _, v := range matrixVariants {
		run.Variants = append(run.Variants, schema.VariantResult{Name: v.name, Status: schema.StatusCompleted,
			Axes:   []schema.AxisSetting{{Name: "seqs", Value: fmt.Sprint(v.batch)}, {Name: "step", Value: fmt.Sprintf("%gms", v.stepMS)}},
			Server: schema.ServerInfo{Kind: "builtin", Model: "sim-model"}})
		for _, c := range []int{1, 4, 16} {
			st := matrixLevel(v.name, v.batch, v.stepMS, c, i)
			run.Stages = append(run.Stages, st)
			recs = append(recs, levelRecords(&st)...)
			i++
		}
	}
	return run, recs
}

// levelRecords are a level's requests: c at a time, each taking its E2EL.
func levelRecords(st *schema.StageResult) []schema.RequestRecord {
	var out []schema.RequestRecord
	e2el, ttft := st.Metrics.E2EL.Median, st.Metrics.TTFT.Median
	for k := range st.PlannedRequests + 1 {
		r := schema.RequestRecord{Stage: st.ID, Variant: st.Variant, Index: max(k-1, 0), Warmup: k == 0,
			StartMS: float64(k/st.Concurrency) * e2el, TTFTMS: ttft + float64(k%3), E2ELMS: e2el + float64(k%5),
			RequestedInput: 64, RequestedOutput: 16, InputTokens: 64, OutputTokens: 16, TokenSource: "usage", FinishReason: "length"}
		out = append(out, r)
	}
	return out
}

// recordsOf is a Requests over a slice.
func recordsOf(recs []schema.RequestRecord) Requests {
	return func(fn func(schema.RequestRecord) error) error {
		for _, r := range recs {
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}
}
