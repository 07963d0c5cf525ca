package schema

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// loadTimeout is how long any hostile input may keep the loader busy in
// these tests: generous for a loaded machine (each input takes
// milliseconds, see BenchmarkHostile), and still far below the minutes the
// inputs cost before they were bounded.
const loadTimeout = 20 * time.Second

// loadWithin loads src in a goroutine and fails the test when it does not
// return within loadTimeout.
func loadWithin(t *testing.T, src []byte, env func(string) (string, bool)) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := LoadBytes("hostile.yaml", src, env)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(loadTimeout):
		t.Fatalf("the loader is still busy after %v", loadTimeout)
		return nil
	}
}

// mergeBomb is ten levels of anchors that each merge the previous one ten
// times: 655 bytes that a naive expansion turns into 10^10 merges.
func mergeBomb() string {
	var b strings.Builder
	b.WriteString("version: 1\nx-m0: &m0 {a: 1, b: 2}\n")
	for i := 1; i <= 10; i++ {
		refs := strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*m%d, ", i-1), 10), ", ")
		fmt.Fprintf(&b, "x-m%d: &m%d {<<: [%s]}\n", i, i, refs)
	}
	b.WriteString("stages:\n  - <<: *m10\n    name: s\n    concurrency: 1\n    requests: 1\n")
	return b.String()
}

// aliasBomb is the "billion laughs" with lists: each level lists the
// previous one ten times.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("version: 1\nx-l0: &l0 [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n")
	for i := 1; i <= 9; i++ {
		refs := strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 10), ", ")
		fmt.Fprintf(&b, "x-l%d: &l%d [%s]\n", i, i, refs)
	}
	b.WriteString("stages:\n  - name: s\n    concurrency: *l9\n    requests: 1\n")
	return b.String()
}

const oneStage = "stages:\n  - {name: s, concurrency: 1, requests: 1}\n"

// TestHostileInputs: each input once kept the loader busy for minutes,
// allocated until killed, or wrote outside the results directory; each
// must now fail fast with a message that says what is wrong.
func TestHostileInputs(t *testing.T) {
	bigVar := strings.Repeat("b", 128<<10)
	env := func(name string) (string, bool) {
		switch name {
		case "BIG":
			return bigVar, true
		case "CRLF":
			return "token\r\nInjected: 1", true
		}
		return "", false
	}
	tests := []struct {
		name, src, want string
	}{
		{"merge-key bomb", mergeBomb(), "aliases and merge keys here expand to more than 100000 values"},
		{"alias bomb", aliasBomb(), "aliases and merge keys here expand to more than 100000 values"},
		{"deep flow nesting", "version: 1\nx: " + strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000) + "\n" + oneStage,
			"nested more than 128 levels deep"},
		{"deep block nesting", "version: 1\nx: " + strings.Repeat("- ", 100_000) + "1\n" + oneStage, "nested more than 128 levels deep"},
		{"many keys", "version: 1\nx-keys:\n" + manyKeys(20_000) + oneStage, "more than 5000 keys"},
		{"${VAR} bomb", "version: 1\ndescription: \"" + strings.Repeat("${BIG}", 10_000) + "\"\n" + oneStage,
			"${VAR} expansion makes the scenario's values exceed 1048576 bytes"},
		{"oversized source", "version: 1\ndescription: " + strings.Repeat("a", MaxScenarioBytes) + "\n" + oneStage,
			"more than the 262144 a scenario may have"},
		{"repeat bomb", "version: 1\nstages:\n  - {name: s, concurrency: 1, requests: 1, repeat: 2000000000}\n",
			`stage "s" runs 1 level × 1 profile × 2000000000 repeats = 2000000000 steps; a scenario runs at most 10000 steps`},
		{"range bomb", "version: 1\nstages:\n  - {name: s, concurrency: {from: 1, to: 2000000000}, requests: 1}\n",
			`stage "s" runs 2000000000 levels × 1 profile × 1 repeat = 2000000000 steps`},
		{"rate range bomb", "version: 1\nstages:\n  - {name: s, rate: {from: 0.001, to: 1000000, step: 0.001}, duration: 1s}\n",
			`stage "s" runs 1000000000 levels`},
		{"levels × profiles × repeats", "version: 1\nstages:\n  - {name: s, concurrency: {from: 1, to: 100}, profile: [dev, safe, balanced], requests: 1, repeat: 40}\n",
			`stage "s" runs 100 levels × 3 profiles × 40 repeats = 12000 steps`},
		{"many stages", "version: 1\nstages:\n  - {name: a, concurrency: {from: 1, to: 6000}, requests: 1}\n  - {name: b, concurrency: {from: 1, to: 6000}, requests: 1}\n",
			`stage "b" runs 6000 levels × 1 profile × 1 repeat = 6000 steps, bringing the scenario to 12000`},
		{"name outside the results", "version: 1\nname: ../../x\n" + oneStage, `the scenario name "../../x" must be one path segment`},
		{"log outside the run", "version: 1\nserver: {builtin: {}, log: ../../file}\n" + oneStage, `server.log, a file in the run directory, "../../file" must be one path segment`},
		{"log is the run directory", "version: 1\nserver: {builtin: {}, log: ..}\n" + oneStage, `".." cannot name a file or directory`},
		{"header with CR/LF from ${VAR}", "version: 1\nserver: {url: \"http://127.0.0.1:8000\"}\napi: {headers: {X-Token: \"${CRLF}\"}}\n" + oneStage,
			`api.headers.X-Token holds a control character ("\r" at byte 5)`},
		{"api_key with CR/LF from ${VAR}", "version: 1\nserver: {url: \"http://127.0.0.1:8000\"}\napi: {api_key: \"${CRLF}\"}\n" + oneStage,
			`api.api_key holds a control character`},
		{"header name", "version: 1\nserver: {url: \"http://127.0.0.1:8000\"}\napi: {headers: {\"X Token\": v}}\n" + oneStage,
			`"X Token" is not a valid header name`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := loadWithin(t, []byte(tc.src), env)
			var d *Diagnostics
			if !errors.As(err, &d) {
				t.Fatalf("want diagnostics, got %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("diagnostics lack %q:\n%v", tc.want, err)
			}
			if strings.Contains(err.Error(), "Injected") || strings.Contains(err.Error(), "bbbbbbbb") {
				t.Errorf("a value from the environment leaked into the message:\n%.300s", err.Error())
			}
		})
	}
}

func manyKeys(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "  k%d: 1\n", i)
	}
	return b.String()
}

// TestLevelsAreNotListedPastTheLimit: the one range constructor, used by
// the file and the sweep flags alike, never allocates a huge list.
func TestLevelsAreNotListedPastTheLimit(t *testing.T) {
	for _, tc := range []struct {
		from, to, step, n int
		listed            bool
	}{{1, 32, 1, 32, true}, {1, MaxSteps, 1, MaxSteps, true}, {1, MaxSteps + 1, 1, MaxSteps + 1, false},
		{1, 2_000_000_000, 1, 2_000_000_000, false}, {32, 1, 1, 0, false}, {1, 4, 0, 0, false}} {
		l := NewLevels(tc.from, tc.to, tc.step)
		if l.Len() != tc.n || (len(l.Values) > 0) != tc.listed {
			t.Errorf("NewLevels(%d, %d, %d): Len %d, %d values listed; want %d, listed %v", tc.from, tc.to, tc.step, l.Len(), len(l.Values), tc.n, tc.listed)
		}
	}
	if r := NewRateLevels(0.5, 2, 0.5); r.Len() != 4 || r.Values[3] != 2 {
		t.Errorf("rates 0.5..2 by 0.5: %v", r.Values)
	}
	if r := NewRateLevels(0.001, 1e6, 1e-9); r.Len() <= MaxSteps || r.Values != nil {
		t.Errorf("a huge rate range was listed: Len %d", r.Len())
	}
}

// TestLoadFileBounds: only regular files of at most MaxScenarioBytes are
// read; a FIFO must not block and /dev/zero must not be read without end.
func TestLoadFileBounds(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte("version: 1\ndescription: "+strings.Repeat("a", MaxScenarioBytes)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		fifo:        "not a regular file (a named pipe)",
		"/dev/zero": "not a regular file (a device)",
		dir:         "not a regular file (a directory)",
		big:         "more than the 262144 a scenario may have",
	} {
		done := make(chan error, 1)
		go func() { _, err := Load(context.Background(), path); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: want %q, got %v", path, want, err)
			}
		case <-time.After(loadTimeout):
			t.Fatalf("%s: Load still blocked after %v", path, loadTimeout)
		}
	}
}

// TestLoadHonoursCancellation: a cancelled context stops loading with
// ctx.Err(), so the first SIGTERM during `validate` is not ignored.
func TestLoadHonoursCancellation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(path, []byte(aliasBomb()), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sc, err := Load(ctx, path)
	if !errors.Is(err, context.Canceled) || sc != nil {
		t.Fatalf("want context.Canceled, got %v", err)
	}
}

// BenchmarkHostile measures how long the loader takes on bounded inputs:
// the bombs it refuses, and the slowest shapes it still parses (5000 keys
// in one mapping, a 256 KB flow list).
func BenchmarkHostile(b *testing.B) {
	inputs := []struct {
		name, src string
		valid     bool
	}{
		{"merge-bomb", mergeBomb(), false},
		{"alias-bomb", aliasBomb(), false},
		{"deep-flow", "version: 1\nx: " + strings.Repeat("[", 100_000) + "\n", false},
		{"many-keys", "version: 1\nx-keys:\n" + manyKeys(20_000), false},
		{"4990-keys", "version: 1\nx-keys:\n" + manyKeys(4990) + oneStage, true},
		{"256KB-flow-list", "version: 1\nx: [" + strings.Repeat("1,", MaxScenarioBytes/2-100) + "1]\n" + oneStage, false},
	}
	for _, in := range inputs {
		b.Run(in.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := LoadBytes("hostile.yaml", []byte(in.src), nil); (err == nil) != in.valid {
					b.Fatalf("valid %v, got %v", in.valid, err)
				}
			}
		})
	}
}

// TestDiagnosticsAreBounded: a file full of problems reports the first
// hundred and how many more there are, and a long line is shown around the
// offending column only.
func TestDiagnosticsAreBounded(t *testing.T) {
	var src strings.Builder
	src.WriteString("version: 1\n" + oneStage)
	for i := range 150 {
		fmt.Fprintf(&src, "unknown%d: 1\n", i)
	}
	_, err := LoadBytes("many.yaml", []byte(src.String()), nil)
	var d *Diagnostics
	if !errors.As(err, &d) || len(d.List) != maxShownDiagnostics+1 ||
		d.List[maxShownDiagnostics].Message != "50 more problems not shown: fix the ones above first" {
		t.Fatalf("got %d diagnostics", len(d.List))
	}
	long := "version: 1\ndescription: " + strings.Repeat("x", 100_000) + "\nname: \"a/b\"\n" + oneStage
	_, err = LoadBytes("long.yaml", []byte(strings.Replace(long, "\nname", " y: [\nname", 1)), nil)
	if err == nil || len(err.Error()) > 2000 {
		t.Errorf("a long line is printed whole (%d bytes)", len(err.Error()))
	}
}
