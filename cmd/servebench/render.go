package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/servebench/servebench/reports"
	"github.com/servebench/servebench/reports/vllmjson"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
	"github.com/urfave/cli/v2"
)

// Report file names inside a run directory.
const (
	markdownFile = "report.md"
	htmlFile     = "report.html"
	junitFile    = "junit.xml"
)

// renderers maps a format to its file and renderer. run.json is always
// written by the engine; the json format re-renders it (same content).
var renderers = map[string]struct {
	file   string
	render func(io.Writer, *schema.Run) error
}{
	schema.FormatMarkdown: {markdownFile, reports.Markdown},
	schema.FormatHTML:     {htmlFile, reports.HTML},
	schema.FormatJSON:     {schema.RunFile, reports.JSON},
	schema.FormatJUnit:    {junitFile, reports.JUnit},
}

// writeReports renders every requested format into the run directory. A
// renderer that fails does not stop the others: every error is returned.
func writeReports(run *schema.Run, dir string, formats []string) error {
	var errs []error
	for _, f := range formats {
		switch f {
		case schema.FormatVLLM:
			errs = append(errs, writeVLLM(run, dir))
			continue
		case schema.FormatCSV:
			errs = append(errs, writeCSV(run, dir))
			continue
		}
		r, ok := renderers[f]
		if !ok {
			errs = append(errs, usagef("unknown report format %q (valid: %s)", f, strings.Join(knownFormats(), ", ")))
			continue
		}
		render := r.render
		if f == schema.FormatHTML { // its per-level charts read the requests
			render = func(w io.Writer, run *schema.Run) error { return reports.HTMLWith(w, run, requestsIn(dir)) }
		}
		var buf bytes.Buffer
		if err := render(&buf, run); err != nil {
			errs = append(errs, fmt.Errorf("render %s: %w", f, err))
			continue
		}
		errs = append(errs, schema.WriteFileAtomic(filepath.Join(dir, r.file), redact.Bytes(buf.Bytes())))
	}
	return errors.Join(errs...)
}

// writeVLLM writes one vllm-bench-compatible results file per stage level;
// vllmjson.WriteFiles names them uniquely and never overwrites a file.
func writeVLLM(run *schema.Run, dir string) error {
	_, err := vllmjson.WriteFiles(dir, run)
	return err
}

// appendMarkdown appends the Markdown report to a summary file such as
// $GITHUB_STEP_SUMMARY.
func appendMarkdown(path string, run *schema.Run) error {
	var buf bytes.Buffer
	if err := reports.Markdown(&buf, run); err != nil {
		return err
	}
	f, err := openAppend(path)
	if err != nil {
		return err
	}
	_, werr := f.Write(redact.Bytes(buf.Bytes()))
	return errors.Join(werr, f.Close())
}

// checkAppendable fails when the summary file cannot be opened for
// appending, so that run finds out before the benchmark, not after it. A
// file it had to create for the check is removed again: a run that then
// fails validation leaves nothing behind.
func checkAppendable(path string) error {
	_, statErr := os.Stat(path)
	f, err := openAppend(path)
	if err != nil {
		return err
	}
	err = f.Close()
	if errors.Is(statErr, fs.ErrNotExist) {
		err = errors.Join(err, os.Remove(path))
	}
	return err
}

func openAppend(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("--summary-file: %w", err)
	}
	return f, nil
}

// printSummary writes the terminal summary, its table fitted to the
// terminal's width; a file or pipe (width 0) gets every column. The summary
// needs no control byte but its own colours, so every other one is escaped,
// whatever string from a server the renderer may have let through.
func printSummary(c *cli.Context, run *schema.Run, dir string) error {
	color := useColor(c, c.App.Writer)
	opt := reports.TerminalOptions{Color: color, Width: terminalWidth(c.App.Writer)}
	var buf bytes.Buffer
	if err := reports.TerminalWith(&buf, run, dir, opt); err != nil {
		return err
	}
	out := redact.String(buf.String())
	if color {
		out = textKeepingColour(out)
	} else {
		out = redact.Text(out)
	}
	_, err := io.WriteString(c.App.Writer, out)
	return err
}

// sgr matches a colour sequence (Select Graphic Rendition): it can change
// how text looks, not where it is or what the screen shows.
var sgr = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// textKeepingColour is redact.Text that leaves colour sequences alone.
func textKeepingColour(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range sgr.FindAllStringIndex(s, -1) {
		b.WriteString(redact.Text(s[last:m[0]]))
		b.WriteString(s[m[0]:m[1]])
		last = m[1]
	}
	b.WriteString(redact.Text(s[last:]))
	return b.String()
}

// noColorEnv turns colour off when set to any non-empty value (no-color.org).
const noColorEnv = "NO_COLOR"

// useColor is true only for a terminal, and never with --no-color or NO_COLOR.
func useColor(c *cli.Context, w io.Writer) bool {
	if c.Bool("no-color") || os.Getenv(noColorEnv) != "" {
		return false
	}
	return isTerminal(w)
}

// knownFormats is the list printed in errors and help.
func knownFormats() []string {
	out := []string{schema.FormatVLLM, schema.FormatCSV}
	for k := range renderers {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
