package compare

import (
	"fmt"
	"math"

	"github.com/servebench/servebench/schema"
)

// Metric is one compared quantity. Its Name is the metric as thresholds
// and repeat summaries name it ("ttft.p99", "output_throughput"), and its
// value is read through schema's definition of that name, so compare and
// thresholds can never disagree on what a metric is or when it is absent.
type Metric struct {
	Name string
	// HigherIsBetter is true for throughputs and goodput, false for latencies and error rate.
	HigherIsBetter bool
	read           schema.NamedMetric
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

// get reads the metric of one stage level; absent says why it has none.
func (m Metric) get(st *schema.StageResult, run *schema.Run) (float64, string) {
	return m.read.Read(st, run)
}

// Metrics are compared in this order.
var Metrics = buildMetrics()

func buildMetrics() []Metric {
	var out []Metric
	for _, l := range []struct {
		name   string
		sample func(schema.RequestRecord) (float64, bool)
	}{{"ttft", ttftOf}, {"tpot", tpotOf}, {"itl", nil}, {"e2el", e2elOf}} {
		src := l.name
		if l.sample == nil {
			src = ""
		}
		out = append(out,
			metric(Metric{Name: l.name + ".p50", source: src, sample: l.sample, stat: quantile(50), tail: 0.5}),
			metric(Metric{Name: l.name + ".p99", source: src, sample: l.sample, stat: quantile(99), tail: 0.01}),
			metric(Metric{Name: l.name + ".mean", source: src, sample: l.sample, stat: mean}),
		)
	}
	return append(out,
		metric(Metric{Name: "request_throughput", HigherIsBetter: true}),
		metric(Metric{Name: "output_throughput", HigherIsBetter: true}),
		metric(Metric{Name: "total_token_throughput", HigherIsBetter: true}),
		metric(Metric{Name: "goodput", HigherIsBetter: true}),
		metric(Metric{Name: "error_rate", source: "failed", minAbs: 0.01, sample: failedOf, stat: mean}),
	)
}

// metric binds m to schema's definition of its name.
func metric(m Metric) Metric {
	read, ok := schema.LookupMetric(m.Name)
	if !ok {
		panic(fmt.Sprintf("compare: %q is not a metric name of schema", m.Name))
	}
	m.read = read
	return m
}

// Per-request values, following `vllm bench serve`: latencies of successful
// requests only; TPOT as schema.TPOT defines it.
func ttftOf(r schema.RequestRecord) (float64, bool) { return r.TTFTMS, r.Error == nil }
func e2elOf(r schema.RequestRecord) (float64, bool) { return r.E2ELMS, r.Error == nil }

func tpotOf(r schema.RequestRecord) (float64, bool) {
	if r.Error != nil {
		return 0, false
	}
	return schema.TPOT(r.TTFTMS, r.E2ELMS, r.OutputTokens, len(r.ITLMS))
}

// failedOf makes the error rate a mean of 0/1 per request; a request
// cancelled by an interrupt is neither, as in the stage's error rate.
func failedOf(r schema.RequestRecord) (float64, bool) {
	switch {
	case r.Error == nil:
		return 0, true
	case r.Error.Kind == schema.FailCanceled:
		return 0, false
	}
	return 1, true
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

// quantile is percentile p of sorted values exactly as the engine computes
// it (schema.Percentile); NaN for no values.
func quantile(p float64) func([]float64) float64 {
	return func(v []float64) float64 { return schema.Percentile(v, p) }
}
