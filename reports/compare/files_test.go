package compare

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/servebench/servebench/reports"
	"github.com/servebench/servebench/schema"
)

// saveRun writes a run directory the way the engine does (run.json and
// requests.jsonl) so the comparison is exercised from files, as `servebench
// compare` runs it.
func saveRun(t *testing.T, run *schema.Run, recs []schema.RequestRecord) string {
	t.Helper()
	dir := t.TempDir()
	run.SchemaVersion = schema.RunSchemaVersion
	var b bytes.Buffer
	if err := reports.JSON(&b, run); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, schema.RunFile), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	enc := json.NewEncoder(&b)
	for _, r := range recs {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, schema.RequestsFile), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func loadRun(t *testing.T, dir string) (*schema.Run, []schema.RequestRecord) {
	t.Helper()
	run, err := schema.ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	var recs []schema.RequestRecord
	if err := schema.ReadRequests(dir, func(r schema.RequestRecord) error { recs = append(recs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return run, recs
}

func TestCompareFromRunDirectories(t *testing.T) {
	base, br := synthRun("base", 5, 1, []int{4}, 200)
	cand, cr := synthRun("cand", 6, 1.3, []int{4}, 200)
	b, brec := loadRun(t, saveRun(t, base, br))
	c, crec := loadRun(t, saveRun(t, cand, cr))
	cmp := Compare([]*schema.Run{b, c}, [][]schema.RequestRecord{brec, crec}, Options{})
	f, err := CompileFailOn(`"ttft.mean" in regressions`)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Eval(cmp); len(got) != 1 {
		t.Errorf("fail-on from saved runs: %v (regressions %v)", got, cmp.Regressions())
	}
}
