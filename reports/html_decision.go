package reports

import (
	"fmt"
	"slices"

	"github.com/servebench/servebench/reports/internal/decision"
	"github.com/servebench/servebench/reports/internal/format"
	"github.com/servebench/servebench/reports/internal/plot"
	"github.com/servebench/servebench/schema"
)

// pageCharts is every chart group of the run page, the decision charts
// first, and notes on charts that could not be drawn.
func pageCharts(run *schema.Run, reqs Requests) ([]chartGroup, []string) {
	dg := decision.GroupRun(run)
	levels, note := levelCharts(dg, reqs)
	out := append([]chartGroup{
		{"Decision: latency vs throughput, and the trade-off frontier", decisionCharts(dg)},
		{"Per level: requests in flight, TTFT by send time, latency CDFs", levels},
	}, htmlCharts(run)...)
	var notes []string
	if note != "" {
		notes = append(notes, note)
	}
	return slices.DeleteFunc(out, func(c chartGroup) bool { return len(c.Charts) == 0 }), notes
}

// decisionCharts draws, per stage and profile, the charts that answer
// "which configuration?": every variant's latency-throughput curve and its
// place on the trade-off frontier, overlaid.
func decisionCharts(groups []decision.Group) []chartView {
	var out []chartView
	for _, g := range groups {
		if !g.Worth() {
			continue
		}
		for _, c := range decision.Charts(g) {
			out = append(out, chartView(c))
		}
	}
	return out
}

// maxLevelCharts bounds the levels of one stage and profile that get a
// timeline and CDFs: a sweep of 32 levels would bury the page in charts.
// The levels are spread over the sweep, its first and last included.
const maxLevelCharts = 6

// levelCharts draws, for the chosen levels of each stage and profile, the
// requests in flight and TTFT by send time, and the latency CDFs, every
// variant overlaid. They need the request records; without them (or when
// they cannot be read) there are none, and the run page says so.
func levelCharts(groups []decision.Group, reqs Requests) ([]chartView, string) {
	if reqs == nil {
		return nil, ""
	}
	type level struct {
		group decision.Group
		label string
	}
	var levels []level
	ids := map[string]bool{}
	for _, g := range groups {
		for _, label := range spread(levelLabels(g), maxLevelCharts) {
			levels = append(levels, level{g, label})
			for _, st := range atLevel(g, label) {
				ids[st.ID] = true
			}
		}
	}
	data, err := readLevels(reqs, ids)
	if err != nil {
		return nil, "per-level charts are missing: " + err.Error()
	}
	var out []chartView
	for _, lv := range levels {
		for _, spec := range levelSpecs(lv.group, lv.label, data) {
			if svg, err := plot.SVG(spec); err == nil {
				out = append(out, chartView{Title: spec.Title, SVG: svg})
			}
		}
	}
	return out, ""
}

// levelLabels lists a group's levels in ascending load, across curves.
func levelLabels(g decision.Group) []string {
	var all []*schema.StageResult
	seen := map[string]bool{}
	for _, c := range g.Curves {
		for _, st := range c.Levels {
			if l := format.Level(st); !seen[l] {
				seen[l] = true
				all = append(all, st)
			}
		}
	}
	decision.SortLevels(all)
	out := make([]string, len(all))
	for i, st := range all {
		out[i] = format.Level(st)
	}
	return out
}

// spread keeps at most n items, evenly spaced, the first and last included.
func spread(items []string, n int) []string {
	if len(items) <= n {
		return items
	}
	out := make([]string, n)
	for i := range n {
		out[i] = items[i*(len(items)-1)/(n-1)]
	}
	return out
}

// atLevel is each curve's stage level at a level label (nil where a curve
// has none), in curve order.
func atLevel(g decision.Group, label string) []*schema.StageResult {
	out := make([]*schema.StageResult, len(g.Curves))
	for i, c := range g.Curves {
		for _, st := range c.Levels {
			if format.Level(st) == label {
				out[i] = st
				break
			}
		}
	}
	return out
}

// levelSpecs is one level's timeline and CDF chart.
func levelSpecs(g decision.Group, label string, data map[string]*levelData) []plot.Spec {
	title := g.Title + " " + label
	tl := plot.Spec{Title: title + ": requests in flight (lines) and TTFT by send time (dots)",
		XTitle: "seconds since the level started", YTitle: "requests in flight", Y2Title: "TTFT (ms)"}
	cd := plot.Spec{Title: title + ": latency CDF (TTFT solid, E2EL dashed)", XTitle: "latency (ms, log scale)",
		YTitle: "requests at or below", YSuffix: "%", XLog: true}
	for i, st := range atLevel(g, label) {
		d := data[idOf(st)]
		if d == nil {
			continue
		}
		c := g.Curves[i]
		x, y := d.timeline()
		sx, sy := d.scatter()
		tl.Series = append(tl.Series,
			plot.Series{Name: name(c.Name, "in flight"), X: x, Y: y, Color: c.Color, Kind: plot.Line},
			plot.Series{Name: name(c.Name, "TTFT"), X: sx, Y: sy, Color: c.Color, Kind: plot.Points, Secondary: true})
		tx, ty := cdf(d.ttft)
		ex, ey := cdf(d.e2el)
		cd.Series = append(cd.Series,
			plot.Series{Name: name(c.Name, "TTFT"), X: tx, Y: ty, Color: c.Color, Kind: plot.Line},
			plot.Series{Name: name(c.Name, "E2EL"), X: ex, Y: ey, Color: c.Color, Kind: plot.Line, Dashed: true})
	}
	return []plot.Spec{tl, cd}
}

func idOf(st *schema.StageResult) string {
	if st == nil {
		return ""
	}
	return st.ID
}

// name is "<variant> <what>", or what alone without a matrix.
func name(variant, what string) string {
	if variant == "" {
		return what
	}
	return fmt.Sprintf("%s %s", variant, what)
}
