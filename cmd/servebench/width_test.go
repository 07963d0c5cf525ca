//go:build linux

package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/jedib0t/go-pretty/v6/text"

	"github.com/servebench/servebench/engine/testexec"
)

// TestSummaryFitsAnEightyColumnTerminal runs `servebench report` with its
// stdout on a real 80-column pseudo-terminal, and into a pipe: the terminal
// gets a table no wider than 80 columns that names the columns it left out,
// the pipe every column (a file or a pipe has no width).
func TestSummaryFitsAnEightyColumnTerminal(t *testing.T) {
	path := writeScenario(t, fmt.Sprintf(twoStages, simServer, 4))
	results := t.TempDir()
	if code, _, errs := runCLI(t, "run", path, "--results-dir", results, "--quiet", "--stage", "first"); code != ExitOK {
		t.Fatalf("run: exit %d: %s", code, errs)
	}
	dir := onlyRunDir(t, results, "cut")

	tty := runOnTerminal(t, 80, "report", dir, "--no-color")
	// Section lines ("  " first) are prose the terminal wraps at a space.
	for _, l := range strings.Split(tty, "\n") {
		if w := text.StringWidthWithoutEscSequences(l); w > 80 && !strings.HasPrefix(l, "  ") {
			t.Errorf("a %d-column line on an 80-column terminal: %q\n%s", w, l, tty)
		}
	}
	if !strings.Contains(tty, "Columns left out to fit: ") || !strings.Contains(tty, "THRESHOLDS") {
		t.Errorf("the terminal summary is not the compact table:\n%s", tty)
	}
	_, piped, _ := runCLI(t, "report", dir, "--no-color")
	if strings.Contains(piped, "left out") || !strings.Contains(piped, "E2EL MEAN") {
		t.Errorf("a pipe does not get every column:\n%s", piped)
	}
}

// runOnTerminal runs servebench with args as a child whose stdout is a
// pseudo-terminal of cols columns, and returns what it printed there.
func runOnTerminal(t *testing.T, cols int, args ...string) string {
	t.Helper()
	master, slave := openPTY(t, cols)
	cmd := testexec.Command(t, "cli", args...)
	cmd.Stdout = slave
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close() // the child holds its own copy: EOF (EIO) once it exits
	out, _ := io.ReadAll(master)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("servebench %v: %v\n%s", args, err, stderr.String())
	}
	// The terminal turns each "\n" into "\r\n" (ONLCR).
	return strings.ReplaceAll(string(out), "\r\n", "\n")
}

// openPTY opens a pseudo-terminal pair (/dev/ptmx) of cols columns with the
// kernel's ioctls; the standard library has no call for it.
func openPTY(t *testing.T, cols int) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal on this machine: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	var n, unlock uint32
	if err := ioctl(master, syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		t.Fatalf("TIOCGPTN: %v", err)
	}
	if err := ioctl(master, syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		t.Fatalf("TIOCSPTLCK: %v", err)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { slave.Close() })
	size := struct{ rows, cols, x, y uint16 }{24, uint16(cols), 0, 0}
	if err := ioctl(slave, syscall.TIOCSWINSZ, unsafe.Pointer(&size)); err != nil {
		t.Fatalf("TIOCSWINSZ: %v", err)
	}
	return master, slave
}

func ioctl(f *os.File, req uintptr, arg unsafe.Pointer) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), req, uintptr(arg)); errno != 0 {
		return errno
	}
	return nil
}
