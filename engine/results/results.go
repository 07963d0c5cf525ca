// Package results owns the run directory on disk: it creates a directory no
// other run can claim, writes files atomically (temp file + rename, so a
// reader never sees a truncated run.json), and streams requests.jsonl through
// a buffered writer that is flushed at stage boundaries, off the hot path.
package results

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// File names inside a run directory.
const (
	RunFile      = "run.json"
	RequestsFile = "requests.jsonl"
)

// CreateRunDir makes <base>/<name>/<UTC timestamp>/ and never reuses an
// existing directory: two runs in the same second get "-2", "-3" suffixes.
func CreateRunDir(base, name string, t time.Time) (string, error) {
	parent := filepath.Join(base, name)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("create results directory %q: %w", parent, err)
	}
	stamp := t.UTC().Format("20060102T150405Z")
	for i := 1; i < 1000; i++ {
		dir := filepath.Join(parent, stamp)
		if i > 1 {
			dir += "-" + strconv.Itoa(i)
		}
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("create run directory %q: %w", dir, err)
		}
	}
	return "", fmt.Errorf("create run directory under %q: too many runs in one second", parent)
}

// WriteFileAtomic writes data to path through a temp file in the same
// directory and a rename, so the file is either the old or the new content.
func WriteFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %q: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %q: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync %q: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %q: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %q: %w", path, err)
	}
	return nil
}

// WriteJSON marshals v with indentation and writes it atomically.
func WriteJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %q: %w", filepath.Base(path), err)
	}
	return WriteFileAtomic(path, append(data, '\n'))
}

// Lines appends JSON lines to a file through a 256 KiB buffer. It is owned by
// one goroutine (the stage's collector); Flush at stage ends bounds what a
// crash can lose to the stage in progress.
type Lines struct {
	f   *os.File
	w   *bufio.Writer
	enc *json.Encoder
	err error
}

// OpenLines creates or appends to path.
func OpenLines(path string) (*Lines, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %q: %w", path, err)
	}
	w := bufio.NewWriterSize(f, 256<<10)
	return &Lines{f: f, w: w, enc: json.NewEncoder(w)}, nil
}

// Write encodes one value as a line. The first error sticks and is returned
// by every later call, so a full disk is reported once, not per request.
func (l *Lines) Write(v any) error {
	if l.err == nil {
		l.err = l.enc.Encode(v)
	}
	return l.err
}

// Flush pushes buffered lines to the file.
func (l *Lines) Flush() error {
	if l.err == nil {
		l.err = l.w.Flush()
	}
	return l.err
}

// Close flushes and closes the file.
func (l *Lines) Close() error {
	ferr := l.Flush()
	cerr := l.f.Close()
	return errors.Join(ferr, cerr)
}
