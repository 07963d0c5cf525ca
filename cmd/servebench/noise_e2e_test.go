package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/servebench/servebench/reports/compare"
)

// noiseScenario is the quickstart with short levels: its simulator
// (max_num_seqs 16, 2 ms decode step, 100 µs per sequence), profile and
// six concurrency levels, 1 s each instead of 2 s. %s is the decode step
// and %s the cost per sequence, so a candidate can decode 10% slower.
const noiseScenario = `version: 1
name: quickstart
server:
  builtin: {max_num_seqs: 16, decode_step: %s, decode_per_seq: %s}
model: {max_model_len: 2048}
stages:
  - {name: sweep, profile: dev, concurrency: [1, 4, 8, 16, 32, 64], duration: 1s, warmup: 2}
`

// noisePairs is how many pairs each check runs (issue 22: 20).
func noisePairs(t *testing.T) int {
	if os.Getenv("SERVEBENCH_NOISE") == "" {
		t.Skip("set SERVEBENCH_NOISE=1 to run the A/A and A/B checks (60 runs of the quickstart with 1 s levels, about 8 minutes)")
	}
	if n, err := strconv.Atoi(os.Getenv("SERVEBENCH_NOISE_PAIRS")); err == nil && n > 0 {
		return n
	}
	return 20
}

// TestCompareAAAndAB is issue 22's acceptance, on real runs of the
// simulator. A/A: 20 pairs of runs of one configuration, compared pairwise:
// at most 1 pair in 20 may have anything called (a regression or an
// improvement of any metric, either window, any level). A/B: a candidate
// whose decode is 10% slower is called a TPOT regression in at least 19 of
// 20 pairs. Runs alternate A, A, B so that the machine's load changes hit
// all three alike.
func TestCompareAAAndAB(t *testing.T) {
	pairs := noisePairs(t)
	a := fmt.Sprintf(noiseScenario, "2ms", "100us")
	b := fmt.Sprintf(noiseScenario, "2.2ms", "110us")
	called, tpotCalled := 0, 0
	for i := range pairs {
		a1, a2, b1 := runScenarioDir(t, a), runScenarioDir(t, a), runScenarioDir(t, b)
		aa := comparePair(t, a1, a2)
		n := aa.Counts()
		if n[compare.Regression]+n[compare.Improvement] > 0 {
			called++
			t.Logf("A/A pair %d: called %d regression(s), %d improvement(s): %s", i+1,
				n[compare.Regression], n[compare.Improvement], strings.Join(calls(aa), "; "))
		}
		ab := comparePair(t, a1, b1)
		levels := tpotRegressions(ab)
		if levels > 0 {
			tpotCalled++
		}
		t.Logf("pair %d: A/A %d call(s); A/B TPOT regression at %d of %d levels; A/B calls: %s", i+1,
			n[compare.Regression]+n[compare.Improvement], levels, len(ab.Stages), strings.Join(calls(ab), "; "))
	}
	t.Logf("A/A: %d of %d pairs had a call; A/B: TPOT regression called in %d of %d pairs", called, pairs, tpotCalled, pairs)
	if called*20 > pairs {
		t.Errorf("A/A: %d of %d pairs of one configuration had a regression or improvement called; at most 1 in 20 may", called, pairs)
	}
	if tpotCalled*20 < pairs*19 {
		t.Errorf("A/B: a 10%% slower decode was called a TPOT regression in only %d of %d pairs; want 19 in 20", tpotCalled, pairs)
	}
}

func comparePair(t *testing.T, base, cand string) *compare.Comparison {
	t.Helper()
	runs, reqs, err := readRuns([]string{base, cand})
	if err != nil {
		t.Fatal(err)
	}
	return compare.Compare(runs, reqs, compare.Options{})
}

// calls lists every delta called, as "level metric ±x%".
func calls(c *compare.Comparison) []string {
	var out []string
	for _, s := range c.Stages {
		for _, d := range s.Deltas {
			if d.Verdict == compare.Regression || d.Verdict == compare.Improvement {
				out = append(out, fmt.Sprintf("%s %s %+.1f%% [%+.1f%%, %+.1f%%]", s.Level, d.Metric, 100*d.Rel,
					100*d.Lo/d.Baseline, 100*d.Hi/d.Baseline))
			}
		}
	}
	return out
}

// tpotRegressions counts the levels where a TPOT metric is a regression.
func tpotRegressions(c *compare.Comparison) int {
	n := 0
	for _, s := range c.Stages {
		for _, d := range s.Deltas {
			if d.Verdict == compare.Regression && strings.HasPrefix(strings.TrimPrefix(d.Metric, "steady."), "tpot.") {
				n++
				break
			}
		}
	}
	return n
}
