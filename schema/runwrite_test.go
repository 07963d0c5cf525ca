package schema

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestCreateRunDirNeverReuses(t *testing.T) {
	base := t.TempDir()
	now := time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)
	a, err := CreateRunDir(base, "demo", now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := CreateRunDir(base, "demo", now)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatalf("two runs share %q", a)
	}
	if want := filepath.Join(base, "demo", "20261126T170000Z"); a != want {
		t.Errorf("first dir = %q, want %q", a, want)
	}
	if want := filepath.Join(base, "demo", "20261126T170000Z-2"); b != want {
		t.Errorf("second dir = %q, want %q", b, want)
	}
}

func TestWriteRunReplacesWholeFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, RunFile)
	if err := WriteRun(dir, &Run{SchemaVersion: RunSchemaVersion, Name: "a long name that is longer"}); err != nil {
		t.Fatal(err)
	}
	if err := WriteRun(dir, &Run{SchemaVersion: RunSchemaVersion, Name: "b"}); err != nil {
		t.Fatal(err)
	}
	got, err := ReadRun(path)
	if err != nil || got.Name != "b" {
		t.Fatalf("run.json = %+v (%v)", got, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("run.json mode %v, want 0644", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temp files left behind: %v", entries)
	}
}

func TestWriteRunUnwritableDirFails(t *testing.T) {
	// chmod does not stop root (CI runs as root), so the directory is taken
	// away instead: a results directory that vanished mid-run.
	dir := filepath.Join(t.TempDir(), "gone")
	if err := WriteRun(dir, &Run{}); err == nil {
		t.Fatal("writing into a missing directory succeeded")
	}
}

func TestRequestLogAppendsOneValuePerLine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, RequestsFile)
	l, err := OpenRequestLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		if err := l.Write(&RequestRecord{Index: i}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(path)
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		var v RequestRecord
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil || v.Index != n {
			t.Fatalf("line %d = %q", n, sc.Text())
		}
		n++
	}
	if n != 1000 {
		t.Fatalf("%d lines, want 1000", n)
	}
}
