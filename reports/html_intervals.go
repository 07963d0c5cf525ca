package reports

import (
	"fmt"
	"math"
	"strings"

	"github.com/servebench/servebench/reports/internal/chart"
	"github.com/servebench/servebench/reports/internal/format"
	"github.com/servebench/servebench/schema"
)

// perProfileCI is perProfile with each point's 95% interval of the
// interval metric called metric ("ttft.p99", "output_throughput"), drawn
// as error bars. A level without that interval has no bar.
func (g *stageGroup) perProfileCI(suffix, metric string, f func(*schema.StageResult) float64) []chart.Series {
	out := g.perProfile(suffix, f)
	for i, p := range g.Profiles {
		lo, hi := make([]float64, len(g.Levels)), make([]float64, len(g.Levels))
		any := false
		for j, lv := range g.Levels {
			lo[j], hi[j] = math.NaN(), math.NaN()
			st := g.at[[2]string{p, format.Level(lv)}]
			if st == nil {
				continue
			}
			if ci, ok := st.Intervals[metric]; ok && ci.OK() {
				lo[j], hi[j], any = ci.Lo, ci.Hi, true
			}
		}
		if any { // no interval anywhere (an older run): no error bars, no legend entry
			out[i].Lo, out[i].Hi = lo, hi
		}
	}
	return out
}

// maxTimelines bounds the timeline charts of one page: a run may hold
// thousands of levels, and a page of thousands of charts helps no one.
const maxTimelines = 24

// timelineCharts draws, per level, the requests in flight over time with
// its steady-state window shaded, so a reader sees what the window left
// out: the ramp at the start, the drain at the end.
func timelineCharts(run *schema.Run) []chartView {
	var out []chartView
	total := 0
	for i := range run.Stages {
		st := &run.Stages[i]
		if st.InFlight == nil || len(st.InFlight.T) < 2 || st.Steady == nil {
			continue
		}
		if total++; total <= maxTimelines {
			out = appendChart(out, timelineSpec(st))
		}
	}
	if total > maxTimelines && len(out) > 0 {
		out[len(out)-1].Title += fmt.Sprintf(" (timelines of the first %d of %d levels)", maxTimelines, total)
	}
	return out
}

// timelineSpec is one level's timeline: requests in flight, and the window
// as a shaded block just above them.
func timelineSpec(st *schema.StageResult) chart.Spec {
	tl := st.InFlight
	x := make([]string, len(tl.T))
	window := chart.Series{Name: "steady-state window", Values: make([]float64, len(tl.T))}
	top := 0.0
	for _, v := range tl.Values {
		top = max(top, v)
	}
	for i, t := range tl.T {
		x[i] = fmt.Sprintf("%.1f", t)
		if w := st.Steady; w.Found && t*1000 >= w.FromMS && t*1000 <= w.ToMS {
			window.Values[i] = math.Ceil(top * 1.05)
		}
	}
	title := st.ID + ": requests in flight"
	if st.Steady.Found {
		title += ", steady-state window shaded"
	} else {
		title += " (no steady state: " + strings.TrimPrefix(st.Steady.Note, "no steady state: ") + ")"
	}
	return chart.Spec{Title: title, XTitle: "seconds since the level began", X: x, Fill: true,
		Series: []chart.Series{window, {Name: "requests in flight", Values: tl.Values}}}
}
