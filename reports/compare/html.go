package compare

import (
	"bytes"
	"cmp"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"

	"github.com/servebench/servebench/reports/internal/chart"
	"github.com/servebench/servebench/reports/internal/format"
	"github.com/servebench/servebench/reports/internal/style"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

//go:embed compare.html.tmpl
var pageSource string

var pageTemplate = template.Must(template.New("compare").Parse(pageSource))

// CompareHTML writes a self-contained comparison page: overlaid charts (one
// series per run) for each stage and profile, then a table per matched stage
// level. Like the run report it has no script and no external URL.
func CompareHTML(w io.Writer, c *Comparison) error {
	p := comparePage{CSS: style.CSS(), Summary: summaryLines(c), Regressions: c.Regressions(),
		Charts: append(decisionCharts(c), overlayCharts(c)...), Header: deltaHeader}
	for i := range c.Stages {
		s := &c.Stages[i]
		t := stageTable{Key: format.Line(s.Key)}
		for _, d := range s.Deltas {
			t.Rows = append(t.Rows, deltaRow{Cells: deltaCells(c, d), Class: verdictClass(d.Verdict)})
		}
		p.Tables = append(p.Tables, t)
	}
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, p); err != nil {
		return fmt.Errorf("render comparison html: %w", err)
	}
	// The funnel, with control bytes escaped: html/template leaves them alone.
	if _, err := io.WriteString(w, redact.Text(redact.String(b.String()))); err != nil {
		return fmt.Errorf("write comparison html: %w", err)
	}
	return nil
}

type comparePage struct {
	CSS         template.CSS
	Summary     []string
	Regressions []string
	Charts      []chartView
	Header      []string
	Tables      []stageTable
}

type chartView struct {
	Title string
	SVG   template.HTML
}

type stageTable struct {
	Key  string
	Rows []deltaRow
}

type deltaRow struct {
	Cells []string
	Class string
}

func verdictClass(v Verdict) string {
	switch v {
	case Regression:
		return "worse"
	case Improvement:
		return "better"
	}
	return "noise"
}

// overlayMetrics are drawn for every stage and profile, one line per run.
var overlayMetrics = []struct {
	title string
	get   func(*schema.StageResult) float64
}{
	{"output tokens/s", func(s *schema.StageResult) float64 { return s.Metrics.OutputThroughput }},
	{"TTFT p99 (ms)", func(s *schema.StageResult) float64 { return format.P(s.Metrics.TTFT, 99) }},
	{"TPOT p99 (ms)", func(s *schema.StageResult) float64 { return format.P(s.Metrics.TPOT, 99) }},
	{"E2EL p99 (ms)", func(s *schema.StageResult) float64 { return format.P(s.Metrics.E2EL, 99) }},
}

// overlayCharts groups matched stage levels by stage and profile; the x axis
// is their levels in ascending load.
func overlayCharts(c *Comparison) []chartView {
	type group struct {
		name   string
		stages []*StageComparison
	}
	var groups []*group
	for i := range c.Stages {
		s := &c.Stages[i]
		name := s.Stage + "/" + s.Profile
		if s.Stage == "" {
			name = "all stages"
		}
		j := slices.IndexFunc(groups, func(g *group) bool { return g.name == name })
		if j < 0 {
			groups = append(groups, &group{name: name})
			j = len(groups) - 1
		}
		groups[j].stages = append(groups[j].stages, s)
	}
	var out []chartView
	for _, g := range groups {
		slices.SortStableFunc(g.stages, func(a, b *StageComparison) int { return cmp.Compare(a.LevelValue, b.LevelValue) })
		x := make([]string, len(g.stages))
		for i, s := range g.stages {
			x[i] = s.Level
		}
		for _, m := range overlayMetrics {
			spec := chart.Spec{Title: g.name + ": " + m.title, X: x, XTitle: "level", Bar: len(x) == 1}
			for ri, r := range c.Runs {
				ser := chart.Series{Name: r.Label, Values: make([]float64, len(x))}
				for i, s := range g.stages {
					ser.Values[i] = math.NaN()
					if st := s.Results[ri]; st != nil {
						ser.Values[i] = m.get(st)
					}
				}
				spec.Series = append(spec.Series, ser)
			}
			if svg, err := chart.SVG(spec); err == nil {
				out = append(out, chartView{Title: spec.Title, SVG: svg})
			}
		}
	}
	return out
}
