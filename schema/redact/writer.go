package redact

import (
	"bytes"
	"io"
	"strings"
	"sync"
)

// Writer hides secrets in a byte stream (a server's log, stdout, stderr)
// even when a secret is split across two writes or across the cut of an
// over-long line. It passes complete lines through at once and holds back
// at most one line (or, for a line longer than MaxLine, the last bytes that
// could still begin a secret) until more data, a newline or Flush arrives.
// It is safe for concurrent use.
type Writer struct {
	mu   sync.Mutex
	w    io.Writer
	buf  []byte
	text bool // also escape control bytes (terminal output); newlines kept
	each bool // every Write is a whole message: nothing is held back
	err  error
}

// MaxLine is how much of a line without a newline a Writer buffers before
// it writes what it can: a log line of megabytes must not grow memory.
const MaxLine = 64 << 10

// NewWriter returns a Writer that hides secrets on their way to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// NewTerminalWriter is NewWriter that also escapes control bytes other than
// newlines and tabs: for text shown to a user, never for files that are
// parsed again.
func NewTerminalWriter(w io.Writer) *Writer { return &Writer{w: w, text: true} }

// NewMessageWriter hides secrets in every Write on its own and holds
// nothing back: for writers whose every call is a whole message or frame
// (a progress line redrawn in place, a log line), where holding a partial
// line would delay the display.
func NewMessageWriter(w io.Writer) *Writer { return &Writer{w: w, each: true} }

// Write takes p, writes every complete line hidden, and keeps the rest.
// It reports len(p) unless the underlying writer failed.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return 0, w.err
	}
	w.buf = append(w.buf, p...)
	if w.each {
		w.emit(len(w.buf))
		return w.result(len(p))
	}
	if i := bytes.LastIndexByte(w.buf, '\n'); i >= 0 {
		w.emit(i + 1)
	}
	if len(w.buf) > MaxLine {
		w.emit(safeCut(w.buf, len(w.buf)-max(longest()-1, 0)))
	}
	return w.result(len(p))
}

func (w *Writer) result(n int) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	return n, nil
}

// Flush writes whatever is held back; call it when the stream ends.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil && len(w.buf) > 0 {
		w.emit(len(w.buf))
	}
	return w.err
}

// emit writes buf[:n] hidden and keeps buf[n:].
func (w *Writer) emit(n int) {
	s := String(string(w.buf[:n]))
	if w.text {
		s = Text(s)
	}
	if _, err := io.WriteString(w.w, s); err != nil {
		w.err = err
	}
	w.buf = append(w.buf[:0], w.buf[n:]...)
}

// safeCut moves a cut at n forward past any registered secret form, or run
// of its pieces, that straddles it, so that no secret is split between what
// is written now and what is kept. Everything after the returned cut is
// shorter than the longest form, so any secret that begins there is still
// held back whole.
func safeCut(buf []byte, n int) int {
	global.mu.Lock()
	forms := global.forms
	global.mu.Unlock()
	p := global.pieces.Load()
	for moved := true; moved; {
		moved = false
		if p != nil {
			// Looked at in steps of the longest form: a longer run moves
			// the cut again on the next round.
			lo, hi := max(n-Piece+1, 0), min(n+longest(), len(buf))
			if m := lo + p.straddle(string(buf[lo:hi]), n-lo); m != n {
				n, moved = m, true
			}
		}
		for _, f := range forms {
			lo := max(n-len(f)+1, 0)
			hi := min(n+len(f)-1, len(buf))
			if lo >= hi {
				continue
			}
			if j := strings.Index(string(buf[lo:hi]), f); j >= 0 && lo+j < n && lo+j+len(f) > n {
				n, moved = lo+j+len(f), true
			}
		}
	}
	return n
}
