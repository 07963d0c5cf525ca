package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/servebench/servebench/reports/vllmjson"
	"github.com/servebench/servebench/schema"
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
		Usage:     "convert vllm bench serve result files (--save-result JSON) into a run that report and compare accept",
		ArgsUsage: "RESULT.json...",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "name", Value: "vllm-import", Usage: "scenario `NAME` of the imported run"},
			&cli.StringFlag{Name: "results-dir", Value: "bench_results", Usage: "write the run under `DIR`/NAME/"},
		},
		Action: importAction,
	}
}

// importAction turns each vLLM result file into one stage of one run.
func importAction(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef("import needs at least one vLLM result file")
	}
	var merged *schema.Run
	for _, path := range c.Args().Slice() {
		run, err := importFile(path, c.String("name"))
		if err != nil {
			return usageErr(err)
		}
		if merged == nil {
			merged = run
			continue
		}
		merged.Stages = append(merged.Stages, run.Stages...)
	}
	dir, err := schema.CreateRunDir(c.String("results-dir"), merged.Name, merged.StartedAt)
	if err != nil {
		return err
	}
	if err := schema.WriteRun(dir, merged); err != nil {
		return err
	}
	fmt.Fprintf(c.App.Writer, "imported %d stage(s) into %s\n", len(merged.Stages), dir)
	return nil
}

func importFile(path, name string) (*schema.Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	run, err := vllmjson.Import(f, name)
	if err != nil {
		return nil, fmt.Errorf("import %q: %w", path, err)
	}
	if len(run.Stages) == 1 && !strings.Contains(run.Stages[0].ID, filepath.Base(path)) {
		run.Stages[0].ID += "@" + strings.TrimSuffix(filepath.Base(path), ".json")
	}
	return run, nil
}
