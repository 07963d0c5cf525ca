package compare

import (
	"math"
	"strings"
	"testing"

	"github.com/servebench/servebench/schema"
)

var levels = []int{1, 4, 8}

// TestSameDistributionNotFlagged: two runs drawn from one distribution
// (different seeds) differ only by noise; nothing may be called.
func TestSameDistributionNotFlagged(t *testing.T) {
	for seed := uint64(10); seed < 13; seed++ {
		base, br := synthRun("base", seed, 1, levels, 300)
		cand, cr := synthRun("cand", seed+100, 1, levels, 300)
		c := Compare([]*schema.Run{base, cand}, [][]schema.RequestRecord{br, cr}, Options{})
		if len(c.Stages) != len(levels) {
			t.Fatalf("matched %d stage levels, want %d", len(c.Stages), len(levels))
		}
		if got := c.Counts(); got[Regression] != 0 || got[Improvement] != 0 {
			t.Errorf("seed %d: same distribution called %d regressions, %d improvements: %v",
				seed, got[Regression], got[Improvement], c.Regressions())
		}
		if c.Counts()[Unchanged] == 0 {
			t.Error("no delta had a noise estimate although records were given")
		}
	}
}

// TestTTFTSlowdownFlagged injects a real 30% TTFT slowdown: TTFT must be
// called a regression at every level, TPOT must not.
func TestTTFTSlowdownFlagged(t *testing.T) {
	base, br := synthRun("base", 1, 1, levels, 300)
	cand, cr := synthRun("cand", 2, 1.3, levels, 300)
	c := Compare([]*schema.Run{base, cand}, [][]schema.RequestRecord{br, cr}, Options{})
	for _, s := range c.Stages {
		for _, d := range s.Deltas {
			switch {
			case strings.HasPrefix(d.Metric, "ttft.") && d.Metric != "ttft.p99":
				if d.Verdict != Regression {
					t.Errorf("%s %s: verdict %q (rel %.3f, CI %.1f..%.1f), want regression", s.Key, d.Metric, d.Verdict, d.Rel, d.Lo, d.Hi)
				}
			case strings.HasPrefix(d.Metric, "tpot."):
				if d.Verdict == Regression {
					t.Errorf("%s %s: called a regression without a TPOT change", s.Key, d.Metric)
				}
			}
		}
	}
	// The reverse comparison is an improvement: direction awareness.
	rev := Compare([]*schema.Run{cand, base}, [][]schema.RequestRecord{cr, br}, Options{})
	if rev.Counts()[Improvement] == 0 || rev.Counts()[Regression] != 0 {
		t.Errorf("reverse comparison: %v %v", rev.Counts(), rev.Regressions())
	}
}

// TestNoRecordsNoCall: without records or repeats the deltas are shown but
// never called, however large: each says "not enough data" and why.
func TestNoRecordsNoCall(t *testing.T) {
	base, _ := synthRun("base", 1, 1, levels, 100)
	cand, _ := synthRun("cand", 2, 2, levels, 100)
	c := Compare([]*schema.Run{base, cand}, nil, Options{})
	counts := c.Counts()
	if counts[NotEnoughData] != len(levels)*len(MetricsOf(WindowBoth)) {
		t.Errorf("verdicts %v, want all %q", counts, NotEnoughData)
	}
	d := c.Stages[0].Deltas[0]
	if d.Metric != "ttft.p50" || d.Rel < 0.5 || !strings.Contains(d.Missing, "has no per-request records") {
		t.Errorf("the delta itself must still be reported: %+v", d)
	}
}

// repeated gives a run's level five repeats whose output throughput is
// mean·(0.99 ... 1.01): the spread between runs that repeats measure.
func repeated(run *schema.Run, mean float64) {
	st := run.Stages[0]
	run.Stages = nil
	for i, f := range []float64{0.99, 0.995, 1, 1.005, 1.01} {
		r := st
		r.Repeat, r.ID = i+1, st.ID+"#"+itoa(i+1)
		r.Metrics.OutputThroughput = mean * f
		run.Stages = append(run.Stages, r)
	}
}

// TestRepeatsUsed: the spread between repeats decides when both runs
// repeated the level, records or not.
func TestRepeatsUsed(t *testing.T) {
	base, _ := synthRun("base", 1, 1, []int{4}, 50)
	cand, _ := synthRun("cand", 2, 1, []int{4}, 50)
	repeated(base, 100)
	repeated(cand, 80)
	c := Compare([]*schema.Run{base, cand}, nil, Options{})
	for _, d := range c.Stages[0].Deltas {
		if d.Metric == "output_throughput" {
			if d.Noise != NoiseRepeats || d.Verdict != Regression || math.Abs(d.Abs+20) > 1e-9 {
				t.Errorf("throughput drop with repeats: %+v", d)
			}
			return
		}
	}
	t.Fatal("output_throughput not compared")
}

func TestUnmatched(t *testing.T) {
	base, _ := synthRun("base", 1, 1, []int{1, 4}, 20)
	cand, _ := synthRun("cand", 2, 1, []int{4, 8}, 20)
	c := Compare([]*schema.Run{base, cand}, nil, Options{})
	if len(c.Stages) != 1 || c.Stages[0].Key != "sweep/safe/c=4" {
		t.Errorf("matched %v", c.Stages)
	}
	if strings.Join(c.Unmatched, ",") != "sweep/safe/c=1,sweep/safe/c=8" {
		t.Errorf("unmatched %v", c.Unmatched)
	}
}

func TestFailOn(t *testing.T) {
	base, br := synthRun("base", 1, 1, levels, 200)
	cand, cr := synthRun("cand", 2, 1.3, levels, 200)
	c := Compare([]*schema.Run{base, cand}, [][]schema.RequestRecord{br, cr}, Options{})
	cases := []struct {
		src  string
		want int // failing stage levels
	}{
		{"candidate.ttft.p50 > baseline.ttft.p50 * 1.1", 3},
		{"candidate.tpot.p99 > baseline.tpot.p99 * 1.5", 0},
		{`"ttft.mean" in regressions`, 3},
		{"level >= 4 && candidate.ttft.mean > baseline.ttft.mean", 2},
		{"candidate.error_rate > 0.5 || len(regressions) > 100", 0},
	}
	for _, tc := range cases {
		f, err := CompileFailOn(tc.src)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		if got := f.Eval(c); len(got) != tc.want {
			t.Errorf("%s: %d failing levels %v, want %d", tc.src, len(got), got, tc.want)
		}
	}
}

func TestFailOnCompileErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"candidate.ttft.p999 > 1", `1:1: unknown metric "candidate.ttft.p999"`}, // with position
		{"baseline.ttft.p99 < 1 && candidate.ttft.p999 > 1", `1:26: unknown metric "candidate.ttft.p999" in "baseline.ttft.p99 < 1 && candidate.ttft.p999 > 1" (did you mean "candidate.ttft.p99"?)`},
		{"candidate.ttft.p99 > baseline", "mismatched types"}, // struct vs number
		{"candidate.ttft.p99", "--fail-on must be a boolean expression such as candidate.ttft.p99 > baseline.ttft.p99 * 1.10, got float64"},
		{"now() > 0", "unknown name now"}, // clock built-in disabled
		{"candidate.ttft.p99 >", "unexpected token"},
		{"candidate.ttft['p99'] > 1 && ", "unexpected token"},
	}
	for _, tc := range cases {
		_, err := CompileFailOn(tc.src)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want it to contain %q", tc.src, err, tc.want)
		}
	}
}
