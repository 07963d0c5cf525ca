package compare

import (
	"strings"
	"testing"

	"github.com/servebench/servebench/schema"
)

// renamed gives every stage level of run (and its records) another stage
// and profile name, as an import or another scenario has.
func renamed(run *schema.Run, recs []schema.RequestRecord, stage, profile string) {
	ids := map[string]string{}
	for i := range run.Stages {
		st := &run.Stages[i]
		old := st.ID
		st.Stage, st.Profile = stage, profile
		st.ID = stage + "/" + profile + "/c" + itoa(st.Concurrency)
		ids[old] = st.ID
	}
	for i := range recs {
		recs[i].Stage = ids[recs[i].Stage]
	}
}

// TestMatchByLoad is issue 21's case: an imported vLLM sweep (stage vllm,
// profile imported) against a servebench sweep of the same levels. Before,
// nothing matched ("not in every run: vllm/imported/c=64, c64/p/c=64");
// now every level pairs by load, the pairing is shown, and both sides'
// records give the deltas a within-run interval.
func TestMatchByLoad(t *testing.T) {
	base, br := synthRun("vllm-import", 1, 1, levels, 300)
	renamed(base, br, "vllm", "imported")
	cand, cr := synthRun("servebench", 2, 1, levels, 300)
	c := Compare([]*schema.Run{base, cand}, [][]schema.RequestRecord{br, cr}, Options{})
	if len(c.Stages) != len(levels) || len(c.Unmatched) != 0 {
		t.Fatalf("matched %d of %d levels; unmatched %v", len(c.Stages), len(levels), c.Unmatched)
	}
	for i, s := range c.Stages {
		want := "vllm/imported/c=" + itoa(levels[i]) + " ↔ sweep/safe/c=" + itoa(levels[i])
		if s.Key != want || s.PairedBy[1] != ByLoad || s.Stage != "vllm" {
			t.Errorf("level %d: key %q paired by %q stage %q, want %q by load", i, s.Key, s.PairedBy[1], s.Stage, want)
		}
		within := 0
		for _, d := range s.Deltas {
			if strings.HasPrefix(d.Noise, NoiseWithin) {
				within++
			}
		}
		if within < 6 {
			t.Errorf("%s: %d deltas with a within-run interval: the records were not paired", s.Key, within)
		}
	}
	summary := strings.Join(summaryLines(c), "\n")
	if !strings.Contains(summary, "paired by load, since their stage or profile names differ (--match names: by name only): vllm/imported/c=1 ↔ sweep/safe/c=1, ") {
		t.Errorf("the pairing is not shown:\n%s", summary)
	}
	if n := Compare([]*schema.Run{base, cand}, nil, Options{Match: MatchNames}); len(n.Stages) != 0 || len(n.Unmatched) != 2*len(levels) {
		t.Errorf("--match names paired %d levels, unmatched %v", len(n.Stages), n.Unmatched)
	}
}

// TestMatchModes: names win over loads, a load with several unpaired
// levels is not guessed, and each mode does what it says.
func TestMatchModes(t *testing.T) {
	run := func(name string, levels ...[3]string) *schema.Run {
		r := &schema.Run{Name: name}
		for _, l := range levels {
			c := map[string]int{"c=1": 1, "c=4": 4, "c=8": 8}[l[2]]
			r.Stages = append(r.Stages, schema.StageResult{ID: l[0] + "/" + l[1] + "/c" + itoa(c), Stage: l[0], Profile: l[1], Concurrency: c})
		}
		return r
	}
	base := run("base", [3]string{"a", "x", "c=8"}, [3]string{"b", "y", "c=8"}, [3]string{"a", "x", "c=1"})
	cases := []struct {
		name  string
		cand  *schema.Run
		mode  Match
		keys  string
		unm   string
		notes string
	}{
		{"names first, then the one left at the load", run("c", [3]string{"a", "x", "c=8"}, [3]string{"z", "w", "c=8"}, [3]string{"q", "q", "c=1"}), MatchAuto,
			"a/x/c=8; b/y/c=8 ↔ z/w/c=8; a/x/c=1 ↔ q/q/c=1", "", ""},
		{"two left at one load: not guessed", run("c", [3]string{"z", "w", "c=8"}, [3]string{"v", "v", "c=8"}), MatchAuto,
			"", "a/x/c=8, b/y/c=8, a/x/c=1, z/w/c=8, v/v/c=8",
			"c=8 not paired: 2 levels of the baseline (a/x/c=8, b/y/c=8) and 2 of the candidate (z/w/c=8, v/v/c=8) are at this load"},
		{"names only", run("c", [3]string{"a", "x", "c=8"}, [3]string{"z", "w", "c=8"}), MatchNames,
			"a/x/c=8", "b/y/c=8, a/x/c=1, z/w/c=8", ""},
		{"level ignores names", run("c", [3]string{"a", "x", "c=1"}, [3]string{"a", "x", "c=8"}), MatchLevel,
			"a/x/c=1", "a/x/c=8, b/y/c=8, a/x/c=8",
			"c=8 not paired: 2 levels of the baseline (a/x/c=8, b/y/c=8) and 1 of the candidate (a/x/c=8)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmp := Compare([]*schema.Run{base, c.cand}, nil, Options{Match: c.mode})
			var keys []string
			for _, s := range cmp.Stages {
				keys = append(keys, s.Key)
			}
			if got := strings.Join(keys, "; "); got != c.keys {
				t.Errorf("paired %q, want %q", got, c.keys)
			}
			if got := strings.Join(cmp.Unmatched, ", "); got != c.unm {
				t.Errorf("unmatched %q, want %q", got, c.unm)
			}
			if got := strings.Join(cmp.MatchNotes, "\n"); !strings.Contains(got, c.notes) || (c.notes == "") != (got == "") {
				t.Errorf("notes %q, want %q", got, c.notes)
			}
		})
	}
}
