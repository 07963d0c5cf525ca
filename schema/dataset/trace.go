package dataset

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"time"
)

// DefaultBlockSize is the number of tokens one Mooncake hash id stands
// for: 512 in the published FAST'25 traces.
const DefaultBlockSize = 512

// maxTimestampMs bounds a timestamp (about 31 years in ms), so that it
// converts to a time.Duration without overflow.
const maxTimestampMs = 1e12

// mooncakeFields are the keys of a trace record, for the unknown-key message.
var mooncakeFields = []string{"timestamp", "input_length", "output_length", "hash_ids"}

// Record is one request of a Mooncake trace.
type Record struct {
	// Line is the record's 1-based line in the file.
	Line int
	// Timestamp is when the request arrives, from the trace's time 0 (the
	// file's `timestamp`, in milliseconds).
	Timestamp time.Duration
	// InputLength and OutputLength are the prompt's and the answer's tokens.
	InputLength, OutputLength int
	// HashIDs name the prompt's blocks of BlockSize tokens, in order:
	// records sharing a hash id share that block (a prefix cache hit).
	// Blocks past the last id are the record's own.
	HashIDs []int
}

// TraceOptions say how to read a trace and which part of it.
type TraceOptions struct {
	// MaxRecordBytes bounds one line (DefaultMaxRecordBytes).
	MaxRecordBytes int
	// BlockSize is the tokens per hash id (DefaultBlockSize).
	BlockSize int
	// From and To select the records with From <= Timestamp < To; To 0
	// means to the end. Reading stops at the first record past To.
	From, To time.Duration
	// First, when positive, stops after that many selected records.
	First int
}

func (o TraceOptions) validate(file string) error {
	switch {
	case o.MaxRecordBytes <= 0:
		return fmt.Errorf("trace %q: the record bound must be positive, not %d", file, o.MaxRecordBytes)
	case o.BlockSize <= 0:
		return fmt.Errorf("trace %q: the block size must be positive, not %d", file, o.BlockSize)
	case o.From < 0 || o.To < 0 || o.First < 0:
		return fmt.Errorf("trace %q: the window must not be negative", file)
	case o.To > 0 && o.To <= o.From:
		return fmt.Errorf("trace %q: the window is empty: from %v to %v", file, o.From, o.To)
	}
	return nil
}

// TraceReader reads the records of a Mooncake trace in file order, one
// line at a time, never past the window: a replay of the first minutes of
// a day-long trace reads only those minutes.
type TraceReader struct {
	file   string
	opts   TraceOptions
	s      *lineScanner
	closer io.Closer
	last   time.Duration // timestamp of the last good record
	given  int
	done   bool
}

// NewTraceReader reads a Mooncake trace from r; file names it in errors.
func NewTraceReader(r io.Reader, file string, opts TraceOptions) (*TraceReader, error) {
	if err := opts.validate(file); err != nil {
		return nil, err
	}
	return &TraceReader{file: file, opts: opts, s: newLineScanner(r, readBufferSize, opts.MaxRecordBytes, 0, 1)}, nil
}

// OpenTrace opens the Mooncake trace at path.
func OpenTrace(path string, opts TraceOptions) (*TraceReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Msg: "cannot read the trace: " + describeOpen(err), Err: err}
	}
	t, err := NewTraceReader(f, path, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	t.closer = f
	return t, nil
}

// Close closes the file OpenTrace opened.
func (t *TraceReader) Close() error {
	if t.closer == nil {
		return nil
	}
	return t.closer.Close()
}

// Next returns the next record of the window, or io.EOF after the last.
// A broken record is an *Error at its line, and Next may be called again
// to go on with the next line; an I/O error ends the read.
func (t *TraceReader) Next() (Record, error) {
	for !t.done {
		b, line, _, err := t.s.next()
		switch {
		case err == io.EOF:
			t.done = true
			continue
		case errors.Is(err, errTooLong):
			return Record{}, errorf(t.file, line, "%s", tooLong("the line", t.opts.MaxRecordBytes))
		case err != nil:
			t.done = true
			return Record{}, asError(t.file, line, err)
		case blank(b):
			continue
		}
		rec, err := t.decode(line, b)
		if err != nil {
			return Record{}, asError(t.file, line, err)
		}
		t.last = rec.Timestamp
		if rec.Timestamp < t.opts.From {
			continue
		}
		if t.opts.To > 0 && rec.Timestamp >= t.opts.To {
			t.done = true
			continue
		}
		t.given++
		t.done = t.opts.First > 0 && t.given == t.opts.First
		return rec, nil
	}
	return Record{}, io.EOF
}

// decode decodes and checks one record.
func (t *TraceReader) decode(line int, b []byte) (Record, error) {
	w := newWalker(bytes.NewReader(b), t.file, 0, fixedLine(line))
	rec := Record{Line: line}
	var has struct{ ts, in, out bool }
	if err := w.open("a record", '{'); err != nil {
		return rec, err
	}
	err := w.fields(func(key string, tok json.Token, vline int) error {
		if !slices.Contains(mooncakeFields, key) {
			return errorf(t.file, line, "unknown key %s (a mooncake record has %s)", quote(key), joinComma(mooncakeFields))
		}
		if tok == nil {
			return nil
		}
		var err error
		var n int64
		switch key {
		case "timestamp":
			has.ts = true
			var ms float64
			ms, err = w.number("timestamp", tok, vline, 0, maxTimestampMs)
			rec.Timestamp = time.Duration(math.Round(ms * float64(time.Millisecond)))
		case "input_length":
			has.in = true
			n, err = w.integer("input_length", tok, vline, 1, math.MaxInt32)
			rec.InputLength = int(n)
		case "output_length":
			has.out = true
			n, err = w.integer("output_length", tok, vline, 1, math.MaxInt32)
			rec.OutputLength = int(n)
		case "hash_ids":
			rec.HashIDs, err = hashIDs(w, tok, vline)
		}
		return err
	})
	if err == nil {
		err = trailing(w)
	}
	if err != nil {
		return rec, err
	}
	return rec, t.check(rec, has.ts, has.in, has.out)
}

// check is the record's consistency with itself and the record before.
func (t *TraceReader) check(rec Record, ts, in, out bool) error {
	var missing []string
	for _, m := range []struct {
		ok   bool
		name string
	}{{ts, "timestamp"}, {in, "input_length"}, {out, "output_length"}} {
		if !m.ok {
			missing = append(missing, m.name)
		}
	}
	bs := t.opts.BlockSize
	switch blocks := (rec.InputLength + bs - 1) / bs; {
	case len(missing) > 0:
		return errorf(t.file, rec.Line, "the record has no %s", joinAnd(missing))
	case rec.Timestamp < t.last:
		return errorf(t.file, rec.Line, "timestamp %v comes before the previous record's %v: a trace must be in time order",
			ms(rec.Timestamp), ms(t.last))
	case len(rec.HashIDs) > blocks:
		return errorf(t.file, rec.Line, "%d hash_ids, but input_length %d fills only %d %s of %d tokens "+
			"(is the trace's block size %d?)", len(rec.HashIDs), rec.InputLength, blocks, plural(blocks, "block"), bs, bs)
	}
	return nil
}

// hashIDs reads `hash_ids`: a list of non-negative integers.
func hashIDs(w *walker, t json.Token, line int) ([]int, error) {
	if err := w.opens("hash_ids", t, line, '['); err != nil {
		return nil, err
	}
	ids := []int{}
	err := w.elems(func(i int, t json.Token, line int) error {
		id, err := w.integer("hash_ids["+strconv.Itoa(i)+"]", t, line, 0, math.MaxInt64)
		ids = append(ids, int(id))
		return err
	})
	return ids, err
}

// plural is word, with an "s" unless n is 1.
func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// ms prints a duration as the trace's milliseconds.
func ms(d time.Duration) string {
	return fmt.Sprintf("%g ms", float64(d)/float64(time.Millisecond))
}

// joinAnd joins names as "a", "a and b", "a, b and c".
func joinAnd(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	out := names[0]
	for _, n := range names[1 : len(names)-1] {
		out += ", " + n
	}
	return out + " and " + names[len(names)-1]
}

// TraceStats summarises the selected records of a trace.
type TraceStats struct {
	Records     int
	First, Last time.Duration
	// MaxInput, MaxOutput and MaxTotal are the largest input, output and
	// input + output of a record (MaxTotal is what must fit max_model_len).
	MaxInput, MaxOutput, MaxTotal int
	// Skipped counts the records the filter leaves out.
	Skipped Skips
	// Fitting is the number of records that pass the filter.
	Fitting int
}

// CheckTrace reads the window of the trace at path, as `validate` does:
// every broken record is reported (an *ErrorList of *Error at FILE:LINE),
// and so is every record over max_model_len under the Fail policy.
func CheckTrace(ctx context.Context, path string, opts TraceOptions, f Filter) (TraceStats, error) {
	var st TraceStats
	if err := f.validate(); err != nil {
		return st, fmt.Errorf("trace %q: %w", path, err)
	}
	t, err := OpenTrace(path, opts)
	if err != nil {
		return st, err
	}
	defer t.Close()
	var errs ErrorList
	for n := 0; ; n++ {
		if n%1024 == 0 && ctx.Err() != nil {
			return st, ctx.Err()
		}
		rec, err := t.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			errs.add(asError(path, 0, err))
			continue
		}
		if st.add(rec, f) {
			errs.add(errorf(path, rec.Line, "%s", overLength("record", Lengths{Input: rec.InputLength, Output: rec.OutputLength}, f.MaxModelLen)))
		}
	}
	return st, errs.err()
}

// add counts one record; it reports a record over max_model_len under Fail.
func (st *TraceStats) add(rec Record, f Filter) (fail bool) {
	if st.Records == 0 {
		st.First = rec.Timestamp
	}
	st.Records++
	st.Last = rec.Timestamp
	l := Lengths{Input: rec.InputLength, Output: rec.OutputLength}
	st.MaxInput, st.MaxOutput, st.MaxTotal = max(st.MaxInput, l.Input), max(st.MaxOutput, l.Output), max(st.MaxTotal, l.Input+l.Output)
	r := f.Check(l)
	switch {
	case r == Fits:
		st.Fitting++
	case r == OverMaxModelLen && f.OverLength == Fail:
		return true
	default:
		st.Skipped[r]++
	}
	return false
}
