// Package plot draws charts whose x axis is a number (request throughput,
// seconds, milliseconds) as inline SVG, for the decision charts and
// timelines of the reports. reports/internal/chart draws the charts whose
// x axis is a list of categories; go-analyze/charts' own charts have only
// that kind, so this package uses its lower layer, chartdraw (a go-chart
// fork in the same module), which has numeric and logarithmic axes. No
// script, no external font or URL: the SVG is self-contained.
//
// Axis labels are computed here rather than by chartdraw, so they never
// repeat: a 0-1.5 % series was labelled "0, 0, 0.01, 0.01" by the default
// formatter.
package plot

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"math"

	"github.com/go-analyze/charts/chartdraw"
	"github.com/go-analyze/charts/chartdraw/drawing"
)

// Kind is how a series is drawn.
type Kind int

// Kinds of series.
const (
	LinePoints Kind = iota // a line through marked points (one point per level)
	Line                   // a line only (a timeline, a CDF)
	Points                 // markers only (one per request)
)

// Series is one named set of (x, y) points; X and Y have the same length.
// Color indexes the palette, so one configuration keeps one colour across
// series and charts.
type Series struct {
	Name      string
	X, Y      []float64
	Color     int
	Kind      Kind
	Dashed    bool
	Bold      bool // a thicker line, for a Pareto front
	Secondary bool // on the right-hand y axis
}

// Mark is a labelled vertical line, e.g. where a level of a timeline starts.
type Mark struct {
	X     float64
	Label string
}

// Spec describes one chart.
type Spec struct {
	Title          string // the page's caption; not drawn in the SVG
	XTitle, YTitle string
	Y2Title        string // right-hand axis, when a series is Secondary
	XLog           bool   // logarithmic x axis (latencies spanning decades)
	YSuffix        string // appended to y labels, e.g. "%"
	Y2Suffix       string
	Series         []Series
	Marks          []Mark
}

// Size of a chart; the page scales SVGs to their container.
const (
	Width  = 640
	Height = 360
)

// palette is colour-blind-safe (Okabe-Ito, without yellow) and distinct
// enough for up to eight configurations; more cycle.
var palette = []drawing.Color{
	drawing.ColorFromHex("0072B2"), drawing.ColorFromHex("D55E00"), drawing.ColorFromHex("009E73"),
	drawing.ColorFromHex("CC79A7"), drawing.ColorFromHex("56B4E9"), drawing.ColorFromHex("E69F00"),
	drawing.ColorFromHex("000000"), drawing.ColorFromHex("999999"),
}

// Color is palette colour i as CSS, for tables that share the charts' colours.
func Color(i int) string { return palette[i%len(palette)].StringRGB() }

// SVG renders the chart. Every text the SVG holds is escaped by chartdraw.
func SVG(s Spec) (template.HTML, error) {
	series, err := drawable(s.Series)
	if err != nil {
		return "", fmt.Errorf("chart %q: %w", s.Title, err)
	}
	xt, xmin, xmax := xTicks(s)
	leg := newLegend(s.Series)
	c := chartdraw.Chart{
		Width: Width, Height: Height + leg.height - 36, // the legend uses the x axis's bottom margin
		Background: chartdraw.Style{Padding: chartdraw.Box{Top: 16, Left: 12, Right: 16, Bottom: 8 + leg.height, IsSet: true}},
		XAxis:      chartdraw.XAxis{Name: s.XTitle, Ticks: xt, Range: xRange(s.XLog, xmin, xmax)},
		// chartdraw draws its primary y axis on the right and its
		// secondary one on the left: the chart's main axis is the left one.
		YAxisSecondary: yAxis(s.YTitle, s.YSuffix, values(s.Series, false)),
		Series:         series,
	}
	if hasSecondary(s.Series) {
		c.YAxis = yAxis(s.Y2Title, s.Y2Suffix, values(s.Series, true))
	} else { // hidden, but chartdraw checks its range all the same
		c.YAxis = chartdraw.YAxis{Style: chartdraw.Style{Hidden: true}, Range: &chartdraw.ContinuousRange{Min: 0, Max: 1}}
	}
	c.Elements = []chartdraw.Renderable{leg.draw, marks(s.Marks, xmin, xmax, s.XLog)}
	var b bytes.Buffer
	if err := c.Render(chartdraw.SVG, &b); err != nil {
		return "", fmt.Errorf("render chart %q: %w", s.Title, err)
	}
	return template.HTML(b.String()), nil // #nosec: chartdraw escapes the texts it writes
}

// drawable turns the series into chartdraw's, dropping points that are not
// finite (a level without a value): left out, never drawn as zero.
func drawable(ss []Series) ([]chartdraw.Series, error) {
	var out []chartdraw.Series
	for _, s := range ss {
		var xs, ys []float64
		for i := range min(len(s.X), len(s.Y)) {
			if finite(s.X[i]) && finite(s.Y[i]) {
				xs, ys = append(xs, s.X[i]), append(ys, s.Y[i])
			}
		}
		if len(xs) == 0 {
			continue
		}
		cs := chartdraw.ContinuousSeries{Name: s.Name, XValues: xs, YValues: ys, Style: style(s), YAxis: chartdraw.YAxisSecondary}
		if s.Secondary {
			cs.YAxis = chartdraw.YAxisPrimary // the right-hand axis (see SVG)
		}
		out = append(out, cs)
	}
	if len(out) == 0 {
		return nil, errors.New("no data")
	}
	return out, nil
}

func style(s Series) chartdraw.Style {
	c := palette[s.Color%len(palette)]
	st := chartdraw.Style{StrokeColor: c, StrokeWidth: 2, DotColor: c}
	switch s.Kind {
	case Points:
		st.StrokeWidth, st.DotWidth = chartdraw.Disabled, 2.5
	case LinePoints:
		st.DotWidth = 3.5
	}
	if s.Bold {
		st.StrokeWidth = 3.5
	}
	if s.Dashed {
		st.StrokeDashArray = []float64{6, 4}
	}
	return st
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func hasSecondary(ss []Series) bool {
	for _, s := range ss {
		if s.Secondary {
			return true
		}
	}
	return false
}

// values are the finite y values of one axis's series.
func values(ss []Series, secondary bool) []float64 {
	var out []float64
	for _, s := range ss {
		if s.Secondary != secondary {
			continue
		}
		for _, v := range s.Y {
			if finite(v) {
				out = append(out, v)
			}
		}
	}
	return out
}

// yAxis starts at zero, so a small change never looks like a collapse.
func yAxis(title, suffix string, vals []float64) chartdraw.YAxis {
	hi := 0.0
	for _, v := range vals {
		hi = max(hi, v)
	}
	ticks := linearTicks(min(0, minOf(vals)), hi, suffix)
	return chartdraw.YAxis{Name: title, Ticks: ticks,
		Range: &chartdraw.ContinuousRange{Min: ticks[0].Value, Max: ticks[len(ticks)-1].Value}}
}

func minOf(vals []float64) float64 {
	lo := math.Inf(1)
	for _, v := range vals {
		lo = min(lo, v)
	}
	if math.IsInf(lo, 1) {
		return 0
	}
	return lo
}

// xTicks covers every x value of the chart (marks included).
func xTicks(s Spec) ([]chartdraw.Tick, float64, float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, ser := range s.Series {
		for i, x := range ser.X {
			if finite(x) && i < len(ser.Y) && finite(ser.Y[i]) && (!s.XLog || x > 0) {
				lo, hi = min(lo, x), max(hi, x)
			}
		}
	}
	for _, m := range s.Marks {
		lo, hi = min(lo, m.X), max(hi, m.X)
	}
	if math.IsInf(lo, 1) {
		lo, hi = 0, 1
	}
	var t []chartdraw.Tick
	if s.XLog {
		t = logTicks(lo, hi)
	} else {
		t = linearTicks(min(lo, 0), hi, "")
	}
	return t, t[0].Value, t[len(t)-1].Value
}

func xRange(log bool, lo, hi float64) chartdraw.Range {
	if log {
		return &chartdraw.LogarithmicRange{Min: lo, Max: hi}
	}
	return &chartdraw.ContinuousRange{Min: lo, Max: hi}
}
