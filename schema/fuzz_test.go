package schema

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fuzzInputBound is the most one input may take while fuzzing: every input
// is bounded (size, nesting, keys, expansion), so a slower one is a finding.
// It is a wall-clock bound, so it applies only under -fuzz: the seed run of
// a plain `go test -race` on a shared machine is no measurement.
const fuzzInputBound = time.Second

// checkInputTime fails the fuzz target when one input took too long.
func checkInputTime(t *testing.T, start time.Time) {
	if f := flag.Lookup("test.fuzz"); f == nil || f.Value.String() == "" {
		return
	}
	if d := time.Since(start); d > fuzzInputBound {
		t.Fatalf("one input took %v (bound %v)", d, fuzzInputBound)
	}
}

// FuzzLoad: no input may panic the loader or keep it busy, every failure
// is a non-empty *Diagnostics without an internal error, and every
// scenario it accepts is accepted again when written back (Validate).
func FuzzLoad(f *testing.F) {
	for _, pattern := range []string{"testdata/*.yaml", "../scenarios/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			if src, err := os.ReadFile(file); err == nil {
				f.Add(src)
			}
		}
	}
	// Alias- and merge-heavy seeds, for the mutator to build bombs from.
	for _, s := range []string{
		mergeBomb(), aliasBomb(),
		"version: 1\nx-a: &a {profile: dev, requests: 3}\nx-b: &b {<<: [*a, *a], warmup: 1}\nstages:\n  - <<: [*b, *a]\n    name: s\n    concurrency: &c [1, 2]\n  - {<<: *b, name: t, concurrency: *c}\n",
		"version: 1\nx: &s [&n {name: a, concurrency: 1, requests: 1}]\nstages: *s\nthresholds: [{expr: &e 'error_rate == 0'}, {expr: *e, when: *e}]\n",
		"version: 1\nx-l: &l [1, 2, 3]\nx-m: &m [*l, *l, *l]\nx-n: &n [*m, *m, *m]\nstages:\n  - {name: s, concurrency: *n, requests: 1}\n",
		"version: 1\nx-d: &d {<<: {<<: {<<: {profile: dev}}}}\nstages:\n  - {<<: *d, name: s, rate: {from: 0.5, to: 2, step: 0.5}, duration: 1s}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		start := time.Now()
		sc, err := LoadBytes("fuzz.yaml", src, testEnv)
		checkInputTime(t, start)
		if err == nil {
			if sc == nil {
				t.Fatal("nil scenario without error")
			}
			if _, err := CompileThresholds(sc); err != nil {
				t.Fatalf("loaded scenario does not compile its thresholds: %v", err)
			}
			if err := Validate(sc); err != nil {
				t.Fatalf("a loaded scenario fails when written back: %v", err)
			}
			return
		}
		var diags *Diagnostics
		if !errors.As(err, &diags) || len(diags.List) == 0 {
			t.Fatalf("error is not a non-empty *Diagnostics: %v", err)
		}
		if msg := err.Error(); strings.Contains(msg, "internal error") {
			t.Fatal(msg)
		}
	})
}

// FuzzReadRun: no run.json may panic the decoder or keep it busy.
func FuzzReadRun(f *testing.F) {
	f.Add([]byte(`{"schema_version":1,"name":"x","stages":[{"id":"a/safe/c1","stage":"a","metrics":{"ttft_ms":{"percentiles":{"p99":1}}}}]}`))
	f.Add([]byte(`{"schema_version":2}`))
	f.Add([]byte(`{"schema_version":1,"scenario":{"version":1,"stages":[{"name":"s","concurrency":{"values":[1,2]}}],"server":{"stop_timeout":"30s"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		run, err := DecodeRun(data)
		checkInputTime(t, start)
		if err == nil && run.SchemaVersion != RunSchemaVersion {
			t.Fatalf("accepted schema_version %d", run.SchemaVersion)
		}
	})
}
