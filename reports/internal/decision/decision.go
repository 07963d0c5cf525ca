// Package decision draws the charts that answer "which configuration?":
// for one stage and profile, every configuration's curve overlaid (the
// variants of a matrix run, or the runs of a comparison): latency against
// request throughput, one point per level, and the trade-off between what
// one user sees (output tokens/s per user) and what the server delivers
// (output tokens/s in all), with the Pareto front marked.
package decision

import (
	"cmp"
	"html/template"
	"math"
	"slices"

	"github.com/servebench/servebench/reports/internal/format"
	"github.com/servebench/servebench/reports/internal/plot"
	"github.com/servebench/servebench/schema"
)

// Curve is one configuration's levels of one stage and profile, in
// ascending load.
type Curve struct {
	Name   string
	Color  int // palette index: one configuration keeps its colour in every chart
	Levels []*schema.StageResult
}

// Group is one stage and profile with the curves to overlay.
type Group struct {
	Title  string // "sweep/safe"
	Curves []Curve
}

// Chart is one rendered chart and its caption.
type Chart struct {
	Title string
	SVG   template.HTML
}

// GroupRun gathers a run's stage levels by stage and profile, one curve per
// matrix variant (one unnamed curve without a matrix). A repeated level is
// drawn from its first repeat; the repeat summary carries the rest.
func GroupRun(run *schema.Run) []Group {
	var groups []Group
	at := map[string]int{}       // group title -> index
	curve := map[[2]string]int{} // (title, variant) -> index in its group
	seen := map[[3]string]bool{} // (title, variant, level)
	colors := map[string]int{}   // variant -> colour, in order of appearance
	for i := range run.Stages {
		st := &run.Stages[i]
		title := st.Stage + "/" + st.Profile
		key := [3]string{title, st.Variant, format.Level(st)}
		if seen[key] {
			continue
		}
		seen[key] = true
		gi, ok := at[title]
		if !ok {
			gi = len(groups)
			at[title] = gi
			groups = append(groups, Group{Title: title})
		}
		ci, ok := curve[[2]string{title, st.Variant}]
		if !ok {
			ci = len(groups[gi].Curves)
			curve[[2]string{title, st.Variant}] = ci
			if _, ok := colors[st.Variant]; !ok {
				colors[st.Variant] = len(colors)
			}
			groups[gi].Curves = append(groups[gi].Curves, Curve{Name: st.Variant, Color: colors[st.Variant]})
		}
		groups[gi].Curves[ci].Levels = append(groups[gi].Curves[ci].Levels, st)
	}
	for _, g := range groups {
		for i := range g.Curves {
			SortLevels(g.Curves[i].Levels)
		}
	}
	return groups
}

// SortLevels orders levels by load.
func SortLevels(levels []*schema.StageResult) {
	slices.SortStableFunc(levels, func(a, b *schema.StageResult) int {
		return cmp.Compare(format.LevelValue(a), format.LevelValue(b))
	})
}

// Worth reports whether a group has something to decide: two points on a
// curve, or two curves.
func (g Group) Worth() bool {
	if len(g.Curves) > 1 {
		return true
	}
	return len(g.Curves) == 1 && len(g.Curves[0].Levels) > 1
}

// Charts draws a group's decision charts; a chart without data is left out.
func Charts(g Group) []Chart {
	var out []Chart
	for _, s := range []plot.Spec{latencySpec(g, "TTFT", ttft), latencySpec(g, "TPOT", tpot), frontierSpec(g)} {
		if svg, err := plot.SVG(s); err == nil {
			out = append(out, Chart{Title: s.Title, SVG: svg})
		}
	}
	return out
}

func ttft(st *schema.StageResult) schema.Dist { return st.Metrics.TTFT }
func tpot(st *schema.StageResult) schema.Dist { return st.Metrics.TPOT }

// label names a curve's series: the curve, or the metric alone when the
// group has one unnamed curve.
func label(c Curve, what string) string {
	if c.Name == "" {
		return what
	}
	return c.Name + " " + what
}

// latencySpec is a latency's p50 (solid) and p99 (dashed) against request
// throughput, one point per level, per curve: how much latency each
// configuration pays for its throughput.
func latencySpec(g Group, metric string, get func(*schema.StageResult) schema.Dist) plot.Spec {
	s := plot.Spec{Title: g.Title + ": " + metric + " vs request throughput", XTitle: "requests/s",
		YTitle: metric + " (ms)"}
	for _, c := range g.Curves {
		x := make([]float64, len(c.Levels))
		p50, p99 := make([]float64, len(c.Levels)), make([]float64, len(c.Levels))
		for j, st := range c.Levels {
			x[j] = st.Metrics.RequestThroughput
			p50[j], p99[j] = format.P(get(st), 50), format.P(get(st), 99)
		}
		s.Series = append(s.Series,
			plot.Series{Name: label(c, "p50"), X: x, Y: p50, Color: c.Color},
			plot.Series{Name: label(c, "p99"), X: x, Y: p99, Color: c.Color, Dashed: true})
	}
	return s
}

// PerUser is the output speed one user sees at a level, in tokens/s: one
// over the median time per output token (NaN when TPOT was not measured).
// With total output tokens/s it spans the trade-off serving benchmarks
// plot: tokens/s per user against tokens/s in all.
func PerUser(st *schema.StageResult) float64 {
	tp := format.P(st.Metrics.TPOT, 50)
	if !(tp > 0) {
		return math.NaN()
	}
	return 1000 / tp
}

// Point is one level on the trade-off plane.
type Point struct {
	Curve, Level string
	Total, User  float64 // output tokens/s in all and per user
}

// Front returns the points no other point beats on both axes (more tokens
// in all and more per user), in ascending total throughput: the
// configurations worth choosing between.
func Front(points []Point) []Point {
	var front []Point
	for _, p := range points {
		if math.IsNaN(p.Total) || math.IsNaN(p.User) {
			continue
		}
		dominated := slices.ContainsFunc(points, func(q Point) bool {
			return q.Total >= p.Total && q.User >= p.User && (q.Total > p.Total || q.User > p.User)
		})
		if !dominated {
			front = append(front, p)
		}
	}
	slices.SortStableFunc(front, func(a, b Point) int { return cmp.Compare(a.Total, b.Total) })
	return front
}

// Points is every level of a group on the trade-off plane.
func Points(g Group) []Point {
	var out []Point
	for _, c := range g.Curves {
		for _, st := range c.Levels {
			out = append(out, Point{Curve: c.Name, Level: format.Level(st), Total: st.Metrics.OutputThroughput, User: PerUser(st)})
		}
	}
	return out
}

// frontierSpec draws every curve on the trade-off plane and the Pareto
// front through the levels no other level beats.
func frontierSpec(g Group) plot.Spec {
	s := plot.Spec{Title: g.Title + ": output tokens/s per user vs total output tokens/s (Pareto front dashed)",
		XTitle: "output tokens/s (all users)", YTitle: "output tokens/s per user"}
	for _, c := range g.Curves {
		x, y := make([]float64, len(c.Levels)), make([]float64, len(c.Levels))
		for j, st := range c.Levels {
			x[j], y[j] = st.Metrics.OutputThroughput, PerUser(st)
		}
		s.Series = append(s.Series, plot.Series{Name: orName(c.Name, "levels"), X: x, Y: y, Color: c.Color})
	}
	front := Front(Points(g))
	if len(front) > 0 {
		x, y := make([]float64, len(front)), make([]float64, len(front))
		for i, p := range front {
			x[i], y[i] = p.Total, p.User
		}
		s.Series = append(s.Series, plot.Series{Name: "Pareto front", X: x, Y: y, Color: 6, Kind: plot.Line, Dashed: true, Bold: true})
	}
	return s
}

func orName(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
