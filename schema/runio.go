package schema

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Names of the files in a run directory.
const (
	RunFile      = "run.json"
	RequestsFile = "requests.jsonl"
)

// ReadRun reads a run result; path is a run directory or a run.json file.
// Versions OldestRunSchemaVersion to RunSchemaVersion are accepted (older
// ones upgraded on the way in), with a clear error for any other, so a
// report never silently misreads a result written by another version.
func ReadRun(path string) (*Run, error) {
	file, err := inRunDir(path, RunFile)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read run: %w", err)
	}
	run, err := DecodeRun(data)
	if err != nil {
		return nil, fmt.Errorf("read run %q: %w", file, err)
	}
	return run, nil
}

// DecodeRun decodes run.json bytes, checking schema_version first.
func DecodeRun(data []byte) (*Run, error) {
	var head struct {
		SchemaVersion *int `json:"schema_version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("not a run.json: %w", err)
	}
	switch v := head.SchemaVersion; {
	case v == nil:
		return nil, errors.New("not a servebench run.json: schema_version is missing")
	case *v < OldestRunSchemaVersion || *v > RunSchemaVersion:
		return nil, fmt.Errorf("run.json schema_version %d is not supported: this build reads versions %d to %d",
			*v, OldestRunSchemaVersion, RunSchemaVersion)
	}
	var run Run
	if err := json.Unmarshal(data, &run); err != nil {
		return nil, fmt.Errorf("decode run.json: %w", err)
	}
	upgradeRun(&run, *head.SchemaVersion)
	return &run, nil
}

// ReadRequests streams requests.jsonl (path is a run directory or the file)
// to fn one record at a time, so a run with millions of requests needs no
// more memory than one line. It stops at fn's first error and returns it.
func ReadRequests(path string, fn func(RequestRecord) error) error {
	file, err := inRunDir(path, RequestsFile)
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("read requests: %w", err)
	}
	defer f.Close()
	return decodeRequests(file, f, fn)
}

// decodeRequests decodes one JSON object per line; blank lines are skipped.
func decodeRequests(name string, r io.Reader, fn func(RequestRecord) error) error {
	br := bufio.NewReaderSize(r, 1<<16)
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(b)) > 0 {
			var rec RequestRecord
			if jerr := json.Unmarshal(b, &rec); jerr != nil {
				return fmt.Errorf("read requests %s:%d: %w", name, line, jerr)
			}
			if ferr := fn(rec); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read requests %s: %w", name, err)
		}
	}
}

// inRunDir resolves a run directory to the named file inside it.
func inRunDir(path, name string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("open run: %w", err)
	}
	if fi.IsDir() {
		return filepath.Join(path, name), nil
	}
	return path, nil
}
