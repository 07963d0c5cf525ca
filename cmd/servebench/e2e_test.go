package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/servebench/servebench/schema"
)

// TestQuickstartAsTheReadmeSpellsIt runs the README's first command
// in-process, from the repository root, and checks every file it promises.
func TestQuickstartAsTheReadmeSpellsIt(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the quickstart sweep")
	}
	m := regexp.MustCompile("(?m)^go run ./cmd/servebench (run scenarios/quickstart.yaml)$").FindStringSubmatch(readme(t))
	if m == nil {
		t.Fatal("the README no longer shows `go run ./cmd/servebench run scenarios/quickstart.yaml`")
	}
	results := t.TempDir()
	t.Chdir("../..")
	args := append(strings.Fields(m[1]), "--results-dir", results, "--quiet")
	code, _, errs := runCLI(t, args...)
	if code != ExitOK {
		t.Fatalf("quickstart exited %d: %s", code, errs)
	}
	dirs, _ := filepath.Glob(filepath.Join(results, "quickstart", "*"))
	if len(dirs) != 1 {
		t.Fatalf("run directories: %v", dirs)
	}
	for _, f := range []string{"run.json", "requests.jsonl", "report.md", "report.html", "junit.xml"} {
		if fi, err := os.Stat(filepath.Join(dirs[0], f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	run, err := schema.ReadRun(dirs[0])
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != schema.StatusCompleted || len(run.Stages) == 0 || !run.Passed {
		t.Errorf("status %q, %d stages, passed %v", run.Status, len(run.Stages), run.Passed)
	}
	code, out, errs := runCLI(t, "report", dirs[0], "--no-color")
	if code != ExitOK || !strings.Contains(out, "sweep") {
		t.Errorf("report: exit %d\n%s%s", code, out, errs)
	}
}

func TestFailingThresholdExitsOne(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a scenario")
	}
	code, _, errs := runCLI(t, "run", "../../scenarios/failing-threshold.yaml", "--results-dir", t.TempDir(), "--quiet")
	if code != ExitThreshold {
		t.Fatalf("exit %d, want 1: %s", code, errs)
	}
}

func TestUnreachableServerExitsThree(t *testing.T) {
	path := writeScenario(t, `version: 1
name: gone
server:
  url: http://127.0.0.1:9
  ready: {timeout: 300ms, interval: 50ms}
model: {name: m}
stages:
  - {name: s, profile: dev, concurrency: 1, requests: 1}
thresholds:
  - expr: error_rate == 0
`)
	results := t.TempDir()
	code, out, errs := runCLI(t, "run", path, "--results-dir", results)
	if code != ExitRunFailed {
		t.Fatalf("exit %d, want 3: %s", code, errs)
	}
	// The scenario defines a threshold that never ran: the summary says so.
	if want := "thresholds: not evaluated: the run did not complete"; !strings.Contains(out, want) {
		t.Errorf("the summary does not say %q:\n%s", want, out)
	}
	dirs, _ := filepath.Glob(filepath.Join(results, "gone", "*", "run.json"))
	if len(dirs) != 1 {
		t.Fatalf("a failed run must still save run.json: %v", dirs)
	}
}
