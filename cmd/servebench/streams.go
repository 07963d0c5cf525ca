package main

import (
	"io"
	"log"
	"os"

	"github.com/servebench/servebench/schema/redact"
	"golang.org/x/term"
)

// stream is stdout or stderr behind the redaction funnel. Every byte the
// command writes passes schema/redact, so a secret a server echoed (an API
// key in an error body) never reaches the user's terminal or a CI log,
// whichever part of the program printed it. The stream remembers whether
// the file it wraps is a terminal, because the wrapper itself is not one.
type stream struct {
	*redact.Writer
	file *os.File // nil when the stream is not a file (in-process tests)
	tty  bool
}

// newStream puts w behind the funnel. Where servebench draws its own
// cursor movements and colours (a terminal), or writes JSON that must stay
// parseable byte for byte (stdout: run --json, schema, validate --format
// json), only secrets are hidden at the stream and every string from
// outside is escaped where it is printed. Where there is no reason for any
// control byte (stderr when it is not a terminal: CI logs, pipes), every
// one of them is also escaped on its way out.
func newStream(w io.Writer, escape bool) *stream {
	s := &stream{}
	if f, ok := w.(*os.File); ok {
		s.file, s.tty = f, term.IsTerminal(int(f.Fd()))
	}
	switch {
	case escape && !s.tty:
		s.Writer = redact.NewTerminalWriter(w)
	case s.tty:
		// Each write is a whole message or frame: a line redrawn in
		// place must not wait for a newline that never comes.
		s.Writer = redact.NewMessageWriter(w)
	default:
		s.Writer = redact.NewWriter(w)
	}
	return s
}

// isTerminal reports whether w ends in a terminal.
func isTerminal(w io.Writer) bool {
	switch w := w.(type) {
	case *stream:
		return w.tty
	case *os.File:
		return term.IsTerminal(int(w.Fd()))
	}
	return false
}

// terminalWidth is the column count of the terminal w ends in, or 0 when
// unknown.
func terminalWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if s, isStream := w.(*stream); isStream {
		f, ok = s.file, s.tty
	}
	if !ok || f == nil {
		return 0
	}
	cols, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return cols
}

// routeStdLog sends the standard library's log package through the funnel
// with every control byte escaped, and returns a func that restores the
// previous output. net/http logs through it, for example "Unsolicited
// response received on idle HTTP channel starting with ..." followed by
// bytes a server chose.
func routeStdLog(stderr io.Writer) (restore func()) {
	prevOut, prevFlags, prevPrefix := log.Writer(), log.Flags(), log.Prefix()
	w := redact.NewTerminalWriter(stderr)
	log.SetOutput(w)
	log.SetFlags(0)
	log.SetPrefix("servebench: ")
	return func() {
		_ = w.Flush()
		log.SetOutput(prevOut)
		log.SetFlags(prevFlags)
		log.SetPrefix(prevPrefix)
	}
}
