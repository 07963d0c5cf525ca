package main

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/servebench/servebench/reports"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// writeCSV writes stages.csv and requests.csv into the run directory; the
// requests are streamed from requests.jsonl through the funnel.
func writeCSV(run *schema.Run, dir string) error {
	stages := schema.WriteAtomic(filepath.Join(dir, reports.StagesCSV), func(w io.Writer) error {
		return hidden(w, func(w io.Writer) error { return reports.CSVStages(w, run) })
	})
	requests := schema.WriteAtomic(filepath.Join(dir, reports.RequestsCSV), func(w io.Writer) error {
		return hidden(w, func(w io.Writer) error { return reports.CSVRequests(w, run, requestsIn(dir)) })
	})
	return errors.Join(stages, requests)
}

// hidden runs write through a redacting writer and flushes it.
func hidden(w io.Writer, write func(io.Writer) error) error {
	rw := redact.NewWriter(w)
	return errors.Join(write(rw), rw.Flush())
}

// requestsIn streams the run directory's requests.jsonl; nil when the run
// has none (an imported vLLM result).
func requestsIn(dir string) reports.Requests {
	path := filepath.Join(dir, schema.RequestsFile)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return func(fn func(schema.RequestRecord) error) error { return schema.ReadRequests(path, fn) }
}
