package compare

import (
	"fmt"
	"io"
	"strings"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"

	"github.com/servebench/servebench/reports/internal/format"
	"github.com/servebench/servebench/schema/redact"
)

// CompareTerminal writes the comparison for a terminal: the runs, a verdict
// count, one table per matched stage level and the list of regressions.
// ANSI colour only when color is true; text from run files has its control
// bytes escaped, and the output passes the redaction funnel.
func CompareTerminal(w io.Writer, c *Comparison, color bool) error {
	var b strings.Builder
	for _, l := range summaryLines(c) {
		b.WriteString(l + "\n")
	}
	for i := range c.Stages {
		s := &c.Stages[i]
		b.WriteString("\n" + bold(format.Line(s.Key), color) + "\n")
		t := table.NewWriter()
		t.SetStyle(table.StyleLight)
		t.AppendHeader(row(deltaHeader))
		for _, d := range s.Deltas {
			cells := deltaCells(c, d)
			cells[6] = paint(d.Verdict, cells[6], color)
			t.AppendRow(row(cells))
		}
		t.SetColumnConfigs(rightAligned(2, 3, 4, 5))
		b.WriteString(t.Render() + "\n")
	}
	if regs := c.Regressions(); len(regs) > 0 {
		b.WriteString("\n" + bold("Regressions", color) + "\n")
		for _, r := range regs {
			b.WriteString("  " + paint(Regression, r, color) + "\n")
		}
	}
	if _, err := io.WriteString(w, redact.String(b.String())); err != nil {
		return fmt.Errorf("write comparison: %w", err)
	}
	return nil
}

func row(cells []string) table.Row {
	r := make(table.Row, len(cells))
	for i, c := range cells {
		r[i] = c
	}
	return r
}

func rightAligned(cols ...int) []table.ColumnConfig {
	out := make([]table.ColumnConfig, len(cols))
	for i, c := range cols {
		out[i] = table.ColumnConfig{Number: c, Align: text.AlignRight}
	}
	return out
}

func bold(s string, color bool) string {
	if !color {
		return s
	}
	return text.Bold.Sprint(s)
}

func paint(v Verdict, s string, color bool) string {
	if !color {
		return s
	}
	switch v {
	case Regression:
		return text.FgRed.Sprint(s)
	case Improvement:
		return text.FgGreen.Sprint(s)
	}
	return s
}
