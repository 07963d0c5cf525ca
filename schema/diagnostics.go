package schema

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// Diagnostic is one problem found in a scenario file. Line and Column are
// 1-based; both are 0 when the position is unknown (an in-memory scenario
// changed by command-line overrides has no source to point at).
type Diagnostic struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
	// Snippet is the source excerpt with a caret under Column, in the style of
	// goccy/go-yaml's own errors; empty when the position is unknown.
	Snippet string `json:"-"`

	path string // where in the document, e.g. stages[1].concurrency
}

// Diagnostics is every problem of one scenario, in source order. Load returns
// it as the error so that a user fixes all problems in one round trip.
type Diagnostics struct {
	List []Diagnostic
}

// Error renders every diagnostic as FILE:LINE:COL: message plus its excerpt.
func (d *Diagnostics) Error() string {
	var b strings.Builder
	_ = FormatText(&b, d.List, false)
	return strings.TrimRight(b.String(), "\n")
}

// Location is FILE:LINE:COL, or FILE alone when the position is unknown.
func (d Diagnostic) Location() string {
	if d.Line == 0 {
		return d.File
	}
	return d.File + ":" + strconv.Itoa(d.Line) + ":" + strconv.Itoa(d.Column)
}

// String is the one-line form, FILE:LINE:COL: message.
func (d Diagnostic) String() string { return d.Location() + ": " + d.Message }

const (
	ansiBold  = "\x1b[1m"
	ansiRed   = "\x1b[31m"
	ansiReset = "\x1b[0m"
)

// FormatText writes each diagnostic as a header line and its source excerpt,
// the form `servebench validate` prints on a terminal (color) or in logs.
func FormatText(w io.Writer, diags []Diagnostic, color bool) error {
	for _, d := range diags {
		var err error
		if color {
			_, err = fmt.Fprintf(w, "%s%s:%s %s%s%s\n", ansiBold, d.Location(), ansiReset, ansiRed, d.Message, ansiReset)
		} else {
			_, err = fmt.Fprintf(w, "%s\n", d.String())
		}
		if err == nil && d.Snippet != "" {
			_, err = fmt.Fprintf(w, "%s\n", d.Snippet)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// FormatDiagnosticsJSON writes the diagnostics as a JSON array of
// {file, line, column, message}, for editors and other tools. (It is not
// called FormatJSON because that name is the report format constant.)
func FormatDiagnosticsJSON(w io.Writer, diags []Diagnostic) error {
	if diags == nil {
		diags = []Diagnostic{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(diags)
}

// FormatGitHub writes GitHub Actions workflow commands, so CI annotates the
// offending line of the scenario file in the pull request.
func FormatGitHub(w io.Writer, diags []Diagnostic) error {
	for _, d := range diags {
		props := "file=" + ghProperty(d.File)
		if d.Line > 0 {
			props += ",line=" + strconv.Itoa(d.Line) + ",col=" + strconv.Itoa(d.Column)
		}
		if _, err := fmt.Fprintf(w, "::error %s::%s\n", props, ghData(d.Message)); err != nil {
			return err
		}
	}
	return nil
}

// ghData escapes a workflow command message as the runner expects.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// ghProperty escapes a workflow command property value.
func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// sortDiagnostics orders by position so the output follows the file; problems
// without a position come last in the order they were found.
func sortDiagnostics(diags []Diagnostic) {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i], diags[j]
		if (a.Line == 0) != (b.Line == 0) {
			return b.Line == 0
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
}

// snippet renders up to two lines of context and the offending line of src,
// with a caret under column, like goccy/go-yaml's error excerpts:
//
//	   6 |   - name: sweep
//	>  7 |     concurency: 8
//	             ^
func snippet(src []byte, line, column int) string {
	if line <= 0 || len(src) == 0 {
		return ""
	}
	lines := strings.Split(string(src), "\n")
	if line > len(lines) {
		return ""
	}
	width := len(strconv.Itoa(line))
	var b strings.Builder
	for i := max(1, line-2); i <= line; i++ {
		mark := " "
		if i == line {
			mark = ">"
		}
		fmt.Fprintf(&b, "%s %*d | %s\n", mark, width, i, strings.TrimRight(lines[i-1], "\r"))
	}
	pad := width + 5 + max(column-1, 0)
	b.WriteString(strings.Repeat(" ", pad) + "^")
	return b.String()
}
