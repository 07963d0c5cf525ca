package reports

import (
	"fmt"
	"strings"

	"github.com/servebench/servebench/reports/internal/format"
	"github.com/servebench/servebench/schema"
)

// repeatShown are the repeated metrics the run summary prints per level, in
// order, with their short labels; run.json keeps every one.
var repeatShown = []struct{ path, label string }{
	{"request_throughput", "req/s"},
	{"output_throughput", "out tok/s"},
	{"goodput", "goodput"},
	{"ttft.p99", "TTFT p99"},
	{"tpot.p99", "TPOT p99"},
	{"e2el.p99", "E2EL p99"},
	{"error_rate", "error rate"},
}

// repeatLines gives each repeated stage level one line of means with the
// half-width of their confidence interval (Student-t, so symmetric). A
// metric the level's stages did not measure is left out: an older run may
// hold an interval over its zeros.
func repeatLines(run *schema.Run) []string {
	level := map[string]*schema.StageResult{} // a stage of each repeated level
	for i := range run.Stages {
		if st := &run.Stages[i]; st.Repeat > 0 {
			level[schema.RepeatKey(st.ID)] = st
		}
	}
	out := make([]string, 0, len(run.Repeats))
	for _, r := range run.Repeats {
		parts := make([]string, 0, len(repeatShown))
		for _, m := range repeatShown {
			iv, ok := r.Metrics[m.path]
			if !ok || !repeatMeasured(level[r.Key], m.path) {
				continue
			}
			parts = append(parts, fmt.Sprintf("%s %s ± %s", m.label, format.Num(iv.Mean), format.Num((iv.Hi-iv.Lo)/2)))
		}
		out = append(out, fmt.Sprintf("%s: %d repeats, mean ± %s%% interval: %s",
			r.Key, r.N, format.Float(r.Level*100), strings.Join(parts, ", ")))
	}
	return out
}

// repeatMeasured reports whether st has the repeated metric called name
// (true when there is no stage to ask).
func repeatMeasured(st *schema.StageResult, name string) bool {
	if st == nil {
		return true
	}
	for _, rm := range schema.RepeatedMetrics {
		if rm.Name == name {
			_, ok := rm.Value(&st.Metrics)
			return ok
		}
	}
	return true
}
