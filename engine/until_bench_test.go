package engine

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/servebench/servebench/schema"
)

// untilBenchMetrics are the widths a convergence-stopped level must match.
var untilBenchMetrics = []string{"steady.ttft.mean", "steady.tpot.mean", "steady.output_throughput"}

// untilBenchLevels are the quickstart's concurrency levels.
var untilBenchLevels = []int{1, 4, 8, 16, 32, 64}

// untilBenchServer is the quickstart's simulator.
const untilBenchServer = `version: 1
name: %s
server:
  builtin: {max_num_seqs: 16, decode_step: 2ms, decode_per_seq: 100us}
model: {max_model_len: 2048}
stages:
`

// BenchmarkUntilVersusFixed is issue 17's GPU-time comparison at equal or
// better interval width: the quickstart's sweep with a fixed 200 requests
// per level (plus 2 warmup), and the same sweep with until: set to the
// widest interval the fixed sweep left on steady.ttft.mean,
// steady.tpot.mean and steady.output_throughput (its guarantee: a sweep is
// as precise as its least precise level), bounded by 1,000 requests per
// level. Both sweeps then bound every level's three intervals by the same
// widths; the benchmark reports the requests each sent. Slow (a few
// minutes); run with
//
//	go test ./engine -run '^$' -bench UntilVersusFixed -benchtime 1x
func BenchmarkUntilVersusFixed(b *testing.B) {
	for b.Loop() {
		fixed := benchRun(b, "fixed", "requests: 200")
		worst := map[string]float64{}
		for _, st := range fixed.Stages {
			for name, w := range widths(st) {
				worst[name] = max(worst[name], w)
			}
		}
		var targets []string
		for _, name := range untilBenchMetrics {
			targets = append(targets, fmt.Sprintf("%s: %.2f%%", name, 100*worst[name]))
		}
		until := benchRun(b, "until", "requests: 1000, until: {"+strings.Join(targets, ", ")+"}")
		var sentFixed, sentUntil int
		for i, c := range untilBenchLevels {
			f, u := fixed.Stages[i], until.Stages[i]
			sentFixed += f.Metrics.Sent + f.Warmup
			sentUntil += u.Metrics.Sent + u.Warmup
			b.Logf("c=%-3d fixed: %4d requests, widths %s | until: %4d requests, widths %s, %s", c,
				f.Metrics.Sent+f.Warmup, widthText(f), u.Metrics.Sent+u.Warmup, widthText(u), untilOutcome(u))
		}
		b.Logf("targets (the fixed sweep's widest): %s", strings.Join(targets, ", "))
		b.Logf("requests sent: fixed %d, until %d (%.0f%%)", sentFixed, sentUntil, 100*float64(sentUntil)/float64(sentFixed))
		b.ReportMetric(float64(sentFixed), "requests-fixed")
		b.ReportMetric(float64(sentUntil), "requests-until")
	}
}

// benchRun runs the quickstart's levels with the stage settings given.
func benchRun(b *testing.B, name, settings string) *schema.Run {
	levels := strings.Trim(strings.ReplaceAll(fmt.Sprint(untilBenchLevels), " ", ", "), "[]")
	src := fmt.Sprintf(untilBenchServer, name) +
		fmt.Sprintf("  - {name: sweep, profile: dev, concurrency: [%s], warmup: 2, %s}\n", levels, settings)
	sc, err := schema.LoadBytes(name+".yaml", []byte(src), os.LookupEnv)
	if err != nil {
		b.Fatal(err)
	}
	sc.Report.Dir, sc.Report.Formats = b.TempDir(), []string{schema.FormatJSON}
	p, err := NewPlan(sc)
	if err != nil {
		b.Fatal(err)
	}
	run, _, err := Execute(context.Background(), Options{Plan: p, Version: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	return run
}

// widths are a level's relative half-widths of untilBenchMetrics (none
// when the level has no steady state or a metric no interval).
func widths(st schema.StageResult) map[string]float64 {
	out := map[string]float64{}
	w := st.Steady
	if w == nil || !w.Found {
		return out
	}
	for _, name := range untilBenchMetrics {
		plain := strings.TrimPrefix(name, schema.SteadyPrefix)
		if v, ok := schema.IntervalValue(w.Metrics, plain); ok && w.Intervals[plain].OK() {
			out[name] = w.Intervals[plain].RelHalfWidth(v)
		}
	}
	return out
}

func widthText(st schema.StageResult) string {
	w := widths(st)
	var parts []string
	for _, name := range untilBenchMetrics {
		if v, ok := w[name]; ok {
			parts = append(parts, fmt.Sprintf("%.1f%%", 100*v))
		} else {
			parts = append(parts, "–")
		}
	}
	return strings.Join(parts, "/")
}

func untilOutcome(st schema.StageResult) string {
	switch {
	case st.Until.Converged:
		return "converged"
	}
	return "not converged"
}
