package testexec

import (
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
