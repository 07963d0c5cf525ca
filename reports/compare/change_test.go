package compare

import (
	"strings"
	"testing"

	"github.com/servebench/servebench/schema"
)

// TestFailOnReadsSignificance: a gate reads, per metric, whether the change
// is beyond the noise and by how much, so "p99 TTFT regressed beyond noise
// by more than 10%" needs no hand-made threshold; a metric without enough
// data for an interval makes the gate fail with the reason, never pass.
func TestFailOnReadsSignificance(t *testing.T) {
	base, br := synthRun("base", 1, 1, levels, 1200)
	cand, cr := synthRun("cand", 2, 1.3, levels, 1200)
	c := Compare([]*schema.Run{base, cand}, [][]schema.RequestRecord{br, cr}, Options{})
	cases := []struct {
		src, err string
		want     int
	}{
		{"change.ttft.p50.worse && change.ttft.p50.rel > 0.10", "", 3},
		{"change.steady.ttft.mean.lo > 0.10", "", 3},
		{"change.ttft.p50.lo > 0.5", "", 0},
		{"change.tpot.mean.significant || change.steady.tpot.p50.worse", "", 0},
		{"change.output_throughput.better", "", 0},
		{"change.e2el.p99.worse", "change.e2el.p99: base: not enough data: the interval of a p99", 3},
	}
	for _, tc := range cases {
		f, err := CompileFailOn(tc.src)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		got := f.Eval(c)
		if len(got) != tc.want {
			t.Errorf("%s: %d failing levels %q, want %d", tc.src, len(got), got, tc.want)
		}
		for _, g := range got {
			if tc.err != "" && !strings.Contains(g, "error: "+tc.err) {
				t.Errorf("%s: %q lacks the reason %q", tc.src, g, tc.err)
			}
		}
	}
	if _, err := CompileFailOn("change.ttft.p99.wrose"); err == nil || !strings.Contains(err.Error(), `did you mean "change.ttft.p99.worse"`) {
		t.Errorf("typo: %v", err)
	}
	f, _ := CompileFailOn("change.steady.ttft.p50.worse")
	only := Compare([]*schema.Run{base, cand}, [][]schema.RequestRecord{br, cr}, Options{Window: WindowAll})
	if got := f.Eval(only); len(got) != 3 || !strings.Contains(got[0], "change.steady.ttft.p50 was not compared (see --window)") {
		t.Errorf("a window not compared: %q", got)
	}
}
