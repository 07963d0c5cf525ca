package compare

import (
	"fmt"
	"io"
	"strings"

	"github.com/jedib0t/go-pretty/v6/table"

	"github.com/servebench/servebench/reports/internal/format"
	"github.com/servebench/servebench/schema/redact"
)

// CompareMarkdown writes the comparison as GitHub-flavoured Markdown for PR
// comments and job summaries (no ANSI codes; every run-provided text
// escaped by format.Markdown; the page passes the redaction funnel).
func CompareMarkdown(w io.Writer, c *Comparison) error {
	var b strings.Builder
	b.WriteString("## servebench comparison\n\n")
	for _, l := range summaryLines(c) {
		b.WriteString("- " + format.Markdown(l) + "\n")
	}
	if regs := c.Regressions(); len(regs) > 0 {
		b.WriteString("\n### Regressions\n\n")
		for _, r := range regs {
			b.WriteString("- " + format.Markdown(r) + "\n")
		}
	}
	for i := range c.Stages {
		s := &c.Stages[i]
		b.WriteString("\n### " + format.Markdown(s.Key) + "\n\n")
		t := table.NewWriter()
		t.AppendHeader(row(deltaHeader))
		for _, d := range s.Deltas {
			cells := deltaCells(c, d)
			for j := range cells {
				cells[j] = format.Markdown(cells[j])
			}
			t.AppendRow(row(cells))
		}
		b.WriteString(t.RenderMarkdown() + "\n")
	}
	if _, err := io.WriteString(w, redact.String(b.String())); err != nil {
		return fmt.Errorf("write comparison markdown: %w", err)
	}
	return nil
}
