package reports

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/servebench/servebench/reports/vllmjson"
	"github.com/servebench/servebench/schema"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// golden compares got with testdata/<name>.golden, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (rerun with -update if the change is intended)\n%s", name, path, firstDiff(string(want), string(got)))
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n want: " + w + "\n  got: " + g
		}
	}
	return ""
}

func render(t *testing.T, f func(*bytes.Buffer) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := f(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	run, cut := fixtureRun(), interruptedRun()
	cases := []struct {
		name string
		f    func(*bytes.Buffer) error
	}{
		{"terminal", func(b *bytes.Buffer) error {
			return Terminal(b, run, "bench_results/gpt-oss-sweep/20260314T092653Z", false)
		}},
		{"terminal_interrupted", func(b *bytes.Buffer) error { return Terminal(b, cut, "", false) }},
		{"terminal_w80", func(b *bytes.Buffer) error { return TerminalWith(b, run, "", TerminalOptions{Width: 80}) }},
		{"terminal_w160", func(b *bytes.Buffer) error { return TerminalWith(b, run, "", TerminalOptions{Width: 160}) }},
		{"markdown", func(b *bytes.Buffer) error { return Markdown(b, run) }},
		{"junit", func(b *bytes.Buffer) error { return JUnit(b, run) }},
		{"junit_interrupted", func(b *bytes.Buffer) error { return JUnit(b, cut) }},
		{"json", func(b *bytes.Buffer) error { return JSON(b, run) }},
		{"html", func(b *bytes.Buffer) error { return HTML(b, run) }},
		{"vllm_c4", func(b *bytes.Buffer) error { return writeVLLM(b, &run.Stages[1], run) }},
		{"vllm_rate", func(b *bytes.Buffer) error { return writeVLLM(b, &run.Stages[6], run) }},
		{"terminal_vllm_import", func(b *bytes.Buffer) error { return importedTerminal(b) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { golden(t, c.name, render(t, c.f)) })
	}
}

// TestNoANSIUnlessColor pins the colour switch: plain output for files and
// pipes, ANSI only when asked.
func TestNoANSIUnlessColor(t *testing.T) {
	run := fixtureRun()
	plain := render(t, func(b *bytes.Buffer) error { return Terminal(b, run, "", false) })
	md := render(t, func(b *bytes.Buffer) error { return Markdown(b, run) })
	colored := render(t, func(b *bytes.Buffer) error { return Terminal(b, run, "", true) })
	for name, out := range map[string][]byte{"terminal": plain, "markdown": md} {
		if bytes.Contains(out, []byte("\x1b[")) {
			t.Errorf("%s output contains ANSI escape codes", name)
		}
	}
	if !bytes.Contains(colored, []byte("\x1b[")) {
		t.Error("colour output has no ANSI escape codes")
	}
}

// TestTerminalContent checks the facts a reader looks for, independent of layout.
func TestTerminalContent(t *testing.T) {
	out := string(render(t, func(b *bytes.Buffer) error { return Terminal(b, interruptedRun(), "/tmp/run-dir", false) }))
	for _, want := range []string{
		"open/safe/r2.5: error_rate < 0.01 read error_rate=0.07", // failed threshold with the value it read
		"max concurrency 12, first failing 14",                   // capacity answer
		"probes: 8✔ 16✗ 12✔ 14✗",                                 // probe sequence
		"2 × server_error (HTTP 500), e.g. Internal Server Error: CUDA out of memory",
		"interrupted: interrupted by signal: interrupt",
		"cut: capacity/safe/c12 (interrupted: context canceled after 17 of 40 requests)",
		"achieved rate 2.31/s",
		"/tmp/run-dir",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal report lacks %q", want)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	run := fixtureRun()
	out := render(t, func(b *bytes.Buffer) error { return JSON(b, run) })
	var back schema.Run
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	again := render(t, func(b *bytes.Buffer) error { return JSON(b, &back) })
	if !bytes.Equal(out, again) {
		t.Error("run.json does not survive a decode/encode round trip unchanged")
	}
}

func writeVLLM(b *bytes.Buffer, st *schema.StageResult, run *schema.Run) error {
	out, err := vllmjson.VLLM(st, run)
	b.Write(out)
	return err
}

// importedTerminal renders a result file written by vLLM itself: imports
// must be first-class runs for every renderer.
func importedTerminal(b *bytes.Buffer) error {
	f, err := os.Open(filepath.Join("vllmjson", "testdata", "vllm_c8.json"))
	if err != nil {
		return err
	}
	defer f.Close()
	run, err := vllmjson.Import(f, "vllm_c8.json")
	if err != nil {
		return err
	}
	return Terminal(b, run, "", false)
}
