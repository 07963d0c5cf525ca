package compare

import (
	"math"

	"github.com/servebench/servebench/reports/internal/format"
	"github.com/servebench/servebench/schema"
)

// Metric is one compared quantity. Its Name is the path thresholds and
// repeat summaries use ("ttft.p99", "output_throughput").
type Metric struct {
	Name string
	// HigherIsBetter is true for throughputs and goodput, false for latencies and error rate.
	HigherIsBetter bool
	get            func(*schema.StageResult) float64
	// source names the per-request sample the metric is a statistic of
	// ("ttft", "tpot", "e2el", "failed"); "" when there is none.
	source string
	// minAbs is the smallest absolute change worth calling (error rate: one
	// percentage point, since a proportion near zero has no useful relative change).
	minAbs float64
	// sample reads the per-request value behind a latency metric (ok=false: not available).
	sample func(schema.RequestRecord) (float64, bool)
	// stat reduces resampled per-request values to the metric (mean, p50, p99).
	stat func(sorted []float64) float64
	// tail is the fraction of values beyond a percentile (0.01 for p99; 0
	// for a mean); see minTail.
	tail float64
}

// Metrics are compared in this order.
var Metrics = buildMetrics()

func buildMetrics() []Metric {
	var out []Metric
	for _, l := range []struct {
		name   string
		get    func(*schema.StageResult) schema.Dist
		sample func(schema.RequestRecord) (float64, bool)
	}{
		{"ttft", func(s *schema.StageResult) schema.Dist { return s.Metrics.TTFT }, ttftOf},
		{"tpot", func(s *schema.StageResult) schema.Dist { return s.Metrics.TPOT }, tpotOf},
		{"itl", func(s *schema.StageResult) schema.Dist { return s.Metrics.ITL }, nil},
		{"e2el", func(s *schema.StageResult) schema.Dist { return s.Metrics.E2EL }, e2elOf},
	} {
		get, src := l.get, l.name
		if l.sample == nil {
			src = ""
		}
		out = append(out,
			Metric{Name: l.name + ".p50", get: func(s *schema.StageResult) float64 { return format.P(get(s), 50) }, source: src, sample: l.sample, stat: quantile(50), tail: 0.5},
			Metric{Name: l.name + ".p99", get: func(s *schema.StageResult) float64 { return format.P(get(s), 99) }, source: src, sample: l.sample, stat: quantile(99), tail: 0.01},
			Metric{Name: l.name + ".mean", get: func(s *schema.StageResult) float64 { return get(s).Mean }, source: src, sample: l.sample, stat: mean},
		)
	}
	return append(out,
		Metric{Name: "request_throughput", HigherIsBetter: true, get: func(s *schema.StageResult) float64 { return s.Metrics.RequestThroughput }},
		Metric{Name: "output_throughput", HigherIsBetter: true, get: func(s *schema.StageResult) float64 { return s.Metrics.OutputThroughput }},
		Metric{Name: "total_token_throughput", HigherIsBetter: true, get: func(s *schema.StageResult) float64 { return s.Metrics.TotalTokenThroughput }},
		Metric{Name: "goodput", HigherIsBetter: true, get: func(s *schema.StageResult) float64 { return s.Metrics.Goodput }},
		Metric{Name: "error_rate", get: func(s *schema.StageResult) float64 { return s.Metrics.ErrorRate },
			source: "failed", minAbs: 0.01, sample: failedOf, stat: mean},
	)
}

// Per-request values, following `vllm bench serve`: latencies of successful
// requests only; TPOT = (E2EL - TTFT) / (output tokens - 1) when output > 1.
func ttftOf(r schema.RequestRecord) (float64, bool) { return r.TTFTMS, r.Error == nil }
func e2elOf(r schema.RequestRecord) (float64, bool) { return r.E2ELMS, r.Error == nil }

func tpotOf(r schema.RequestRecord) (float64, bool) {
	if r.Error != nil || r.OutputTokens <= 1 {
		return 0, false
	}
	return (r.E2ELMS - r.TTFTMS) / float64(r.OutputTokens-1), true
}

// failedOf makes the error rate a mean of 0/1 per request.
func failedOf(r schema.RequestRecord) (float64, bool) {
	if r.Error != nil {
		return 1, true
	}
	return 0, true
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// quantile interpolates linearly between closest ranks (numpy's default),
// matching how the engine computes percentiles. v must be sorted.
func quantile(p float64) func([]float64) float64 {
	return func(v []float64) float64 {
		if len(v) == 0 {
			return math.NaN()
		}
		pos := p / 100 * float64(len(v)-1)
		lo := int(math.Floor(pos))
		if lo >= len(v)-1 {
			return v[len(v)-1]
		}
		frac := pos - float64(lo)
		return v[lo] + frac*(v[lo+1]-v[lo])
	}
}
