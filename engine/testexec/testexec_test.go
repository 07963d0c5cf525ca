package testexec

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMain(m *testing.M) {
	Main(m, map[string]Helper{
		"echo": func(args []string) int {
			print(strings.Join(args, ","))
			return len(args)
		},
	})
}

// TestCommandRunsTheHelper re-executes this test binary as the echo helper:
// the arguments arrive, and its return value is the exit status.
func TestCommandRunsTheHelper(t *testing.T) {
	cmd := Command(t, "echo", "a", "-b", "--", "c")
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 4 {
		t.Fatalf("exit status %d (%v), want 4 (the number of arguments); output %q", code, err, out)
	}
	if got := string(out); got != "a,-b,--,c" {
		t.Errorf("helper saw %q, want a,-b,--,c", got)
	}
}

func TestUnknownHelperExits2(t *testing.T) {
	cmd := Command(t, "nope")
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(string(out), `no helper "nope"`) {
		t.Fatalf("exit status %d, output %q", code, out)
	}
}

// TestOnlyImportedByTests keeps this package out of the servebench binary:
// it re-executes test binaries and imports package testing, so no file of
// the module but a _test.go file may import it.
func TestOnlyImportedByTests(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found at %s: %v", root, err)
	}
	const self = `"github.com/servebench/servebench/engine/testexec"`
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			if imp.Path.Value == self {
				t.Errorf("%s imports testexec: only tests may", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("only %d Go files checked under %s: the walk missed the module", checked, root)
	}
}
