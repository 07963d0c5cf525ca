package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/servebench/servebench/engine/shard"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// MaxPartRunBytes bounds a part's run.json as merge reads it, as shard 0
// receives it at the rendezvous: a run.json holds per-stage summaries,
// never per-request data, so even a long sweep stays far below it.
const MaxPartRunBytes = shard.MaxRunBytes

// MergeOptions configure Merge.
type MergeOptions struct {
	// Parts are the run directories of the shards' parts, one per shard.
	Parts []string
	// Dir is the directory the merged run is written to; it must exist and
	// hold no run yet. Empty: a new run directory under ResultsDir.
	Dir string
	// ResultsDir is where a new run directory is created when Dir is
	// empty; empty means the scenario's report.dir.
	ResultsDir string
	// Logf receives progress lines; nil drops them.
	Logf func(format string, args ...any)
}

// MergeInputError lists every reason the given parts cannot be merged
// (not parts, parts of different runs, a shard missing or given twice).
type MergeInputError struct{ Problems []string }

func (e *MergeInputError) Error() string {
	return redact.String("cannot merge: " + strings.Join(e.Problems, "; "))
}

// part is one shard's run as merge reads it.
type part struct {
	dir    string
	run    *schema.Run
	offset time.Duration // its clock minus shard 0's
}

// Merge writes the run merged from the shards' parts: one run.json and one
// requests.jsonl, exactly what one client sending every part's requests
// would have written. Every stage is recomputed from the union of the
// parts' request records with the engine's own aggregator (percentiles
// exact as long as a stage keeps its samples, as in any run), its
// throughput over the union of the parts' measurement windows (clock
// offsets applied), and the thresholds are judged on the merged stages.
// The returned error is a *MergeInputError for unusable parts, a
// *RunError when the merge could not be written or a part did not
// complete, ErrInterrupted when a part was interrupted or ctx cancelled.
func Merge(ctx context.Context, o MergeOptions) (*schema.Run, string, error) {
	parts, err := readParts(o.Parts)
	if err != nil {
		return nil, "", err
	}
	first := parts[0].run
	plan, err := NewPlan(first.Scenario)
	if err != nil {
		return nil, "", &MergeInputError{Problems: []string{fmt.Sprintf("the parts' scenario does not plan: %v", err)}}
	}
	dir := o.Dir
	if dir == "" {
		base := o.ResultsDir
		if base == "" {
			base = first.Scenario.Report.Dir
		}
		if dir, err = schema.CreateRunDir(base, first.Name, time.Now()); err != nil {
			return nil, "", runError(err)
		}
	}
	run, err := mergeInto(ctx, dir, plan, parts, o.Logf)
	return run, dir, err
}

// readParts reads every part's run.json and checks that together they are
// one sharded run: every shard from 0 to N-1 exactly once, one plan.
func readParts(dirs []string) ([]*part, error) {
	var problems []string
	var parts []*part
	for _, d := range dirs {
		run, err := readPartRun(d)
		switch {
		case err != nil:
			problems = append(problems, err.Error())
		case run.Shard == nil || run.Shard.Merged:
			problems = append(problems, fmt.Sprintf("%q is not one shard's part (its run.json has no shard block, or is merged already): "+
				"merge takes the run directories of `servebench run --shard I/N`", d))
		case run.Scenario == nil:
			problems = append(problems, fmt.Sprintf("%q: run.json has no scenario", d))
		default:
			off := time.Duration(run.Shard.ClockOffsetMS * float64(time.Millisecond))
			parts = append(parts, &part{dir: d, run: run, offset: off})
		}
	}
	if len(parts) > 0 || len(problems) == 0 {
		problems = append(problems, checkParts(parts)...)
	}
	if len(problems) > 0 {
		return nil, &MergeInputError{Problems: problems}
	}
	slices.SortFunc(parts, func(a, b *part) int { return a.run.Shard.Index - b.run.Shard.Index })
	return parts, nil
}

// readPartRun reads dir/run.json, at most MaxPartRunBytes of it.
func readPartRun(dir string) (*schema.Run, error) {
	f, err := os.Open(filepath.Join(dir, schema.RunFile))
	if err != nil {
		return nil, fmt.Errorf("%q: %w", dir, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxPartRunBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%q: read run.json: %w", dir, err)
	}
	if len(data) > MaxPartRunBytes {
		return nil, fmt.Errorf("%q: run.json is larger than %d MiB", dir, MaxPartRunBytes>>20)
	}
	run, err := schema.DecodeRun(data)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", dir, err)
	}
	return run, nil
}

// checkParts finds what keeps the parts from being one run.
func checkParts(parts []*part) []string {
	if len(parts) == 0 {
		return []string{"no parts given"}
	}
	var problems []string
	want := parts[0].run.Shard
	if err := shard.CheckIndex(0, want.Count); err != nil {
		return []string{fmt.Sprintf("%q: %v", parts[0].dir, err)}
	}
	seen := map[int]string{}
	for _, p := range parts {
		sh := p.run.Shard
		switch {
		case sh.Count != want.Count:
			problems = append(problems, fmt.Sprintf("%q is a part of %d shards, %q of %d", p.dir, sh.Count, parts[0].dir, want.Count))
		case sh.Plan != want.Plan:
			problems = append(problems, fmt.Sprintf("%q ran plan %s, %q plan %s: parts of different scenarios, overrides or seeds are not one run",
				p.dir, sh.Plan, parts[0].dir, want.Plan))
		case seen[sh.Index] != "":
			problems = append(problems, fmt.Sprintf("shard %d is given twice (%q and %q)", sh.Index, seen[sh.Index], p.dir))
		}
		seen[sh.Index] = p.dir
	}
	for i := range want.Count {
		if _, ok := seen[i]; !ok && len(problems) < 20 {
			problems = append(problems, fmt.Sprintf("shard %d of %d is missing", i, want.Count))
		}
	}
	return problems
}

// partsError is the error of the merged run when a part did not complete:
// a failed part makes the run failed, an interrupted one interrupted.
func partsError(parts []*part) error {
	var failed, stopped []string
	for _, p := range parts {
		msg := fmt.Sprintf("shard %d: %s", p.run.Shard.Index, p.run.Error)
		switch p.run.Status {
		case schema.StatusFailed:
			failed = append(failed, msg)
		case schema.StatusInterrupted:
			stopped = append(stopped, msg)
		}
	}
	switch {
	case len(failed) > 0:
		return runError(errors.New(strings.Join(append(failed, stopped...), "; ")))
	case len(stopped) > 0:
		return interrupted("(" + strings.Join(stopped, "; ") + ")")
	}
	return nil
}
