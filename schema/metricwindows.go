package schema

import (
	"slices"
	"strings"
)

// This file adds the two windows' vocabulary to the metric tree:
// ci.<metric>.{lo,hi,rel}, the interval of a metric over everything sent,
// and steady.<metric>, every metric measured over requests again over the
// steady-state window (steady.ci.<metric> included). Thresholds and
// compare --fail-on read them like any other name.

// steadyMetrics are the names of the metric tree measured over requests,
// which the steady-state window has too.
var steadyMetrics = []string{"ttft", "tpot", "itl", "e2el", "completed", "failed", "sent", "error_rate",
	"duration_s", "request_throughput", "output_throughput", "total_token_throughput", "goodput",
	"total_input_tokens", "total_output_tokens"}

// windowDocs are the summary rows of the ci and steady namespaces in the
// metric reference; listed name by name they would repeat it twice over.
var windowDocs = []MetricDoc{
	{Name: "ci.<metric>.lo", Unit: "as metric", Description: "low end of the 95% confidence interval of <metric>, any of: " +
		strings.Join(IntervalNames(nil), ", ") + " (and any percentile in report.percentiles)"},
	{Name: "ci.<metric>.hi", Unit: "as metric", Description: "high end of the 95% confidence interval of <metric>"},
	{Name: "ci.<metric>.rel", Unit: "ratio", Description: "half-width of the 95% interval relative to the value: 0.05 is ± 5% (until:'s measure)"},
	{Name: "steady.<metric>", Unit: "as metric", Description: "<metric> over the steady-state window: every latency statistic, " +
		strings.Join(steadyMetrics[4:], ", ") + ", and steady.ci.<metric>"},
}

// withWindows appends the ci and steady groups to the tree.
func withWindows(tree []metric) []metric {
	ci := ciGroup()
	steady := group("steady")
	steady.compact = true
	for _, m := range tree {
		if slices.Contains(steadyMetrics, m.name) {
			steady.children = append(steady.children, viewed(m, steadyView))
		}
	}
	steady.children = append(steady.children, viewed(ci, steadyView))
	return append(tree, ci, steady)
}

// ciGroup is ci.<metric>.{lo,hi,rel} for every interval metric, nested
// like the metric's name (ci.ttft.p99.hi); a latency has one per
// statistic of the percentile set.
func ciGroup() metric {
	root := group("ci")
	root.compact = true
	for _, d := range LatencyNames {
		g := group(d)
		g.build = func(pct []float64) []metric {
			out := []metric{ciLeaf("mean", d+".mean")}
			for _, p := range pct {
				out = append(out, ciLeaf(PercentileKey(p), d+"."+PercentileKey(p)))
			}
			return out
		}
		root.children = append(root.children, g)
	}
	for _, name := range intervalScalars {
		root.children = append(root.children, ciLeaf(name, name))
	}
	return root
}

// ciLeaf is the group {lo, hi, rel} of the interval of metric name.
func ciLeaf(key, name string) metric {
	bound := func(f func(CI, float64) float64) func(source) float64 {
		return func(s source) float64 {
			ci, v, _ := intervalOf(s, name)
			return f(ci, v)
		}
	}
	m := group(key,
		num("lo", "", "low end of the 95% interval", bound(func(c CI, _ float64) float64 { return c.Lo })),
		num("hi", "", "high end of the 95% interval", bound(func(c CI, _ float64) float64 { return c.Hi })),
		num("rel", "ratio", "half-width of the 95% interval relative to the value (until:'s measure)",
			bound(func(c CI, v float64) float64 { return c.RelHalfWidth(v) })))
	m.doc = "interval of " + name
	m.absent = func(s source) string { _, _, why := intervalOf(s, name); return why }
	return m
}

// intervalOf finds the interval of metric name in the stage and the
// metric's value; why says why there is none.
func intervalOf(s source, name string) (CI, float64, string) {
	if s.st == nil || s.st.Intervals == nil {
		return CI{}, 0, "has no interval in this stage (a run before schema_version 3, or an import without per-request records)"
	}
	ci, ok := s.st.Intervals[name]
	if !ok {
		return CI{}, 0, "has no interval in this stage (add the percentile to report.percentiles)"
	}
	if !ci.OK() {
		return CI{}, 0, "has no interval in this stage (" + ci.Missing + ")"
	}
	v, ok := IntervalValue(&s.st.Metrics, name)
	if !ok {
		return CI{}, 0, "has no interval in this stage: " + name + " is not measured"
	}
	return ci, v, ""
}

// steadyView is the stage as its steady-state window sees it: the
// window's metrics and intervals in place of everything sent's. ok is
// false when the stage has no window, with the reason.
func steadyView(s source) (source, string) {
	switch {
	case s.st == nil:
		return s, "has no steady state in this stage"
	case s.st.Steady == nil:
		return s, "has no steady state in this stage (a run before schema_version 3, or an import)"
	case !s.st.Steady.Found || s.st.Steady.Metrics == nil:
		return s, "has no steady state in this stage (" + s.st.Steady.Note + ")"
	}
	st := *s.st
	st.Metrics, st.Intervals = *s.st.Steady.Metrics, s.st.Steady.Intervals
	return source{st: &st, run: s.run}, ""
}

// viewed returns m (and its subtree) reading the source view gives; where
// view has no source the metric is absent with view's reason.
func viewed(m metric, view func(source) (source, string)) metric {
	out := m
	if m.num != nil {
		out.num = func(s source) float64 {
			if v, why := view(s); why == "" {
				return m.num(v)
			}
			return 0
		}
	}
	if m.dist != nil {
		out.dist = func(s source) Dist {
			if v, why := view(s); why == "" {
				return m.dist(v)
			}
			return Dist{}
		}
	}
	inner := m.absent
	out.absent = func(s source) string {
		v, why := view(s)
		switch {
		case why != "":
			return why
		case inner != nil:
			return inner(v)
		}
		return ""
	}
	out.children = make([]metric, len(m.children))
	for i, c := range m.children {
		out.children[i] = viewed(c, view)
	}
	if m.build != nil {
		out.build = func(pct []float64) []metric {
			kids := m.build(pct)
			for i, c := range kids {
				kids[i] = viewed(c, view)
			}
			return kids
		}
	}
	return out
}
