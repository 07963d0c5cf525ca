package dataset

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/servebench/servebench/schema/redact"
)

// fuzzMaxRecord is small, so that the fuzzer reaches the record bound.
const fuzzMaxRecord = 4096

// addSeeds adds the sample (cut to 8 KB) and the bad files of a format.
func addSeeds(f *testing.F, sample, ext string, extra ...string) {
	if data, err := os.ReadFile(sample); err == nil {
		f.Add(data[:min(len(data), 8<<10)])
	}
	files, _ := filepath.Glob("testdata/*.bad." + ext)
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

// checkErr: a read error is an *Error or an *ErrorList of them, at a line
// inside the input, printable as it is (no raw control byte).
func checkErr(t *testing.T, data []byte, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("not an *Error: %#v", err)
	}
	if maxLine := bytes.Count(data, []byte("\n")) + 1; e.Line < 0 || e.Line > maxLine {
		t.Fatalf("line %d outside the input's %d lines: %v", e.Line, maxLine, err)
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		if redact.Line(line) != line {
			t.Fatalf("the message holds control bytes: %q", line)
		}
	}
}

// checkPrompts: whatever Index accepts, every entry reads again from its
// offset as the stream gave it, and starts where it says.
func checkPrompts(t *testing.T, data []byte, format Format) {
	start := time.Now()
	p, err := Index(ctx, bytes.NewReader(data), int64(len(data)), "fuzz", Options{Format: format, MaxRecordBytes: fuzzMaxRecord})
	checkInputTime(t, start)
	if err != nil {
		checkErr(t, data, err)
		return
	}
	r, _ := NewReader(bytes.NewReader(data), "fuzz", format, fuzzMaxRecord)
	i := 0
	for {
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Index accepted what the Reader rejects: %v", err)
		}
		if e.Line != bytes.Count(data[:e.Offset], []byte("\n"))+1 {
			t.Fatalf("entry at offset %d says line %d", e.Offset, e.Line)
		}
		if Words(e.Prompt) != len(strings.Fields(e.Prompt)) {
			t.Fatalf("Words(%q) = %d", e.Prompt, Words(e.Prompt))
		}
		if format == ShareGPT && (len(e.Turns) < 2 || !hasRole(e.Turns, RoleUser) || !hasAnswer(e.Turns)) {
			continue
		}
		got, err := p.Entry(i)
		if err != nil || !reflect.DeepEqual(got, e) {
			t.Fatalf("entry %d read again: %+v, %v\nstreamed: %+v", i, got, err, e)
		}
		i++
	}
	if i != p.Len() {
		t.Fatalf("%d usable entries streamed, %d indexed", i, p.Len())
	}
}

// FuzzJSONL: no input may panic the JSONL reader or make it lose its place.
func FuzzJSONL(f *testing.F) {
	addSeeds(f, sampleChat, "jsonl", "", "\n\n", `{"prompt": "a\u0000b"}`, `{"id": 1e400, "prompt": "x"}`, "{\"prompt\": \"\xff\xfe\"}\r\n")
	f.Fuzz(func(t *testing.T, data []byte) { checkPrompts(t, data, JSONL) })
}

// FuzzShareGPT: no input may panic the ShareGPT reader, and every
// conversation's offset and line point at its "{".
func FuzzShareGPT(f *testing.F) {
	addSeeds(f, sampleShareGPT, "sharegpt", "[]", "{}", `[{"conversations": [{"from": "human", "value": "a"}, {"from": "gpt", "value": "b"}]}]`,
		"[\n\n{\"id\": [[[[[]]]]], \"conversations\": [{\"from\": \"human\", \"value\": \"q\", \"x\": {\"y\": [1]}}, {\"from\": \"bard\", \"value\": \"a\"}]}\n]")
	f.Fuzz(func(t *testing.T, data []byte) {
		checkPrompts(t, data, ShareGPT)
		r, _ := NewReader(bytes.NewReader(data), "fuzz", ShareGPT, fuzzMaxRecord)
		for n := 0; n < 10000; n++ {
			e, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				checkErr(t, data, err)
				continue
			}
			if data[e.Offset] != '{' {
				t.Fatalf("conversation at offset %d starts with %q", e.Offset, data[e.Offset])
			}
		}
		t.Fatal("the reader does not reach io.EOF")
	})
}

// FuzzMooncake: no input may panic the trace reader; every record it
// gives is consistent and in time order.
func FuzzMooncake(f *testing.F) {
	addSeeds(f, sampleTrace, "mooncake", `{"timestamp": 1e12, "input_length": 1, "output_length": 1, "hash_ids": [9223372036854775807]}`)
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := TraceOptions{MaxRecordBytes: fuzzMaxRecord, BlockSize: 16}
		r, _ := NewTraceReader(bytes.NewReader(data), "fuzz", opts)
		start := time.Now()
		var last time.Duration
		for n := 0; n < 100000; n++ {
			rec, err := r.Next()
			if err == io.EOF {
				checkInputTime(t, start)
				return
			}
			if err != nil {
				checkErr(t, data, err)
				continue
			}
			if rec.Timestamp < last || rec.InputLength < 1 || rec.OutputLength < 1 || len(rec.HashIDs) > (rec.InputLength+15)/16 {
				t.Fatalf("inconsistent record: %+v after %v", rec, last)
			}
			last = rec.Timestamp
		}
		t.Fatal("the reader does not reach io.EOF")
	})
}

// fuzzInputBound is the most one input may take while fuzzing: a record
// is bounded, so a slower input is a finding. It is a wall-clock bound, so
// it applies only under -fuzz, never in a plain (maybe -race) test run.
const fuzzInputBound = time.Second

func checkInputTime(t *testing.T, start time.Time) {
	if f := flag.Lookup("test.fuzz"); f == nil || f.Value.String() == "" {
		return
	}
	if d := time.Since(start); d > fuzzInputBound {
		t.Fatalf("one input took %v (bound %v)", d, fuzzInputBound)
	}
}
