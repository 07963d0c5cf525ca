package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs the command line in-process and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errw bytes.Buffer
	code := run(append([]string{"servebench"}, args...), &out, &errw)
	return code, out.String(), errw.String()
}

const planScenario = `version: 1
name: seed
server:
  url: http://127.0.0.1:8000
model: {name: base-model, max_model_len: 896}
stages:
  - name: sweep
    profile: safe
    concurrency: {from: 1, to: 4}
    requests: 20
  - name: other
    profile: dev
    concurrency: 2
    requests: 5
`

func writeScenario(t *testing.T, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSeedFlagsReachThePlan: every flag and environment variable of the old
// run_benchmark.sh changes what `plan` prints.
func TestSeedFlagsReachThePlan(t *testing.T) {
	path := writeScenario(t, planScenario)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"server-url flag", nil, []string{"--server-url", "http://127.0.0.1:9999"}, []string{"server url at http://127.0.0.1:9999"}},
		{"SERVEBENCH_SERVER_URL", map[string]string{"SERVEBENCH_SERVER_URL": "http://127.0.0.1:9998"}, nil, []string{"at http://127.0.0.1:9998"}},
		{"VLLM_SERVER_URL", map[string]string{"VLLM_SERVER_URL": "http://127.0.0.1:9997"}, nil, []string{"at http://127.0.0.1:9997"}},
		{"model flag", nil, []string{"--model", "flag-model"}, []string{"model flag-model"}},
		{"MODEL", map[string]string{"MODEL": "env-model"}, nil, []string{"model env-model"}},
		{"num-prompts flag", nil, []string{"--num-prompts", "7"}, []string{" 7 │"}},
		{"NUM_PROMPTS", map[string]string{"NUM_PROMPTS": "9"}, nil, []string{" 9 │"}},
		{"input/output flags", nil, []string{"--input-len", "300", "--output-len", "100"}, []string{"sweep/cli/c1", " 300 │", " 100 │"}},
		{"INPUT_LEN/OUTPUT_LEN", map[string]string{"INPUT_LEN": "301", "OUTPUT_LEN": "101"}, nil, []string{" 301 │", " 101 │"}},
		{"profile", nil, []string{"--profile", "balanced"}, []string{"sweep/balanced/c1"}},
		{"single", nil, []string{"--single", "8"}, []string{"sweep/safe/c8", "other/dev/c8"}},
		{"sweep flags", nil, []string{"--min-concurrency", "2", "--max-concurrency", "6", "--step", "2"}, []string{"sweep/safe/c2", "sweep/safe/c4", "sweep/safe/c6"}},
		{"stage", nil, []string{"--stage", "other"}, []string{"1 steps"}},
		{"results-dir", nil, []string{"--results-dir", "/tmp/elsewhere"}, []string{"results in /tmp/elsewhere"}},
		{"seed", nil, []string{"--seed", "42"}, []string{"seed 42"}},
		{"repeat", nil, []string{"--repeat", "2"}, []string{"sweep/safe/c1#2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			// Flags after the path: the way users type them.
			code, out, errs := runCLI(t, append([]string{"plan", path}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("plan output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestOverridesAreValidatedLikeTheFile(t *testing.T) {
	path := writeScenario(t, planScenario)
	code, _, errs := runCLI(t, "plan", path, "--input-len", "512", "--output-len", "512")
	if code != ExitInvalid {
		t.Fatalf("exit %d, want %d", code, ExitInvalid)
	}
	for _, w := range []string{"512 + 512 = 1024", "max_model_len is 896"} {
		if !strings.Contains(errs, w) {
			t.Errorf("error lacks %q: %s", w, errs)
		}
	}
	if code, _, _ := runCLI(t, "plan", path, "--stage", "nope"); code != ExitInvalid {
		t.Errorf("unknown --stage: exit %d, want 2", code)
	}
}

func TestValidateExitCodesAndFormats(t *testing.T) {
	bad := "../../schema/testdata/context-length-896.bad.yaml"
	code, _, errs := runCLI(t, "validate", bad)
	if code != ExitInvalid || !strings.Contains(errs, "context-length-896.bad.yaml:9:14:") ||
		!strings.Contains(errs, "1024") || !strings.Contains(errs, "896") {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	code, out, _ := runCLI(t, "validate", "--format", "github", bad)
	if code != ExitInvalid || !strings.Contains(out, "::error file=") || !strings.Contains(out, "line=9,col=14") {
		t.Errorf("github format: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "validate", "--format", "json", bad)
	if code != ExitInvalid || !strings.Contains(out, `"line": 9`) && !strings.Contains(out, `"line":9`) {
		t.Errorf("json format: exit %d\n%s", code, out)
	}
	if code, _, errs := runCLI(t, "validate", "../../scenarios/quickstart.yaml"); code != 0 {
		t.Errorf("quickstart invalid: %s", errs)
	}
	if code, _, _ := runCLI(t, "nonsense"); code != ExitInvalid {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
	if code, _, _ := runCLI(t, "run", "--no-such-flag", "x.yaml"); code != ExitInvalid {
		t.Errorf("unknown flag: exit %d, want 2", code)
	}
}
