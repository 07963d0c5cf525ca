package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/jedib0t/go-pretty/v6/table"

	"github.com/servebench/servebench/schema"
)

// Markdown writes the terminal summary as GitHub-flavoured Markdown for PR
// comments and $GITHUB_STEP_SUMMARY. It never emits ANSI codes: numbers are
// formatted by hand, not by go-pretty's (colouring) number transformer.
func Markdown(w io.Writer, run *schema.Run) error {
	var b strings.Builder
	b.WriteString("## servebench: " + mdText(run.Name) + "\n\n")
	for _, l := range headline(run)[1:] {
		b.WriteString(mdText(l) + "  \n")
	}
	b.WriteString("\n" + mdStageTable(run) + "\n")
	for _, s := range sections(run) {
		b.WriteString("\n### " + s.Title + "\n\n")
		for _, l := range s.Lines {
			b.WriteString("- " + mdText(l) + "\n")
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
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
			cells[j] = mdText(cells[j])
		}
		t.AppendRow(row(cells))
	}
	return t.RenderMarkdown()
}

// mdReplacer neutralises characters that would turn server-provided text
// (error bodies, model names) into Markdown or HTML markup.
// "|" is left to go-pretty, whose RenderMarkdown escapes it in cells.
var mdReplacer = strings.NewReplacer(
	"\\", "\\\\", "`", "\\`", "*", "\\*", "_", "\\_", "<", "&lt;", ">", "&gt;",
	"[", "\\[", "]", "\\]", "\n", " ", "\r", " ",
)

func mdText(s string) string { return mdReplacer.Replace(s) }
