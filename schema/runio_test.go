package schema

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeRun(t *testing.T, dir string, run *Run) {
	t.Helper()
	b, err := json.Marshal(run)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, RunFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadRunRoundTrip(t *testing.T) {
	sc, err := Load(context.Background(), "testdata/docker.good.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	want := &Run{SchemaVersion: RunSchemaVersion, Name: "x", Scenario: sc.Redacted(), Status: StatusCompleted,
		StartedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Stages:    []StageResult{*sampleStage()}}
	writeRun(t, dir, want)
	for _, p := range []string{dir, filepath.Join(dir, RunFile)} {
		got, err := ReadRun(p)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "x" || got.Stages[0].Metrics.TTFT.Percentiles["p99"] != 612 ||
			got.Scenario.Stages[0].Concurrency.Values[3] != 4 || got.Scenario.Server.StopTimeout.D() != 30*time.Second {
			t.Fatalf("round trip lost data: %+v", got)
		}
	}
}

func TestReadRunVersion(t *testing.T) {
	dir := t.TempDir()
	writeRun(t, dir, &Run{SchemaVersion: 7})
	_, err := ReadRun(dir)
	if err == nil || !strings.Contains(err.Error(), "schema_version 7 is not supported: this build reads versions 1 to 3") {
		t.Fatalf("got %v", err)
	}
	_ = os.WriteFile(filepath.Join(dir, RunFile), []byte(`{"name":"x"}`), 0o644)
	if _, err := ReadRun(dir); err == nil || !strings.Contains(err.Error(), "schema_version is missing") {
		t.Fatalf("got %v", err)
	}
}

func TestReadRequests(t *testing.T) {
	dir := t.TempDir()
	lines := `{"stage":"s/safe/c1","i":0,"e2el_ms":10,"req_input":256,"req_output":128,"itl_ms":[1,2]}

{"stage":"s/safe/c1","i":1,"e2el_ms":0,"req_input":256,"req_output":128,"error":{"kind":"timeout","message":"deadline"}}`
	if err := os.WriteFile(filepath.Join(dir, RequestsFile), []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	var got []RequestRecord
	err := ReadRequests(dir, func(r RequestRecord) error { got = append(got, r); return nil })
	if err != nil || len(got) != 2 || len(got[0].ITLMS) != 2 || got[1].Error.Kind != FailTimeout {
		t.Fatalf("got %+v, %v", got, err)
	}
	stop := errors.New("stop")
	n := 0
	err = ReadRequests(filepath.Join(dir, RequestsFile), func(RequestRecord) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("fn error must stop the stream: %v after %d", err, n)
	}
	_ = os.WriteFile(filepath.Join(dir, RequestsFile), []byte("{\"i\":1}\nnot json\n"), 0o644)
	err = ReadRequests(dir, func(RequestRecord) error { return nil })
	if err == nil || !strings.Contains(err.Error(), ":2:") {
		t.Fatalf("want line number in error, got %v", err)
	}
}
