package engine

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/servebench/servebench/schema"
)

func scenario(t *testing.T, src string) *schema.Scenario {
	t.Helper()
	sc, err := schema.LoadBytes("test.yaml", []byte(strings.TrimLeft(src, "\n")), os.LookupEnv)
	if err != nil {
		t.Fatalf("scenario: %v", err)
	}
	sc.Report.Dir = t.TempDir()
	return sc
}

func execute(t *testing.T, ctx context.Context, sc *schema.Scenario) (*schema.Run, string, error) {
	t.Helper()
	p, err := NewPlan(sc)
	if err != nil {
		t.Fatal(err)
	}
	return Execute(ctx, Options{Plan: p, Version: "test"})
}

// readRecords reads requests.jsonl of a run directory.
func readRecords(t testing.TB, dir string) []schema.RequestRecord {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "requests.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []schema.RequestRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r schema.RequestRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("requests.jsonl line %d: %v", len(out)+1, err)
		}
		out = append(out, r)
	}
	return out
}

func readRunFile(t *testing.T, dir string) *schema.Run {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r schema.Run
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("run.json: %v", err)
	}
	return &r
}

func TestBuiltinSweepSavesEverything(t *testing.T) {
	sc := scenario(t, `
version: 1
name: sweep
server:
  builtin: {decode_step: 1ms, decode_per_seq: 10us, prefill_per_token: 1us}
model: {max_model_len: 512}
profiles:
  tiny: {input: 32, output: 16}
stages:
  - name: sweep
    profile: tiny
    concurrency: [1, 4]
    requests: 12
    warmup: 2
thresholds:
  - expr: error_rate == 0
  - name: never
    when: concurrency > 100
    expr: completed < 0
`)
	run, dir, err := execute(t, context.Background(), sc)
	if err != nil {
		t.Fatalf("execute: %v", err)
	}
	if run.Status != schema.StatusCompleted || !run.Passed {
		t.Fatalf("status %q passed %v: %s", run.Status, run.Passed, run.Error)
	}
	saved := readRunFile(t, dir)
	checkRunSchema(t, dir)
	if len(saved.Stages) != 2 {
		t.Fatalf("%d stages saved, want 2", len(saved.Stages))
	}
	for _, st := range saved.Stages {
		m := st.Metrics
		if m.Completed != 12 || m.Failed != 0 || m.Sent != 12 {
			t.Errorf("%s: completed %d failed %d sent %d, want 12/0/12", st.ID, m.Completed, m.Failed, m.Sent)
		}
		if m.TotalOutputTokens != 12*16 || m.TotalInputTokens != 12*32 {
			t.Errorf("%s: tokens in %d out %d, want %d/%d", st.ID, m.TotalInputTokens, m.TotalOutputTokens, 12*32, 12*16)
		}
		if m.TokenSource != "usage" {
			t.Errorf("%s: token source %q, want usage", st.ID, m.TokenSource)
		}
		if len(st.Thresholds) != 1 || !st.Thresholds[0].Passed {
			t.Errorf("%s: thresholds %+v, want the one global threshold, passed", st.ID, st.Thresholds)
		}
	}
	recs := readRecords(t, dir)
	if len(recs) != 2*(12+2) {
		t.Fatalf("%d request records, want %d (warmup included)", len(recs), 2*(12+2))
	}
	if run.Server.Kind != schema.ServerBuiltin || run.Server.MaxModelLen != 512 {
		t.Errorf("server info %+v", run.Server)
	}
}

func TestControlledDelaysAreMeasured(t *testing.T) {
	f := &fakeServer{ttft: 50 * time.Millisecond, itl: 10 * time.Millisecond, maxModelLen: 4096}
	url := startFake(t, f)
	sc := fakeScenario(t, "delays", url, `
profiles:
  p: {input: 8, output: 11}
stages:
  - name: s
    profile: p
    concurrency: 4
    requests: 16
`)
	run, _, err := execute(t, context.Background(), sc)
	if err != nil {
		t.Fatal(err)
	}
	m := run.Stages[0].Metrics
	// Lower bounds are exact (a server cannot answer before it sleeps);
	// upper bounds are generous because this machine is shared.
	within := func(name string, got, want float64) {
		if got < want*0.98 || got > want*1.6 {
			t.Errorf("%s = %.2f ms, want about %.2f ms", name, got, want)
		}
	}
	within("ttft.median", m.TTFT.Median, 50)
	within("itl.median", m.ITL.Median, 10)
	within("tpot.mean", m.TPOT.Mean, 10)
	within("e2el.median", m.E2EL.Median, 150)
	if m.Completed != 16 || m.TotalOutputTokens != 16*11 {
		t.Errorf("completed %d output tokens %d", m.Completed, m.TotalOutputTokens)
	}
	if got := f.maxInFlight.Load(); got != 4 {
		t.Errorf("server saw %d requests in flight at most, want exactly 4", got)
	}
	if ac := run.Stages[0].Client.AchievedConcurrency; ac < 3 || ac > 4.01 {
		t.Errorf("achieved concurrency %.2f, want close to 4", ac)
	}
}

func TestPoissonArrivals(t *testing.T) {
	f := &fakeServer{maxModelLen: 4096}
	url := startFake(t, f)
	sc := fakeScenario(t, "poisson", url, `
profiles:
  p: {input: 4, output: 2}
stages:
  - name: open
    profile: p
    rate: 100
    requests: 300
`)
	_, dir, err := execute(t, context.Background(), sc)
	if err != nil {
		t.Fatal(err)
	}
	// Records are written as requests finish. The schedule the engine
	// followed is each start less its send lag: its shape is the pacer's,
	// whatever the machine's load; the actual starts keep its rate.
	var starts, scheduled []float64
	for _, r := range readRecords(t, dir) {
		starts = append(starts, r.StartMS)
		scheduled = append(scheduled, r.StartMS-r.SendLagMS)
	}
	mean, _ := meanStd(gaps(starts))
	if mean < 7 || mean > 13 {
		t.Errorf("mean inter-arrival %.2f ms, want about 10 ms at 100 req/s", mean)
	}
	smean, sd := meanStd(gaps(scheduled))
	if cv := sd / smean; cv < 0.75 || cv > 1.25 {
		t.Errorf("coefficient of variation %.2f, want about 1 for Poisson arrivals", cv)
	}
}

// gaps are the differences between consecutive times, in time order.
func gaps(times []float64) []float64 {
	sorted := slices.Sorted(slices.Values(times))
	var out []float64
	for i := 1; i < len(sorted); i++ {
		out = append(out, sorted[i]-sorted[i-1])
	}
	return out
}

func meanStd(xs []float64) (float64, float64) {
	var s float64
	for _, x := range xs {
		s += x
	}
	mean := s / float64(len(xs))
	var v float64
	for _, x := range xs {
		v += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(v / float64(len(xs)))
}

func TestCancelMidStageSavesPartialResults(t *testing.T) {
	f := &fakeServer{ttft: 20 * time.Millisecond, itl: 5 * time.Millisecond, maxModelLen: 4096}
	url := startFake(t, f)
	sc := fakeScenario(t, "cancel", url, `
profiles:
  p: {input: 4, output: 4}
stages:
  - name: long
    profile: p
    concurrency: 4
    requests: 100000
  - name: never-started
    profile: p
    concurrency: 1
    requests: 1
`)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for f.requests.Load() < 20 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	run, dir, err := execute(t, ctx, sc)
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	saved := readRunFile(t, dir)
	if saved.Status != schema.StatusInterrupted || len(saved.Stages) != 1 {
		t.Fatalf("saved status %q with %d stages, want interrupted with 1", saved.Status, len(saved.Stages))
	}
	st := saved.Stages[0]
	if st.Status != schema.StatusInterrupted {
		t.Errorf("stage status %q", st.Status)
	}
	m := st.Metrics
	if m.Completed < 10 || m.Completed+m.Failed != m.Sent {
		t.Errorf("completed %d + failed %d != sent %d (or too few completed)", m.Completed, m.Failed, m.Sent)
	}
	if got := len(readRecords(t, dir)); got != m.Sent+m.Canceled {
		t.Errorf("requests.jsonl has %d lines, stage sent %d and cancelled %d", got, m.Sent, m.Canceled)
	}
	if run.Passed {
		t.Error("an interrupted run passed")
	}
}

func TestMalformedStreamsAreFailuresWithReasons(t *testing.T) {
	f := &fakeServer{maxModelLen: 4096, malformed: true}
	url := startFake(t, f)
	sc := fakeScenario(t, "malformed", url, `
profiles:
  p: {input: 4, output: 4}
stages:
  - name: s
    profile: p
    concurrency: 2
    requests: 6
thresholds:
  - expr: error_rate == 0
`)
	// The probe request fails too: pre-flight refuses a broken stream.
	_, _, err := execute(t, context.Background(), sc)
	var re *RunError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "malformed") {
		t.Fatalf("err = %v, want a pre-flight RunError naming the malformed stream", err)
	}
}

func TestThresholdFailureMarksRun(t *testing.T) {
	f := &fakeServer{maxModelLen: 4096}
	url := startFake(t, f)
	sc := fakeScenario(t, "gate", url, `
profiles:
  p: {input: 4, output: 4}
stages:
  - name: s
    profile: p
    concurrency: 2
    requests: 4
thresholds:
  - name: impossible
    expr: request_throughput > 1e9
`)
	run, _, err := execute(t, context.Background(), sc)
	if err != nil {
		t.Fatal(err)
	}
	if run.Passed || len(run.Stages[0].Thresholds) != 1 || run.Stages[0].Thresholds[0].Passed {
		t.Fatalf("passed=%v thresholds=%+v", run.Passed, run.Stages[0].Thresholds)
	}
	if _, ok := run.Stages[0].Thresholds[0].Values["request_throughput"]; !ok {
		t.Errorf("threshold values %v do not include request_throughput", run.Stages[0].Thresholds[0].Values)
	}
}

func TestPreflightRejectsShortContextBeforeAnyRequest(t *testing.T) {
	f := &fakeServer{maxModelLen: 896}
	url := startFake(t, f)
	sc := fakeScenario(t, "ctx", url, `
profiles:
  big: {input: 512, output: 512}
stages:
  - name: s
    profile: big
    concurrency: 1
    requests: 1
`)
	_, _, err := execute(t, context.Background(), sc)
	if err == nil || !strings.Contains(err.Error(), "1024") || !strings.Contains(err.Error(), "896") {
		t.Fatalf("err = %v, want the context-length numbers", err)
	}
	if n := f.requests.Load(); n != 0 {
		t.Errorf("%d benchmark requests were sent before pre-flight failed", n)
	}
}

func TestStageDeadlineCutsOffAStuckServer(t *testing.T) {
	f := &fakeServer{maxModelLen: 4096}
	url := startFake(t, f)
	sc := fakeScenario(t, "deadline", url, `
api: {timeout: 1m}
profiles:
  p: {input: 4, output: 50}
stages:
  - name: stuck
    profile: p
    concurrency: 2
    requests: 4
    deadline: 500ms
`)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan struct{})
	var run *schema.Run
	var err error
	go func() {
		defer close(done)
		p, _ := NewPlan(sc)
		run, _, err = Execute(ctx, Options{Plan: p, Version: "test", Observer: slowAfterProbe{f}})
	}()
	<-done
	if err != nil {
		t.Fatal(err)
	}
	st := run.Stages[0]
	if st.StopReason != "stage deadline reached" || st.Metrics.Failed == 0 {
		t.Fatalf("stop reason %q, failed %d: want the deadline to cut requests off", st.StopReason, st.Metrics.Failed)
	}
	if st.Metrics.Completed+st.Metrics.Failed != st.Metrics.Sent {
		t.Errorf("completed %d + failed %d != sent %d", st.Metrics.Completed, st.Metrics.Failed, st.Metrics.Sent)
	}
}

// slowAfterProbe makes the fake server stall once the stage starts, after
// the pre-flight probe went through quickly.
type slowAfterProbe struct{ f *fakeServer }

func (s slowAfterProbe) StepStarted(Step, int, int, *Live) { s.f.setITL(time.Second) }
func (s slowAfterProbe) StepFinished(*schema.StageResult)  {}

func TestTokenPromptsFallBackToTextWhenRefused(t *testing.T) {
	f := &fakeServer{maxModelLen: 4096, textOnly: true}
	url := startFake(t, f)
	sc := fakeScenario(t, "text", url, `
profiles:
  p: {input: 16, output: 4}
stages:
  - {name: s, profile: p, concurrency: 2, requests: 4}
`)
	run, _, err := execute(t, context.Background(), sc)
	if err != nil {
		t.Fatal(err)
	}
	m := run.Stages[0].Metrics
	if m.Completed != 4 || m.TotalInputTokens != 4*16 {
		t.Errorf("completed %d, input tokens %d: want 4 text prompts of exactly 16 words", m.Completed, m.TotalInputTokens)
	}
	if len(run.Notes) == 0 || !strings.Contains(strings.Join(run.Notes, "\n"), "sent as text") {
		t.Errorf("notes %q do not say prompts fell back to text", run.Notes)
	}
}

// checkRunSchema validates a saved run.json against the committed
// run.schema.json, so the published contract and the writer agree.
func checkRunSchema(t *testing.T, dir string) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema.RunJSONSchema()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schema.RunSchemaID, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(schema.RunSchemaID)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	inst, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("run.json does not match run.schema.json: %v", err)
	}
}

// liveRecorder keeps the Live of the step and when the step started.
type liveRecorder struct {
	started time.Time
	live    *Live
}

func (l *liveRecorder) StepStarted(_ Step, _, _ int, live *Live) {
	l.started, l.live = time.Now(), live
}
func (l *liveRecorder) StepFinished(*schema.StageResult) {}

func TestLiveMeasuringStartsAfterWarmup(t *testing.T) {
	f := &fakeServer{ttft: 30 * time.Millisecond, maxModelLen: 4096}
	url := startFake(t, f)
	sc := fakeScenario(t, "warm", url, `
profiles:
  p: {input: 4, output: 2}
stages:
  - {name: s, profile: p, concurrency: 1, requests: 2, warmup: 2}
`)
	rec := &liveRecorder{}
	p, _ := NewPlan(sc)
	if _, _, err := Execute(context.Background(), Options{Plan: p, Version: "test", Observer: rec}); err != nil {
		t.Fatal(err)
	}
	since := rec.live.MeasuringSince()
	// Two warmup requests of at least 30 ms each ran before the first measured send.
	if since.IsZero() || since.Sub(rec.started) < 60*time.Millisecond {
		t.Errorf("measuring started %v after the step, want after both warmup requests (>= 60ms)", since.Sub(rec.started))
	}
	if rec.live.Done() != 2 {
		t.Errorf("live done %d, want the 2 measured requests only", rec.live.Done())
	}
}
