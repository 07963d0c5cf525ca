package vllmjson

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
)

// A vLLM result file is one JSON object: a few kilobytes of summary values
// and, with the per-request arrays, megabytes to gigabytes of input_lens,
// output_lens, ttfts, itls, generated_texts and errors, each array one key
// after the other. The import reads it in two passes over an io.ReaderAt
// and never holds a whole array: the first pass (scan) keeps the summary
// values and remembers where each array starts and how long it is; the
// second (see requests.go) opens one decoder at each array it needs and
// walks them in step, one request at a time.

// Keys of vLLM's per-request arrays. recordKeys must all be present for
// per-request records; latencies and start_times (later vLLM versions) are
// used when present; generated_texts is never read.
var (
	recordKeys   = []string{"input_lens", "output_lens", "ttfts", "itls", "errors"}
	optionalKeys = []string{"latencies", "start_times"}
)

// maxImportSize bounds the summary values of one file (every key outside
// the per-request arrays); a vLLM summary is a few kilobytes.
const maxImportSize = 64 << 20

// maxValueSize bounds one JSON value the import reads at a time: a summary
// value, or one element of a per-request array (one request's ITL list or
// generated text; 128k output tokens of ITLs are about 3 MiB).
const maxValueSize = 16 << 20

// maxRequests bounds the requests of one file: past it a file is not a
// benchmark result, and the arrays are not read.
const maxRequests = 1 << 24

// bufSize is the read buffer of each decoder: pass 2 reads from up to
// seven places of the file at once.
const bufSize = 64 << 10

// array is where one per-request array of the file starts (the offset of
// its "[") and how many elements it has.
type array struct {
	offset int64
	n      int
}

// scanned is what the first pass keeps.
type scanned struct {
	obj    map[string]json.RawMessage // every value outside the per-request arrays
	arrays map[string]array
	// minStart is the smallest of start_times (later versions: each
	// request's send time on the client's monotonic clock), +Inf without.
	minStart float64
}

// scan reads the top-level object of r once.
func scan(r io.ReaderAt) (*scanned, error) {
	dec, lim := newDecoder(r, 0)
	s := &scanned{obj: map[string]json.RawMessage{}, arrays: map[string]array{}, minStart: math.Inf(1)}
	if tok, err := dec.Token(); err != nil {
		return nil, syntaxErr(err)
	} else if tok != json.Delim('{') {
		return nil, &notObjectError{fmt.Errorf("it starts with %v", tok)}
	}
	size := 0
	for dec.More() {
		lim.reset()
		tok, err := dec.Token()
		if err != nil {
			return nil, syntaxErr(err)
		}
		key := tok.(string) // inside an object, Token returns keys as strings
		if slices.Contains(recordKeys, key) || slices.Contains(optionalKeys, key) {
			if err := s.array(dec, lim, key); err != nil {
				return nil, err
			}
			continue
		}
		raw, err := lim.value(dec)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", key, err)
		}
		if size += len(key) + len(raw); size > maxImportSize {
			return nil, fmt.Errorf("the summary values are larger than %d MiB", maxImportSize>>20)
		}
		s.obj[key] = raw
	}
	if err := lim.token(dec, json.Delim('}')); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("more than one JSON object (vllm bench serve --append-result): import one result per file")
	}
	return s, nil
}

// array walks one per-request array without keeping it: its elements are
// checked for JSON syntax and counted; start_times also yields its minimum.
// A null array counts as absent.
func (s *scanned) array(dec *json.Decoder, lim *limitReader, key string) error {
	lim.reset()
	tok, err := dec.Token()
	switch {
	case err != nil:
		return syntaxErr(err)
	case tok == nil:
		return nil
	case tok != json.Delim('['):
		return fmt.Errorf("key %q: want an array, got %v", key, tok)
	}
	a := array{offset: dec.InputOffset() - 1}
	for dec.More() {
		if a.n++; a.n > maxRequests {
			return fmt.Errorf("key %q: more than %d requests", key, maxRequests)
		}
		lim.reset()
		if key == "start_times" {
			var v float64
			if err := dec.Decode(&v); err != nil {
				return elemErr(key, a.n-1, "a number", err)
			}
			s.minStart = min(s.minStart, v)
			continue
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return elemErr(key, a.n-1, "a JSON value", err)
		}
	}
	if err := lim.token(dec, json.Delim(']')); err != nil {
		return err
	}
	s.arrays[key] = a
	return nil
}

// limitReader passes at most maxValueSize bytes between resets, then
// fails. The decoder buffers a whole value before it returns it, so
// resetting before each value bounds the memory any one value (a 10 GiB
// string) can take.
type limitReader struct {
	r    io.Reader
	read int
}

var errValueTooLarge = fmt.Errorf("a JSON value larger than %d MiB", maxValueSize>>20)

func (l *limitReader) Read(p []byte) (int, error) {
	left := maxValueSize - l.read
	if left <= 0 {
		return 0, errValueTooLarge
	}
	n, err := l.r.Read(p[:min(len(p), left)])
	l.read += n
	return n, err
}

func (l *limitReader) reset() { l.read = 0 }

// newDecoder is a decoder of r from offset on, behind a limitReader.
// Numbers decode as json.Number, so a summary value keeps its text.
func newDecoder(r io.ReaderAt, offset int64) (*json.Decoder, *limitReader) {
	sr := io.NewSectionReader(r, offset, math.MaxInt64-offset)
	lim := &limitReader{r: bufio.NewReaderSize(sr, bufSize)}
	dec := json.NewDecoder(lim)
	dec.UseNumber()
	return dec, lim
}

// token reads one delimiter and fails unless it is want.
func (l *limitReader) token(dec *json.Decoder, want json.Delim) error {
	l.reset()
	tok, err := dec.Token()
	if err != nil {
		return syntaxErr(err)
	}
	if tok != want {
		return fmt.Errorf("want %q, got %v", want.String(), tok)
	}
	return nil
}

// value reads the value of a summary key as raw JSON. An array or object
// is walked token by token and kept as "[]" or "{}": no summary key vLLM
// writes holds one, so only its kind matters (an error message names it),
// and a large one costs no memory.
func (l *limitReader) value(dec *json.Decoder) (json.RawMessage, error) {
	l.reset()
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxErr(err)
	}
	switch v := tok.(type) {
	case json.Delim:
		if err := l.skip(dec); err != nil {
			return nil, err
		}
		return json.RawMessage(string(v) + map[json.Delim]string{'[': "]", '{': "}"}[v]), nil
	case json.Number:
		return json.RawMessage(v), nil
	}
	return json.Marshal(tok)
}

// skip reads the rest of an array or object whose opening delimiter was
// just read.
func (l *limitReader) skip(dec *json.Decoder) error {
	for depth := 1; depth > 0; {
		l.reset()
		tok, err := dec.Token()
		if err != nil {
			return syntaxErr(err)
		}
		switch tok {
		case json.Delim('['), json.Delim('{'):
			depth++
		case json.Delim(']'), json.Delim('}'):
			depth--
		}
	}
	return nil
}

// notObjectError is a file that is not one JSON object.
type notObjectError struct{ err error }

func (e *notObjectError) Error() string { return "not a JSON object: " + e.err.Error() }
func (e *notObjectError) Unwrap() error { return e.err }

// syntaxErr words a decoder error; io.EOF inside the object is a cut file.
func syntaxErr(err error) error {
	switch {
	case errors.Is(err, errValueTooLarge):
		return err
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return &notObjectError{errors.New("the file ends early")}
	}
	return &notObjectError{err}
}

// elemErr names the array and the element that did not decode.
func elemErr(key string, i int, want string, err error) error {
	if errors.Is(err, errValueTooLarge) {
		return fmt.Errorf("key %q, element %d: %w", key, i, errValueTooLarge)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("key %q, element %d: the file ends early", key, i)
	}
	return fmt.Errorf("key %q, element %d: want %s: %w", key, i, want, err)
}
