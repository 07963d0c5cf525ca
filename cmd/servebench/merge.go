package main

import (
	"errors"

	"github.com/servebench/servebench/engine"
	"github.com/urfave/cli/v2"
)

func mergeCommand() *cli.Command {
	return &cli.Command{
		Name:      "merge",
		Usage:     "merge the run directories of a sharded run's parts into one run, exactly as one client would have measured it",
		ArgsUsage: "PART_DIR...",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "results-dir", EnvVars: []string{"SERVEBENCH_RESULTS_DIR"}, Usage: "write the merged run under `DIR` (default: the scenario's report.dir)"},
			&cli.StringSliceFlag{Name: "format", Usage: "report files to write (markdown, html, json, junit, vllm); default: the scenario's"},
			&cli.BoolFlag{Name: "json", Usage: "print the merged run (run.json) on stdout"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no summary table"},
			&cli.StringFlag{Name: "summary-file", EnvVars: []string{"GITHUB_STEP_SUMMARY"},
				Usage: "append the Markdown report to `FILE` (GitHub's step summary when set)"},
			&cli.BoolFlag{Name: "no-color", Usage: "no colours in the terminal summary (also: NO_COLOR set to any value)"},
		},
		Action: mergeAction,
	}
}

// mergeAction is `servebench merge`: the same merge shard 0 runs at the
// end of a sharded run, from part directories on disk. It exits like
// run: 0, 1 for a failed threshold, 2 for parts that are not one run, 3
// when a part did not complete or the merge could not be written.
func mergeAction(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef("merge takes the run directories of every shard's part, got none")
	}
	if err := checkOutputFlags(c); err != nil {
		return err
	}
	run, dir, err := engine.Merge(c.Context, engine.MergeOptions{Parts: c.Args().Slice(), ResultsDir: c.String("results-dir")})
	var input *engine.MergeInputError
	if errors.As(err, &input) || run == nil {
		return err
	}
	if ferr := finishRun(c, run, dir); ferr != nil && err == nil {
		err = ferr
	}
	return runOutcome(run, err)
}
