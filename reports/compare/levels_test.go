package compare

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/servebench/servebench/schema"
)

var sixLevels = []int{1, 4, 8, 16, 32, 64}

// TestDriftBetweenRunsNotCalled: a candidate of the same configuration on
// a machine whose load changed between the runs: every level's TTFT is
// off by its own random factor (±15%). Within-run intervals alone call
// that drift a regression or an improvement; with the spread between
// levels in the interval nothing is called. A uniform 30% slowdown is
// still called at every level.
func TestDriftBetweenRunsNotCalled(t *testing.T) {
	falseCalls, seeds := 0, 8
	for seed := range uint64(seeds) {
		drift := rand.New(rand.NewPCG(seed, 99))
		scale := map[int]float64{}
		for _, c := range sixLevels {
			scale[c] = 1 + 0.15*drift.NormFloat64()
		}
		base, br := synthRun("base", seed, 1, sixLevels, 400)
		cand, cr := synthRunAt("cand", seed+100, func(c int) float64 { return scale[c] }, sixLevels, 400)
		c := Compare([]*schema.Run{base, cand}, [][]schema.RequestRecord{br, cr}, Options{})
		if n := c.Counts(); n[Regression]+n[Improvement] > 0 {
			falseCalls++
			t.Logf("seed %d: drift %v called: %v", seed, scale, c.Regressions())
		}
		for _, d := range c.Stages[0].Deltas {
			if d.Metric == "ttft.mean" && !strings.HasSuffix(d.Noise, NoiseLevels) {
				t.Errorf("ttft.mean interval without the between-level spread: %q", d.Noise)
			}
		}
	}
	if falseCalls > 0 {
		t.Errorf("drift between runs was called in %d of %d comparisons", falseCalls, seeds)
	}
	base, br := synthRun("base", 1, 1, sixLevels, 400)
	cand, cr := synthRun("cand", 2, 1.3, sixLevels, 400)
	c := Compare([]*schema.Run{base, cand}, [][]schema.RequestRecord{br, cr}, Options{})
	for _, s := range c.Stages {
		for _, d := range s.Deltas {
			if d.Metric == "ttft.mean" && d.Verdict != Regression {
				t.Errorf("%s: a uniform 30%% slowdown: %s (%+.1f%%, %s)", s.Key, d.Verdict, 100*d.Rel, d.Noise)
			}
		}
	}
}
