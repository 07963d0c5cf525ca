package reports

import (
	"bytes"
	"math"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/stats"
)

// analysedStage is a closed-loop level of n requests at concurrency c with
// the analysis the engine saves: intervals, steady-state window, timeline.
func analysedStage(c, n int) schema.StageResult {
	rng := rand.New(rand.NewPCG(uint64(c), uint64(n)))
	free := make([]float64, c)
	var reqs []stats.Request
	for i := range n {
		w := i % c
		for j := range free {
			if free[j] < free[w] {
				w = j
			}
		}
		ttft := 30 * math.Exp(0.2*rng.NormFloat64())
		if i < c {
			ttft *= 4 // the burst
		}
		e2el := ttft + 500 + 20*rng.NormFloat64()
		q := stats.Request{Start: free[w], End: free[w] + e2el, TTFT: ttft, E2EL: e2el, TPOT: (e2el - ttft) / 99,
			HasTPOT: true, InputTokens: 256, OutputTokens: 100}
		free[w] = q.End + 0.1
		reqs = append(reqs, q)
	}
	st := fixtureStage("sweep", "safe", c, 0, 0)
	a := stats.Analyze(reqs, stats.Options{})
	st.Intervals, st.Steady, st.InFlight = a.All, &a.Steady, a.InFlight
	return st
}

// TestIntervalsInReports: tables show value ± half-width of the 95%
// interval and "± ?" where there is not enough data; the steady-state table
// says which window each number comes from; the HTML has error bars and a
// timeline per level with the window shaded; a level without a window
// says why; how an until: level ended is reported.
func TestIntervalsInReports(t *testing.T) {
	run := fixtureRun()
	run.Stages = []schema.StageResult{analysedStage(8, 400), analysedStage(16, 30)}
	run.Stages[0].StopReason = "converged"
	run.Stages[0].Until = &schema.UntilResult{Converged: true, Targets: map[string]float64{"steady.ttft.mean": 0.05},
		Reached: map[string]float64{"steady.ttft.mean": 0.021}, Checks: 4}
	var term, md, page bytes.Buffer
	for _, err := range []error{Terminal(&term, run, "", false), Markdown(&md, run), HTML(&page, run)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	withCI := regexp.MustCompile(`\d ± \d`)
	for name, out := range map[string]string{"terminal": term.String(), "markdown": md.String(), "html": page.String()} {
		if len(withCI.FindAllString(out, -1)) < 10 {
			t.Errorf("%s: too few values with an interval:\n%s", name, out)
		}
		for _, want := range []string{" ± ?", "Steady state", "converged", "half-width of the 95% interval",
			"sweep/safe/c16: no steady-state window: too few requests (30)",
			"sweep/safe/c8: until: converged after 40 requests: steady.ttft.mean ±2.1% (target ±5%)"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
	}
	html := page.String()
	for _, want := range []string{"<h2>Timeline</h2>", "sweep/safe/c8: requests in flight, steady-state window shaded",
		">steady-state window</text>", ">safe p50 95% CI</text>"} {
		if !strings.Contains(html, want) {
			t.Errorf("html lacks %q", want)
		}
	}
}
