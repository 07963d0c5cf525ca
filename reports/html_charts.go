package reports

import (
	"cmp"
	"fmt"
	"html/template"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/servebench/servebench/reports/internal/chart"
	"github.com/servebench/servebench/reports/internal/format"
	"github.com/servebench/servebench/schema"
)

// chartView is one rendered chart with a caption.
type chartView struct {
	Title string
	SVG   template.HTML
}

// chartGroup is a titled row of charts in the HTML page.
type chartGroup struct {
	Title  string
	Charts []chartView
}

// stageGroup is every level of one scenario stage, indexed by profile and
// level, in the order the run executed them.
type stageGroup struct {
	Name     string
	Profiles []string
	Levels   []*schema.StageResult // one representative per level, sorted by load
	at       map[[2]string]*schema.StageResult
	profiles map[string]bool // set of Profiles
	levels   map[string]bool // set of Levels by format.Level
}

// groupStages gathers stage levels by stage name. When a level repeats, the
// first repeat is charted (repeat statistics live in the repeats table).
// Lookups go through maps: a run may hold many thousands of levels.
func groupStages(run *schema.Run) []*stageGroup {
	var groups []*stageGroup
	byName := map[string]*stageGroup{}
	for i := range run.Stages {
		st := &run.Stages[i]
		g := byName[st.Stage]
		if g == nil {
			g = &stageGroup{Name: st.Stage, at: map[[2]string]*schema.StageResult{},
				profiles: map[string]bool{}, levels: map[string]bool{}}
			byName[st.Stage] = g
			groups = append(groups, g)
		}
		series := seriesOf(st)
		key := [2]string{series, format.Level(st)}
		if g.at[key] != nil {
			continue
		}
		g.at[key] = st
		if !g.profiles[series] {
			g.profiles[series] = true
			g.Profiles = append(g.Profiles, series)
		}
		if !g.levels[key[1]] {
			g.levels[key[1]] = true
			g.Levels = append(g.Levels, st)
		}
	}
	for _, g := range groups {
		slices.SortStableFunc(g.Levels, func(a, b *schema.StageResult) int {
			return cmp.Compare(format.LevelValue(a), format.LevelValue(b))
		})
	}
	return groups
}

func (g *stageGroup) labels() []string {
	out := make([]string, len(g.Levels))
	for i, st := range g.Levels {
		out[i] = format.Level(st)
	}
	return out
}

// series reads one metric for one profile across the group's levels; NaN
// where that profile did not run a level.
func (g *stageGroup) series(name, profile string, f func(*schema.StageResult) float64) chart.Series {
	s := chart.Series{Name: name, Values: make([]float64, len(g.Levels))}
	for i, lv := range g.Levels {
		st := g.at[[2]string{profile, format.Level(lv)}]
		if st == nil {
			s.Values[i] = math.NaN()
			continue
		}
		s.Values[i] = f(st)
	}
	return s
}

// perProfile is one series per profile (named by the profile, plus suffix).
func (g *stageGroup) perProfile(suffix string, f func(*schema.StageResult) float64) []chart.Series {
	out := make([]chart.Series, 0, len(g.Profiles))
	for _, p := range g.Profiles {
		out = append(out, g.series(p+suffix, p, f))
	}
	return out
}

func xTitle(g *stageGroup) string {
	if len(g.Levels) > 0 && g.Levels[0].Rate > 0 {
		return "request rate (req/s)"
	}
	return "concurrency"
}

// htmlCharts builds every chart group of the run page. A chart that cannot be
// drawn is left out rather than failing the whole report.
func htmlCharts(run *schema.Run) []chartGroup {
	groups := groupStages(run)
	out := []chartGroup{
		{"Throughput", collect(groups, throughputSpecs)},
		{"Latency vs load", collect(groups, latencySpecs)},
		{"Latency distribution", collect(groups, distributionSpecs)},
		{"Profiles compared", collect(groups, profileSpecs)},
		{"Timeline", timelineCharts(run)},
		{"Server metrics", serverCharts(run)},
		{"Token length histograms", lengthCharts(run)},
		{"Conversations and replays", trafficCharts(run)},
	}
	return slices.DeleteFunc(out, func(c chartGroup) bool { return len(c.Charts) == 0 })
}

func collect(groups []*stageGroup, f func(*stageGroup) []chart.Spec) []chartView {
	var out []chartView
	for _, g := range groups {
		for _, s := range f(g) {
			out = appendChart(out, s)
		}
	}
	return out
}

func appendChart(out []chartView, s chart.Spec) []chartView {
	svg, err := chart.SVG(s)
	if err != nil {
		return out
	}
	return append(out, chartView{Title: s.Title, SVG: svg})
}

func throughputSpecs(g *stageGroup) []chart.Spec {
	if len(g.Levels) < 2 {
		return nil // one level: the stage table says it all
	}
	x := g.labels()
	return []chart.Spec{
		{Title: g.Name + ": output tokens/s", XTitle: xTitle(g), X: x,
			Series: g.perProfileCI("", "output_throughput", func(s *schema.StageResult) float64 { return s.Metrics.OutputThroughput })},
		{Title: g.Name + ": requests/s and goodput", XTitle: xTitle(g), X: x,
			Series: append(g.perProfileCI(" req/s", "request_throughput", func(s *schema.StageResult) float64 { return s.Metrics.RequestThroughput }),
				g.perProfileCI(" goodput", "goodput", func(s *schema.StageResult) float64 { return s.Metrics.Goodput })...)},
	}
}

func latencySpecs(g *stageGroup) []chart.Spec {
	if len(g.Levels) < 2 {
		return nil
	}
	var out []chart.Spec
	for _, m := range latencyMetrics {
		get, key := m.get, strings.ToLower(m.name)
		p50 := g.perProfileCI(" p50", key+".p50", func(s *schema.StageResult) float64 { return format.P(get(s), 50) })
		p99 := g.perProfileCI(" p99", key+".p99", func(s *schema.StageResult) float64 { return format.P(get(s), 99) })
		out = append(out, chart.Spec{Title: g.Name + ": " + m.name + " (ms)", XTitle: xTitle(g), X: g.labels(),
			Series: append(p50, p99...)})
	}
	return out
}

// latencyMetrics are the per-request latencies charted, in reading order.
var latencyMetrics = []struct {
	name string
	get  func(*schema.StageResult) schema.Dist
}{
	{"TTFT", func(s *schema.StageResult) schema.Dist { return s.Metrics.TTFT }},
	{"TPOT", func(s *schema.StageResult) schema.Dist { return s.Metrics.TPOT }},
	{"E2EL", func(s *schema.StageResult) schema.Dist { return s.Metrics.E2EL }},
}

// distributionSpecs draws, per metric, bars of the computed percentiles for
// every level of the stage.
func distributionSpecs(g *stageGroup) []chart.Spec {
	var out []chart.Spec
	for _, m := range latencyMetrics {
		keys, total := percentileKeys(g, m.get)
		if len(keys) == 0 {
			continue
		}
		title := g.Name + ": " + m.name + " percentiles (ms)"
		if total > len(keys) {
			title += fmt.Sprintf(", %d of %d percentiles", len(keys), total)
		}
		spec := chart.Spec{Title: title, XTitle: "percentile", X: keys, Bar: true}
		for _, p := range g.Profiles {
			for _, lv := range g.Levels {
				st := g.at[[2]string{p, format.Level(lv)}]
				if st == nil {
					continue
				}
				spec.Series = append(spec.Series, percentileSeries(p+" "+format.Level(st), m.get(st), keys))
			}
		}
		out = append(out, spec)
	}
	return out
}

// maxChartPercentiles bounds the bars of a percentile chart: a result file
// may carry any number of percentile keys (an import of 200 000 took over a
// minute to draw), and more bars than this are unreadable anyway.
const maxChartPercentiles = 16

// percentileKeys lists the valid percentile keys the group's levels have,
// ascending and at most maxChartPercentiles of them (schema.KeepPercentiles),
// and how many there were.
func percentileKeys(g *stageGroup, get func(*schema.StageResult) schema.Dist) ([]string, int) {
	seen, parsed := map[float64]bool{}, map[string]bool{}
	for _, st := range g.at {
		for k := range get(st).Percentiles {
			if parsed[k] {
				continue // levels share their keys: parse each once
			}
			parsed[k] = true
			if p, ok := schema.ParsePercentileKey(k); ok {
				seen[p] = true
			}
		}
	}
	kept := schema.KeepPercentiles(slices.Collect(maps.Keys(seen)), maxChartPercentiles)
	keys := make([]string, len(kept))
	for i, p := range kept {
		keys[i] = schema.PercentileKey(p)
	}
	return keys, len(seen)
}

func percentileSeries(name string, d schema.Dist, keys []string) chart.Series {
	s := chart.Series{Name: name, Values: make([]float64, len(keys))}
	for i, k := range keys {
		v, ok := d.Percentiles[k]
		if !ok {
			v = math.NaN()
		}
		s.Values[i] = v
	}
	return s
}

// profileSpecs compares the profiles of a stage side by side at each level.
func profileSpecs(g *stageGroup) []chart.Spec {
	if len(g.Profiles) < 2 {
		return nil
	}
	x := g.labels()
	return []chart.Spec{
		{Title: g.Name + ": output tokens/s by profile", XTitle: xTitle(g), X: x, Bar: true,
			Series: g.perProfile("", func(s *schema.StageResult) float64 { return s.Metrics.OutputThroughput })},
		{Title: g.Name + ": E2EL p99 (ms) by profile", XTitle: xTitle(g), X: x, Bar: true,
			Series: g.perProfile("", func(s *schema.StageResult) float64 { return format.P(s.Metrics.E2EL, 99) })},
	}
}
