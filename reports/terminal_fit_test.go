package reports

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/jedib0t/go-pretty/v6/text"

	"github.com/servebench/servebench/schema"
)

// TestDropOrderNamesColumns: a column renamed in stageHeader and not in
// dropOrder would silently never be left out.
func TestDropOrderNamesColumns(t *testing.T) {
	for _, name := range dropOrder {
		if !slices.Contains(stageHeader, name) {
			t.Errorf("dropOrder names %q, which is no column of %v", name, stageHeader)
		}
	}
	for _, name := range steadyDropOrder {
		if !slices.Contains(steadyHeader, name) {
			t.Errorf("steadyDropOrder names %q, which is no column of %v", name, steadyHeader)
		}
	}
}

// TestSummaryFitsTheTerminal renders every fixture, coloured and plain, at
// every width from 60 to 200 columns: no line of the table is wider than
// the terminal, the headline numbers stay down to 80 columns, and a column
// left out is named under the table.
func TestSummaryFitsTheTerminal(t *testing.T) {
	headline := []string{"STAGE", "PROFILE", "LEVEL", "OK/FAILED", "THRESHOLDS", "TOK/S", "TTFT", "TPOT"}
	for name, run := range map[string]*schema.Run{"fixture": fixtureRun(), "interrupted": interruptedRun()} {
		for _, color := range []bool{false, true} {
			for width := 60; width <= 200; width++ {
				out := string(render(t, func(b *bytes.Buffer) error {
					return TerminalWith(b, run, "", TerminalOptions{Color: color, Width: width})
				}))
				table := tableLines(out)
				for _, l := range table {
					if w := text.StringWidthWithoutEscSequences(l); w > width {
						t.Fatalf("%s, colour %v: a %d-column line at width %d:\n%s", name, color, w, width, out)
					}
				}
				header := strings.Join(table[:3], "\n")
				for _, h := range headline {
					if width >= 80 && !strings.Contains(header, h) {
						t.Fatalf("%s at width %d: no %s column:\n%s", name, width, h, out)
					}
				}
				if shown, left := tableColumns(table), leftOut(out); shown+len(left) != len(stageHeader) {
					t.Fatalf("%s at width %d: %d columns shown, %v named as left out, of %d:\n%s", name, width, shown, left, len(stageHeader), out)
				}
			}
		}
	}
}

// tableColumns counts the columns of a table: the joints of the boxed
// table's top line, or the header rules of the compact one.
func tableColumns(table []string) int {
	if strings.HasPrefix(table[0], "┌") {
		return strings.Count(table[0], "┬") + 1
	}
	for _, l := range table {
		if strings.HasPrefix(l, "─") {
			return len(strings.Fields(l))
		}
	}
	return 0
}

// leftOut lists the columns the note under the table names.
func leftOut(out string) []string {
	_, after, ok := strings.Cut(out, "Columns left out to fit: ")
	if !ok {
		return nil
	}
	list, _, _ := strings.Cut(after, "\n\n")
	return strings.Split(strings.Join(strings.Fields(list), " "), ", ")
}

// tableLines returns the lines of the stage table: from the line after the
// headline's blank line to the next blank line.
func tableLines(out string) []string {
	lines := strings.Split(out, "\n")
	start := slices.Index(lines, "") + 1
	end := start + slices.Index(lines[start:], "")
	return lines[start:end]
}
