package dataset

import (
	"errors"
	"io"
)

// Reader reads the entries of a prompt dataset in file order, one at a
// time, holding one record in memory: the streaming pass under Open, and
// what a caller that needs no sampling uses directly.
type Reader struct {
	next func() (Entry, error)
	// lines counts the lines read so far (JSONL only: a ShareGPT file is
	// never read in sections).
	lines func() int
}

// NewReader reads a prompt dataset (JSONL or ShareGPT) from r; file names
// it in errors. maxRecordBytes bounds one record (DefaultMaxRecordBytes).
func NewReader(r io.Reader, file string, format Format, maxRecordBytes int) (*Reader, error) {
	return newReaderAt(r, file, format, maxRecordBytes, 0, 1, readBufferSize)
}

// newReaderAt reads r, whose first byte is at offset off on line line of
// the file, through a buffer of bufSize bytes.
func newReaderAt(r io.Reader, file string, format Format, max int, off int64, line, bufSize int) (*Reader, error) {
	if err := (Options{Format: format, MaxRecordBytes: max}).validate(file); err != nil {
		return nil, err
	}
	if format == JSONL {
		jr := &jsonlReader{file: file, max: max, s: newLineScanner(r, bufSize, max, off, line)}
		return &Reader{next: jr.next, lines: func() int { return jr.s.line - line }}, nil
	}
	sr := newShareGPTReader(newBuffered(r, bufSize), file, max, off, line)
	return &Reader{next: sr.next}, nil
}

// Next returns the next entry, or io.EOF after the last one. A broken
// record is an *Error at its line, and Next may be called again: JSONL
// goes on with the next line, ShareGPT with the next conversation after a
// semantic error; after a syntax error or an I/O error, nothing that
// follows can be trusted, and Next returns io.EOF.
func (r *Reader) Next() (Entry, error) { return r.next() }

// jsonlReader reads JSONL prompt records line by line.
type jsonlReader struct {
	file string
	max  int
	s    *lineScanner
	done bool
}

func (r *jsonlReader) next() (Entry, error) {
	for !r.done {
		b, line, off, err := r.s.next()
		switch {
		case err == io.EOF:
			r.done = true
		case errors.Is(err, errTooLong):
			return Entry{}, errorf(r.file, line, "%s", tooLong("the line", r.max))
		case err != nil:
			r.done = true
			return Entry{}, asError(r.file, line, err)
		case blank(b):
			continue
		default:
			e, err := decodeJSONL(r.file, line, b)
			if err != nil {
				return Entry{}, asError(r.file, line, err)
			}
			e.Offset = off
			return e, nil
		}
	}
	return Entry{}, io.EOF
}

// blank reports whether a line holds only JSON whitespace: blank lines are
// allowed anywhere, as most JSONL readers allow them.
func blank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}
