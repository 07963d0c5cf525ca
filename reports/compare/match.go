package compare

import (
	"fmt"
	"slices"
	"strings"

	"github.com/servebench/servebench/reports/internal/format"
	"github.com/servebench/servebench/schema"
)

// Match says how stage levels of different runs are paired.
type Match string

// Ways of matching. The default pairs by name, then pairs what is left
// by load: an imported vLLM sweep (stage "vllm", profile "imported") and a
// servebench sweep of the same concurrency levels line up level by level,
// as a user means them to, while two servebench runs of one scenario
// still pair by name.
const (
	// MatchAuto pairs levels of equal stage, profile and load; of the
	// levels left, those alone at their load in both runs are paired too.
	MatchAuto Match = "auto"
	// MatchNames pairs levels of equal stage, profile and load only.
	MatchNames Match = "names"
	// MatchLevel pairs by load alone (kind and level: c=8, r=4/s): the
	// levels alone at their load in both runs, whatever their names.
	MatchLevel Match = "level"
)

// Matches lists the ways of matching, for a flag's help and errors.
var Matches = []Match{MatchAuto, MatchNames, MatchLevel}

// Pairing says how a candidate's stage level was paired with the baseline's.
const (
	ByName = "name"
	ByLoad = "load"
)

// level is one distinct stage level of a run: its name key
// (stage/profile/load), its load (format.Level) and the result standing for
// it (the first repeat; repeat summaries carry the rest).
type level struct {
	key, load string
	st        *schema.StageResult
}

// nameKey names a stage level within its run; repeats share it. A matrix
// variant's level pairs only with the same variant's.
func nameKey(st *schema.StageResult) string {
	return withVariant(st, st.Stage+"/"+st.Profile+"/"+format.Level(st))
}

// loadKey is a level's load, within its variant.
func loadKey(st *schema.StageResult) string { return withVariant(st, format.Level(st)) }

func withVariant(st *schema.StageResult, key string) string {
	if st.Variant != "" {
		return st.Variant + "/" + key
	}
	return key
}

// runLevels lists the distinct stage levels of run in run order.
func runLevels(run *schema.Run) []level {
	var out []level
	seen := map[string]bool{}
	for i := range run.Stages {
		st := &run.Stages[i]
		if k := nameKey(st); !seen[k] {
			seen[k] = true
			out = append(out, level{key: k, load: loadKey(st), st: st})
		}
	}
	return out
}

// matched is one baseline level and what each run paired with it.
type matched struct {
	keys []string // per run: the name key of the paired level, "" where none
	res  []*schema.StageResult
	by   []string // per run: ByName or ByLoad ("" for the baseline and unpaired runs)
}

// matching is the pairing of every candidate's levels with the baseline's.
type matching struct {
	groups    []matched // in the baseline's order
	unmatched []string  // levels no other run was paired with, by name key
	notes     []string  // loads that could not be paired, and why
}

// matchRuns pairs each candidate's levels with the baseline's (runs[0]).
func matchRuns(runs []*schema.Run, mode Match) matching {
	var m matching
	if len(runs) == 0 {
		return m
	}
	base := runLevels(runs[0])
	m.groups = make([]matched, len(base))
	for i, b := range base {
		g := matched{keys: make([]string, len(runs)), res: make([]*schema.StageResult, len(runs)), by: make([]string, len(runs))}
		g.keys[0], g.res[0] = b.key, b.st
		m.groups[i] = g
	}
	paired := make([]bool, len(base))
	for ci := 1; ci < len(runs); ci++ {
		cand := runLevels(runs[ci])
		pairs, notes := pairLevels(base, cand, mode)
		used := make([]bool, len(cand))
		for bi, p := range pairs {
			if p.cand < 0 {
				continue
			}
			g := &m.groups[bi]
			g.keys[ci], g.res[ci], g.by[ci] = cand[p.cand].key, cand[p.cand].st, p.by
			paired[bi], used[p.cand] = true, true
		}
		for j, c := range cand {
			if !used[j] && !slices.Contains(m.unmatched, c.key) {
				m.unmatched = append(m.unmatched, c.key)
			}
		}
		for _, n := range notes {
			m.notes = append(m.notes, withRun(runs, ci, n))
		}
	}
	var groups []matched
	var alone []string // baseline levels no candidate was paired with
	for bi, g := range m.groups {
		if paired[bi] {
			groups = append(groups, g)
		} else {
			alone = append(alone, g.keys[0])
		}
	}
	m.groups, m.unmatched = groups, append(alone, m.unmatched...)
	return m
}

// withRun names the candidate a note is about when there are several.
func withRun(runs []*schema.Run, ci int, note string) string {
	if len(runs) > 2 {
		return runs[ci].Name + ": " + note
	}
	return note
}

// pair is the candidate level paired with one baseline level (-1: none).
type pair struct {
	cand int
	by   string
}

// pairLevels pairs base with cand as mode says, one to one.
func pairLevels(base, cand []level, mode Match) ([]pair, []string) {
	pairs := make([]pair, len(base))
	for i := range pairs {
		pairs[i].cand = -1
	}
	used := make([]bool, len(cand))
	if mode != MatchLevel {
		at := map[string]int{}
		for j, c := range cand {
			at[c.key] = j
		}
		for i, b := range base {
			if j, ok := at[b.key]; ok {
				pairs[i], used[j] = pair{j, ByName}, true
			}
		}
	}
	if mode == MatchNames {
		return pairs, nil
	}
	var notes []string
	for _, load := range loads(base) {
		bs := unpaired(base, load, func(i int) bool { return pairs[i].cand >= 0 })
		cs := unpaired(cand, load, func(j int) bool { return used[j] })
		switch {
		case len(bs) == 1 && len(cs) == 1:
			by := ByLoad
			if base[bs[0]].key == cand[cs[0]].key {
				by = ByName // --match level, and the names agree anyway
			}
			pairs[bs[0]], used[cs[0]] = pair{cs[0], by}, true
		case len(bs) > 0 && len(cs) > 0:
			notes = append(notes, fmt.Sprintf("%s not paired: %d levels of the baseline (%s) and %d of the candidate (%s) are at this load; "+
				"give them the same stage and profile names to pair them", load, len(bs), keysOf(base, bs), len(cs), keysOf(cand, cs)))
		}
	}
	return pairs, notes
}

// loads lists the distinct loads of levels in order.
func loads(levels []level) []string {
	var out []string
	for _, l := range levels {
		if !slices.Contains(out, l.load) {
			out = append(out, l.load)
		}
	}
	return out
}

// unpaired indexes the levels at load that done does not report as paired.
func unpaired(levels []level, load string, done func(int) bool) []int {
	var out []int
	for i, l := range levels {
		if l.load == load && !done(i) {
			out = append(out, i)
		}
	}
	return out
}

func keysOf(levels []level, idx []int) string {
	keys := make([]string, len(idx))
	for i, j := range idx {
		keys[i] = levels[j].key
	}
	return strings.Join(keys, ", ")
}

// displayKey names a matched level: the baseline's name key, followed by
// the candidates' where they were paired by load under another name.
func (g matched) displayKey() string {
	key := g.keys[0]
	var others []string
	for ci := 1; ci < len(g.keys); ci++ {
		if g.by[ci] == ByLoad && !slices.Contains(others, g.keys[ci]) {
			others = append(others, g.keys[ci])
		}
	}
	if len(others) > 0 {
		key += " ↔ " + strings.Join(others, " | ")
	}
	return key
}

// pairingLines say which levels were paired by load, for the summary.
func pairingLines(c *Comparison) []string {
	var byLoad []string
	for _, s := range c.Stages {
		if slices.Contains(s.PairedBy, ByLoad) {
			byLoad = append(byLoad, s.Key)
		}
	}
	var out []string
	if len(byLoad) > 0 {
		out = append(out, fmt.Sprintf("paired by load, since their stage or profile names differ (--match names: by name only): %s",
			strings.Join(byLoad, ", ")))
	}
	return append(out, c.MatchNotes...)
}
