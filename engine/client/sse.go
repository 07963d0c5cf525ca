package client

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"
)

// The limits that keep a misbehaving server from exhausting the client's
// memory. They are bounds of the client, not scenario settings.
const (
	MaxResponseBytes = 64 << 20 // per response body
	MaxLineBytes     = 1 << 20  // per SSE line
)

// readBufferSize sizes the pooled bufio.Reader. A streamed chunk is a few
// hundred bytes, so 4 KiB holds many of them, and every open stream holds
// one reader (bench-client: RSS per in-flight stream fell from 59 to 52 KiB
// with 32 KiB -> 4 KiB here and 16 -> 4 KiB transport buffers); longer lines
// (up to MaxLineBytes) are assembled in a side buffer instead of growing
// every reader to MaxLineBytes, which would cost 1 MiB per stream.
const readBufferSize = 4 << 10

// ErrResponseTooLarge is returned once a body exceeds its byte budget.
var ErrResponseTooLarge = errors.New("response too large")

// ErrLineTooLong is returned for an SSE line longer than the line limit.
var ErrLineTooLong = errors.New("sse line too long")

// SSEReader splits a text/event-stream body into the data of its events
// (https://html.spec.whatwg.org/multipage/server-sent-events.html): several
// `data:` lines of one event are joined with "\n", `:` comments and other
// fields (event, id, retry) are ignored, LF and CRLF both end a line. An event
// still pending when the body ends is delivered too: a server that omits the
// last blank line has still said what it said.
//
// The reader allocates nothing per event once its buffers have grown; Reset
// reuses it for the next body.
type SSEReader struct {
	src     budgetReader
	br      *bufio.Reader
	maxLine int
	data    []byte // data of the event being assembled
	long    []byte // a line longer than the bufio buffer
	at      time.Time
	pending bool
}

// NewSSEReader reads events from r. maxLine and maxBytes (> 0) bound one
// line and the whole body.
func NewSSEReader(r io.Reader, maxLine int, maxBytes int64) *SSEReader {
	s := &SSEReader{}
	s.br = bufio.NewReaderSize(&s.src, readBufferSize)
	s.Reset(r, maxLine, maxBytes)
	return s
}

// Reset discards all state and reads from r with the given limits.
func (s *SSEReader) Reset(r io.Reader, maxLine int, maxBytes int64) {
	s.src = budgetReader{r: r, left: maxBytes, limit: maxBytes}
	s.br.Reset(&s.src)
	s.maxLine = maxLine
	s.data = s.data[:0]
	s.long = s.long[:0]
	s.pending = false
}

// Next returns the data of the next event and the time of the body read that
// completed its (last) data line: the closest a reader gets to the socket.
// Several events that arrived in one read share that read's time, which is
// the truth as the socket saw it, rather than times spaced by parsing.
// data is only valid until the next call. At the end of the body the error is
// io.EOF; a body over budget gives ErrResponseTooLarge, a line over the limit
// ErrLineTooLong, and a broken transport its own error.
func (s *SSEReader) Next() (data []byte, at time.Time, err error) {
	for {
		line, err := s.readLine()
		if err != nil {
			if err == io.EOF && s.pending {
				s.pending = false
				return s.data, s.at, nil
			}
			return nil, time.Time{}, err
		}
		if len(line) == 0 {
			if s.pending {
				s.pending = false
				return s.data, s.at, nil
			}
			continue
		}
		s.field(line)
	}
}

// field interprets one non-empty line; only data lines matter here.
func (s *SSEReader) field(line []byte) {
	name, value := line, []byte(nil)
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		name, value = line[:i], line[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	if string(name) != "data" { // comments have an empty name
		return
	}
	if s.pending {
		s.data = append(s.data, '\n')
	} else {
		s.data = s.data[:0]
		s.pending = true
	}
	s.data = append(s.data, value...)
	s.at = s.src.at
}

// readLine returns the next line without its LF or CRLF. The last line of a
// body may lack its terminator; the EOF then comes with the following call.
func (s *SSEReader) readLine() ([]byte, error) {
	line, err := s.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return s.readLongLine(line)
	}
	if err != nil && (err != io.EOF || len(line) == 0) {
		return nil, err
	}
	line = trimEOL(line)
	if len(line) > s.maxLine {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrLineTooLong, s.maxLine)
	}
	return line, nil
}

// readLongLine assembles a line that does not fit the bufio buffer.
func (s *SSEReader) readLongLine(part []byte) ([]byte, error) {
	s.long = append(s.long[:0], part...)
	for {
		if len(s.long) > s.maxLine+2 { // +2: the line terminator is not content
			return nil, fmt.Errorf("%w: more than %d bytes", ErrLineTooLong, s.maxLine)
		}
		part, err := s.br.ReadSlice('\n')
		s.long = append(s.long, part...)
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err != nil && err != io.EOF:
			return nil, err
		}
		line := trimEOL(s.long)
		if len(line) > s.maxLine {
			return nil, fmt.Errorf("%w: more than %d bytes", ErrLineTooLong, s.maxLine)
		}
		return line, nil
	}
}

func trimEOL(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line
}

// budgetReader fails with ErrResponseTooLarge once more than its budget
// (limit) has been read. It reads one byte past the budget to tell a body of exactly the
// budget (fine) from a longer one. It also stamps the time of the last read
// that returned bytes: one clock read per socket read, not per event.
type budgetReader struct {
	r     io.Reader
	left  int64
	limit int64
	at    time.Time
}

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, b.tooLarge()
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.r.Read(p)
	if n > 0 {
		b.at = time.Now()
	}
	b.left -= int64(n)
	if b.left < 0 {
		return 0, b.tooLarge()
	}
	return n, err
}

func (b *budgetReader) tooLarge() error {
	return fmt.Errorf("%w: more than %d bytes", ErrResponseTooLarge, b.limit)
}
