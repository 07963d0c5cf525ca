package compare

import (
	"fmt"
	"io"
	"strings"

	"github.com/jedib0t/go-pretty/v6/table"
)

// CompareMarkdown writes the comparison as GitHub-flavoured Markdown for PR
// comments and job summaries (no ANSI codes; every run-provided text escaped).
func CompareMarkdown(w io.Writer, c *Comparison) error {
	var b strings.Builder
	b.WriteString("## servebench comparison\n\n")
	for _, l := range summaryLines(c) {
		b.WriteString("- " + mdText(l) + "\n")
	}
	if regs := c.Regressions(); len(regs) > 0 {
		b.WriteString("\n### Regressions\n\n")
		for _, r := range regs {
			b.WriteString("- " + mdText(r) + "\n")
		}
	}
	for i := range c.Stages {
		s := &c.Stages[i]
		b.WriteString("\n### " + mdText(s.Key) + "\n\n")
		t := table.NewWriter()
		t.AppendHeader(row(deltaHeader))
		for _, d := range s.Deltas {
			cells := deltaCells(c, d)
			for j := range cells {
				cells[j] = mdText(cells[j])
			}
			t.AppendRow(row(cells))
		}
		b.WriteString(t.RenderMarkdown() + "\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write comparison markdown: %w", err)
	}
	return nil
}

// mdReplacer neutralises Markdown and HTML markup in run-provided text.
// "|" is left to go-pretty, whose RenderMarkdown escapes it in cells.
var mdReplacer = strings.NewReplacer(
	"\\", "\\\\", "`", "\\`", "*", "\\*", "_", "\\_", "<", "&lt;", ">", "&gt;",
	"[", "\\[", "]", "\\]", "\n", " ", "\r", " ",
)

func mdText(s string) string { return mdReplacer.Replace(s) }
