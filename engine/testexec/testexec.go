// Package testexec lets a test binary play helper processes: a fake server
// started as a scenario's server.command, a simulator that dies mid-stage,
// a client that must see an environment variable from its very start. The
// binary re-executes itself, the way Go's own os/exec tests do, so a helper
// is a real process (real signals, exit statuses, pipes and environment)
// without a separate go build.
//
// A test package registers its helpers in TestMain:
//
//	func TestMain(m *testing.M) {
//		testexec.Main(m, map[string]testexec.Helper{"sim": serveSim})
//	}
//
// and starts one with Command, or, when code under test starts it (a
// server.command), with Argv plus the Environ entry in its environment.
//
// The package is for _test.go files only (TestOnlyImportedByTests keeps it
// so). It is not under an internal/ directory because cmd/servebench's
// tests, which play the servebench command itself and its fake servers,
// must import it too, and Go lets only engine/... import engine/internal;
// one exported helper is simpler than two copies of the protocol.
package testexec

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"
)

// Env names the helper a re-executed test binary runs instead of its tests.
const Env = "SERVEBENCH_TEST_HELPER"

// Lifetime ends a helper that a failed test left behind, so a broken stop
// cannot leave immortal processes on a shared machine.
const Lifetime = 3 * time.Minute

// Helper is the main function of a helper process: it gets the arguments
// given to Argv or Command and returns the process's exit status.
type Helper func(args []string) int

// Main runs the helper named by $SERVEBENCH_TEST_HELPER when it is set, and
// the tests otherwise; it never returns. Call it from TestMain.
func Main(m *testing.M, helpers map[string]Helper) {
	name := os.Getenv(Env)
	if name == "" {
		os.Exit(m.Run())
	}
	h, ok := helpers[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "testexec: this test binary has no helper %q\n", name)
		os.Exit(2)
	}
	time.AfterFunc(Lifetime, func() { os.Exit(4) })
	os.Exit(h(helperArgs(os.Args)))
}

// separator ends the test binary's own flags in a helper's command line.
const separator = "--"

// helperArgs returns what follows the separator.
func helperArgs(argv []string) []string {
	if i := slices.Index(argv, separator); i >= 0 {
		return argv[i+1:]
	}
	return nil
}

// Argv is the command line that re-executes this test binary with args for
// its helper; the helper itself is chosen by the Environ entry, which the
// starter must put in the process's environment (server.env for a
// scenario's server.command).
func Argv(t testing.TB, args ...string) []string {
	t.Helper()
	argv, err := argv(args)
	if err != nil {
		t.Fatal(err)
	}
	return argv
}

func argv(args []string) ([]string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("testexec: %w", err)
	}
	return append([]string{exe, "-test.run=^$", separator}, args...), nil
}

// Environ is the environment entry that selects helper name.
func Environ(name string) string { return Env + "=" + name }

// Command returns a command that runs helper name with args, in the test's
// environment plus the helper's selector.
func Command(t testing.TB, name string, args ...string) *exec.Cmd {
	t.Helper()
	cmd, err := HelperCommand(name, args...)
	if err != nil {
		t.Fatal(err)
	}
	return cmd
}

// HelperCommand is Command for a helper that starts another helper (a fake
// server spawning its worker), where there is no test to fail.
func HelperCommand(name string, args ...string) (*exec.Cmd, error) {
	argv, err := argv(args)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), Environ(name))
	return cmd, nil
}
