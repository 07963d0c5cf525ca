package schema

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/servebench/servebench/schema/redact"
)

// This file is the one writer of the run files. run.json is encoded by
// EncodeRun only (the engine's saves, `--json`, the json report format and
// `import` all call it), so every copy has the same bytes and the same
// escaping, and every byte passes the redaction funnel on its way out.

// EncodeRun writes run as indented JSON (field order of the structs, map
// keys sorted, no HTML escaping), with every registered secret hidden.
func EncodeRun(w io.Writer, run *Run) error {
	data, err := MarshalRun(run)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// MarshalRun is EncodeRun into a byte slice.
func MarshalRun(run *Run) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(run); err != nil {
		return nil, fmt.Errorf("encode run.json: %w", err)
	}
	return redact.Bytes(buf.Bytes()), nil
}

// WriteRun saves run as dir/run.json atomically.
func WriteRun(dir string, run *Run) error {
	data, err := MarshalRun(run)
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(dir, RunFile), data)
}

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
// The file is 0644 like every other file of a run directory. data is
// written as given: callers pass text that went through the funnel.
func WriteFileAtomic(path string, data []byte) error {
	return WriteAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteAtomic is WriteFileAtomic for content written as a stream (a CSV
// of every request), which never has to fit in memory.
func WriteAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %q: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	bw := bufio.NewWriterSize(tmp, 256<<10)
	if err := errors.Join(write(bw), bw.Flush()); err != nil {
		tmp.Close()
		return fmt.Errorf("write %q: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
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

// RequestLog appends request records to requests.jsonl through a 256 KiB
// buffer. It is owned by one goroutine (the stage's collector); Flush at
// stage ends bounds what a crash can lose to the stage in progress.
type RequestLog struct {
	f   *os.File
	w   *bufio.Writer
	enc *json.Encoder
	buf bytes.Buffer
	err error
}

// OpenRequestLog creates or appends to dir/requests.jsonl.
func OpenRequestLog(dir string) (*RequestLog, error) {
	path := filepath.Join(dir, RequestsFile)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %q: %w", path, err)
	}
	l := &RequestLog{f: f, w: bufio.NewWriterSize(f, 256<<10)}
	l.enc = json.NewEncoder(&l.buf)
	l.enc.SetEscapeHTML(false)
	return l, nil
}

// Write encodes one record as a line. The first error sticks and is
// returned by every later call, so a full disk is reported once, not per
// request. Only a line that holds an error message can carry text from
// the server, so only such lines pass the funnel.
func (l *RequestLog) Write(rec *RequestRecord) error {
	if l.err != nil {
		return l.err
	}
	l.buf.Reset()
	if l.err = l.enc.Encode(rec); l.err != nil {
		return l.err
	}
	line := l.buf.Bytes()
	if rec.Error != nil {
		line = redact.Bytes(line)
	}
	_, l.err = l.w.Write(line)
	return l.err
}

// Flush pushes buffered lines to the file.
func (l *RequestLog) Flush() error {
	if l.err == nil {
		l.err = l.w.Flush()
	}
	return l.err
}

// Close flushes and closes the file.
func (l *RequestLog) Close() error {
	ferr := l.Flush()
	cerr := l.f.Close()
	return errors.Join(ferr, cerr)
}
