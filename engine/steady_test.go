package engine

import (
	"cmp"
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/servebench/servebench/engine/sim"
	"github.com/servebench/servebench/schema"
)

// steadySim is a simulator whose steady state is known: 8 sequences at
// most, so a closed loop of 10 keeps its batch full with 2 requests
// queued from the first step until the queue runs dry in the drain. The
// burst of the first 8 prompts costs one 50 ms prefill step; later
// requests arrive alone and prefill in 6 ms. Outputs end at a simulated
// EOS (ignore_eos off), so requests finish at different steps and the
// batch does not move in lockstep.
func steadySim(t *testing.T) (*sim.Server, string) {
	t.Helper()
	cfg := sim.DefaultConfig()
	cfg.MaxNumSeqs, cfg.DecodeStep, cfg.DecodePerSeq = 8, 2*time.Millisecond, 0
	cfg.PrefillPerToken, cfg.PrefixCaching, cfg.Seed = 50*time.Microsecond, false, 3
	s, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() { srv.Close(); s.Close() })
	return s, srv.URL
}

// TestSteadyWindowMatchesTheSimulator is issue 17's acceptance for the
// window: on the simulator, the detected steady-state window excludes the
// ramp (the burst of the first 10 requests, which wait for one another's
// prefill and for slots) and the drain (the end, when requests finish
// without being replaced), checked against the simulator's own record of
// when its batch was full.
func TestSteadyWindowMatchesTheSimulator(t *testing.T) {
	s, url := steadySim(t)
	sc := scenario(t, fmt.Sprintf(`
version: 1
name: steady
server: {url: %s}
model: {name: %s}
api: {ignore_eos: false}
profiles:
  p: {input: 128, output: 48}
stages:
  - {name: s, profile: p, concurrency: 10, requests: 200}
`, url, schema.DefaultSimModel))
	run, dir, err := execute(t, context.Background(), sc)
	if err != nil {
		t.Fatal(err)
	}
	st := run.Stages[0]
	w := st.Steady
	if w == nil || !w.Found {
		t.Fatalf("no steady state: %+v", w)
	}
	recs := readRecords(t, dir)
	first, last := s.FullBatch()
	// requests.jsonl's time base begins at the level's start; the first
	// measured send is its window's start (no warmup here).
	origin := st.StartedAt.Add(-time.Duration(minStart(recs) * float64(time.Millisecond)))
	from := origin.Add(time.Duration(w.FromMS * float64(time.Millisecond)))
	to := origin.Add(time.Duration(w.ToMS * float64(time.Millisecond)))
	t.Logf("batch full %v .. %v; window %v .. %v (from the first full step); ramp %d, drain %d requests",
		0, last.Sub(first), from.Sub(first), to.Sub(first), w.Ramp, w.Drain)
	if from.Before(first) {
		t.Errorf("the window opens %v before the batch was first full", first.Sub(from))
	}
	// The drain begins with the first completion after the last send; the
	// client sees it a transport's delay after the simulator's step ended.
	const transport = 30 * time.Millisecond
	if to.After(last.Add(transport)) {
		t.Errorf("the window closes %v after the last full step ended: it includes the drain", to.Sub(last))
	}
	if w.Ramp < 10 || w.Drain < 9 {
		t.Errorf("ramp %d and drain %d requests; want the burst of 10 and the 9 still running at the drain", w.Ramp, w.Drain)
	}
	// The burst's requests wait for one another's prefill and for slots:
	// its median TTFT is above the steady state's, which must not contain it.
	byStart := slices.Clone(recs)
	slices.SortFunc(byStart, func(a, b schema.RequestRecord) int { return cmp.Compare(a.StartMS, b.StartMS) })
	var burst []float64
	for _, r := range byStart[:10] {
		burst = append(burst, r.TTFTMS)
	}
	slices.Sort(burst)
	if med := burst[5]; w.Metrics.TTFT.Median >= med {
		t.Errorf("burst TTFTs %v; the steady state's median %.1f ms should lie below theirs", burst, w.Metrics.TTFT.Median)
	}
}

func minStart(recs []schema.RequestRecord) float64 {
	m := recs[0].StartMS
	for _, r := range recs {
		m = min(m, r.StartMS)
	}
	return m
}
