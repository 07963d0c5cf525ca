package engine

// End-to-end tests of the features beyond the fixed-level sweep: capacity
// search, server metrics and repeated stages, each run against the built-in
// simulator (or a fake server) and checked in run.json (how reports render
// them is the reports' tests' business: engine and reports never meet).

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/servebench/servebench/schema"
)

// The saturation scenario: the simulator runs at most satSeqs sequences at
// once, and a decode step is slow enough that a request queued behind a full
// batch waits a whole generation. The TTFT bound is derived from the
// simulator's timing model (engine/sim/scheduler.go), not from a measurement:
//
//   - a step lasts decode_step + running·decode_per_seq + admitted prompt
//     tokens·prefill_per_token, so at most satStep below;
//   - at concurrency ≤ satSeqs every request is admitted at the next step
//     boundary, so its first token comes within two steps: ≤ 2·satStep;
//   - at concurrency > satSeqs the requests beyond the batch wait for the
//     first completion, satOutput steps after the start: the largest TTFT is
//     ≥ (satOutput−1)·satDecode. With satRequests values, p99 interpolates
//     0.89 of the way to the maximum, so p99 ≥ 0.85·(satOutput−1)·satDecode.
//
// satBound sits far from both: >10× the passing bound, so that a stall of
// this shared machine does not fail a level below saturation, and 1.6×
// below the failing one, a floor that stalls only raise.
const (
	satSeqs       = 8
	satDecode     = 10 * time.Millisecond
	satPerSeq     = 10 * time.Microsecond
	satPrefillTok = time.Microsecond
	satInput      = 8
	satOutput     = 48
	satRequests   = 12
	satStep       = satDecode + satSeqs*satPerSeq + satSeqs*satInput*satPrefillTok
	satPassMax    = 2 * satStep
	satFailMin    = (satOutput - 1) * satDecode * 85 / 100
	satBound      = 250 * time.Millisecond
)

func TestSaturationBoundSeparatesTheLevels(t *testing.T) {
	if !(satPassMax*5 < satBound && satBound*3/2 < satFailMin) {
		t.Fatalf("bound %v is not well between the passing TTFT ≤ %v and the failing p99 ≥ %v",
			satBound, satPassMax, satFailMin)
	}
}

func TestCapacitySearchFindsTheSimulatorSaturation(t *testing.T) {
	sc := scenario(t, fmt.Sprintf(`
version: 1
name: capacity
server:
  builtin: {max_num_seqs: %d, decode_step: %s, decode_per_seq: %s, prefill_per_token: %s}
profiles:
  p: {input: %d, output: %d}
thresholds:
  - name: capacity floor
    expr: capacity.concurrency >= %d
stages:
  - name: cap
    profile: p
    search:
      concurrency: {from: 8, to: 64}
      resolution: 1
      max_probes: 6
    requests: %d
    warmup: 0
    thresholds:
      - expr: ttft.p99 < %d
`, satSeqs, satDecode, satPerSeq, satPrefillTok, satInput, satOutput, satSeqs, satRequests, satBound.Milliseconds()))
	run, dir, err := execute(t, context.Background(), sc)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Capacity) != 1 {
		t.Fatalf("%d capacity results, want 1", len(run.Capacity))
	}
	c := run.Capacity[0]
	for _, p := range c.Probes {
		if st := stageByID(run, p.StageID); st != nil {
			t.Logf("probe c=%v passed=%v ttft.p99=%.1fms", p.Level, p.Passed, st.Metrics.TTFT.Percentiles["p99"])
		}
	}
	if !c.Found || math.Abs(c.Value-satSeqs) > c.Resolution || c.Resolution != 1 {
		t.Errorf("answer %v (found %v), want %d within the resolution %v", c.Value, c.Found, satSeqs, c.Resolution)
	}
	if c.FirstFailing <= c.Value || c.FirstFailing-c.Value > c.Resolution || !strings.Contains(c.FailedThreshold, "ttft.p99") {
		t.Errorf("first failing %v (%q), want within %v above %v and the ttft threshold",
			c.FirstFailing, c.FailedThreshold, c.Resolution, c.Value)
	}
	// A monotone SLO saturating at 8: sweep 8, 16, then bisect (8, 16).
	if got, want := probeLevels(c), []float64{8, 16, 12, 10, 9}; !slices.Equal(got, want) {
		t.Errorf("probes %v, want %v", got, want)
	}
	checkProbesAreStages(t, run, c, 6)
	if !run.Passed {
		t.Errorf("run failed, but only probes above the answer failed: %+v", run.Stages)
	}
	best := stageByID(run, c.Probes[slices.IndexFunc(c.Probes, func(p schema.Probe) bool { return p.Level == c.Value })].StageID)
	if r := thresholdByExpr(best, "capacity.concurrency >= 8"); r == nil || !r.Passed || r.Values["capacity.concurrency"] != satSeqs {
		t.Errorf("capacity threshold on the best probe: %+v", r)
	}
	if saved := readRunFile(t, dir); len(saved.Capacity) != 1 || len(saved.Capacity[0].Probes) != len(c.Probes) {
		t.Errorf("run.json capacity: %+v", saved.Capacity)
	}
}

func TestRateCapacitySearch(t *testing.T) {
	sc := scenario(t, `
version: 1
name: rate-capacity
server:
  builtin: {decode_step: 1ms, decode_per_seq: 10us, prefill_per_token: 1us}
profiles:
  p: {input: 8, output: 4}
thresholds:
  - expr: capacity.rate >= 40
stages:
  - name: rcap
    profile: p
    search:
      rate: {from: 20, to: 160}
      resolution: 10
      max_probes: 6
    requests: 6
    warmup: 0
    thresholds:
      - expr: rate <= 50
`)
	run, _, err := execute(t, context.Background(), sc)
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Capacity) != 1 {
		t.Fatalf("%d capacity results, want 1", len(run.Capacity))
	}
	c := run.Capacity[0]
	if c.Dimension != "rate" || !c.Found || math.Abs(c.Value-50) > c.Resolution || c.FirstFailing-c.Value > c.Resolution {
		t.Errorf("rate search: %+v, want about 50 within %v", c, c.Resolution)
	}
	if got, want := probeLevels(c), []float64{20, 40, 80, 60, 50}; !slices.Equal(got, want) {
		t.Errorf("probes %v, want %v", got, want)
	}
	checkProbesAreStages(t, run, c, 6)
	for _, p := range c.Probes {
		if st := stageByID(run, p.StageID); st == nil || st.Rate != p.Level || st.Metrics.Completed != 6 {
			t.Errorf("probe %v: stage %+v", p.Level, st)
		}
	}
	if !run.Passed {
		t.Error("run failed")
	}
}

func probeLevels(c schema.CapacityResult) []float64 {
	out := make([]float64, len(c.Probes))
	for i, p := range c.Probes {
		out[i] = p.Level
	}
	return out
}

// checkProbesAreStages checks that every probe is a stage result marked as
// a probe, and that the search kept within its probe budget.
func checkProbesAreStages(t *testing.T, run *schema.Run, c schema.CapacityResult, maxProbes int) {
	t.Helper()
	if len(c.Probes) == 0 || len(c.Probes) > maxProbes {
		t.Errorf("%d probes, want 1..%d", len(c.Probes), maxProbes)
	}
	probes := 0
	for _, st := range run.Stages {
		if st.Probe {
			probes++
		}
	}
	if probes != len(c.Probes) {
		t.Errorf("%d probe stages for %d probes", probes, len(c.Probes))
	}
	for _, p := range c.Probes {
		st := stageByID(run, p.StageID)
		if st == nil || !st.Probe || st.Passed() != p.Passed || st.Status != schema.StatusCompleted {
			t.Errorf("probe %v (%s): stage %+v", p.Level, p.StageID, st)
		}
	}
}

func stageByID(run *schema.Run, id string) *schema.StageResult {
	for i := range run.Stages {
		if run.Stages[i].ID == id {
			return &run.Stages[i]
		}
	}
	return nil
}

func thresholdByExpr(st *schema.StageResult, expr string) *schema.ThresholdResult {
	if st == nil {
		return nil
	}
	for i := range st.Thresholds {
		if st.Thresholds[i].Expr == expr {
			return &st.Thresholds[i]
		}
	}
	return nil
}

func TestServerMetricsOfTheSimulatorReachRunJSONAndReports(t *testing.T) {
	sc := scenario(t, `
version: 1
name: server-metrics
server:
  builtin: {decode_step: 2ms, decode_per_seq: 10us, prefill_per_token: 1us}
  metrics: {interval: 20ms}
profiles:
  p: {input: 32, output: 16}
thresholds:
  - expr: server.num_requests_running.max >= 1
stages:
  - name: s
    profile: p
    concurrency: 4
    requests: 40
    warmup: 0
`)
	run, dir, err := execute(t, context.Background(), sc)
	if err != nil {
		t.Fatal(err)
	}
	st := readRunFile(t, dir).Stages[0]
	sm := st.Server
	if sm == nil || !sm.Available {
		t.Fatalf("run.json has no server metrics: %+v (notes %v)", sm, run.Notes)
	}
	for _, name := range []string{"kv_cache_usage", "num_requests_running", "num_requests_waiting"} {
		i := slices.IndexFunc(sm.Series, func(s schema.Series) bool { return s.Name == name })
		if i < 0 || len(sm.Series[i].T) < 2 || len(sm.Series[i].T) != len(sm.Series[i].Values) {
			t.Errorf("series %s missing or shorter than two samples: %+v", name, sm.Series)
		}
	}
	if g := sm.Gauges["num_requests_running"]; g.Max < 1 || g.Max > 4 {
		t.Errorf("num_requests_running max %v, want 1..4 (the concurrency)", g.Max)
	}
	if g := sm.Gauges["kv_cache_usage"]; g.Max <= 0 || g.Max > 1 {
		t.Errorf("kv_cache_usage max %v, want in (0, 1]", g.Max)
	}
	// The simulator counts a request's tokens just after its last chunk, so
	// the final scrape may miss the requests still in flight at the end:
	// at most one per concurrency slot.
	m := st.Metrics
	t.Logf("%d series, gauges %+v, counters %v; client saw %d output and %d input tokens",
		len(sm.Series), sm.Gauges, sm.Counters, m.TotalOutputTokens, m.TotalInputTokens)
	checkCounter(t, "generation_tokens", sm.Counters["generation_tokens"], float64(m.TotalOutputTokens), 4*16)
	checkCounter(t, "prompt_tokens", sm.Counters["prompt_tokens"], float64(m.TotalInputTokens), 4*32)
	th := thresholdByExpr(&run.Stages[0], "server.num_requests_running.max >= 1")
	if th == nil || !th.Passed || th.Values["server.num_requests_running.max"] != sm.Gauges["num_requests_running"].Max {
		t.Errorf("server threshold: %+v, gauges %+v", th, sm.Gauges)
	}
}

func checkCounter(t *testing.T, name string, got, want, slack float64) {
	t.Helper()
	if want <= 0 || got > want || got < want-slack {
		t.Errorf("server counter %s increased by %v, want %v (at most %v less)", name, got, want, slack)
	}
}

func TestServerWithoutMetricsGetsANote(t *testing.T) {
	url := startFake(t, &fakeServer{ttft: time.Millisecond, itl: time.Millisecond, maxModelLen: 4096})
	sc := fakeScenario(t, "no-metrics", url, `
profiles:
  p: {input: 4, output: 4}
stages:
  - name: s
    profile: p
    concurrency: 2
    requests: 4
`)
	_, dir, err := execute(t, context.Background(), sc)
	if err != nil {
		t.Fatal(err)
	}
	saved := readRunFile(t, dir)
	if !saved.Passed || saved.Status != schema.StatusCompleted || saved.Stages[0].Metrics.Completed != 4 {
		t.Errorf("run: passed %v status %q stages %+v", saved.Passed, saved.Status, saved.Stages)
	}
	if len(saved.Notes) != 1 || !strings.Contains(saved.Notes[0], "/metrics") || !strings.Contains(saved.Notes[0], "not collected") {
		t.Errorf("notes %q, want one saying /metrics was not collected", saved.Notes)
	}
	t.Logf("note: %s", saved.Notes[0])
	if saved.Stages[0].Server != nil {
		t.Errorf("stage has server metrics from a server without /metrics: %+v", saved.Stages[0].Server)
	}
}

// repeatScenario repeats one level n times on a simulator that fails 30% of
// requests. At concurrency 1 the simulator sees the same request sequence in
// every run, and its fault decisions follow the seed and the arrival index,
// so each repeat's error rate is a fixed number: the intervals below depend
// on the shape of the data, never on this machine's timing. The seed is one
// whose first arrival, the pre-flight probe, draws no fault (a failed probe
// stops the run before stage one).
func repeatScenario(t *testing.T, n int) *schema.Scenario {
	return scenario(t, fmt.Sprintf(`
version: 1
name: repeats
seed: 1
server:
  builtin: {decode_step: 1ms, decode_per_seq: 10us, prefill_per_token: 1us, faults: {error_rate: 0.3}}
profiles:
  p: {input: 8, output: 4}
stages:
  - name: r
    profile: p
    concurrency: 1
    requests: 20
    warmup: 0
    repeat: %d
    thresholds:
      - {name: holds, expr: repeats.error_rate.hi < 0.9}
      - {name: fails, expr: repeats.error_rate.lo > 0.9}
`, n))
}

func TestRepeatIntervalsShrinkAndGateThresholds(t *testing.T) {
	width := map[int]float64{}
	rates := map[int][]float64{}
	for _, n := range []int{3, 8} {
		run, dir, err := execute(t, context.Background(), repeatScenario(t, n))
		if err != nil {
			t.Fatal(err)
		}
		iv := checkRepeatRun(t, run, n)
		width[n] = iv.Hi - iv.Lo
		for _, st := range run.Stages {
			rates[n] = append(rates[n], st.Metrics.ErrorRate)
		}
		t.Logf("repeat %d: error rates %v -> mean %.4f, 95%% interval [%.4f, %.4f]", n, rates[n], iv.Mean, iv.Lo, iv.Hi)
		if saved := readRunFile(t, dir); len(saved.Repeats) != 1 || saved.Repeats[0].Metrics["error_rate"] != iv {
			t.Errorf("run.json repeats %+v, want the error_rate interval %+v", saved.Repeats, iv)
		}
	}
	if !slices.Equal(rates[3], rates[8][:3]) {
		t.Fatalf("the first repeats differ between runs (%v vs %v): the data is not reproducible", rates[3], rates[8][:3])
	}
	if !(width[8] < width[3]) || width[8] <= 0 {
		t.Errorf("interval width with 8 repeats %.4f, with 3 repeats %.4f: want narrower with more repeats", width[8], width[3])
	}
}

// checkRepeatRun checks the run's summary of its one repeated level and that
// thresholds on repeats.* were judged once, on the last repeat, against it.
func checkRepeatRun(t *testing.T, run *schema.Run, n int) schema.Interval {
	t.Helper()
	if len(run.Stages) != n || len(run.Repeats) != 1 {
		t.Fatalf("%d stages and %d repeat summaries, want %d and 1", len(run.Stages), len(run.Repeats), n)
	}
	sum := run.Repeats[0]
	if sum.Key != "r/p/c1" || sum.N != n || sum.Level != 0.95 || len(sum.Metrics) != len(schema.RepeatedMetrics) {
		t.Errorf("summary %+v", sum)
	}
	iv := sum.Metrics["error_rate"]
	var mean float64
	for _, st := range run.Stages {
		mean += st.Metrics.ErrorRate / float64(n)
	}
	if math.Abs(iv.Mean-mean) > 1e-12 || !(iv.Lo <= iv.Mean && iv.Mean <= iv.Hi) {
		t.Errorf("error_rate interval %+v, want around the mean of the repeats %v", iv, mean)
	}
	for i, st := range run.Stages[:n-1] {
		if len(st.Thresholds) != 0 {
			t.Errorf("repeat %d judged %+v before every repeat was known", i+1, st.Thresholds)
		}
	}
	last := &run.Stages[n-1]
	holds, fails := thresholdByExpr(last, "repeats.error_rate.hi < 0.9"), thresholdByExpr(last, "repeats.error_rate.lo > 0.9")
	if len(last.Thresholds) != 2 || holds == nil || fails == nil {
		t.Fatalf("last repeat thresholds %+v, want the two on repeats", last.Thresholds)
	}
	if !holds.Passed || holds.Values["repeats.error_rate.hi"] != iv.Hi {
		t.Errorf("repeats.error_rate.hi < 0.9: %+v, want passed reading %v", holds, iv.Hi)
	}
	if fails.Passed || fails.Values["repeats.error_rate.lo"] != iv.Lo {
		t.Errorf("repeats.error_rate.lo > 0.9: %+v, want failed reading %v", fails, iv.Lo)
	}
	if run.Passed {
		t.Error("run passed although a threshold on repeats failed")
	}
	return iv
}

// When even the lowest level fails there is no answer, and a threshold on it
// must fail the run rather than go unchecked.
func TestCapacityThresholdFailsWhenNoLevelPasses(t *testing.T) {
	sc := scenario(t, `
version: 1
name: no-capacity
server:
  builtin: {decode_step: 1ms, decode_per_seq: 10us, prefill_per_token: 1us}
profiles:
  p: {input: 8, output: 4}
thresholds:
  - expr: capacity.rate >= 20
stages:
  - name: rcap
    profile: p
    search:
      rate: {from: 20, to: 80}
    requests: 4
    warmup: 0
    thresholds:
      - expr: rate <= 10
`)
	run, _, err := execute(t, context.Background(), sc)
	if err != nil {
		t.Fatal(err)
	}
	c := run.Capacity[0]
	if c.Found || c.FirstFailing != 20 || len(c.Probes) != 1 {
		t.Fatalf("capacity %+v, want nothing found and 20 failing", c)
	}
	r := thresholdByExpr(stageByID(run, c.Probes[0].StageID), "capacity.rate >= 20")
	if r == nil || r.Passed || r.Values["capacity.rate"] != 0 {
		t.Errorf("capacity threshold on the failing probe: %+v", r)
	}
	if run.Passed {
		t.Error("run passed although the capacity threshold failed")
	}
}

func TestRepeatsThresholdOnAStageThatDoesNotRepeatIsNoted(t *testing.T) {
	sc := scenario(t, `
version: 1
name: once
server:
  builtin: {decode_step: 1ms, decode_per_seq: 10us, prefill_per_token: 1us}
profiles:
  p: {input: 8, output: 4}
thresholds:
  - expr: repeats.ttft.p99.hi < 1
stages:
  - name: s
    profile: p
    concurrency: [1, 2]
    requests: 2
`)
	run, _, err := execute(t, context.Background(), sc)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range run.Stages {
		if len(st.Thresholds) != 0 {
			t.Errorf("%s judged %+v without repeats", st.ID, st.Thresholds)
		}
	}
	if len(run.Notes) != 1 || !strings.Contains(run.Notes[0], `stage "s" does not repeat`) {
		t.Errorf("notes %q, want one saying the stage does not repeat", run.Notes)
	}
}
