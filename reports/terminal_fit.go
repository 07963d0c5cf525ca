package reports

import (
	"slices"
	"strings"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"

	"github.com/servebench/servebench/schema"
)

// dropOrder lists the stage table's columns in the order a narrow terminal
// loses them: first what another column nearly says (the mean next to the
// p99, the medians next to the p99s), last the headline numbers a reader
// of a sweep compares across levels (output throughput, TTFT and TPOT p99).
// Columns not listed (which stage level, its counts and its threshold
// verdict) are never left out: without them a row means nothing.
var dropOrder = []string{
	"E2EL mean", "TPOT p50", "TTFT p50", "Goodput", "Req/s",
	"E2EL p99", "TPOT p99", "TTFT p99", "Out tok/s",
}

// steadyDropOrder is dropOrder for the steady-state table: its window
// details first, the headline numbers last.
var steadyDropOrder = []string{
	"Ramp/Drain", "TPOT p50", "TTFT p50", "Req/s", "Window (s)",
	"E2EL p99", "TPOT p99", "TTFT p99", "Out tok/s",
}

// stageGrid is a table of stage levels as text: the header and one row of
// cells per stage level, computed once and laid out as often as fitting
// needs. Its columns from the fourth up to, not including, the last hold
// numbers; drop is the order a narrow terminal loses columns in.
type stageGrid struct {
	header []string
	rows   [][]string
	drop   []string
}

func newStageGrid(run *schema.Run, pal palette) stageGrid {
	g := stageGrid{header: stageHeader, drop: dropOrder}
	for i := range run.Stages {
		g.rows = append(g.rows, stageCells(&run.Stages[i], pal.mark))
	}
	return g
}

// newSteadyGrid is the steady-state table (see steadyRows), nil rows when
// no level has a steady state.
func newSteadyGrid(run *schema.Run) stageGrid {
	return stageGrid{header: steadyHeader, rows: steadyRows(run), drop: steadyDropOrder}
}

// fitStageTable renders a stage table in at most width columns and names
// the columns it left out. Width 0 means no limit. The full boxed table is
// kept whenever it fits; otherwise the compact layout (no box lines, a
// header word per line) leaves out columns in dropOrder until it fits. When
// even the columns that are never left out do not fit (long stage names),
// the table is as narrow as it gets and the terminal wraps it.
func fitStageTable(g stageGrid, width int) (string, []string) {
	cols := make([]int, len(g.header))
	for i := range cols {
		cols[i] = i
	}
	full := g.render(cols, false)
	if width <= 0 || textWidth(full) <= width {
		return full, nil
	}
	var left []string
	for _, name := range g.drop {
		out := g.render(cols, true)
		if textWidth(out) <= width {
			return out, left
		}
		if i := slices.Index(g.header, name); i >= 0 {
			cols = slices.DeleteFunc(cols, func(c int) bool { return c == i })
			left = append(left, name)
		}
	}
	return g.render(cols, true), left
}

// render lays out the columns cols (indexes into the header), numbers
// right-aligned, either boxed (the full table) or compact.
func (g stageGrid) render(cols []int, compact bool) string {
	t := table.NewWriter()
	t.SetStyle(table.StyleLight)
	header := pick(g.header, cols)
	if compact {
		t.SetStyle(compactStyle())
		for i, h := range header {
			header[i] = strings.ReplaceAll(h, " ", "\n")
		}
	}
	t.AppendHeader(row(header))
	for _, r := range g.rows {
		t.AppendRow(row(pick(r, cols)))
	}
	cfg := make([]table.ColumnConfig, len(cols))
	for i, c := range cols {
		cfg[i] = table.ColumnConfig{Number: i + 1, VAlignHeader: text.VAlignBottom}
		if c >= 3 && c < len(g.header)-1 {
			cfg[i].Align = text.AlignRight
			if compact {
				cfg[i].AlignHeader = text.AlignRight // above the digits it names
			}
		}
	}
	t.SetColumnConfigs(cfg)
	out := t.Render()
	if compact {
		out = trimLines(out)
	}
	return out
}

// compactStyle draws no box: two spaces between columns and a line under
// each header, as kubectl and docker print their tables.
func compactStyle() table.Style {
	s := table.StyleLight
	s.Name = "servebench-compact"
	s.Options = table.Options{SeparateColumns: true, SeparateHeader: true}
	s.Box.PaddingLeft, s.Box.PaddingRight = "", ""
	s.Box.MiddleVertical, s.Box.MiddleSeparator = "  ", "  "
	return s
}

func pick(cells []string, cols []int) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = cells[c]
	}
	return out
}

// trimLines removes the spaces that pad the last column of each line.
func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// textWidth is the widest line of s in terminal columns, colour codes not
// counted.
func textWidth(s string) int {
	w := 0
	for l := range strings.SplitSeq(s, "\n") {
		w = max(w, text.StringWidthWithoutEscSequences(l))
	}
	return w
}
