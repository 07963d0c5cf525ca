package main

import (
	"encoding/csv"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/servebench/servebench/schema"
)

// TestMatrixScenarioAnswersInEveryReport runs scenarios/matrix.yaml as the
// README does: four simulators one after another, and in every report the
// variant with the larger batch has the higher saturation throughput.
func TestMatrixScenarioAnswersInEveryReport(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the matrix scenario")
	}
	results := t.TempDir()
	code, out, errs := runCLI(t, "run", "../../scenarios/matrix.yaml", "--results-dir", results, "--no-color",
		"--format", "markdown", "--format", "html", "--format", "csv")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	dirs, _ := filepath.Glob(filepath.Join(results, "matrix", "*"))
	if len(dirs) != 1 {
		t.Fatalf("run directories %v", dirs)
	}
	dir := dirs[0]
	run, err := schema.ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	peak := map[string]float64{}
	for _, st := range run.Stages {
		peak[st.Variant] = max(peak[st.Variant], st.Metrics.OutputThroughput)
	}
	for _, step := range []string{"5ms", "10ms"} {
		big, small := "max_num_seqs16-decode_step"+step, "max_num_seqs4-decode_step"+step
		if !(peak[big] > peak[small]) {
			t.Errorf("run.json: peak output %s %.0f tok/s, %s %.0f tok/s: the larger batch must saturate higher", big, peak[big], small, peak[small])
		}
	}
	winner := "max_num_seqs16-decode_step5ms"
	if peak[winner] < slices.Max(slices.Collect(maps.Values(peak))) {
		t.Errorf("run.json: %s does not have the highest saturation throughput: %v", winner, peak)
	}
	md, _ := os.ReadFile(filepath.Join(dir, "report.md"))
	for name, text := range map[string]string{"terminal": out, "markdown": string(md)} {
		if !peakMarked(text, winner) {
			t.Errorf("%s: the variant table does not mark %s best on peak output tokens/s", name, winner)
		}
	}
	page, _ := os.ReadFile(filepath.Join(dir, "report.html"))
	if !regexp.MustCompile(`<td>` + winner + `</td><td>[^<]*</td><td class="num best">[0-9.]+ ★</td>`).Match(page) {
		t.Error("html: the variant table does not mark the larger batch best on peak output tokens/s")
	}
	checkCSVFiles(t, dir, run, winner)
}

// peakMarked reports whether variant's row of a variant table carries the
// best mark in its "Peak out tok/s" column (the third).
func peakMarked(text, variant string) bool {
	for _, l := range strings.Split(text, "\n") {
		cells := strings.FieldsFunc(l, func(r rune) bool { return r == '|' || r == '│' })
		if len(cells) > 3 && strings.ReplaceAll(strings.TrimSpace(cells[0]), `\_`, "_") == variant { // Markdown escapes _
			return strings.Contains(cells[2], "★")
		}
	}
	return false
}

// checkCSVFiles: stages.csv and requests.csv parse with a CSV reader, with
// one row per level and one per request, and the variant in each.
func checkCSVFiles(t *testing.T, dir string, run *schema.Run, winner string) {
	t.Helper()
	stages := readCSV(t, filepath.Join(dir, "stages.csv"))
	if len(stages) != 1+len(run.Stages) {
		t.Errorf("stages.csv has %d rows, want a header and %d levels", len(stages), len(run.Stages))
	}
	col := slices.Index(stages[0], "output_throughput")
	best, bestVariant := 0.0, ""
	for _, r := range stages[1:] {
		if v, _ := strconv.ParseFloat(r[col], 64); v > best {
			best, bestVariant = v, r[0]
		}
	}
	if bestVariant != winner {
		t.Errorf("stages.csv: the highest output throughput is %s's, want %s's", bestVariant, winner)
	}
	n := 0
	if err := schema.ReadRequests(dir, func(schema.RequestRecord) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	reqs := readCSV(t, filepath.Join(dir, "requests.csv"))
	if len(reqs) != 1+n || n == 0 {
		t.Errorf("requests.csv has %d rows, want a header and %d requests", len(reqs), n)
	}
	for _, r := range reqs[1:] {
		if !strings.HasPrefix(r[1], r[0]+"/") {
			t.Fatalf("request row %v: variant %q is not its stage level's", r[:2], r[0])
		}
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s does not parse as CSV: %v", path, err)
	}
	return rows
}

// TestMatrixVariantThatCannotStartExitsThree: a variant whose server exits
// at start-up is reported with its log tail, the others complete, and the
// run exits 3.
func TestMatrixVariantThatCannotStartExitsThree(t *testing.T) {
	path := writeScenario(t, `version: 1
name: broken-variant
server:
  builtin: {decode_step: 1ms}
profiles:
  tiny: {input: 16, output: 4}
matrix:
  variants:
    - name: sim
    - name: oom
      server:
        command: [sh, -c, "echo 'torch.OutOfMemoryError: CUDA out of memory' >&2; exit 1"]
        url: http://127.0.0.1:9
        ready: {timeout: 10s, interval: 50ms}
stages:
  - {name: s, profile: tiny, concurrency: 1, requests: 3}
`)
	results := t.TempDir()
	code, out, errs := runCLI(t, "run", path, "--results-dir", results, "--no-color")
	if code != ExitRunFailed {
		t.Fatalf("exit %d, want 3: %s", code, errs)
	}
	for name, text := range map[string]string{"stderr": errs, "summary": out} {
		if !strings.Contains(text, "CUDA out of memory") || !strings.Contains(text, "oom") {
			t.Errorf("%s does not name the variant with its log tail:\n%s", name, text)
		}
	}
	if !strings.Contains(out, "sim: completed") || !strings.Contains(out, "oom: failed") {
		t.Errorf("the summary does not say how each variant ended:\n%s", out)
	}
	dirs, _ := filepath.Glob(filepath.Join(results, "broken-variant", "*"))
	if len(dirs) != 1 {
		t.Fatalf("run directories %v", dirs)
	}
	for _, f := range []string{"report.md", "report.html"} {
		if b, _ := os.ReadFile(filepath.Join(dirs[0], f)); !strings.Contains(string(b), "CUDA out of memory") {
			t.Errorf("%s does not show the failed variant's log tail", f)
		}
	}
	run, err := schema.ReadRun(dirs[0])
	if err != nil || len(run.Variants) != 2 || run.Variants[1].Status != schema.StatusFailed || len(run.Stages) != 1 {
		t.Errorf("run.json: %v, variants %+v, %d stages", err, run.Variants, len(run.Stages))
	}
}

// TestPlanAndValidateListTheVariants: validate says how many variants it
// checked, plan lists each with the server it starts.
func TestPlanAndValidateListTheVariants(t *testing.T) {
	code, out, errs := runCLI(t, "validate", "../../scenarios/matrix.yaml")
	if code != ExitOK || !strings.Contains(out, "ok (4 variants, each checked)") {
		t.Fatalf("validate: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runCLI(t, "plan", "../../scenarios/matrix.yaml")
	if code != ExitOK {
		t.Fatalf("plan: exit %d: %s", code, errs)
	}
	for _, want := range []string{"4 variants, each on its own server", "max_num_seqs16-decode_step5ms",
		"builtin max_num_seqs=16 decode_step=5ms", "max_num_seqs4-decode_step10ms/sweep/short/c16", "12 steps"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
}
