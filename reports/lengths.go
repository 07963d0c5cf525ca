package reports

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/servebench/servebench/reports/internal/chart"
	"github.com/servebench/servebench/reports/internal/format"
	"github.com/servebench/servebench/schema"
)

// lengthLines says, per stage level, what the requests asked for and what
// the server reported, in tokens, whenever that says more than the stage
// table: lengths that vary, a shared prefix, reported lengths that differ
// from the requested ones, or a prefix cache that held prompt tokens.
func lengthLines(run *schema.Run) []string {
	var out []string
	for i := range run.Stages {
		st := &run.Stages[i]
		rate, scraped := st.Server.PrefixCacheHitRate()
		l := st.Lengths
		show := l != nil && (l.Varies() || drifted(l.RequestedInput, l.Input) || drifted(l.RequestedOutput, l.Output))
		if !show && !(scraped && rate > 0) {
			continue
		}
		var parts []string
		if l != nil {
			if st.Sessions == nil { // a turn's prompt is its history: see the conversations section
				parts = append(parts, "input "+lengthPair(l.RequestedInput, l.Input))
			}
			parts = append(parts, "output "+lengthPair(l.RequestedOutput, l.Output))
			if l.PrefixShare > 0 {
				parts = append(parts, fmt.Sprintf("shared prefix %.1f%% of prompt tokens", 100*l.PrefixShare))
			}
		}
		if scraped {
			parts = append(parts, fmt.Sprintf("prefix cache hit rate %.1f%%", 100*rate))
		}
		out = append(out, st.ID+": "+strings.Join(parts, "; "))
	}
	return out
}

// drifted reports whether the reported lengths' mean differs from the
// requested one by half a token or more.
func drifted(requested, reported schema.Dist) bool {
	return requested.Measured() && reported.Measured() && math.Abs(reported.Mean-requested.Mean) >= 0.5
}

// lengthPair is "asked mean 512.3 (p50 480, p99 1010, max 1024), reported
// mean 517.3 (+1.0%)", or "512 asked and reported" when they agree exactly.
func lengthPair(requested, reported schema.Dist) string {
	if !requested.Measured() {
		return "not sent"
	}
	if requested.Std == 0 && reported.Measured() && reported.Std == 0 && reported.Mean == requested.Mean {
		return format.Float(requested.Mean) + " asked and reported"
	}
	s := "asked " + lengthDist(requested)
	switch {
	case !reported.Measured():
		s += ", reported n/a"
	case drifted(requested, reported):
		s += ", reported " + lengthDist(reported) + " (" + format.Pct(reported.Mean/requested.Mean-1) + ")"
	default:
		s += ", reported the same"
	}
	return s
}

// lengthDist is "mean 512.3 (p50 480, p99 1010, max 1024)".
func lengthDist(d schema.Dist) string {
	if d.Std == 0 {
		return format.Float(d.Mean)
	}
	return fmt.Sprintf("mean %s (p50 %s, p99 %s, max %s)", strconv.FormatFloat(d.Mean, 'f', 1, 64),
		format.DistStat(d, "p50"), format.DistStat(d, "p99"), format.Float(d.Max))
}

// maxLengthCharts bounds the histograms of one page: a sweep of many
// levels repeats the same lengths, and the first levels show them.
const maxLengthCharts = 24

// lengthCharts draws, per stage level whose lengths vary or drift, the
// histograms of requested and reported input and output lengths.
func lengthCharts(run *schema.Run) []chartView {
	var out []chartView
	for i := range run.Stages {
		st := &run.Stages[i]
		l := st.Lengths
		if l == nil {
			continue
		}
		for _, side := range []struct {
			name              string
			requested, actual schema.Dist
			h                 schema.Histogram
		}{
			{"input", l.RequestedInput, l.Input, l.InputHistogram},
			{"output", l.RequestedOutput, l.Output, l.OutputHistogram},
		} {
			if len(out) >= maxLengthCharts || !(side.requested.Std > 0 || drifted(side.requested, side.actual)) {
				continue
			}
			out = appendChart(out, histogramSpec(st.ID+": "+side.name+" lengths (tokens)", side.h))
		}
	}
	return out
}

// histogramSpec is a bar chart of the histogram's bins, requested and
// reported side by side.
func histogramSpec(title string, h schema.Histogram) chart.Spec {
	n := min(len(h.Requested), len(h.Actual), max(len(h.Edges)-1, 0))
	s := chart.Spec{Title: title, XTitle: "tokens", YTitle: "requests", Bar: true, X: make([]string, n),
		Series: []chart.Series{{Name: "asked", Values: make([]float64, n)}, {Name: "reported", Values: make([]float64, n)}}}
	for i := range n {
		s.X[i] = strconv.Itoa(h.Edges[i])
		if h.Edges[i+1]-h.Edges[i] > 1 {
			s.X[i] += "–" + strconv.Itoa(h.Edges[i+1]-1)
		}
		s.Series[0].Values[i], s.Series[1].Values[i] = float64(h.Requested[i]), float64(h.Actual[i])
	}
	return s
}
