package schema

import "strings"

// RepeatedMetric is one stage metric summarised across the repeats of a
// stage level (RepeatSummary.Metrics is keyed by Name).
type RepeatedMetric struct {
	// Name is the metric as a threshold reads it on one stage, e.g. "ttft.p99".
	Name string
	Unit string
	Doc  string
	Get  func(m *Metrics) float64
}

// RepeatedMetrics is the single list of metrics that get a mean and a
// confidence interval over repeats: the engine summarises exactly these, and
// thresholds read them as repeats.<name>.{mean,lo,hi}.
var RepeatedMetrics = []RepeatedMetric{
	{"request_throughput", "req/s", "completed requests per second", func(m *Metrics) float64 { return m.RequestThroughput }},
	{"output_throughput", "tok/s", "output tokens per second", func(m *Metrics) float64 { return m.OutputThroughput }},
	{"goodput", "req/s", "requests per second that met the SLO", func(m *Metrics) float64 { return m.Goodput }},
	{"error_rate", "ratio", "failed / sent", func(m *Metrics) float64 { return m.ErrorRate }},
	{"ttft.mean", "ms", "mean time to first token", func(m *Metrics) float64 { return m.TTFT.Mean }},
	{"ttft.p50", "ms", "median time to first token", func(m *Metrics) float64 { return m.TTFT.Median }},
	{"ttft.p99", "ms", "99th percentile time to first token", func(m *Metrics) float64 { v, _ := m.TTFT.P(99); return v }},
	{"tpot.mean", "ms", "mean time per output token", func(m *Metrics) float64 { return m.TPOT.Mean }},
	{"tpot.p99", "ms", "99th percentile time per output token", func(m *Metrics) float64 { v, _ := m.TPOT.P(99); return v }},
	{"itl.p99", "ms", "99th percentile inter-token latency", func(m *Metrics) float64 { v, _ := m.ITL.P(99); return v }},
	{"e2el.mean", "ms", "mean end-to-end latency", func(m *Metrics) float64 { return m.E2EL.Mean }},
	{"e2el.p99", "ms", "99th percentile end-to-end latency", func(m *Metrics) float64 { v, _ := m.E2EL.P(99); return v }},
}

// Value is Get, and false when m does not have the metric at all: a
// statistic of an absent distribution (TPOT without streaming) has no
// value, and an interval over its zeros would be a fiction.
func (rm RepeatedMetric) Value(m *Metrics) (float64, bool) {
	head, _, _ := strings.Cut(rm.Name, ".")
	if d, isDist := m.Latency(head); isDist && !d.Measured() {
		return 0, false
	}
	return rm.Get(m), true
}

// RepeatConfidence is the level of the confidence intervals of repeated
// stage levels (RepeatSummary.Level).
const RepeatConfidence = 0.95

// RepeatKey is the stage level a stage result repeats: its ID without the
// "#<repeat>" suffix (RepeatSummary.Key).
func RepeatKey(stageID string) string {
	key, _, _ := strings.Cut(stageID, "#")
	return key
}

// repeatsGroup is the `repeats` namespace of the metric tree: for every
// repeated metric a group of mean, lo and hi, nested like the metric's name
// (repeats.ttft.p99.hi).
func repeatsGroup() metric {
	root := group("repeats")
	for _, rm := range RepeatedMetrics {
		insertRepeated(&root, strings.Split(rm.Name, "."), rm)
	}
	return root
}

// insertRepeated adds the interval group of rm under parent at path,
// creating the intermediate groups.
func insertRepeated(parent *metric, path []string, rm RepeatedMetric) {
	if len(path) == 1 {
		name := rm.Name
		m := group(path[0],
			num("mean", "", "mean", repeatValue(name, func(i Interval) float64 { return i.Mean })),
			num("lo", "", "low end of the 95% confidence interval", repeatValue(name, func(i Interval) float64 { return i.Lo })),
			num("hi", "", "high end of the 95% confidence interval", repeatValue(name, func(i Interval) float64 { return i.Hi })))
		m.unit, m.doc = rm.Unit, rm.Doc+" over the level's repeats"
		m.absent = repeatAbsent(rm)
		parent.children = append(parent.children, m)
		return
	}
	for i := range parent.children {
		if parent.children[i].name == path[0] {
			insertRepeated(&parent.children[i], path[1:], rm)
			return
		}
	}
	parent.children = append(parent.children, group(path[0]))
	insertRepeated(&parent.children[len(parent.children)-1], path[1:], rm)
}

// repeatValue reads one bound of a repeated metric's interval from the
// run's summary of the stage's level; zero when there is none (repeatAbsent
// then says why).
func repeatValue(name string, f func(Interval) float64) func(source) float64 {
	return func(s source) float64 {
		iv, _ := repeatInterval(s, name)
		return f(iv)
	}
}

// repeatInterval finds the interval of metric name in the summary of the
// stage's level.
func repeatInterval(s source, name string) (Interval, bool) {
	if s.st == nil || s.run == nil || s.st.Repeat == 0 {
		return Interval{}, false
	}
	key := RepeatKey(s.st.ID)
	for _, r := range s.run.Repeats {
		if r.Key == key {
			iv, ok := r.Metrics[name]
			return iv, ok
		}
	}
	return Interval{}, false
}

// repeatAbsent says why a repeated metric has no interval: the stage does
// not repeat or its level is not summarised yet, or the metric itself is
// absent from the stage (then its interval, if an older run wrote one, is
// an interval of zeros).
func repeatAbsent(rm RepeatedMetric) func(source) string {
	return func(s source) string {
		if _, ok := repeatInterval(s, rm.Name); !ok {
			return "has no interval for this stage level (it does not repeat, or not every repeat is known yet)"
		}
		if _, ok := rm.Value(&s.st.Metrics); !ok {
			return "has no interval: " + rm.Name + " is not measured in this stage"
		}
		return ""
	}
}
