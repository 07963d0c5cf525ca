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

// TerminalOptions say how the terminal summary is drawn.
type TerminalOptions struct {
	// Color turns ANSI colour on; the caller decides (isatty, NO_COLOR).
	Color bool
	// Width is the terminal's column count, which the stage table is fitted
	// to (see fitStageTable); 0 means no limit: for files and pipes, which
	// have no width, and whose text should not depend on where it was made.
	Width int
}

// Terminal writes the human summary with no width limit; it is TerminalWith
// and TerminalOptions{Color: color}.
func Terminal(w io.Writer, run *schema.Run, runDir string, color bool) error {
	return TerminalWith(w, run, runDir, TerminalOptions{Color: color})
}

// TerminalWith writes the human summary: one table row per stage level,
// then failed thresholds, capacity answers, warnings, failures, how the run
// ended and where its files are. Text from outside has its control bytes
// escaped (format.Line), so a server cannot move the cursor or forge a
// line, and the whole output passes the redaction funnel.
func TerminalWith(w io.Writer, run *schema.Run, runDir string, opt TerminalOptions) error {
	var b strings.Builder
	pal := palette{on: opt.Color}
	for _, l := range headline(run) {
		b.WriteString(l + "\n")
	}
	b.WriteString("\n" + fitted(newStageGrid(run, pal), opt.Width))
	b.WriteString(termVariantTables(run, pal))
	if g := newSteadyGrid(run); len(g.rows) > 0 {
		b.WriteString("\n" + pal.bold("Steady state") + "\n" + fitted(g, opt.Width))
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

// fitted is a table fitted to width, followed by the columns it left out.
func fitted(g stageGrid, width int) string {
	tbl, left := fitStageTable(g, width)
	if len(left) == 0 {
		return tbl + "\n"
	}
	return tbl + "\n" + text.WrapSoft("Columns left out to fit: "+strings.Join(left, ", "), width) + "\n"
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
