package engine

import (
	"strings"

	"github.com/servebench/servebench/engine/metrics"
	"github.com/servebench/servebench/schema"
)

// repeatConfidence is the level of the intervals given for repeated stages.
const repeatConfidence = 0.95

// repeatMetrics are the metric paths summarised across repeats, named as in
// threshold expressions.
var repeatMetrics = []struct {
	path string
	get  func(m *schema.Metrics) float64
}{
	{"request_throughput", func(m *schema.Metrics) float64 { return m.RequestThroughput }},
	{"output_throughput", func(m *schema.Metrics) float64 { return m.OutputThroughput }},
	{"goodput", func(m *schema.Metrics) float64 { return m.Goodput }},
	{"error_rate", func(m *schema.Metrics) float64 { return m.ErrorRate }},
	{"ttft.mean", func(m *schema.Metrics) float64 { return m.TTFT.Mean }},
	{"ttft.p50", func(m *schema.Metrics) float64 { return m.TTFT.Median }},
	{"ttft.p99", func(m *schema.Metrics) float64 { v, _ := m.TTFT.P(99); return v }},
	{"tpot.mean", func(m *schema.Metrics) float64 { return m.TPOT.Mean }},
	{"tpot.p99", func(m *schema.Metrics) float64 { v, _ := m.TPOT.P(99); return v }},
	{"itl.p99", func(m *schema.Metrics) float64 { v, _ := m.ITL.P(99); return v }},
	{"e2el.mean", func(m *schema.Metrics) float64 { return m.E2EL.Mean }},
	{"e2el.p99", func(m *schema.Metrics) float64 { v, _ := m.E2EL.P(99); return v }},
}

// summarizeRepeats gives each repeated stage level a mean and confidence
// interval per metric, over the repeats that completed.
func summarizeRepeats(stages []schema.StageResult) []schema.RepeatSummary {
	groups := map[string][]*schema.Metrics{}
	var order []string
	for i := range stages {
		st := &stages[i]
		if st.Repeat == 0 || st.Status != schema.StatusCompleted {
			continue
		}
		key, _, _ := strings.Cut(st.ID, "#")
		if _, seen := groups[key]; !seen {
			order = append(order, key)
		}
		groups[key] = append(groups[key], &st.Metrics)
	}
	var out []schema.RepeatSummary
	for _, key := range order {
		ms := groups[key]
		sum := schema.RepeatSummary{Key: key, N: len(ms), Level: repeatConfidence,
			Metrics: map[string]schema.Interval{}}
		for _, rm := range repeatMetrics {
			vals := make([]float64, len(ms))
			for i, m := range ms {
				vals[i] = rm.get(m)
			}
			sum.Metrics[rm.path] = metrics.MeanCI(vals, repeatConfidence)
		}
		out = append(out, sum)
	}
	return out
}
