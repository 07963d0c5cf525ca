package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/servebench/servebench/schema"
)

// fastScenario runs two small levels on the simulator in well under a second.
const fastScenario = `version: 1
name: fast
server:
  builtin: {decode_step: 1ms, decode_per_seq: 0s, prefill_per_token: 1us}
model: {max_model_len: 1024}
profiles:
  tiny: {input: 16, output: 4}
stages:
  - {name: sweep, profile: tiny, concurrency: [1, 2], requests: 6, warmup: 1}
thresholds:
  - expr: error_rate == 0
report:
  formats: [markdown, html, json, junit]
`

func TestInitWritesAValidStarter(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "starter.yaml")
	code, out, errs := runCLI(t, "init", path)
	if code != ExitOK || !strings.Contains(out, "wrote "+path) {
		t.Fatalf("init: exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := runCLI(t, "validate", path); code != ExitOK {
		t.Fatalf("validate rejects the starter: %s", errs)
	}
	before, _ := os.ReadFile(path)

	code, _, errs = runCLI(t, "init", path, "--server-url", "http://127.0.0.1:8123", "--model", "org/m", "--max-model-len", "2048")
	if code != ExitInvalid || !strings.Contains(errs, "--force") {
		t.Errorf("init over an existing file: exit %d: %s", code, errs)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("init without --force changed the existing file")
	}

	code, _, errs = runCLI(t, "init", path, "--force", "--server-url", "http://127.0.0.1:8123", "--model", "org/m", "--max-model-len", "2048")
	if code != ExitOK {
		t.Fatalf("init --force: exit %d: %s", code, errs)
	}
	if code, _, errs := runCLI(t, "validate", path); code != ExitOK {
		t.Fatalf("validate rejects the attached starter: %s", errs)
	}
	// plan reads the file as the engine would: the flags reached the scenario.
	code, out, errs = runCLI(t, "plan", path)
	for _, w := range []string{"at http://127.0.0.1:8123", "model org/m", "sweep/safe/c8"} {
		if code != ExitOK || !strings.Contains(out, w) {
			t.Errorf("plan of the starter lacks %q (exit %d):\n%s%s", w, code, out, errs)
		}
	}
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), "max_model_len: 2048") {
		t.Errorf("--max-model-len not written:\n%s", b)
	}

	// Without a path: servebench.yaml in the working directory.
	t.Chdir(dir)
	if code, out, _ := runCLI(t, "init"); code != ExitOK || !strings.Contains(out, "servebench.yaml") {
		t.Errorf("init without a path: exit %d %s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "servebench.yaml")); err != nil {
		t.Error(err)
	}
}

func TestSchemaVersionCompletion(t *testing.T) {
	want, err := os.ReadFile("../../schema/scenario.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	code, out, _ := runCLI(t, "schema")
	if code != ExitOK || out != string(want) {
		t.Errorf("schema: exit %d, %d bytes, want exactly schema/scenario.schema.json (%d bytes)", code, len(out), len(want))
	}

	code, out, _ = runCLI(t, "version")
	if code != ExitOK || !regexp.MustCompile(`^servebench \S+\n$`).MatchString(out) {
		t.Errorf("version: exit %d %q", code, out)
	}

	shells := map[string][]string{
		"bash": {"--generate-bash-completion", "complete -o default -F _servebench servebench"},
		"zsh":  {"#compdef servebench", "--generate-bash-completion"},
		"fish": {"complete -c servebench", "compare"},
	}
	for sh, wants := range shells {
		code, out, errs := runCLI(t, "completion", sh)
		if code != ExitOK || strings.TrimSpace(out) == "" {
			t.Errorf("completion %s: exit %d %s", sh, code, errs)
		}
		for _, w := range wants {
			if !strings.Contains(out, w) {
				t.Errorf("completion %s lacks %q", sh, w)
			}
		}
	}
	for _, bad := range [][]string{{"completion"}, {"completion", "tcsh"}} {
		if code, _, _ := runCLI(t, bad...); code != ExitInvalid {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
	// The scripts themselves run in a real bash: TestBashCompletionInBash.
}

// TestRunJSONIsTheOnlyStdout: run --json prints run.json and nothing else,
// so `servebench run s.yaml --json | jq` works.
func TestRunJSONIsTheOnlyStdout(t *testing.T) {
	results := t.TempDir()
	code, out, errs := runCLI(t, "run", writeScenario(t, fastScenario), "--results-dir", results, "--json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	if rest := out[dec.InputOffset():]; strings.TrimSpace(rest) != "" {
		t.Errorf("stdout has more than the run: %q", rest)
	}
	run, err := schema.DecodeRun(raw)
	if err != nil {
		t.Fatalf("schema.DecodeRun rejects run --json: %v", err)
	}
	if run.Name != "fast" || len(run.Stages) != 2 || !run.Passed {
		t.Errorf("run: name %q, %d stages, passed %v", run.Name, len(run.Stages), run.Passed)
	}
	if !strings.Contains(errs, "started:") {
		t.Errorf("progress should still go to stderr:\n%s", errs)
	}
}

func TestRunQuietPrintsNothing(t *testing.T) {
	code, out, errs := runCLI(t, "run", writeScenario(t, fastScenario), "--results-dir", t.TempDir(), "--quiet")
	if code != ExitOK || out != "" || errs != "" {
		t.Errorf("run --quiet: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// TestSummaryFileAppends: --summary-file and GITHUB_STEP_SUMMARY append the
// Markdown report; what the file held stays.
func TestSummaryFileAppends(t *testing.T) {
	path := writeScenario(t, fastScenario)
	for _, viaEnv := range []bool{false, true} {
		summary := filepath.Join(t.TempDir(), "summary.md")
		os.WriteFile(summary, []byte("earlier step\n"), 0o644)
		args := []string{"run", path, "--results-dir", t.TempDir(), "--quiet"}
		if viaEnv {
			t.Setenv("GITHUB_STEP_SUMMARY", summary)
		} else {
			args = append(args, "--summary-file", summary)
		}
		if code, _, errs := runCLI(t, args...); code != ExitOK {
			t.Fatalf("exit %d: %s", code, errs)
		}
		b, _ := os.ReadFile(summary)
		s := string(b)
		if !strings.HasPrefix(s, "earlier step\n") || !strings.Contains(s, "## servebench: fast") || !strings.Contains(s, "| sweep | tiny | c=2 |") {
			t.Errorf("env %v: summary file:\n%s", viaEnv, s)
		}
	}
}

func TestReportRewritesHTML(t *testing.T) {
	dir := runScenarioDir(t, fastScenario)
	page := filepath.Join(dir, "report.html")
	if err := os.WriteFile(page, []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "report", dir, "--format", "html", "--quiet")
	if code != ExitOK || out != "" {
		t.Fatalf("report --format html: exit %d\n%s%s", code, out, errs)
	}
	b, _ := os.ReadFile(page)
	if !strings.Contains(string(b), "<html") || !strings.Contains(string(b), "fast") {
		t.Errorf("report.html not rewritten: %.200s", b)
	}
	// run.json works as well as its directory; an unknown format exits 2.
	if code, _, errs := runCLI(t, "report", filepath.Join(dir, "run.json"), "--format", "pdf", "--quiet"); code != ExitInvalid {
		t.Errorf("unknown format: exit %d: %s", code, errs)
	}
	if code, _, _ := runCLI(t, "report", filepath.Join(dir, "missing")); code != ExitInvalid {
		t.Errorf("missing run: exit %d, want 2", code)
	}
}

// TestExitCodes covers the README's table except 130 (a real process in
// progress_test.go) and 3 (TestUnreachableServerExitsThree).
func TestExitCodes(t *testing.T) {
	failing := strings.Replace(fastScenario, "expr: error_rate == 0", "expr: ttft.p99 < 0.001", 1)
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"thresholds hold", []string{"run", writeScenario(t, fastScenario), "--results-dir", t.TempDir(), "--quiet"}, ExitOK},
		{"threshold fails", []string{"run", writeScenario(t, failing), "--results-dir", t.TempDir(), "--quiet"}, ExitThreshold},
		{"invalid scenario", []string{"run", writeScenario(t, "version: 1\nstages: []\nbogus: 1\n"), "--quiet"}, ExitInvalid},
		{"missing file", []string{"run", filepath.Join(t.TempDir(), "none.yaml")}, ExitInvalid},
		{"bad fail-on", []string{"compare", "a", "b", "--fail-on", "candidate.nope >"}, ExitInvalid},
		{"one run to compare", []string{"compare", "a"}, ExitInvalid},
	}
	for _, tc := range tests {
		if code, _, errs := runCLI(t, tc.args...); code != tc.want {
			t.Errorf("%s: exit %d, want %d: %s", tc.name, code, tc.want, errs)
		}
	}
}
