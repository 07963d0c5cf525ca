package schema

import (
	"os"
	"path/filepath"
	"testing"
)

// v1NonStreamingInterrupted is the metrics part of a run.json written by
// schema_version 1 for a non-streaming stage cut by Ctrl-C: TPOT full of
// zeros, ITL empty, cancelled requests counted as failed.
const v1NonStreamingInterrupted = `{"schema_version": 1, "name": "old", "status": "interrupted", "passed": false,
 "stages": [{"id": "s/p/c4", "stage": "s", "profile": "p", "status": "interrupted",
  "metrics": {"sent": 12, "completed": 3, "failed": 9, "error_rate": 0.75, "duration_s": 2, "exact": true,
   "ttft_ms": {"count": 3, "mean": 900, "median": 900, "std": 0, "min": 900, "max": 900, "percentiles": {"p99": 900}},
   "tpot_ms": {"count": 3, "mean": 0, "median": 0, "std": 0, "min": 0, "max": 0, "percentiles": {"p99": 0}},
   "itl_ms": {"count": 0, "mean": 0, "median": 0, "std": 0, "min": 0, "max": 0, "percentiles": {"p99": 0}},
   "e2el_ms": {"count": 3, "mean": 900, "median": 900, "std": 0, "min": 900, "max": 900, "percentiles": {"p99": 900}}},
  "client": {"achieved_concurrency": 4, "max_in_flight": 4,
   "send_lag_ms": {"count": 0, "mean": 0, "median": 0, "std": 0, "min": 0, "max": 0},
   "queue_time_ms": {"count": 0, "mean": 0, "median": 0, "std": 0, "min": 0, "max": 0}},
  "failures": [{"kind": "canceled", "count": 8, "example": "context canceled"},
   {"kind": "server_error", "status": 500, "count": 1, "example": "boom"}]}]}`

// TestReadRunUpgradesVersion1: runs written before absent metrics and
// cancelled counts still read, with today's meaning.
func TestReadRunUpgradesVersion1(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, RunFile), []byte(v1NonStreamingInterrupted), 0o644); err != nil {
		t.Fatal(err)
	}
	run, err := ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	st := run.Stages[0]
	m := st.Metrics
	if run.SchemaVersion != RunSchemaVersion {
		t.Errorf("schema_version %d after upgrade", run.SchemaVersion)
	}
	if m.TPOT.Measured() || m.ITL.Measured() || st.Client.SendLag.Measured() || !m.TTFT.Measured() {
		t.Errorf("absent distributions: tpot %+v itl %+v ttft %+v", m.TPOT, m.ITL, m.TTFT)
	}
	if m.Canceled != 8 || m.Failed != 1 || m.Sent != 4 || m.ErrorRate != 0.25 {
		t.Errorf("canceled %d failed %d sent %d error rate %v", m.Canceled, m.Failed, m.Sent, m.ErrorRate)
	}
	if len(st.Failures) != 1 || st.Failures[0].Kind != FailServerError {
		t.Errorf("failures %+v", st.Failures)
	}
}
