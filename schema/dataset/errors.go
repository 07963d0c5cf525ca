package dataset

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/servebench/servebench/schema/redact"
)

// Error is a problem with a dataset file: a broken record at File:Line, or
// the file as a whole (Line 0: it does not open, or has too few entries).
type Error struct {
	File string
	Line int
	// Msg says what is wrong in the user's terms; values from the file are
	// quoted with %q, so it holds no raw control byte.
	Msg string
	// Err is the cause, when there is one (an I/O error, json's syntax error).
	Err error
}

// Error is FILE:LINE: message, with the file name's control bytes escaped.
func (e *Error) Error() string { return location(e.File, e.Line) + ": " + e.Msg }

// location is FILE:LINE, or FILE when line is 0, safe to print.
func location(file string, line int) string {
	loc := redact.Line(file)
	if line > 0 {
		loc += ":" + strconv.Itoa(line)
	}
	return loc
}

// Unwrap is the cause, for errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// errorf makes an *Error at file:line.
func errorf(file string, line int, format string, args ...any) *Error {
	return &Error{File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// ErrorList is every broken record one read of a file found: the first
// MaxReportedErrors one by one, the rest counted in More.
type ErrorList struct {
	List []*Error
	More int
}

// add records one error, keeping at most MaxReportedErrors.
func (l *ErrorList) add(e *Error) {
	if len(l.List) < MaxReportedErrors {
		l.List = append(l.List, e)
		return
	}
	l.More++
}

// err is l as an error, nil when it holds nothing.
func (l *ErrorList) err() error {
	if len(l.List) == 0 {
		return nil
	}
	return l
}

// Error lists one problem per line.
func (l *ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l.List {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	if l.More > 0 {
		fmt.Fprintf(&b, "\n%s: and %d more broken records", location(l.List[0].File, 0), l.More)
	}
	return b.String()
}

// Unwrap gives the listed errors to errors.Is and errors.As.
func (l *ErrorList) Unwrap() []error {
	out := make([]error, len(l.List))
	for i, e := range l.List {
		out[i] = e
	}
	return out
}

// asError returns err as an *Error at file:line: itself when it already is
// one, else wrapped with a message from json's or the reader's error.
func asError(file string, line int, err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{File: file, Line: line, Msg: describe(err), Err: err}
}
