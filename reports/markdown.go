package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/jedib0t/go-pretty/v6/table"

	"github.com/servebench/servebench/reports/internal/format"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// Markdown writes the terminal summary as GitHub-flavoured Markdown for PR
// comments and $GITHUB_STEP_SUMMARY. It never emits ANSI codes: numbers are
// formatted by hand, not by go-pretty's (colouring) number transformer.
// Text from outside can neither break a table nor inject markup
// (format.Markdown), and the whole page passes the redaction funnel.
func Markdown(w io.Writer, run *schema.Run) error {
	var b strings.Builder
	b.WriteString("## servebench: " + format.Markdown(run.Name) + "\n\n")
	for _, l := range headline(run)[1:] {
		b.WriteString(format.Markdown(l) + "  \n")
	}
	b.WriteString("\n" + mdStageTable(run) + "\n")
	b.WriteString(mdVariantTables(run))
	if rows := steadyRows(run); len(rows) > 0 {
		t := table.NewWriter()
		t.AppendHeader(row(steadyHeader))
		for _, r := range rows {
			for j := range r {
				r[j] = format.Markdown(r[j])
			}
			t.AppendRow(row(r))
		}
		b.WriteString("\n### Steady state\n\n" + t.RenderMarkdown() + "\n")
	}
	for _, s := range sections(run) {
		b.WriteString("\n### " + s.Title + "\n\n")
		for _, l := range s.Lines {
			b.WriteString("- " + format.Markdown(l) + "\n")
		}
	}
	if _, err := io.WriteString(w, redact.String(b.String())); err != nil {
		return fmt.Errorf("write markdown report: %w", err)
	}
	return nil
}

func mdStageTable(run *schema.Run) string {
	t := table.NewWriter()
	t.AppendHeader(row(stageHeader))
	for i := range run.Stages {
		cells := stageCells(&run.Stages[i], plainMark)
		for j := range cells {
			cells[j] = format.Markdown(cells[j])
		}
		t.AppendRow(row(cells))
	}
	return t.RenderMarkdown()
}
