package schema

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the # error: lines of testdata/*.bad.yaml from the current output")

// testEnv is the environment the testdata files see: SB_SET and SB_URL are
// set, every other variable is unset.
func testEnv(name string) (string, bool) {
	v, ok := map[string]string{"SB_SET": "value", "SB_URL": "http://127.0.0.1:9000"}[name]
	return v, ok
}

const expectPrefix = "# error: "

// TestBadFiles is the specification of the loader's messages: every
// testdata/*.bad.yaml ends with one "# error: LINE:COL: message" comment per
// expected diagnostic, and the loader must produce exactly those, in order.
func TestBadFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/*.bad.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 35 {
		t.Fatalf("only %d bad files; the table needs at least 35", len(files))
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".bad.yaml"), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got := diagLines(t, file, src)
			if *update {
				rewriteExpectations(t, file, src, got)
				return
			}
			want := expectations(src)
			if len(want) == 0 {
				t.Fatalf("%s has no %q lines", file, expectPrefix)
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("diagnostics differ\ngot:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
		})
	}
}

// diagLines loads src and renders each diagnostic as LINE:COL: message.
func diagLines(t *testing.T, file string, src []byte) []string {
	t.Helper()
	_, err := LoadBytes(file, src, testEnv)
	var diags *Diagnostics
	if !errors.As(err, &diags) {
		t.Fatalf("want *Diagnostics, got %v", err)
	}
	var out []string
	for _, d := range diags.List {
		if d.File != file {
			t.Errorf("diagnostic names file %q, want %q", d.File, file)
		}
		out = append(out, strconv.Itoa(d.Line)+":"+strconv.Itoa(d.Column)+": "+d.Message)
	}
	return out
}

func expectations(src []byte) []string {
	var out []string
	for _, line := range strings.Split(string(src), "\n") {
		if rest, ok := strings.CutPrefix(line, expectPrefix); ok {
			out = append(out, rest)
		}
	}
	return out
}

func rewriteExpectations(t *testing.T, file string, src []byte, got []string) {
	var keep []string
	for _, line := range strings.Split(strings.TrimRight(string(src), "\n"), "\n") {
		if !strings.HasPrefix(line, expectPrefix) {
			keep = append(keep, line)
		}
	}
	for _, g := range got {
		keep = append(keep, expectPrefix+g)
	}
	if err := os.WriteFile(file, []byte(strings.Join(keep, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestGoodFiles loads every testdata/*.good.yaml without a diagnostic.
func TestGoodFiles(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.good.yaml")
	if len(files) < 3 {
		t.Fatalf("only %d good files", len(files))
	}
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := LoadBytes(file, src, testEnv); err != nil {
			t.Errorf("%s: %v", file, err)
		}
	}
}
