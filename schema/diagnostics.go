package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/servebench/servebench/schema/redact"
)

// Diagnostic is one problem found in a scenario file. Line and Column are
// 1-based; both are 0 when the position is unknown (an in-memory scenario
// has no source to point at, and a value a command-line flag set is not in
// the file).
type Diagnostic struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
	// Path is where in the document the problem is, e.g. stages[1].concurrency.
	Path string `json:"path,omitempty"`
	// Origin names the command-line flag or environment variable that set
	// the offending value ("--max-concurrency", "VLLM_SERVER_URL"); empty
	// when the value comes from the file.
	Origin string `json:"origin,omitempty"`
	// Snippet is the source excerpt with a caret under Column, in the style of
	// goccy/go-yaml's own errors; empty when the position is unknown.
	Snippet string `json:"-"`
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

// Location is FILE:LINE:COL, the flag or variable that set the value, or
// FILE alone when the position is unknown.
func (d Diagnostic) Location() string {
	if d.Origin != "" {
		return d.Origin
	}
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

// safe is the diagnostic as it may leave the process: secrets hidden and
// control bytes escaped in every string, the file name and source lines
// included (a scenario's text is as untrusted as a server's answer).
func (d Diagnostic) safe() Diagnostic {
	d.File, d.Origin, d.Path = redact.Line(redact.String(d.File)), redact.Line(redact.String(d.Origin)), redact.Line(redact.String(d.Path))
	d.Message = redact.Line(redact.String(d.Message))
	d.Snippet = redact.Text(redact.String(d.Snippet))
	return d
}

// FormatText writes each diagnostic as a header line and its source excerpt,
// the form `servebench validate` prints on a terminal (color) or in logs.
func FormatText(w io.Writer, diags []Diagnostic, color bool) error {
	for _, d := range diags {
		d = d.safe()
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
	safe := make([]Diagnostic, len(diags))
	for i, d := range diags {
		safe[i] = d.safe()
	}
	diags = safe
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(diags)
}

// FormatGitHub writes GitHub Actions workflow commands, so CI annotates the
// offending line of the scenario file in the pull request.
func FormatGitHub(w io.Writer, diags []Diagnostic) error {
	for _, d := range diags {
		d = d.safe()
		props := "file=" + ghProperty(d.File)
		if d.Line > 0 {
			props += ",line=" + strconv.Itoa(d.Line) + ",col=" + strconv.Itoa(d.Column)
		}
		msg := d.Message
		if d.Origin != "" {
			msg = d.Origin + ": " + msg
		}
		if _, err := fmt.Fprintf(w, "::error %s::%s\n", props, ghData(msg)); err != nil {
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
	first := max(1, line-2)
	lines := sourceLines(src, first, line)
	if len(lines) <= line-first {
		return ""
	}
	width := len(strconv.Itoa(line))
	from := max(column-1-snippetWidth/2, 0) // a long line is shown around the column
	var b strings.Builder
	for i, text := range lines {
		mark := " "
		if first+i == line {
			mark = ">"
		}
		fmt.Fprintf(&b, "%s %*d | %s\n", mark, width, first+i, cut(strings.TrimRight(text, "\r"), from))
	}
	pad := width + 5 + max(column-1-from, 0)
	if from > 0 {
		pad++ // the "…" before the shown part
	}
	b.WriteString(strings.Repeat(" ", pad) + "^")
	return b.String()
}

// sourceLines returns lines first..last (1-based) of src, fewer when src
// ends earlier, without splitting the whole file.
func sourceLines(src []byte, first, last int) []string {
	var out []string
	for n := 1; n <= last && len(src) > 0; n++ {
		line, rest, _ := bytes.Cut(src, []byte("\n"))
		if n >= first {
			out = append(out, string(line))
		}
		src = rest
	}
	return out
}

// snippetWidth is how many bytes of a source line an excerpt shows.
const snippetWidth = 120

// cut shows snippetWidth bytes of line from byte from, marking what is
// left out with "…", so a 256 KB line cannot fill a terminal.
func cut(line string, from int) string {
	if len(line) <= snippetWidth && from == 0 {
		return line
	}
	out := ""
	if from > 0 {
		if from >= len(line) {
			return "…"
		}
		out = "…"
	}
	rest := line[from:]
	if len(rest) > snippetWidth {
		return out + strings.ToValidUTF8(rest[:snippetWidth], "") + "…"
	}
	return out + strings.ToValidUTF8(rest, "")
}
