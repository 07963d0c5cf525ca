package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"

	"github.com/servebench/servebench/reports/internal/format"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// Terminal writes the human summary of a run: one table row per stage level,
// then failed thresholds, capacity answers, warnings, failures, how the run
// ended and where its files are. ANSI colour is used only when color is true
// (the caller decides, e.g. from isatty and NO_COLOR). Text from outside
// has its control bytes escaped (format.Line), so a server cannot move the
// cursor or forge a line, and the whole output passes the redaction funnel.
func Terminal(w io.Writer, run *schema.Run, runDir string, color bool) error {
	var b strings.Builder
	pal := palette{on: color}
	for _, l := range headline(run) {
		b.WriteString(l + "\n")
	}
	b.WriteString("\n" + stageTable(run, pal).Render() + "\n")
	if rows := steadyRows(run); len(rows) > 0 {
		b.WriteString("\n" + pal.bold("Steady state") + "\n" + plainTable(steadyHeader, rows).Render() + "\n")
	}
	for _, s := range sections(run) {
		b.WriteString("\n" + pal.bold(s.Title) + "\n")
		for _, l := range s.Lines {
			b.WriteString("  " + pal.line(l) + "\n")
		}
	}
	if runDir != "" {
		b.WriteString("\n" + pal.bold("Results") + "\n  " + format.Line(runDir) + "\n")
	}
	if _, err := io.WriteString(w, redact.String(b.String())); err != nil {
		return fmt.Errorf("write terminal report: %w", err)
	}
	return nil
}

// stageTable is the go-pretty table of stage levels, numbers right-aligned.
func stageTable(run *schema.Run, pal palette) table.Writer {
	t := table.NewWriter()
	t.SetStyle(table.StyleLight)
	t.AppendHeader(row(stageHeader))
	for i := range run.Stages {
		t.AppendRow(row(stageCells(&run.Stages[i], pal.mark)))
	}
	cfg := make([]table.ColumnConfig, 0, len(stageHeader))
	for i := 3; i < len(stageHeader)-1; i++ {
		cfg = append(cfg, table.ColumnConfig{Number: i + 1, Align: text.AlignRight})
	}
	t.SetColumnConfigs(cfg)
	return t
}

// plainTable is a go-pretty table of already formatted cells.
func plainTable(header []string, rows [][]string) table.Writer {
	t := table.NewWriter()
	t.SetStyle(table.StyleLight)
	t.AppendHeader(row(header))
	for _, r := range rows {
		t.AppendRow(row(r))
	}
	return t
}

func row(cells []string) table.Row {
	r := make(table.Row, len(cells))
	for i, c := range cells {
		r[i] = c
	}
	return r
}

// palette colours terminal output, or does nothing when colour is off.
type palette struct{ on bool }

func (p palette) mark(ok bool) string {
	m := plainMark(ok)
	if !p.on {
		return m
	}
	if ok {
		return text.FgGreen.Sprint(m)
	}
	return text.FgRed.Sprint(m)
}

func (p palette) bold(s string) string {
	if !p.on {
		return s
	}
	return text.Bold.Sprint(s)
}

// line highlights the verdict words at the start of a section line.
func (p palette) line(s string) string {
	if !p.on {
		return s
	}
	for _, bad := range []string{"failed:", "interrupted:", "cut:"} {
		if strings.HasPrefix(s, bad) {
			return text.FgRed.Sprint(s)
		}
	}
	if strings.HasPrefix(s, "completed:") {
		return text.FgGreen.Sprint(s)
	}
	return s
}
