package server

import (
	"bytes"
	"io"
	"os"
	"sync"
	"time"

	"github.com/servebench/servebench/schema/redact"
)

// tailLines is how many of the last log lines an exit error quotes.
const tailLines = 40

// logTimeFormat is RFC 3339 with milliseconds, in UTC.
const logTimeFormat = "2006-01-02T15:04:05.000Z07:00"

// maxLine bounds one log line; longer output is split, never buffered whole.
const maxLine = 64 << 10

// capture copies a server's combined stdout and stderr to the log file and
// the follower, line by line, each line prefixed with its arrival time.
// The raw stream passes the redaction funnel before it is cut into lines,
// so a secret that a long line puts across a cut is still hidden whole.
// Every line is written to the file as it arrives (no buffering beyond the
// line), so a crash of the server or of servebench loses nothing. It
// remembers the last lines for exit errors.
type capture struct {
	hide  *redact.Writer // the raw stream goes in here; lines come out in stamp
	stamp *stamper
	done  chan struct{} // closed when the pipe reached EOF or was closed
}

// newCapture starts copying r to file (and follow when non-nil) until r ends.
func newCapture(r io.Reader, file *os.File, follow io.Writer) *capture {
	st := &stamper{file: file, follow: follow}
	c := &capture{hide: redact.NewWriter(st), stamp: st, done: make(chan struct{})}
	go c.copy(r)
	return c
}

// copy runs in its own goroutine: the only writer of file and follow.
func (c *capture) copy(r io.Reader) {
	defer close(c.done)
	// Write errors are ignored on purpose (stamper never fails): a full disk
	// must not stop the server's output from being drained.
	_, _ = io.Copy(c.hide, r)
	_ = c.hide.Flush()
	c.stamp.flush()
}

// lines returns the remembered lines, oldest first.
func (c *capture) lines() []string { return c.stamp.lines() }

// wait waits until the pipe is drained, at most d: a grandchild that left
// the process group may hold the pipe open forever.
func (c *capture) wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.done:
		return true
	case <-t.C:
		return false
	}
}

// stamper cuts redacted text into lines, stamps each with its arrival time
// and writes it to the file and the follower.
type stamper struct {
	file    *os.File
	follow  io.Writer
	partial []byte // text after the last newline

	mu   sync.Mutex
	tail []string // ring of the last tailLines lines
	next int
}

// Write takes redacted text and writes every complete line; a line longer
// than maxLine is written in parts.
func (s *stamper) Write(p []byte) (int, error) {
	s.partial = append(s.partial, p...)
	rest := s.partial
	for {
		n := bytes.IndexByte(rest, '\n')
		switch {
		case n >= 0 && n <= maxLine:
			s.line(bytes.TrimSuffix(rest[:n], []byte("\r")))
			rest = rest[n+1:]
		case len(rest) > maxLine:
			s.line(rest[:maxLine])
			rest = rest[maxLine:]
		default:
			s.partial = append(s.partial[:0], rest...) // copy handles the overlap
			return len(p), nil
		}
	}
}

// flush writes the last unterminated text.
func (s *stamper) flush() {
	if len(s.partial) > 0 {
		s.line(s.partial)
		s.partial = nil
	}
}

// line stamps one line and sends it everywhere.
func (s *stamper) line(b []byte) {
	text := string(b)
	stamped := time.Now().UTC().Format(logTimeFormat) + " " + text + "\n"
	if s.file != nil {
		_, _ = s.file.WriteString(stamped)
	}
	if s.follow != nil {
		_, _ = io.WriteString(s.follow, stamped)
	}
	s.remember(text)
}

func (s *stamper) remember(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.tail) < tailLines {
		s.tail = append(s.tail, line)
		return
	}
	s.tail[s.next] = line
	s.next = (s.next + 1) % tailLines
}

func (s *stamper) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.tail))
	out = append(out, s.tail[s.next:]...)
	return append(out, s.tail[:s.next]...)
}
