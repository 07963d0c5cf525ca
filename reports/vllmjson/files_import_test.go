package vllmjson

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/servebench/servebench/schema"
)

// copyFile copies testdata/src to dir/name.
func copyFile(t *testing.T, src, dir, name string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", src))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestImportSweepDirectory: the seed's results_<c>_<ts>.json files for
// c = 1, 2, 4 import as one run of three levels in order of load (the
// names sort 1, 2, 4 here, but results_16 would sort before results_2),
// each with its requests; vLLM's .pytorch.json side files are skipped.
func TestImportSweepDirectory(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"results_4_20250403-101600.json", "results_1_20250403-101500.json", "results_2_20250403-101530.json"} {
		copyFile(t, filepath.Join("sweep", f), dir, f)
	}
	copyFile(t, "vllm_c8.json", dir, "results_16_20250403-101700.json") // sorts before results_2, has no arrays
	if err := os.WriteFile(filepath.Join(dir, "results_1_20250403-101500.pytorch.json"), []byte(`[{"benchmark": {}}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	perStage := map[string]int{}
	run, err := ImportFiles([]string{dir}, "old-sweep", func(r *schema.RequestRecord) error { perStage[r.Stage]++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, st := range run.Stages {
		got = append(got, st.ID)
	}
	if strings.Join(got, " ") != "vllm/imported/c1 vllm/imported/c2 vllm/imported/c4 vllm/imported/c8" {
		t.Errorf("stages %v", got)
	}
	if perStage["vllm/imported/c1"] != 40 || perStage["vllm/imported/c4"] != 40 || perStage["vllm/imported/c8"] != 0 {
		t.Errorf("records per stage %v", perStage)
	}
	if run.Name != "old-sweep" || run.Source != ImportSource || !run.StartedAt.Equal(run.Stages[0].StartedAt) || len(run.Notes) == 0 {
		t.Errorf("run %q source %q started %v notes %q", run.Name, run.Source, run.StartedAt, run.Notes)
	}
	notes := strings.Join(run.Notes, "\n")
	for _, want := range []string{
		"results_16_20250403-101700.json: vllm import: no per-request arrays",
		"results_1_20250403-101500.json: vllm import: 40 per-request records",
		`the files name different models: "openai/gpt-oss-120b", "example-org/example-8b"`,
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
}

// TestImportSameLevelTwice: two files of one level keep unique stage IDs,
// and each file's records carry its own.
func TestImportSameLevelTwice(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, "sweep/results_2_20250403-101530.json", dir, "a.json")
	copyFile(t, "sweep/results_2_20250403-101530.json", dir, "b.json")
	ids := map[string]int{}
	run, err := ImportFiles([]string{filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json")}, "x",
		func(r *schema.RequestRecord) error { ids[r.Stage]++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if run.Stages[0].ID != "vllm/imported/c2" || run.Stages[1].ID != "vllm/imported/c2@b" || ids["vllm/imported/c2@b"] != 40 || ids["vllm/imported/c2"] != 40 {
		t.Errorf("ids %q %q, records %v", run.Stages[0].ID, run.Stages[1].ID, ids)
	}
	if strings.Join(run.Notes, "\n") != "every file: vllm backend: vllm\n"+
		"every file: vllm import: 40 per-request records from the file's arrays; E2EL and TPOT from TTFT + ITLs "+
		"(to the last token: this vLLM version saved no per-request latencies)" {
		t.Errorf("notes %q", run.Notes)
	}
}

func TestImportFilesErrors(t *testing.T) {
	empty := t.TempDir()
	cases := []struct {
		name  string
		paths []string
		want  string
	}{
		{"none", nil, "no vllm result file given"},
		{"missing", []string{filepath.Join(empty, "nope.json")}, "no such file"},
		{"empty directory", []string{empty}, "the directory holds no .json result file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := ImportFiles(c.paths, "x", nil); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want %q", err, c.want)
			}
		})
	}
}
