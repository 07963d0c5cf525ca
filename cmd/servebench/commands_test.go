package main

import (
	"bytes"
	"context"
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

	// Attached to a server with no --model and no --ready-path: the model
	// is the server's own (first of /v1/models) and no readiness path is
	// written, since an attached server may not serve /health.
	code, _, errs = runCLI(t, "init", path, "--force", "--server-url", "http://127.0.0.1:8123")
	if code != ExitOK {
		t.Fatalf("init --server-url: exit %d: %s", code, errs)
	}
	b, _ := os.ReadFile(path)
	for _, bad := range []string{"ready:", "/health", "name: \"sim-model\""} {
		if strings.Contains(string(b), bad) {
			t.Errorf("init --server-url writes %q:\n%s", bad, b)
		}
	}
	if code, _, errs := runCLI(t, "validate", path); code != ExitOK {
		t.Fatalf("validate rejects the starter: %s", errs)
	}
	code, _, errs = runCLI(t, "init", path, "--force", "--server-url", "http://127.0.0.1:8123", "--ready-path", "/ping")
	if b, _ := os.ReadFile(path); code != ExitOK || !strings.Contains(string(b), `ready: {path: "/ping"}`) {
		t.Errorf("--ready-path not written (exit %d %s):\n%s", code, errs, b)
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

// TestInitNeverWritesAnInvalidFile: a context length picks a built-in
// profile that fits it, one too small for any is refused with exit 2 and
// the numbers, and a value that would break the file is refused too;
// nothing is written when init refuses.
func TestInitNeverWritesAnInvalidFile(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name    string
		args    []string
		profile string // "" : refused
		errs    []string
	}{
		{"fits safe", []string{"--max-model-len", "384"}, "safe", nil},
		{"fits dev only", []string{"--max-model-len", "300"}, "dev", nil},
		{"fits none", []string{"--max-model-len", "100"}, "", []string{"--max-model-len 100", "128 + 64 = 192", "at least 192"}},
		{"negative", []string{"--max-model-len", "-5"}, "", []string{"--max-model-len -5"}},
		{"attached, fits dev", []string{"--server-url", "http://127.0.0.1:8000", "--max-model-len", "200"}, "dev", nil},
		{"odd model id", []string{"--model", "org/m\"\nstages: []"}, "safe", nil},
		{"not a URL", []string{"--server-url", "localhost:8000"}, "", []string{"nothing written", "server.url"}},
		{"ready path without a server", []string{"--ready-path", "/ping"}, "", []string{"--ready-path", "--server-url"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".yaml")
			code, _, errs := runCLI(t, append([]string{"init", path}, tc.args...)...)
			if tc.profile == "" {
				if code != ExitInvalid {
					t.Fatalf("exit %d, want %d", code, ExitInvalid)
				}
				for _, w := range tc.errs {
					if !strings.Contains(errs, w) {
						t.Errorf("stderr lacks %q:\n%s", w, errs)
					}
				}
				if _, err := os.Stat(path); err == nil {
					t.Error("init refused but wrote the file")
				}
				return
			}
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
			if code, _, errs := runCLI(t, "validate", path); code != ExitOK {
				t.Fatalf("validate rejects what init wrote: %s", errs)
			}
			sc, err := schema.Load(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			if got := sc.Stages[0].Profile[0]; got != tc.profile || len(sc.Stages) != 1 {
				t.Errorf("profile %q (%d stages), want %q", got, len(sc.Stages), tc.profile)
			}
		})
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

// TestUnknownMetricHintNamesACommand: validate's hint for an unknown metric
// names a command, and that command prints the metric reference.
func TestUnknownMetricHintNamesACommand(t *testing.T) {
	path := writeScenario(t, `version: 1
stages:
  - {name: s, profile: dev, concurrency: 1, requests: 1}
thresholds:
  - expr: ttft.p999 < 5
`)
	code, _, errs := runCLI(t, "validate", path)
	if code != ExitInvalid {
		t.Fatalf("exit %d: %s", code, errs)
	}
	m := regexp.MustCompile(`\(servebench (\w+)\)`).FindStringSubmatch(errs)
	if m == nil {
		t.Fatalf("the hint names no command:\n%s", errs)
	}
	code, out, errs := runCLI(t, m[1])
	if code != ExitOK {
		t.Fatalf("servebench %s: exit %d: %s", m[1], code, errs)
	}
	var want bytes.Buffer
	if err := schema.WriteMetricReference(&want); err != nil {
		t.Fatal(err)
	}
	if out != want.String() || !strings.Contains(out, "`ttft.p99`") {
		t.Errorf("servebench %s does not print the metric reference:\n%s", m[1], out)
	}
}

// TestHelpShowsNoUnsetDefaults: an override that is not given is not "0"
// (the scenario decides), and a switch's "false" says nothing; real
// defaults stay.
func TestHelpShowsNoUnsetDefaults(t *testing.T) {
	for _, cmd := range []string{"run", "plan", "bench-client", "init", "compare"} {
		_, out, _ := runCLI(t, cmd, "--help")
		if !strings.Contains(out, "--help") {
			t.Fatalf("%s --help printed no help:\n%s", cmd, out)
		}
		for _, bad := range []string{"(default: 0)", "(default: false)", "(default: 0s)"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s --help prints %q:\n%s", cmd, bad, out)
			}
		}
	}
	_, out, _ := runCLI(t, "sim", "--help")
	for _, want := range []string{"(default: 8000)", `(default: "127.0.0.1")`} {
		if !strings.Contains(out, want) {
			t.Errorf("sim --help lost the real default %q:\n%s", want, out)
		}
	}
}

// TestNoColorAnyValue: NO_COLOR with any non-empty value (no-color.org)
// turns colour off; it is not a bool that "yes" would make an invalid
// command line.
func TestNoColorAnyValue(t *testing.T) {
	t.Setenv("NO_COLOR", "yes")
	for _, args := range [][]string{
		{"validate", "../../scenarios/quickstart.yaml"},
		{"compare", "--help"},
		{"run", "--help"},
	} {
		code, out, errs := runCLI(t, args...)
		if code != ExitOK {
			t.Errorf("%v with NO_COLOR=yes: exit %d: %s", args, code, errs)
		}
		if args[1] == "--help" && !strings.Contains(out, "NO_COLOR") {
			t.Errorf("%v does not mention NO_COLOR:\n%s", args, out)
		}
	}
}
