package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/servebench/servebench/engine"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
	"github.com/urfave/cli/v2"
)

func runCommand() *cli.Command {
	flags := append(overrideFlags(),
		&cli.BoolFlag{Name: "follow-server-log", Usage: "copy the server's output to stderr while it runs"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress and no summary table"},
		&cli.BoolFlag{Name: "json", Usage: "print the run result (run.json) on stdout"},
		&cli.StringFlag{Name: "summary-file", EnvVars: []string{"GITHUB_STEP_SUMMARY"},
			Usage: "append the Markdown report to `FILE` (GitHub's step summary when set)"},
		&cli.StringSliceFlag{Name: "format", Usage: "report files to write (markdown, html, json, junit, vllm, csv); default: the scenario's"},
		&cli.BoolFlag{Name: "no-color", Usage: "no colours in the terminal summary (also: NO_COLOR set to any value)"},
		&cli.StringFlag{Name: "label", Usage: "`TEXT` that tells this run apart in comparisons (stored in run.json)"},
	)
	flags = append(flags, shardFlags()...)
	return &cli.Command{
		Name:      "run",
		Usage:     "run a scenario: start the server, run every stage, save and report the results",
		ArgsUsage: "SCENARIO.yaml",
		Flags:     flags,
		Action:    runAction,
	}
}

func runAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("run takes exactly one scenario file, got %d arguments", c.NArg())
	}
	// Every flag and the scenario are checked before a server starts, and
	// every problem is reported at once.
	flagErr := checkOutputFlags(c)
	so, shardErr := shardOptions(c)
	sc, err := loadScenario(c, c.Args().First())
	if err := errors.Join(flagErr, shardErr, err); err != nil {
		return err
	}
	plan, err := engine.NewPlan(sc)
	if err != nil {
		return usageErr(err)
	}
	if so != nil {
		if err := checkSharded(c, so, plan); err != nil {
			return err
		}
	}
	prog := newProgress(c.App.ErrWriter, c.Bool("quiet"))
	opts := engine.Options{Plan: plan, Version: buildVersion(), Observer: prog, Logf: prog.Logf, Label: c.String("label")}
	if c.Bool("follow-server-log") {
		// The server chooses these bytes: every control byte is escaped.
		follow := redact.NewTerminalWriter(c.App.ErrWriter)
		defer follow.Flush()
		opts.FollowServerLog = follow
	}
	if so != nil {
		// The shard renders what it reports before shard 0 tells the
		// others the outcome (engine.ShardOptions.Finish).
		so.Finish = func(run *schema.Run, dir string) error { prog.Stop(); return finishRun(c, run, dir) }
		run, _, runErr := engine.ExecuteShard(c.Context, opts, *so)
		prog.Stop()
		if run == nil {
			return runErr
		}
		return runOutcome(run, runErr)
	}
	run, dir, runErr := engine.Execute(c.Context, opts)
	prog.Stop()
	if run == nil {
		return runErr
	}
	if err := finishRun(c, run, dir); err != nil && runErr == nil {
		runErr = err
	}
	return runOutcome(run, runErr)
}

// checkOutputFlags checks the flags that act only after the run (report
// formats, the summary file), so that a typo fails in a second instead of
// after an hour of GPU time.
func checkOutputFlags(c *cli.Context) error {
	var errs []error
	for _, f := range c.StringSlice("format") {
		if !slices.Contains(knownFormats(), f) {
			errs = append(errs, usagef("--format %q: unknown report format; valid: %s", f, strings.Join(knownFormats(), ", ")))
		}
	}
	if sf := c.String("summary-file"); sf != "" {
		if err := checkAppendable(sf); err != nil {
			errs = append(errs, usageErr(err))
		}
	}
	if l := c.String("label"); len(l) > maxLabel || strings.IndexFunc(l, unicode.IsControl) >= 0 {
		errs = append(errs, usagef("--label %q: want at most %d characters of text, without control characters", l, maxLabel))
	}
	return errors.Join(errs...)
}

// maxLabel bounds --label: it names a run in tables and chart legends.
const maxLabel = 100

// finishRun renders the report files and prints what the user asked for.
func finishRun(c *cli.Context, run *schema.Run, dir string) error {
	formats := c.StringSlice("format")
	if len(formats) == 0 {
		formats = run.Scenario.Report.Formats
	}
	err := writeReports(run, dir, formats)
	if sf := c.String("summary-file"); sf != "" {
		err = errors.Join(err, appendMarkdown(sf, run))
	}
	switch {
	case c.Bool("json"):
		err = errors.Join(err, schema.EncodeRun(c.App.Writer, run))
	case !c.Bool("quiet"):
		err = errors.Join(err, printSummary(c, run, dir))
	}
	return err
}

// runOutcome turns the finished run into the exit code's error.
func runOutcome(run *schema.Run, runErr error) error {
	if runErr != nil {
		return runErr
	}
	if !run.Passed {
		return thresholdFailed(fmt.Sprintf("%d threshold(s) failed", failedThresholds(run)))
	}
	return nil
}

func failedThresholds(run *schema.Run) int {
	n := 0
	for _, st := range run.Stages {
		for _, t := range st.Thresholds {
			if !t.Passed {
				n++
			}
		}
	}
	return n
}
