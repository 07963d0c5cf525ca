package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/servebench/servebench/schema"
)

// savedRun writes a run directory holding one closed-loop stage level.
func savedRun(t *testing.T, name, stage, profile string, concurrency int) string {
	t.Helper()
	dir := t.TempDir()
	d := schema.Dist{Count: 10, Mean: 100, Median: 100, Min: 50, Max: 200, Percentiles: map[string]float64{"p50": 100, "p99": 190}}
	run := &schema.Run{SchemaVersion: schema.RunSchemaVersion, Name: name, Status: schema.StatusCompleted, Passed: true,
		StartedAt: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC),
		Stages: []schema.StageResult{{ID: fmt.Sprintf("%s/%s/c%d", stage, profile, concurrency), Stage: stage, Profile: profile, Concurrency: concurrency,
			Status: schema.StatusCompleted, Metrics: schema.Metrics{Sent: 10, Completed: 10, DurationS: 2,
				RequestThroughput: 5, TTFT: d, TPOT: d, ITL: d, E2EL: d}}}}
	if err := schema.WriteRun(dir, run); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestCompareWithoutMatchExitsTwo runs `servebench compare` as a process:
// a --fail-on gate over nothing used to exit 0. An imported run against a
// servebench run of the same level pairs by load unless --match names says
// otherwise (before, it matched nothing without --ignore-names).
func TestCompareWithoutMatchExitsTwo(t *testing.T) {
	base := savedRun(t, "servebench-run", "sweep", "safe", 4)
	imported := savedRun(t, "vllm-import", "vllm", "imported", 4)
	importedC8 := filepath.Join(savedRun(t, "other", "vllm", "imported", 8), schema.RunFile)
	gate := []string{"--fail-on", "candidate.ttft.p99 > baseline.ttft.p99 * 1.10", "--no-color"}
	cases := []struct {
		name      string
		candidate string
		args      []string
		code      int
		quote     string
	}{
		{"paired by load", imported, nil, ExitOK, ""},
		{"names only", imported, []string{"--match", "names"}, ExitInvalid, "no stage level matched between the baseline and the candidate(s): " +
			"--match names pairs stage levels by stage name, profile and concurrency or rate only; --match auto also pairs levels whose names differ"},
		{"by level", imported, []string{"--match", "level"}, ExitOK, ""},
		{"asked for", imported, []string{"--match", "names", "--allow-no-match"}, ExitOK, ""},
		{"no shared level", importedC8, nil, ExitInvalid, "the runs share no such level; levels in only some runs: sweep/safe/c=4, vllm/imported/c=8"},
		{"no such way", imported, []string{"--match", "fuzzy"}, ExitInvalid, `--match: want one of auto, names, level, got "fuzzy"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append(append([]string{"compare", base, c.candidate}, gate...), c.args...)
			p := startCLI(t, nil, args...)
			if code := p.wait(t); code != c.code || !strings.Contains(p.errText(), c.quote) {
				t.Errorf("exit %d, want %d; stderr:\n%s\nwant it to contain %q", code, c.code, p.errText(), c.quote)
			}
		})
	}
}
