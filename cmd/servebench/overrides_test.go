package main

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// quickstartWith is scenarios/quickstart.yaml with its concurrency list
// replaced, written to a temporary file.
func quickstartWith(t *testing.T, concurrency string) string {
	t.Helper()
	src, err := os.ReadFile("../../scenarios/quickstart.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := strings.Replace(string(src), "concurrency: [1, 4, 8, 16, 32, 64]", "concurrency: "+concurrency, 1)
	if out == string(src) {
		t.Fatal("quickstart.yaml no longer has the concurrency list this test replaces")
	}
	return writeScenario(t, out)
}

// message strips the location ("FILE:LINE:COL: " or "--flag: ") and the
// excerpt from the first diagnostic servebench printed.
func message(stderr string) string {
	first, _, _ := strings.Cut(strings.TrimPrefix(stderr, "servebench: "), "\n")
	return regexp.MustCompile(`^(\S+?:\d+:\d+|--[a-z-]+|[A-Z_]+): `).ReplaceAllString(first, "")
}

// TestOverrideBombsExitLikeTheFile: a flag that asks for billions of levels
// exits 2 at once, with the message the same range in the file gives, in
// a real process (it used to die with "fatal error: out of memory").
func TestOverrideBombsExitLikeTheFile(t *testing.T) {
	for _, to := range []int{50000, 2000000000} {
		t.Run(fmt.Sprint(to), func(t *testing.T) {
			p := startCLI(t, nil, "plan", "../../scenarios/quickstart.yaml", "--max-concurrency", fmt.Sprint(to))
			code := p.wait(t)
			flag := p.errText()
			f := startCLI(t, nil, "validate", quickstartWith(t, fmt.Sprintf("{from: 1, to: %d, step: 1}", to)))
			fileCode := f.wait(t)
			if code != ExitInvalid || fileCode != ExitInvalid {
				t.Fatalf("exit %d (flag) and %d (file), want 2:\n%s\n%s", code, fileCode, flag, f.errText())
			}
			if !strings.HasPrefix(flag, "servebench: --max-concurrency: ") || message(flag) != message(f.errText()) {
				t.Errorf("the flag and the file must say the same:\n%s\n%s", flag, f.errText())
			}
			if !strings.Contains(flag, fmt.Sprintf("runs %d levels", to)) {
				t.Errorf("message lacks the level count:\n%s", flag)
			}
		})
	}
}

// TestHostileFilesExitTwo: validate and plan refuse hostile files quickly
// with exit 2, in a real process.
func TestHostileFilesExitTwo(t *testing.T) {
	var bomb strings.Builder
	bomb.WriteString("version: 1\nx-m0: &m0 {a: 1, b: 2}\n")
	for i := 1; i <= 10; i++ {
		fmt.Fprintf(&bomb, "x-m%d: &m%d {<<: [%s]}\n", i, i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*m%d, ", i-1), 10), ", "))
	}
	bomb.WriteString("stages:\n  - <<: *m10\n    name: s\n    concurrency: 1\n    requests: 1\n")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"merge-key bomb", []string{"validate", writeScenario(t, bomb.String())}, "merge keys here expand to more than 100000 values"},
		{"repeat bomb", []string{"plan", writeScenario(t, "version: 1\nstages:\n  - {name: s, concurrency: 1, requests: 1, repeat: 2000000000}\n")},
			`runs 1 level × 1 profile × 2000000000 repeats`},
		{"repeat flag", []string{"plan", "../../scenarios/quickstart.yaml", "--repeat", "2000000000"}, "--repeat: "},
		{"/dev/zero", []string{"validate", "/dev/zero"}, "not a regular file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			p := startCLI(t, nil, tc.args...)
			if code := p.wait(t); code != ExitInvalid || !strings.Contains(p.errText(), tc.want) {
				t.Fatalf("exit %d, want 2 and %q:\n%s", code, tc.want, p.errText())
			}
			t.Logf("refused in %v", time.Since(start).Round(time.Millisecond))
		})
	}
}

// TestOverrideProblemsNameTheirSource: a bad value from an environment
// variable is blamed on the variable, not on the scenario file.
func TestOverrideProblemsNameTheirSource(t *testing.T) {
	p := startCLI(t, []string{"VLLM_SERVER_URL=http://127.0.0.1:8000/v1"}, "plan", "../../scenarios/quickstart.yaml")
	code := p.wait(t)
	if code != ExitInvalid || !strings.HasPrefix(p.errText(), "servebench: VLLM_SERVER_URL: server.url is the base URL without /v1") {
		t.Fatalf("exit %d:\n%s", code, p.errText())
	}
	path := writeScenario(t, planScenario)
	code, _, errs := runCLI(t, "plan", path, "--server-url", "http://127.0.0.1:9000/v1")
	if code != ExitInvalid || !strings.HasPrefix(errs, "servebench: --server-url: ") || strings.Contains(errs, path) {
		t.Errorf("exit %d:\n%s", code, errs)
	}
	code, _, errs = runCLI(t, "plan", path, "--profile", "nope")
	if code != ExitInvalid || !strings.Contains(errs, `--profile: unknown profile "nope"`) {
		t.Errorf("exit %d:\n%s", code, errs)
	}
}

// TestServerURLWithoutModelUsesTheServedModel: --server-url (or its
// variables) without --model drops the file's model name, so the run uses
// the first id /v1/models lists, as the README says.
func TestServerURLWithoutModelUsesTheServedModel(t *testing.T) {
	path := writeScenario(t, planScenario)
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"flag", nil, []string{"--server-url", "http://127.0.0.1:9999"}, "model -,"},
		{"variable", map[string]string{"VLLM_SERVER_URL": "http://127.0.0.1:9999"}, nil, "model -,"},
		{"with --model", nil, []string{"--server-url", "http://127.0.0.1:9999", "--model", "m2"}, "model m2,"},
		{"no override", nil, nil, "model base-model,"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			code, out, errs := runCLI(t, append([]string{"plan", path}, tc.args...)...)
			if code != ExitOK || !strings.Contains(out, tc.want) {
				t.Errorf("exit %d, want %q:\n%s%s", code, tc.want, out, errs)
			}
		})
	}
}
