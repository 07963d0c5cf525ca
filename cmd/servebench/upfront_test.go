package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadOutputFlagsFailBeforeTheServerStarts: an unknown --format and a
// summary file that cannot be written exit 2 at once, both named in one
// go, before the scenario's server command runs (it would leave a file
// behind) and before any run directory exists.
func TestBadOutputFlagsFailBeforeTheServerStarts(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "server-started")
	path := writeScenario(t, fmt.Sprintf(`version: 1
name: flags
server:
  command: [/bin/sh, -c, "touch %s; exec sleep 30"]
  url: http://127.0.0.1:%d
  ready: {timeout: 2s, interval: 100ms}
  stop_timeout: 1s
model: {name: m}
stages:
  - {name: s, profile: dev, concurrency: 1, requests: 1}
`, marker, freeTCPPort(t)))
	results := t.TempDir()
	p := startCLI(t, nil, "run", path, "--results-dir", results, "--format", "markdown", "--format", "pdf",
		"--summary-file", filepath.Join(t.TempDir(), "no", "such", "dir", "summary.md"))
	code := p.wait(t)
	errs := p.errText()
	if code != ExitInvalid {
		t.Fatalf("exit %d, want %d:\n%s", code, ExitInvalid, errs)
	}
	for _, want := range []string{`--format "pdf": unknown report format; valid: csv, html, json, junit, markdown, vllm`,
		"--summary-file", "no such file or directory"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("the server command ran before the flags were checked")
	}
	if entries, _ := os.ReadDir(results); len(entries) > 0 {
		t.Errorf("a run directory was created: %v", entries)
	}
}
