package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/servebench/servebench/reports"
	"github.com/servebench/servebench/reports/vllmjson"
	"github.com/servebench/servebench/schema"
	"github.com/urfave/cli/v2"
	"golang.org/x/term"
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
		if f == schema.FormatVLLM {
			errs = append(errs, writeVLLM(run, dir))
			continue
		}
		r, ok := renderers[f]
		if !ok {
			errs = append(errs, usagef("unknown report format %q (valid: markdown, html, json, junit, vllm)", f))
			continue
		}
		var buf bytes.Buffer
		if err := r.render(&buf, run); err != nil {
			errs = append(errs, fmt.Errorf("render %s: %w", f, err))
			continue
		}
		errs = append(errs, schema.WriteFileAtomic(filepath.Join(dir, r.file), buf.Bytes()))
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
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("summary file: %w", err)
	}
	_, werr := f.Write(buf.Bytes())
	return errors.Join(werr, f.Close())
}

func printSummary(c *cli.Context, run *schema.Run, dir string) error {
	return reports.Terminal(c.App.Writer, run, dir, useColor(c, c.App.Writer))
}

// useColor is true only for a terminal, and never with --no-color/NO_COLOR.
func useColor(c *cli.Context, w io.Writer) bool {
	if c.Bool("no-color") {
		return false
	}
	return isTerminal(w)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// knownFormats is the list printed in errors and help.
func knownFormats() []string {
	out := []string{schema.FormatVLLM}
	for k := range renderers {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
