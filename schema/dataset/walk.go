package dataset

import (
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"

	"github.com/servebench/servebench/schema/redact"
)

// walker reads JSON with encoding/json's Token API, so that a record is
// checked field by field with messages in the user's terms ("prompt must be
// a string, not a number") and a huge file is never decoded whole. It
// tracks the nesting depth, so that after a record's semantic error the
// reader can skip to the record's end and go on with the next one.
//
// Errors of the decoder itself (syntax, I/O, a record over the size bound)
// are returned as they are; semantic errors are *Error at the line of the
// field.
type walker struct {
	dec   *json.Decoder
	file  string
	base  int64 // file offset of the decoder's first byte
	lines lineSource
	depth int
}

// lineSource gives the line number of a byte offset of the file;
// offsets passed to it never decrease.
type lineSource interface {
	lineAt(off int64) int
}

// fixedLine is the lineSource of a single line (a JSONL record).
type fixedLine int

func (l fixedLine) lineAt(int64) int { return int(l) }

func newWalker(r io.Reader, file string, base int64, lines lineSource) *walker {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	return &walker{dec: dec, file: file, base: base, lines: lines}
}

// offset is the file offset of the decoder's position: where the last
// token ended and the next begins.
func (w *walker) offset() int64 { return w.base + w.dec.InputOffset() }

// line is the line of the decoder's position.
func (w *walker) line() int { return w.lines.lineAt(w.offset()) }

// token reads the next token, keeping track of the depth. The end of the
// input inside an object or array is io.ErrUnexpectedEOF, never io.EOF,
// so that a cut file is never mistaken for a complete one.
func (w *walker) token() (json.Token, error) {
	t, err := w.dec.Token()
	if err == io.EOF && w.depth > 0 {
		return nil, io.ErrUnexpectedEOF
	}
	if d, ok := t.(json.Delim); ok {
		if d == '{' || d == '[' {
			w.depth++
		} else {
			w.depth--
		}
	}
	return t, err
}

// skipTo reads tokens until the depth is back at depth.
func (w *walker) skipTo(depth int) error {
	for w.depth > depth {
		if _, err := w.token(); err != nil {
			return err
		}
	}
	return nil
}

// value reads the next value's first token (a composite value's opening
// delimiter, its content left to the caller) and the line it is on.
func (w *walker) value() (json.Token, int, error) {
	t, err := w.token()
	return t, w.line(), err
}

// The typed readers below take a value's first token, as fields and elems
// hand it over, so that a caller can look at it first (null means absent
// in JSONL and trace records).

// mismatch is the semantic error of a value of the wrong type at path;
// a composite value is skipped first, so the walk can go on.
func (w *walker) mismatch(path string, t json.Token, line int, want string) error {
	if err := w.skip(t); err != nil {
		return err
	}
	return errorf(w.file, line, "%s must be %s, not %s", path, want, kind(t))
}

// skip discards the rest of a value whose first token was t.
func (w *walker) skip(t json.Token) error {
	if d, ok := t.(json.Delim); ok && (d == '{' || d == '[') {
		return w.skipTo(w.depth - 1)
	}
	return nil
}

// str is a string value.
func (w *walker) str(path string, t json.Token, line int) (string, error) {
	if s, ok := t.(string); ok {
		return s, nil
	}
	return "", w.mismatch(path, t, line, "a string")
}

// integer is an integer value in [min, max].
func (w *walker) integer(path string, t json.Token, line int, min, max int64) (int64, error) {
	n, ok := t.(json.Number)
	if !ok {
		return 0, w.mismatch(path, t, line, "an integer")
	}
	v, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil || v < min || v > max {
		return 0, errorf(w.file, line, "%s must be an integer from %d to %d, not %s", path, min, max, number(n))
	}
	return v, nil
}

// number is a finite number in [min, max].
func (w *walker) number(path string, t json.Token, line int, min, max float64) (float64, error) {
	n, ok := t.(json.Number)
	if !ok {
		return 0, w.mismatch(path, t, line, "a number")
	}
	v, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsNaN(v) || v < min || v > max {
		return 0, errorf(w.file, line, "%s must be a number from %g to %g, not %s", path, min, max, number(n))
	}
	return v, nil
}

// idValue is an `id`: a string, or a number kept as written.
func (w *walker) idValue(path string, t json.Token, line int) (string, error) {
	switch v := t.(type) {
	case string:
		return v, nil
	case json.Number:
		return string(v), nil
	}
	return "", w.mismatch(path, t, line, "a string or a number")
}

// opens checks that a value opens an object or an array.
func (w *walker) opens(path string, t json.Token, line int, want json.Delim) error {
	if d, ok := t.(json.Delim); ok && d == want {
		return nil
	}
	what := "an object"
	if want == '[' {
		what = "an array"
	}
	return w.mismatch(path, t, line, what)
}

// open reads the next value and requires it to open an object or array.
func (w *walker) open(path string, want json.Delim) error {
	t, line, err := w.value()
	if err != nil {
		return err
	}
	return w.opens(path, t, line, want)
}

// fields calls field for each key of the object just opened, with the
// first token of the key's value and its line, then reads the object's
// closing brace. field must read or skip the rest of a composite value.
func (w *walker) fields(field func(key string, t json.Token, line int) error) error {
	for w.dec.More() {
		k, err := w.token()
		if err != nil {
			return err
		}
		key, _ := k.(string) // inside an object the decoder returns only string keys
		t, line, err := w.value()
		if err != nil {
			return err
		}
		if err := field(key, t, line); err != nil {
			return err
		}
	}
	_, err := w.token()
	return err
}

// elems calls elem for each element of the array just opened, with its
// first token and line, then reads the array's closing bracket.
func (w *walker) elems(elem func(i int, t json.Token, line int) error) error {
	for i := 0; w.dec.More(); i++ {
		t, line, err := w.value()
		if err != nil {
			return err
		}
		if err := elem(i, t, line); err != nil {
			return err
		}
	}
	_, err := w.token()
	return err
}

// kind names a JSON value by its first token, for messages.
func kind(t json.Token) string {
	switch v := t.(type) {
	case json.Delim:
		if v == '[' {
			return "an array"
		}
		return "an object"
	case string:
		return "the string " + quote(v)
	case json.Number:
		return "the number " + number(v)
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return "null"
	}
	return "an unexpected token"
}

// quote is s quoted for a message: secrets hidden, cut to 40 bytes,
// control bytes escaped.
func quote(s string) string { return strconv.Quote(redact.Truncate(redact.String(s), 40)) }

// number is a number literal for a message, cut to 40 bytes (a literal
// may be as long as a record).
func number(n json.Number) string { return redact.Truncate(string(n), 40) }

// describe words an error of the decoder or the reader for a message.
func describe(err error) string {
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		return "invalid JSON: " + syn.Error()
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "the record ends early (incomplete JSON)"
	}
	return err.Error()
}
