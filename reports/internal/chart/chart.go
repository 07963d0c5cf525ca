// Package chart draws the few chart shapes servebench reports use as inline
// SVG, so an HTML report stays one self-contained file that works offline.
// It wraps github.com/go-analyze/charts and fixes the look (light theme,
// legend below the title) in one place for the run and compare reports.
package chart

import (
	"fmt"
	"html/template"
	"math"

	"github.com/go-analyze/charts"
)

// Series is one named line or bar group; Values align with the x labels.
// NaN marks a missing point (a level one run did not measure). Lo and Hi,
// when set, bound each value's 95% interval and are drawn as error bars
// (NaN: no bar at that point).
type Series struct {
	Name   string
	Values []float64
	Lo, Hi []float64
}

// Spec describes one chart: a categorical x axis (concurrency or rate
// levels, percentiles, sample times) and one value axis.
type Spec struct {
	Title  string
	XTitle string
	YTitle string
	X      []string
	Series []Series
	Bar    bool // bars instead of lines
	// Fill shades the area under every line (a timeline's window).
	Fill bool
}

// Default size of a chart; the page scales SVGs to their container.
const (
	Width  = 640
	Height = 340
)

// SVG renders the chart. The result is safe to embed in html/template: the
// library escapes every text it writes into the SVG.
func SVG(s Spec) (template.HTML, error) {
	if len(s.X) == 0 || len(s.Series) == 0 {
		return "", fmt.Errorf("chart %q: no data", s.Title)
	}
	opt := charts.ChartOption{
		OutputFormat: charts.ChartOutputSVG,
		Width:        Width,
		Height:       Height,
		Theme:        charts.GetTheme(charts.ThemeLight),
		Padding:      charts.Box{Top: 16, Right: 24, Bottom: 12, Left: 12},
		// The page shows the title as a caption; drawn again here it would collide with the legend.
		Title: charts.TitleOption{Show: charts.Ptr(false)},
		XAxis: charts.XAxisOption{Labels: s.X, Title: s.XTitle},
		// Values start at zero so that a small change never looks like a collapse.
		YAxis: []charts.YAxisOption{{Title: s.YTitle, Min: charts.Ptr(0.0)}},
		Legend: charts.LegendOption{
			SeriesNames: names(s.Series),
			Offset:      charts.OffsetStr{Left: charts.PositionRight, Top: "0"},
		},
		SeriesList: append(charts.NewSeriesListGeneric(values(s.Series), chartType(s.Bar)), errorBars(s.Series)...),
		Symbol:     charts.Symbol{Shape: charts.SymbolCircle},
	}
	if s.Fill {
		opt.FillArea, opt.FillOpacity = charts.Ptr(true), 40
		opt.Symbol.Shape = charts.SymbolNone
	}
	opt.Legend.SeriesNames = names(s.Series)
	if len(opt.SeriesList) > len(s.Series) {
		opt.BarSize = errorBarWidth
	}
	p, err := charts.Render(opt)
	if err != nil {
		return "", fmt.Errorf("render chart %q: %w", s.Title, err)
	}
	b, err := p.Bytes()
	if err != nil {
		return "", fmt.Errorf("encode chart %q: %w", s.Title, err)
	}
	return template.HTML(b), nil // #nosec: produced by the chart library, texts escaped there
}

func chartType(bar bool) string {
	if bar {
		return charts.ChartTypeBar
	}
	return charts.ChartTypeLine
}

func names(ss []Series) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Name)
	}
	for _, s := range ss {
		if s.Lo != nil {
			out = append(out, s.Name+" 95% CI")
		}
	}
	return out
}

// errorBarWidth is the width of an error bar's cap, as a share of the
// space of one x value.
const errorBarWidth = 0.15

// errorBars draws the intervals of the series that have them as
// candlesticks whose body is flat at the value and whose wicks reach the
// interval's ends: the library's one shape with a low and a high.
func errorBars(ss []Series) charts.GenericSeriesList {
	var out charts.GenericSeriesList
	null := charts.GetNullValue()
	for _, s := range ss {
		if s.Lo == nil {
			continue
		}
		ohlc := make([]float64, 0, 4*len(s.Values))
		for i, v := range s.Values {
			lo, hi := s.Lo[i], s.Hi[i]
			if !finite(v) || !finite(lo) || !finite(hi) {
				ohlc = append(ohlc, null, null, null, null)
				continue
			}
			ohlc = append(ohlc, v, max(hi, v), min(lo, v), v)
		}
		out = append(out, charts.GenericSeries{Type: charts.ChartTypeCandlestick, Name: s.Name + " 95% CI", Values: ohlc})
	}
	return out
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// values copies the series and replaces NaN/Inf by the library's null marker,
// which draws a gap instead of a spike to zero.
func values(ss []Series) [][]float64 {
	out := make([][]float64, len(ss))
	for i, s := range ss {
		row := make([]float64, len(s.Values))
		for j, v := range s.Values {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				v = charts.GetNullValue()
			}
			row[j] = v
		}
		out[i] = row
	}
	return out
}
