package schema

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// overrideBase is the scenario the override table starts from.
const overrideBase = `version: 1
name: base
server:
  url: http://127.0.0.1:8000
model: {name: base-model, max_model_len: 896}
stages:
  - name: sweep
    profile: safe
    concurrency: [1, 2, 4]
    requests: 20
  - name: poisson
    profile: dev
    rate: 2
    duration: 10s
`

func writeFile(t *testing.T, name, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func given[T any](v T, origin string) Setting[T] { return Setting[T]{Value: v, Origin: origin} }

// TestOverridesAreTheFile: every override gives exactly what the same value
// written in the file gives — the same scenario when valid, the same
// message when not (named after the flag instead of a line) — so no
// override can produce a scenario that the file could not.
func TestOverridesAreTheFile(t *testing.T) {
	sweep := func(levels string) string {
		return strings.Replace(overrideBase, "concurrency: [1, 2, 4]", "concurrency: "+levels, 1)
	}
	tests := []struct {
		name string
		ov   Overrides
		file string // the same scenario, written in the file
	}{
		{"--max-concurrency 50000", Overrides{MaxConcurrency: given(50000, "--max-concurrency")}, sweep("{from: 1, to: 50000, step: 1}")},
		{"--max-concurrency 2000000000", Overrides{MaxConcurrency: given(2000000000, "--max-concurrency")}, sweep("{from: 1, to: 2000000000, step: 1}")},
		{"--max-concurrency 5000000000", Overrides{MaxConcurrency: given(5000000000, "--max-concurrency")}, sweep("{from: 1, to: 5000000000, step: 1}")},
		{"sweep flags", Overrides{MinConcurrency: given(2, "--min-concurrency"), Step: given(2, "--step")}, sweep("{from: 2, to: 32, step: 2}")},
		{"--step 0", Overrides{Step: given(0, "--step")}, sweep("{from: 1, to: 32, step: 0}")},
		{"--min-concurrency 0", Overrides{MinConcurrency: given(0, "--min-concurrency")}, sweep("{from: 0, to: 32, step: 1}")},
		{"descending sweep", Overrides{MinConcurrency: given(64, "--min-concurrency")}, sweep("{from: 64, to: 32, step: 1}")},
		{"--single 8", Overrides{Single: given(8, "-c")}, sweep("8")},
		{"--single 0", Overrides{Single: given(0, "-c")}, sweep("0")},
		{"--single -3", Overrides{Single: given(-3, "-c")}, sweep("-3")},
		{"--repeat 2000000000", Overrides{Repeat: given(2000000000, "--repeat")},
			strings.ReplaceAll(overrideBase, "    requests: 20\n", "    requests: 20\n    repeat: 2000000000\n") + "    repeat: 2000000000\n"},
		{"--repeat 0", Overrides{Repeat: given(0, "--repeat")},
			strings.ReplaceAll(overrideBase, "    requests: 20\n", "    requests: 20\n    repeat: 0\n") + "    repeat: 0\n"},
		{"--num-prompts 7", Overrides{Requests: given(7, "NUM_PROMPTS")},
			strings.Replace(strings.Replace(overrideBase, "requests: 20", "requests: 7", 1), "duration: 10s", "requests: 7", 1)},
		{"--num-prompts 0", Overrides{Requests: given(0, "--num-prompts")},
			strings.Replace(strings.Replace(overrideBase, "requests: 20", "requests: 0", 1), "duration: 10s", "requests: 0", 1)},
		{"--num-prompts 3000000000", Overrides{Requests: given(3000000000, "--num-prompts")},
			strings.Replace(strings.Replace(overrideBase, "requests: 20", "requests: 3000000000", 1), "duration: 10s", "requests: 3000000000", 1)},
		{"--profile stress", Overrides{Profile: given("stress", "--profile")},
			strings.Replace(strings.Replace(overrideBase, "profile: safe", "profile: stress", 1), "profile: dev", "profile: stress", 1)},
		{"--profile nope", Overrides{Profile: given("nope", "--profile")},
			strings.Replace(strings.Replace(overrideBase, "profile: safe", "profile: nope", 1), "profile: dev", "profile: nope", 1)},
		{"--input-len 512 --output-len 512", Overrides{InputLen: given(512, "--input-len"), OutputLen: given(512, "--output-len")},
			strings.Replace(strings.Replace(overrideBase, "profile: safe", "profile: cli", 1), "profile: dev", "profile: cli", 1) +
				"profiles: {cli: {input: 512, output: 512}}\n"},
		{"--input-len 0", Overrides{InputLen: given(0, "INPUT_LEN")},
			strings.Replace(strings.Replace(overrideBase, "profile: safe", "profile: cli", 1), "profile: dev", "profile: cli", 1) +
				"profiles: {cli: {input: 0, output: 128}}\n"},
		{"--server-url with /v1", Overrides{ServerURL: given("http://127.0.0.1:9000/v1", "VLLM_SERVER_URL"), Model: given("m", "MODEL")},
			strings.Replace(strings.Replace(overrideBase, ":8000", ":9000/v1", 1), "base-model", "m", 1)},
		{"--server-url not a URL", Overrides{ServerURL: given("localhost:9000", "--server-url"), Model: given("m", "--model")},
			strings.Replace(strings.Replace(overrideBase, "http://127.0.0.1:8000", "localhost:9000", 1), "base-model", "m", 1)},
		{"--results-dir", Overrides{ReportDir: given("/tmp/elsewhere", "--results-dir")}, overrideBase + "report: {dir: /tmp/elsewhere}\n"},
		{"--seed", Overrides{Seed: given(int64(-42), "--seed")}, overrideBase + "seed: -42\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, gotErr := LoadWithOverrides(context.Background(), writeFile(t, "s.yaml", overrideBase), tc.ov)
			want, wantErr := Load(context.Background(), writeFile(t, "s.yaml", tc.file))
			if (gotErr == nil) != (wantErr == nil) {
				t.Fatalf("override: %v\nfile: %v", gotErr, wantErr)
			}
			if wantErr != nil {
				compareDiagnostics(t, gotErr, wantErr)
				return
			}
			got.File, want.File = "", ""
			if !reflect.DeepEqual(got, want) {
				t.Errorf("the override and the file give different scenarios:\n%+v\n%+v", got, want)
			}
		})
	}
}

// compareDiagnostics checks that an override's problems are the file's,
// word for word, each named after the override instead of a position.
func compareDiagnostics(t *testing.T, gotErr, wantErr error) {
	t.Helper()
	var got, want *Diagnostics
	if !errors.As(gotErr, &got) || !errors.As(wantErr, &want) {
		t.Fatalf("want diagnostics: %v / %v", gotErr, wantErr)
	}
	if len(got.List) != len(want.List) {
		t.Fatalf("override:\n%v\nfile:\n%v", gotErr, wantErr)
	}
	for i := range got.List {
		g, w := got.List[i], want.List[i]
		if g.Message != w.Message || g.Path != w.Path {
			t.Errorf("override says %s: %s\nfile says %s: %s", g.Path, g.Message, w.Path, w.Message)
		}
		if g.Origin == "" || g.Line != 0 || !strings.HasPrefix(g.String(), g.Origin+": ") {
			t.Errorf("an override's problem must name the override, not a position: %+v", g)
		}
		if w.Line == 0 {
			t.Errorf("the file's problem has no position: %+v", w)
		}
	}
}

// TestServerURLOverrideDropsTheModel: attaching to a server without naming
// a model uses the first model the server lists, not the file's name for
// another server's model; the rest of the server block's timing stays.
func TestServerURLOverrideDropsTheModel(t *testing.T) {
	path := writeFile(t, "s.yaml", strings.Replace(overrideBase, "server:\n  url: http://127.0.0.1:8000\n",
		"server:\n  builtin: {max_num_seqs: 4}\n  ready: {timeout: 1m}\n", 1))
	sc, err := LoadWithOverrides(context.Background(), path, Overrides{ServerURL: given("http://127.0.0.1:9000", "--server-url")})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Model.Name != "" || sc.Server.Kind() != ServerURL || sc.Server.Builtin != nil || sc.Server.Ready.Timeout.String() != "1m0s" {
		t.Errorf("model %q, kind %s, ready %v", sc.Model.Name, sc.Server.Kind(), sc.Server.Ready)
	}
	sc, err = LoadWithOverrides(context.Background(), path, Overrides{ServerURL: given("http://127.0.0.1:9000", "--server-url"), Model: given("m", "--model")})
	if err != nil || sc.Model.Name != "m" {
		t.Fatalf("with --model: %v, %+v", err, sc)
	}
}

// TestStageOverride keeps the named stages, in the order given, and names
// the flag when a stage does not exist.
func TestStageOverride(t *testing.T) {
	path := writeFile(t, "s.yaml", overrideBase)
	sc, err := LoadWithOverrides(context.Background(), path, Overrides{Stages: given([]string{"poisson", "sweep"}, "--stage"),
		InputLen: given(100, "--input-len")})
	if err != nil {
		t.Fatal(err)
	}
	if got := stageNames(sc); !reflect.DeepEqual(got, []string{"poisson", "sweep"}) || sc.Profiles[CLIProfile].Output != Fixed(64) {
		t.Errorf("stages %v, cli profile %+v (the output of poisson's dev profile)", got, sc.Profiles[CLIProfile])
	}
	_, err = LoadWithOverrides(context.Background(), path, Overrides{Stages: given([]string{"swep"}, "--stage")})
	if err == nil || !strings.Contains(err.Error(), `--stage: no stage is named "swep" (did you mean "sweep"?); the stages are sweep, poisson`) {
		t.Errorf("got %v", err)
	}
}
