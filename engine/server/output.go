package server

import (
	"bufio"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// tailLines is how many of the last log lines an exit error quotes.
const tailLines = 40

// logTimeFormat is RFC 3339 with milliseconds, in UTC.
const logTimeFormat = "2006-01-02T15:04:05.000Z07:00"

// maxLine bounds one log line; longer output is split, never buffered whole.
const maxLine = 64 << 10

// capture copies a server's combined stdout and stderr, line by line, to the
// log file and the follower, each line prefixed with its arrival time. Every
// line is written to the file as it arrives (no buffering), so a crash of the
// server or of servebench loses nothing. It remembers the last lines for
// exit errors.
type capture struct {
	file   *os.File
	follow io.Writer
	secret *strings.Replacer // hides secret values; nil when there are none
	done   chan struct{}     // closed when the pipe reached EOF or was closed

	mu   sync.Mutex
	tail []string // ring of the last tailLines lines
	next int
}

// newCapture starts copying r to file (and follow when non-nil) until r
// ends, with secret values replaced when secret is non-nil.
func newCapture(r io.Reader, file *os.File, follow io.Writer, secret *strings.Replacer) *capture {
	c := &capture{file: file, follow: follow, secret: secret, done: make(chan struct{})}
	go c.copy(r)
	return c
}

// copy runs in its own goroutine: the only writer of file and follow.
func (c *capture) copy(r io.Reader) {
	defer close(c.done)
	br := bufio.NewReaderSize(r, maxLine)
	for {
		line, err := readLine(br)
		if line != "" || err == nil {
			c.write(line)
		}
		if err != nil {
			return
		}
	}
}

// readLine returns one line without its end, a part of a line longer than
// maxLine, or the last unterminated text before an error.
func readLine(br *bufio.Reader) (string, error) {
	b, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return string(b), nil
	}
	return strings.TrimRight(string(b), "\r\n"), err
}

// write stamps one line and sends it everywhere. Write errors are ignored on
// purpose: a full disk must not stop the server's output from being drained.
func (c *capture) write(line string) {
	if c.secret != nil {
		line = c.secret.Replace(line)
	}
	stamped := time.Now().UTC().Format(logTimeFormat) + " " + line + "\n"
	if c.file != nil {
		_, _ = c.file.WriteString(stamped)
	}
	if c.follow != nil {
		_, _ = io.WriteString(c.follow, stamped)
	}
	c.remember(line)
}

func (c *capture) remember(line string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.tail) < tailLines {
		c.tail = append(c.tail, line)
		return
	}
	c.tail[c.next] = line
	c.next = (c.next + 1) % tailLines
}

// lines returns the remembered lines, oldest first.
func (c *capture) lines() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.tail))
	out = append(out, c.tail[c.next:]...)
	return append(out, c.tail[:c.next]...)
}

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
