package compare

import (
	"bytes"
	"strings"
	"testing"

	"github.com/servebench/servebench/schema"
)

// matrixOf makes a matrix run of two variants from synthetic runs: each
// variant's levels carry its name, as the engine writes them.
func matrixOf(name string, seed uint64) (*schema.Run, []schema.RequestRecord) {
	run := &schema.Run{Name: name, Status: schema.StatusCompleted, Passed: true}
	var recs []schema.RequestRecord
	for i, v := range []string{"tp2", "tp4"} {
		r, rr := synthRun(name, seed+uint64(i), 1+float64(i), levels, 60)
		for j := range r.Stages {
			st := r.Stages[j]
			st.ID, st.Variant = v+"/"+st.ID, v
			run.Stages = append(run.Stages, st)
		}
		for _, rec := range rr {
			rec.Stage, rec.Variant = v+"/"+rec.Stage, v
			recs = append(recs, rec)
		}
	}
	return run, recs
}

// TestCompareMatchesVariants: two matrix runs compare variant with variant
// (tp2 never against tp4), and the decision charts overlay every run's
// every variant.
func TestCompareMatchesVariants(t *testing.T) {
	base, br := matrixOf("base", 1)
	cand, cr := matrixOf("cand", 11)
	c := Compare([]*schema.Run{base, cand}, [][]schema.RequestRecord{br, cr}, Options{})
	if len(c.Stages) != 2*len(levels) || len(c.Unmatched) != 0 {
		t.Fatalf("%d levels matched (%v unmatched), want %d", len(c.Stages), c.Unmatched, 2*len(levels))
	}
	for _, s := range c.Stages {
		if s.Results[0].Variant != s.Results[1].Variant || !strings.HasPrefix(s.Key, s.Results[0].Variant+"/") {
			t.Errorf("%s matched %s with %s", s.Key, s.Results[0].Variant, s.Results[1].Variant)
		}
	}
	var page bytes.Buffer
	if err := CompareHTML(&page, c); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Pareto front", "baseline: base tp2", "baseline: base tp4", "candidate: cand tp2", "candidate: cand tp4"} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("comparison page lacks %q", want)
		}
	}
}
