package schema

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// MaxScenarioBytes bounds a scenario file. The shipped scenarios are 1-3 KB;
// goccy/go-yaml needs about a second per megabyte of pathological YAML on a
// busy machine, so the bound keeps `validate` on any file well under one.
const MaxScenarioBytes = 256 << 10

// readScenario reads a scenario file: a regular file of at most
// MaxScenarioBytes. The file is opened non-blocking, so a FIFO cannot make
// the open wait forever for a writer, and checked on the opened descriptor,
// so it cannot be swapped between check and read; /dev/zero and other
// endless devices are refused before a byte is read.
func readScenario(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("read scenario %q: not a regular file (%s); a scenario is read from a file", path, fileKind(fi.Mode()))
	}
	if fi.Size() > MaxScenarioBytes {
		return nil, fmt.Errorf("read scenario %q: %d bytes, more than the %d a scenario may have", path, fi.Size(), MaxScenarioBytes)
	}
	src, err := io.ReadAll(io.LimitReader(f, MaxScenarioBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	if len(src) > MaxScenarioBytes {
		return nil, fmt.Errorf("read scenario %q: more than the %d bytes a scenario may have", path, MaxScenarioBytes)
	}
	return src, nil
}

// fileKind names a non-regular file type for the message above.
func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "mode " + m.String()
}
