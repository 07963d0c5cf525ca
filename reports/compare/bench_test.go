package compare

import (
	"testing"

	"github.com/servebench/servebench/schema"
)

// BenchmarkCompare measures a two-run comparison of 3 levels × 1000
// requests: both windows' intervals of every compared metric.
func BenchmarkCompare(b *testing.B) {
	base, br := synthRun("base", 1, 1, levels, 1000)
	cand, cr := synthRun("cand", 2, 1.1, levels, 1000)
	runs, reqs := []*schema.Run{base, cand}, [][]schema.RequestRecord{br, cr}
	for b.Loop() {
		Compare(runs, reqs, Options{})
	}
}
