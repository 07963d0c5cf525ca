package reports

import (
	"math"
	"strings"

	"github.com/jedib0t/go-pretty/v6/table"

	"github.com/servebench/servebench/reports/internal/decision"
	"github.com/servebench/servebench/reports/internal/format"
	"github.com/servebench/servebench/schema"
)

// variantTable compares a matrix run's variants on one stage and profile,
// one row per variant, the best value of every column marked: the answer
// to "which one?" in a table a pull request can show.
type variantTable struct {
	Title  string
	Header []string
	Rows   []variantRow
}

type variantRow struct {
	Cells []string
	Best  []bool // per cell: the best value of its column
}

// bestMark follows the best value of a column in text reports.
const bestMark = " ★"

// variantColumn is one column: what it reads from a variant's levels, and
// which way is better.
type variantColumn struct {
	name   string
	higher bool
	get    func(levels []*schema.StageResult) float64
	count  bool // a whole number, printed without decimals
}

// variantColumns: throughput at saturation (the best level), latency when
// lightly loaded (the lowest level) and under the highest load, failures.
var variantColumns = []variantColumn{
	{name: "Peak out tok/s", higher: true, get: peak(func(s *schema.StageResult) float64 { return s.Metrics.OutputThroughput })},
	{name: "Peak req/s", higher: true, get: peak(func(s *schema.StageResult) float64 { return s.Metrics.RequestThroughput })},
	{name: "Peak goodput", higher: true, get: peak(func(s *schema.StageResult) float64 { return s.Metrics.Goodput })},
	{name: "Peak tok/s/user", higher: true, get: peak(decision.PerUser)},
	{name: "TTFT p50 lowest load", get: lowest(func(s *schema.StageResult) float64 { return format.P(s.Metrics.TTFT, 50) })},
	{name: "TPOT p50 lowest load", get: lowest(func(s *schema.StageResult) float64 { return format.P(s.Metrics.TPOT, 50) })},
	{name: "TTFT p99 highest load", get: highest(func(s *schema.StageResult) float64 { return format.P(s.Metrics.TTFT, 99) })},
	{name: "Failed", count: true, get: func(levels []*schema.StageResult) float64 {
		n := 0
		for _, s := range levels {
			n += s.Metrics.Failed
		}
		return float64(n)
	}},
}

// peak is the highest finite value over the levels (NaN: none).
func peak(f func(*schema.StageResult) float64) func([]*schema.StageResult) float64 {
	return func(levels []*schema.StageResult) float64 {
		best := math.NaN()
		for _, s := range levels {
			if v := f(s); !math.IsNaN(v) && (math.IsNaN(best) || v > best) {
				best = v
			}
		}
		return best
	}
}

func lowest(f func(*schema.StageResult) float64) func([]*schema.StageResult) float64 {
	return func(levels []*schema.StageResult) float64 {
		if len(levels) == 0 {
			return math.NaN()
		}
		return f(levels[0])
	}
}

func highest(f func(*schema.StageResult) float64) func([]*schema.StageResult) float64 {
	return func(levels []*schema.StageResult) float64 {
		if len(levels) == 0 {
			return math.NaN()
		}
		return f(levels[len(levels)-1])
	}
}

// variantTables is one table per stage and profile of a matrix run; none
// without a matrix.
func variantTables(run *schema.Run) []variantTable {
	if len(run.Variants) == 0 {
		return nil
	}
	var out []variantTable
	for _, g := range decision.GroupRun(run) {
		t := variantTable{Title: g.Title, Header: []string{"Variant", "Levels"}}
		for _, c := range variantColumns {
			t.Header = append(t.Header, c.name)
		}
		vals := make([][]float64, len(g.Curves))
		for i, c := range g.Curves {
			levels := measuredLevels(c.Levels)
			for _, col := range variantColumns {
				vals[i] = append(vals[i], col.get(levels))
			}
		}
		for i, c := range g.Curves {
			r := variantRow{Cells: []string{format.Line(c.Name), levelRange(c.Levels)}, Best: []bool{false, false}}
			for j, col := range variantColumns {
				cell := format.Num(vals[i][j])
				if col.count {
					cell = format.Float(vals[i][j])
				}
				r.Cells = append(r.Cells, cell)
				r.Best = append(r.Best, isBest(vals, i, j, col.higher) && !allEqual(vals, j))
			}
			t.Rows = append(t.Rows, r)
		}
		out = append(out, t)
	}
	return out
}

// measuredLevels are the levels that completed: a level cut by a dying
// server says nothing about the variant's best.
func measuredLevels(levels []*schema.StageResult) []*schema.StageResult {
	var out []*schema.StageResult
	for _, s := range levels {
		if s.Status == schema.StatusCompleted {
			out = append(out, s)
		}
	}
	return out
}

// isBest reports whether row i holds the best finite value of column j
// (ties are all best).
func isBest(vals [][]float64, i, j int, higher bool) bool {
	v := vals[i][j]
	if math.IsNaN(v) {
		return false
	}
	for k := range vals {
		o := vals[k][j]
		if !math.IsNaN(o) && ((higher && o > v) || (!higher && o < v)) {
			return false
		}
	}
	return true
}

// allEqual reports whether column j reads the same in every row: a column
// that does not tell the variants apart marks none of them.
func allEqual(vals [][]float64, j int) bool {
	for k := range vals {
		if vals[k][j] != vals[0][j] && !(math.IsNaN(vals[k][j]) && math.IsNaN(vals[0][j])) {
			return false
		}
	}
	return true
}

// levelRange names a curve's lowest and highest level, "c=1…c=32".
func levelRange(levels []*schema.StageResult) string {
	switch len(levels) {
	case 0:
		return "–"
	case 1:
		return format.Level(levels[0])
	}
	return format.Level(levels[0]) + "…" + format.Level(levels[len(levels)-1])
}

// marked is a row's cells with the best ones marked, for text reports.
func (r variantRow) marked() []string {
	out := make([]string, len(r.Cells))
	for i, c := range r.Cells {
		out[i] = c
		if r.Best[i] {
			out[i] += bestMark
		}
	}
	return out
}

// mdVariantTables renders the variant tables as Markdown, under a heading.
func mdVariantTables(run *schema.Run) string {
	ts := variantTables(run)
	if len(ts) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n### Variants compared (" + strings.TrimSpace(bestMark) + " best of each column)\n")
	for _, t := range ts {
		b.WriteString("\n**" + format.Markdown(t.Title) + "**\n\n")
		w := table.NewWriter()
		w.AppendHeader(row(t.Header))
		for _, r := range t.Rows {
			cells := r.marked()
			cells[0] = format.Markdown(cells[0])
			w.AppendRow(row(cells))
		}
		b.WriteString(w.RenderMarkdown() + "\n")
	}
	return b.String()
}

// variantLines say how each variant of a matrix run ended; a failed one
// with its error and the last lines of its server's log.
func variantLines(run *schema.Run) []string {
	var out []string
	for _, v := range run.Variants {
		var axes []string
		for _, a := range v.Axes {
			axes = append(axes, a.Name+"="+a.Value)
		}
		l := v.Name
		if len(axes) > 0 {
			l += " (" + strings.Join(axes, ", ") + ")"
		}
		l += ": " + orDash(v.Status)
		if v.Error != "" {
			l += ": " + v.Error
		}
		out = append(out, l)
		if v.LogTail != "" {
			out = append(out, splitLines("  "+v.LogTail)...)
		}
	}
	return out
}

// termVariantTables renders the variant tables for the terminal.
func termVariantTables(run *schema.Run, pal palette) string {
	var b strings.Builder
	for _, t := range variantTables(run) {
		b.WriteString("\n" + pal.bold("Variants compared: "+format.Line(t.Title)+" ("+strings.TrimSpace(bestMark)+" best)") + "\n")
		w := table.NewWriter()
		w.SetStyle(table.StyleLight)
		w.AppendHeader(row(t.Header))
		for _, r := range t.Rows {
			w.AppendRow(row(r.marked()))
		}
		b.WriteString(w.Render() + "\n")
	}
	return b.String()
}

// seriesOf names a stage level's series in the per-stage charts: its
// profile, and its variant in a matrix run, so variants are overlaid
// instead of hiding one another.
func seriesOf(st *schema.StageResult) string {
	if st.Variant == "" {
		return st.Profile
	}
	return st.Variant + " " + st.Profile
}
