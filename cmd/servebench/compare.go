package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/servebench/servebench/reports/compare"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
	"github.com/urfave/cli/v2"
)

func compareCommand() *cli.Command {
	return &cli.Command{
		Name:      "compare",
		Usage:     "compare saved runs side by side; a delta is a regression only outside the noise",
		ArgsUsage: "BASELINE CANDIDATE [MORE...]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "fail-on", Usage: "exit 1 when this expression holds for a matched stage, e.g. 'candidate.ttft.p99 > baseline.ttft.p99 * 1.10'"},
			&cli.StringFlag{Name: "markdown", Usage: "also write the comparison as Markdown to `FILE`"},
			&cli.StringFlag{Name: "html", Usage: "also write the comparison as HTML to `FILE`"},
			&cli.Float64Flag{Name: "min-change", Value: compare.DefaultMinRelative * 100,
				Usage: "smallest change, in `PERCENT`, called a regression or improvement even outside the noise"},
			&cli.Float64Flag{Name: "confidence", Value: compare.DefaultConfidence,
				Usage: "confidence `LEVEL` of the whole comparison (0.5-0.999); each delta's interval is wider (Bonferroni)"},
			&cli.StringFlag{Name: "window", Value: compare.WindowBoth,
				Usage: "`WINDOW` compared: both, steady (the steady-state window) or all (everything sent)"},
			&cli.StringFlag{Name: "match", Value: string(compare.MatchAuto),
				Usage: "how stage levels pair across runs: `HOW` is auto (by name, then by load where names differ), names, or level (by load alone)"},
			&cli.BoolFlag{Name: "ignore-names", Usage: "the same as --match level (kept for scripts written before --match)"},
			&cli.BoolFlag{Name: "allow-no-match", Usage: "exit 0 when no stage level matched (by default that is an error, exit 2: a gate that compared nothing must not pass)"},
			&cli.BoolFlag{Name: "no-color", EnvVars: []string{"NO_COLOR"}, Usage: "no colours"},
		},
		Action: compareAction,
	}
}

func compareAction(c *cli.Context) error {
	if c.NArg() < 2 {
		return usagef("compare needs a baseline and at least one candidate run")
	}
	var failOn *compare.FailOn
	if src := c.String("fail-on"); src != "" {
		f, err := compare.CompileFailOn(src)
		if err != nil {
			return usageErr(err) // names --fail-on, the column and the problem
		}
		failOn = f
	}
	opts, err := compareOptions(c)
	if err != nil {
		return err
	}
	runs, reqs, err := readRuns(c.Args().Slice())
	if err != nil {
		return err
	}
	cmp := compare.Compare(runs, reqs, opts)
	if err := compare.CompareTerminal(c.App.Writer, cmp, useColor(c, c.App.Writer)); err != nil {
		return err
	}
	if err := writeComparisons(c, cmp); err != nil {
		return err
	}
	if len(cmp.Stages) == 0 && !c.Bool("allow-no-match") {
		return noMatch(cmp, opts)
	}
	if failOn != nil {
		if failed := failOn.Eval(cmp); len(failed) > 0 {
			return thresholdFailed(fmt.Sprintf("--fail-on held for %s", strings.Join(failed, ", ")))
		}
	}
	return nil
}

// maxListedLevels bounds the stage levels an error lists.
const maxListedLevels = 10

// noMatch is the error of a comparison that matched nothing: exit 2, since
// a --fail-on gate over no stage level would pass without checking a thing.
func noMatch(cmp *compare.Comparison, opts compare.Options) error {
	hint := map[compare.Match]string{
		compare.MatchAuto: "stage levels pair by stage name, profile and concurrency or rate, then by concurrency or rate " +
			"where a run has one level at it; the runs share no such level",
		compare.MatchNames: "--match names pairs stage levels by stage name, profile and concurrency or rate only; " +
			"--match auto also pairs levels whose names differ (e.g. an imported vLLM result against a servebench run)",
		compare.MatchLevel: "--match level pairs stage levels by concurrency or rate alone; the runs share no such level",
	}[opts.Match]
	if notes := cmp.MatchNotes; len(notes) > 0 {
		hint += "; " + redact.Line(strings.Join(notes[:min(len(notes), maxListedLevels)], "; "))
	}
	levels := cmp.Unmatched
	if len(levels) > maxListedLevels {
		levels = append(levels[:maxListedLevels:maxListedLevels], fmt.Sprintf("and %d more", len(cmp.Unmatched)-maxListedLevels))
	}
	return usagef("no stage level matched between the baseline and the candidate(s): %s; levels in only some runs: %s "+
		"(--allow-no-match accepts a comparison without matches)", hint, redact.Line(strings.Join(levels, ", ")))
}

// compareOptions reads the noise flags. The floor matters in practice: two
// runs of one configuration drift by a few percent on a busy machine, which
// no interval of a single run can see, so CI gates on noisy hosts without
// repeats raise it.
func compareOptions(c *cli.Context) (compare.Options, error) {
	minChange, conf := c.Float64("min-change"), c.Float64("confidence")
	if minChange <= 0 || minChange >= 1000 {
		return compare.Options{}, usagef("--min-change: want a percentage above 0, got %g", minChange)
	}
	if conf < 0.5 || conf > 0.999 {
		return compare.Options{}, usagef("--confidence: want a level between 0.5 and 0.999, got %g", conf)
	}
	match := compare.Match(c.String("match"))
	if c.Bool("ignore-names") {
		if c.IsSet("match") && match != compare.MatchLevel {
			return compare.Options{}, usagef("--ignore-names means --match level; it cannot be combined with --match %s", match)
		}
		match = compare.MatchLevel
	}
	if !slices.Contains(compare.Matches, match) {
		return compare.Options{}, usagef("--match: want one of %s, got %q", matchWords(), match)
	}
	window := c.String("window")
	if !slices.Contains(compare.Windows, window) {
		return compare.Options{}, usagef("--window %q: want one of %s", window, strings.Join(compare.Windows, ", "))
	}
	return compare.Options{MinRelative: minChange / 100, Confidence: conf, Window: window, Match: match}, nil
}

// readRuns reads each run and, where it was saved, its requests.jsonl for
// the noise estimate.
func readRuns(paths []string) ([]*schema.Run, [][]schema.RequestRecord, error) {
	var runs []*schema.Run
	var reqs [][]schema.RequestRecord
	for _, p := range paths {
		run, dir, err := readRun(p)
		if err != nil {
			return nil, nil, err
		}
		var recs []schema.RequestRecord
		err = schema.ReadRequests(filepath.Join(dir, schema.RequestsFile), func(r schema.RequestRecord) error {
			if !r.Warmup {
				recs = append(recs, r)
			}
			return nil
		})
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, nil, usageErr(err)
		}
		runs, reqs = append(runs, run), append(reqs, recs)
	}
	return runs, reqs, nil
}

func matchWords() string {
	words := make([]string, len(compare.Matches))
	for i, m := range compare.Matches {
		words[i] = string(m)
	}
	return strings.Join(words, ", ")
}

func writeComparisons(c *cli.Context, cmp *compare.Comparison) error {
	for _, out := range []struct {
		path   string
		render func(*bytes.Buffer) error
	}{
		{c.String("markdown"), func(b *bytes.Buffer) error { return compare.CompareMarkdown(b, cmp) }},
		{c.String("html"), func(b *bytes.Buffer) error { return compare.CompareHTML(b, cmp) }},
	} {
		if out.path == "" {
			continue
		}
		var buf bytes.Buffer
		if err := out.render(&buf); err != nil {
			return err
		}
		if err := schema.WriteFileAtomic(out.path, buf.Bytes()); err != nil {
			return err
		}
	}
	return nil
}
