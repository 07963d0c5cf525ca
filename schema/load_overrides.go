package schema

import (
	"slices"
	"strings"
)

// Setting is one command-line override: its value and Origin, the flag or
// environment variable it came from ("--max-concurrency", "VLLM_SERVER_URL"),
// which diagnostics name instead of a file position. The zero Setting (no
// origin) leaves the file's value alone.
type Setting[T any] struct {
	Value  T
	Origin string
}

// Set reports whether the override was given.
func (s Setting[T]) Set() bool { return s.Origin != "" }

// Overrides are the command-line changes to a scenario (the flags and
// variables of the run_benchmark.sh workflow). They are applied to the
// document before its shape is checked, so an override is checked exactly
// like the same value written in the file, and no override can produce a
// scenario the file could not.
type Overrides struct {
	// ServerURL attaches to a running server instead of the server block;
	// without Model, the model name is dropped too, so the first id the
	// server lists is used.
	ServerURL Setting[string]
	Model     Setting[string]
	// Requests sets requests per level of every stage but capacity searches.
	Requests Setting[int]
	// InputLen and OutputLen make a profile named "cli" from the first
	// stage's profile and run every stage with it.
	InputLen, OutputLen Setting[int]
	// Profile runs every stage with the named profile.
	Profile Setting[string]
	// Single runs every closed-loop stage at this one concurrency.
	Single Setting[int]
	// MinConcurrency, MaxConcurrency and Step make every closed-loop stage a
	// sweep {from, to, step}; a part not given is SweepFrom, SweepTo or 1.
	MinConcurrency, MaxConcurrency, Step Setting[int]
	Seed                                 Setting[int64]
	Repeat                               Setting[int]
	ReportDir                            Setting[string]
	// Stages keeps only the named stages, in that order.
	Stages Setting[[]string]
}

// The sweep of run_benchmark.sh, used for the parts of a sweep not given.
const (
	SweepFrom = 1
	SweepTo   = 32
)

// CLIProfile is the name of the profile --input-len/--output-len make.
const CLIProfile = "cli"

// apply edits the document tree and records which paths each override set.
// A part of the document the overrides expect but the file has in the
// wrong shape is left alone: the shape check reports the file's problem.
func (ov *Overrides) apply(r *reporter, tree map[string]any) {
	if ov == nil {
		return
	}
	e := editor{r: r, tree: tree}
	if ov.ServerURL.Set() {
		server := e.object("server")
		for _, k := range []string{"builtin", "command", "docker", "dir", "env", "secrets"} {
			e.remove(server, "server", k)
		}
		e.set(server, "server", "url", ov.ServerURL.Value, ov.ServerURL.Origin)
		if !ov.Model.Set() {
			e.remove(e.object("model"), "model", "name")
		}
	}
	if ov.Model.Set() {
		e.set(e.object("model"), "model", "name", ov.Model.Value, ov.Model.Origin)
	}
	if ov.Seed.Set() {
		e.set(tree, "", "seed", ov.Seed.Value, ov.Seed.Origin)
	}
	if ov.ReportDir.Set() {
		e.set(e.object("report"), "report", "dir", ov.ReportDir.Value, ov.ReportDir.Origin)
	}
	ov.applyProfile(&e)
	ov.applyStages(&e)
}

// applyProfile sets every stage's profile, making the "cli" profile first
// when the token lengths are given.
func (ov *Overrides) applyProfile(e *editor) {
	name, origin := ov.Profile.Value, ov.Profile.Origin
	if ov.InputLen.Set() || ov.OutputLen.Set() {
		in, out := e.baseProfile(ov.firstStage(e))
		var origins []string
		if ov.InputLen.Set() {
			in, origins = int64(ov.InputLen.Value), append(origins, ov.InputLen.Origin)
		}
		if ov.OutputLen.Set() {
			out, origins = int64(ov.OutputLen.Value), append(origins, ov.OutputLen.Origin)
		}
		name, origin = CLIProfile, strings.Join(origins, " and ")
		profiles := e.object("profiles")
		e.remove(profiles, "profiles", CLIProfile)
		cli := e.objectIn(profiles, CLIProfile)
		e.set(cli, "profiles."+CLIProfile, "input", in, origin)
		e.set(cli, "profiles."+CLIProfile, "output", out, origin)
	}
	if origin == "" {
		return
	}
	e.eachStage(func(path string, st map[string]any) {
		e.set(st, path, "profile", name, origin)
	})
}

// applyStages sets the per-stage numbers: requests, repeat, levels.
func (ov *Overrides) applyStages(e *editor) {
	sweep := ov.MinConcurrency.Set() || ov.MaxConcurrency.Set() || ov.Step.Set()
	e.eachStage(func(path string, st map[string]any) {
		if _, search := st["search"]; ov.Requests.Set() && !search {
			e.remove(st, path, "duration")
			e.set(st, path, "requests", int64(ov.Requests.Value), ov.Requests.Origin)
		}
		if ov.Repeat.Set() {
			e.set(st, path, "repeat", int64(ov.Repeat.Value), ov.Repeat.Origin)
		}
		if _, closed := st["concurrency"]; !closed {
			return
		}
		switch {
		case ov.Single.Set():
			e.set(st, path, "concurrency", int64(ov.Single.Value), ov.Single.Origin)
		case sweep:
			rng := map[string]any{"from": int64(orDefaultInt(ov.MinConcurrency, SweepFrom)), "to": int64(orDefaultInt(ov.MaxConcurrency, SweepTo)),
				"step": int64(orDefaultInt(ov.Step, 1))}
			e.set(st, path, "concurrency", rng, joinOrigins(ov.MinConcurrency, ov.MaxConcurrency, ov.Step))
		}
	})
}

// firstStage is the name of the first stage that runs.
func (ov *Overrides) firstStage(e *editor) string {
	if len(ov.Stages.Value) > 0 {
		return ov.Stages.Value[0]
	}
	if stages, ok := e.tree["stages"].([]any); ok && len(stages) > 0 {
		if st, ok := stages[0].(map[string]any); ok {
			name, _ := st["name"].(string)
			return name
		}
	}
	return ""
}

// selectStages keeps the stages --stage names, after validation: the file
// is checked whole, and the positions of its stages stay true.
func (ov *Overrides) selectStages(r *reporter, sc *Scenario) {
	if ov == nil || !ov.Stages.Set() {
		return
	}
	var kept []int
	names := stageNames(sc)
	for _, n := range ov.Stages.Value {
		i := slices.Index(names, n)
		if i < 0 {
			r.diags = append(r.diags, Diagnostic{File: r.file, Origin: ov.Stages.Origin,
				Message: "no stage is named " + quote(n) + didYouMean(n, names) + "; the stages are " + strings.Join(names, ", ")})
			continue
		}
		kept = append(kept, i)
	}
	sc.keepStages(kept)
}

func stageNames(sc *Scenario) []string {
	names := make([]string, len(sc.Stages))
	for i, st := range sc.Stages {
		names[i] = st.Name
	}
	return names
}

// editor changes the document tree and records the origin of each change.
type editor struct {
	r    *reporter
	tree map[string]any
}

// object returns the top-level mapping key, creating it when absent; a key
// holding something else gets a detached mapping (the shape check reports
// the file's value).
func (e *editor) object(key string) map[string]any {
	return e.objectIn(e.tree, key)
}

func (e *editor) objectIn(parent map[string]any, key string) map[string]any {
	v, present := parent[key]
	if m, ok := v.(map[string]any); ok {
		return m
	}
	m := map[string]any{}
	if !present {
		parent[key] = m
	}
	return m
}

// set writes m[key] = v at path.key and records where v came from.
func (e *editor) set(m map[string]any, path, key string, v any, origin string) {
	m[key] = v
	e.r.origins[join(path, key)] = origin
}

// remove deletes m[key] at path.key, and the record that the file wrote
// it or anything below it, so no check reads an explicit value that is gone.
func (e *editor) remove(m map[string]any, path, key string) {
	delete(m, key)
	p := join(path, key)
	for k := range e.r.keys {
		if within(k, p) {
			delete(e.r.keys, k)
		}
	}
}

// eachStage calls f for every stage that is a mapping.
func (e *editor) eachStage(f func(path string, st map[string]any)) {
	stages, _ := e.tree["stages"].([]any)
	for i, s := range stages {
		if st, ok := s.(map[string]any); ok {
			f(index("stages", i), st)
		}
	}
}

// baseProfile is the token lengths of the named stage's (first) profile,
// from the file's profiles or the built-in ones: the half of the "cli"
// profile that no flag sets.
func (e *editor) baseProfile(stage string) (in, out any) {
	name := DefaultProfile
	e.eachStage(func(_ string, st map[string]any) {
		if st["name"] != stage {
			return
		}
		switch p := st["profile"].(type) {
		case string:
			name = p
		case []any:
			if len(p) > 0 {
				name, _ = p[0].(string)
			}
		}
	})
	profiles, _ := e.tree["profiles"].(map[string]any)
	if p, ok := profiles[name].(map[string]any); ok {
		return p["input"], p["output"]
	}
	b := BuiltinProfiles[name]
	return int64(b.Input.Fixed), int64(b.Output.Fixed)
}

func orDefaultInt(s Setting[int], def int) int {
	if s.Set() {
		return s.Value
	}
	return def
}

// joinOrigins names the overrides that were given, "--min-concurrency and --step".
func joinOrigins(settings ...Setting[int]) string {
	var out []string
	for _, s := range settings {
		if s.Set() {
			out = append(out, s.Origin)
		}
	}
	return strings.Join(out, " and ")
}
