package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/servebench/servebench/reports/vllmjson"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
	"github.com/urfave/cli/v2"
)

func reportCommand() *cli.Command {
	return &cli.Command{
		Name:      "report",
		Usage:     "re-render the reports of a saved run (a run directory or its run.json)",
		ArgsUsage: "RUN",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "format", Usage: "files to write into the run directory: markdown, html, json, junit, vllm, csv"},
			&cli.StringFlag{Name: "summary-file", Usage: "append the Markdown report to `FILE`"},
			&cli.BoolFlag{Name: "no-color", EnvVars: []string{"NO_COLOR"}, Usage: "no colours"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no summary table"},
		},
		Action: reportAction,
	}
}

func reportAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("report takes exactly one run directory or run.json, got %d arguments", c.NArg())
	}
	run, dir, err := readRun(c.Args().First())
	if err != nil {
		return err
	}
	if f := c.StringSlice("format"); len(f) > 0 {
		if err := writeReports(run, dir, f); err != nil {
			return err
		}
	}
	if sf := c.String("summary-file"); sf != "" {
		if err := appendMarkdown(sf, run); err != nil {
			return err
		}
	}
	if !c.Bool("quiet") {
		return printSummary(c, run, dir)
	}
	return nil
}

// readRun reads a run from a directory or a run.json path and returns the
// directory the reports belong in.
func readRun(path string) (*schema.Run, string, error) {
	run, err := schema.ReadRun(path)
	if err != nil {
		return nil, "", usageErr(err)
	}
	dir := path
	if fi, err := os.Stat(path); err == nil && !fi.IsDir() {
		dir = filepath.Dir(path)
	}
	return run, dir, nil
}

func importCommand() *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "convert vllm bench serve result files (--save-result JSON, or a directory of them) into one run that report and compare accept",
		ArgsUsage: "RESULT.json|DIR...",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "name", Value: "vllm-import", Usage: "scenario `NAME` of the imported run"},
			&cli.StringFlag{Name: "results-dir", Value: "bench_results", Usage: "write the run under `DIR`/NAME/"},
		},
		Action: importAction,
	}
}

// importAction turns the vLLM result files (a directory stands for the
// .json files in it) into one run, one stage level per file; the requests
// of files with vLLM's per-request arrays go to requests.jsonl.
func importAction(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef("import needs at least one vLLM result file or directory")
	}
	name := c.String("name")
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		// the rule schema applies to a scenario's name: the run stays under --results-dir
		return usagef("--name %q must be one path segment (letters, digits, '-', '_' or '.'), without / or \\", name)
	}
	dir, run, records, err := writeImport(c.Args().Slice(), c.String("results-dir"), name)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "imported %d stage(s) into %s (%d per-request records)\n", len(run.Stages), dir, records)
	for _, n := range run.Notes {
		fmt.Fprintf(c.App.Writer, "  %s\n", redact.Line(n))
	}
	return nil
}

// writeImport writes the run of the files into a new run directory under
// base/name. The records are written while the files are read, into a
// staging directory beside it (the run directory is named after the start
// time the files hold, known at the end); nothing is left behind when a
// file fails.
func writeImport(paths []string, base, name string) (dir string, run *schema.Run, records int, err error) {
	parent := filepath.Join(base, name)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", nil, 0, fmt.Errorf("create results directory %q: %w", parent, err)
	}
	staging, err := os.MkdirTemp(parent, ".import-*")
	if err != nil {
		return "", nil, 0, err
	}
	defer os.RemoveAll(staging)
	log, err := schema.OpenRequestLog(staging)
	if err != nil {
		return "", nil, 0, err
	}
	run, err = vllmjson.ImportFiles(paths, name, func(r *schema.RequestRecord) error {
		records++
		return log.Write(r)
	})
	if cerr := log.Close(); err == nil && cerr != nil {
		return "", nil, 0, cerr
	}
	if err != nil {
		return "", nil, 0, usageErr(err)
	}
	if dir, err = schema.CreateRunDir(base, name, run.StartedAt); err != nil {
		return "", nil, 0, err
	}
	if records > 0 {
		if err := os.Rename(filepath.Join(staging, schema.RequestsFile), filepath.Join(dir, schema.RequestsFile)); err != nil {
			return "", nil, 0, err
		}
	}
	return dir, run, records, schema.WriteRun(dir, run)
}
