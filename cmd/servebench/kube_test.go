package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestKubePrintsManifests: flags may follow the scenario, the stream goes
// to stdout and the notes to stderr.
func TestKubePrintsManifests(t *testing.T) {
	code, out, errs := runCLI(t, "kube", "../../scenarios/quickstart.yaml", "--shards", "3", "--image", "servebench:dev", "--results-size", "1Gi")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"kind: ConfigMap", "kind: Service", "kind: Job", "completions: 3", "- quickstart-0.quickstart:7077", "sizeLimit: 1Gi"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "servebench: note: results go to an emptyDir volume") || strings.Contains(errs, "kind:") {
		t.Errorf("stderr:\n%s", errs)
	}
}

// TestKubeInvalid: every problem of the flags and of the scenario is
// reported at once, with exit 2 and nothing on stdout.
func TestKubeInvalid(t *testing.T) {
	path := writeScenario(t, "version: 1\nname: bad\nstages:\n  - {name: s, concurency: 4, requests: 1}\n")
	code, out, errs := runCLI(t, "kube", path, "--image", "", "--port", "0", "--cpu", "lots")
	if code != ExitInvalid || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	for _, want := range []string{"--shards 0", `--image ""`, "--port 0", `--cpu "lots"`, `unknown field "concurency"`} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	for _, args := range [][]string{{"kube"}, {"kube", "a.yaml", "b.yaml"}, {"kube", filepath.Join(t.TempDir(), "missing.yaml"), "--shards", "1", "--image", "i"}} {
		if code, out, errs := runCLI(t, args...); code != ExitInvalid || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
}

// TestKubeEveryExampleScenario: each example scenario runs in a cluster.
func TestKubeEveryExampleScenario(t *testing.T) {
	files, _ := filepath.Glob("../../scenarios/*.yaml")
	if len(files) < 5 {
		t.Fatalf("found %d example scenarios", len(files))
	}
	for _, f := range files {
		if code, _, errs := runCLI(t, "kube", f, "--shards", "2", "--image", "servebench:dev"); code != ExitOK {
			t.Errorf("%s: exit %d: %s", f, code, errs)
		}
	}
}
