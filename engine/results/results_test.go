package results

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

func TestWriteJSONReplacesWholeFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.json")
	if err := WriteJSON(path, map[string]string{"a": "a long value that is longer"}); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(path, map[string]int{"b": 1}); err != nil {
		t.Fatal(err)
	}
	var got map[string]int
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &got); err != nil || got["b"] != 1 {
		t.Fatalf("run.json = %q (%v)", data, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temp files left behind: %v", entries)
	}
}

func TestWriteJSONUnwritableDirFails(t *testing.T) {
	// chmod does not stop root (CI runs as root), so the directory is taken
	// away instead: a results directory that vanished mid-run.
	dir := filepath.Join(t.TempDir(), "gone")
	if err := WriteJSON(filepath.Join(dir, "run.json"), 1); err == nil {
		t.Fatal("writing into a missing directory succeeded")
	}
}

func TestLinesAppendsOneValuePerLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), RequestsFile)
	l, err := OpenLines(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		if err := l.Write(map[string]int{"i": i}); err != nil {
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
		var v map[string]int
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil || v["i"] != n {
			t.Fatalf("line %d = %q", n, sc.Text())
		}
		n++
	}
	if n != 1000 {
		t.Fatalf("%d lines, want 1000", n)
	}
}
