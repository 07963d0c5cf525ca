package schema

import (
	"math"
	"strings"
	"time"
)

// IntervalConfidence is the level of the intervals stored for every stage
// level (StageResult.Intervals, SteadyState.Intervals) and of the ones
// `until:` checks.
const IntervalConfidence = 0.95

// Interval methods, as CI.Method names them.
const (
	// MethodBatchMeans: a mean over requests in time order, its standard
	// error from the means of 20 contiguous batches (Student t).
	MethodBatchMeans = "batch-means"
	// MethodOrderStats: a percentile, bounded by the order statistics that
	// the batch-means interval of the share of values below it maps to
	// (Woodruff's interval).
	MethodOrderStats = "order-statistics"
	// MethodTimeWindows: a throughput, its standard error from its value in
	// 20 equal time windows of the measured window.
	MethodTimeWindows = "time-windows"
	// MethodWilson: a proportion (error rate), Wilson's score interval on
	// the effective sample size batch means give.
	MethodWilson = "wilson"
	// MethodRepeats: the spread of a level's repeats (Student t over repeats).
	MethodRepeats = "repeats"
)

// CI is the confidence interval of one metric of one window of a stage
// level, at IntervalConfidence. It accounts for the correlation between
// the requests of one level (see the methods); it says nothing about how
// another run of the same configuration would differ (machine load,
// clocks): that needs repeats.
type CI struct {
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
	// Method is one of the Method* constants.
	Method string `json:"method"`
	// N is how many samples (requests, gaps, completions) it rests on.
	N int `json:"n"`
	// Missing says why there is no interval, e.g. "not enough data: a p99
	// of 120 samples is their largest values"; Lo and Hi are then 0.
	Missing string `json:"missing,omitempty"`
}

// OK reports whether the interval exists.
func (c CI) OK() bool { return c.Missing == "" }

// HalfWidth is half the interval's width.
func (c CI) HalfWidth() float64 { return (c.Hi - c.Lo) / 2 }

// RelHalfWidth is the half-width relative to value, the measure `until:`
// targets: 0.05 means the interval is value ± 5%. It is +Inf without an
// interval or for a value of 0 with a width.
func (c CI) RelHalfWidth(value float64) float64 {
	switch h := c.HalfWidth(); {
	case !c.OK():
		return math.Inf(1)
	case h == 0:
		return 0
	case value == 0:
		return math.Inf(1)
	default:
		return h / math.Abs(value)
	}
}

// SteadyState is the part of a stage level where the load was what the
// stage asked for: after the ramp (the burst of a closed loop's first
// requests, an open loop's queue building up) and before the drain (the
// end, when requests finish without being replaced). The everything-sent
// metrics of the stage stay as `vllm bench serve` defines them; these are
// beside them.
type SteadyState struct {
	// Found is false when the level never settled (Note says why, e.g. an
	// overloaded open loop whose queue grew to the end, or too few
	// requests); Metrics and Intervals are then absent.
	Found bool `json:"found"`
	// FromMS and ToMS bound the window, in the time base of requests.jsonl
	// (start_ms: milliseconds since the level began, warmup included).
	FromMS float64 `json:"from_ms"`
	ToMS   float64 `json:"to_ms"`
	// Method says how the window was found.
	Method string `json:"method"`
	// Ramp counts measured requests sent before the window; Drain those
	// sent in it that finished after it ended, and those sent later.
	Ramp  int `json:"ramp_requests"`
	Drain int `json:"drain_requests"`
	// Sampled is k when the window was computed from every k-th request
	// (a level too large to keep every request in memory); 0 or 1: all.
	Sampled int    `json:"sampled,omitempty"`
	Note    string `json:"note,omitempty"`
	// Metrics are the stage metrics over the window: latencies and error
	// rate of the requests sent in it, throughputs of what completed in it
	// per second of it.
	Metrics   *Metrics      `json:"metrics,omitempty"`
	Intervals map[string]CI `json:"intervals,omitempty"`
}

// UntilResult is how a stage level with `until:` ended.
type UntilResult struct {
	// Converged is true when every target was met: early (the stage
	// result's stop_reason is "converged") or just as the level reached its
	// requests or duration (its bound).
	Converged bool `json:"converged"`
	// Targets are the relative half-widths asked for, by metric name.
	Targets map[string]float64 `json:"targets"`
	// Reached are the relative half-widths at the last check (at the end
	// of a level that did not stop early); a metric with no interval is
	// left out.
	Reached map[string]float64 `json:"reached,omitempty"`
	// Checks counts the convergence checks made.
	Checks int `json:"checks"`
}

// SteadyPrefix is the window qualifier of metric names: "steady.ttft.p99"
// is the p99 TTFT of the steady-state window, "ttft.p99" of everything
// sent.
const SteadyPrefix = "steady."

// IntervalNames lists every metric that gets an interval, for the
// percentile set Percentiles(percentiles): the mean and each percentile of
// every latency, the throughputs, goodput and error rate. These are the
// names `until:` accepts (with or without SteadyPrefix) and that
// thresholds read under ci.
func IntervalNames(percentiles []float64) []string {
	var out []string
	for _, d := range LatencyNames {
		out = append(out, d+".mean")
		for _, p := range Percentiles(percentiles) {
			out = append(out, d+"."+PercentileKey(p))
		}
	}
	return append(out, intervalScalars...)
}

// intervalScalars are the metrics beside the latencies that get an interval.
var intervalScalars = []string{"request_throughput", "output_throughput", "total_token_throughput", "goodput", "error_rate"}

// IntervalValue reads the point value of an interval metric from m; false
// when m does not have it (an absent distribution, a percentile not computed).
func IntervalValue(m *Metrics, name string) (float64, bool) {
	head, stat, isDist := strings.Cut(name, ".")
	if isDist {
		d, ok := m.Latency(head)
		if !ok || !d.Measured() {
			return 0, false
		}
		return distValue(d, stat)
	}
	switch name {
	case "request_throughput":
		return m.RequestThroughput, true
	case "output_throughput":
		return m.OutputThroughput, true
	case "total_token_throughput":
		return m.TotalTokenThroughput, true
	case "goodput":
		return m.Goodput, true
	case "error_rate":
		return m.ErrorRate, true
	}
	return 0, false
}

// Meets reports whether a request with these latencies meets every bound
// of the SLO that is set (vLLM's goodput: slo >= value). A nil SLO is met
// by every request; a request without a TPOT (one output token) passes a
// TPOT bound, as vLLM counts it.
func (s *SLO) Meets(ttft, tpot, e2el time.Duration) bool {
	if s == nil {
		return true
	}
	within := func(bound Duration, v time.Duration) bool {
		return bound <= 0 || v <= bound.D()
	}
	return within(s.TTFT, ttft) && within(s.TPOT, tpot) && within(s.E2EL, e2el)
}
