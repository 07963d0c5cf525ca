package client

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// chunkedBody decodes an HTTP/1.1 chunked body read straight into the
// caller's buffer, removing the framing in place (data only ever moves
// towards the start of the buffer). It needs no buffer of its own, so an
// in-flight stream holds only its reader's buffer (the SSE reader's), not a
// second one in the transport; and every byte is copied once fewer than
// through a bufio.Reader.
type chunkedBody struct {
	r     io.Reader
	state int
	left  uint64 // data bytes left in the current chunk
	line  []byte // a size or trailer line split across reads
	extra bool   // bytes arrived after the end of the body
	err   error  // sticky
}

const (
	chunkSize    = iota // reading a chunk-size line
	chunkData           // reading left data bytes
	chunkDataCR         // expecting the CR after the data
	chunkDataLF         // expecting the LF after the data
	chunkTrailer        // reading trailer lines after the last chunk
	chunkDone
)

// maxChunkLine bounds a chunk-size or trailer line, and maxTrailerLines the
// trailer, so a broken server cannot grow the line buffer without limit.
const (
	maxChunkLine    = 4 << 10
	maxTrailerLines = 64
)

var errChunkFormat = errors.New("malformed chunked encoding")

// Read fills p with body data. It returns io.EOF after the last chunk and
// its trailer, io.ErrUnexpectedEOF when the connection ends before them.
func (c *chunkedBody) Read(p []byte) (int, error) {
	for c.err == nil {
		if c.state == chunkDone {
			c.err = io.EOF
			break
		}
		if len(p) == 0 {
			return 0, nil
		}
		raw, err := c.r.Read(p)
		w, derr := c.decode(p[:raw])
		if derr != nil {
			c.err = derr
		} else if err != nil && c.state != chunkDone {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			c.err = err
		}
		if w > 0 {
			return w, nil
		}
	}
	return 0, c.err
}

// decode strips the framing from buf in place and returns how many data
// bytes are now at its start.
func (c *chunkedBody) decode(buf []byte) (int, error) {
	w := 0
	for i := 0; i < len(buf); {
		switch c.state {
		case chunkData:
			n := min(uint64(len(buf)-i), c.left)
			w += copy(buf[w:], buf[i:i+int(n)])
			i += int(n)
			if c.left -= n; c.left == 0 {
				c.state = chunkDataCR
			}
		case chunkDataCR:
			if buf[i] != '\r' {
				return w, errChunkFormat
			}
			i, c.state = i+1, chunkDataLF
		case chunkDataLF:
			if buf[i] != '\n' {
				return w, errChunkFormat
			}
			i, c.state = i+1, chunkSize
		case chunkSize, chunkTrailer:
			line, n, done := c.takeLine(buf[i:])
			i += n
			if !done {
				if len(c.line) > maxChunkLine {
					return w, fmt.Errorf("%w: a line longer than %d bytes", errChunkFormat, maxChunkLine)
				}
				continue
			}
			if err := c.endLine(line); err != nil {
				return w, err
			}
		case chunkDone:
			c.extra = true
			return w, nil
		}
	}
	return w, nil
}

// takeLine returns the line ending in buf (joined with what earlier reads
// left in c.line) and how many bytes of buf it used; done is false when
// buf ends first, the part then being kept in c.line.
func (c *chunkedBody) takeLine(buf []byte) (line []byte, n int, done bool) {
	j := bytes.IndexByte(buf, '\n')
	if j < 0 {
		c.line = append(c.line, buf...)
		return nil, len(buf), false
	}
	line = buf[:j]
	if len(c.line) > 0 {
		c.line = append(c.line, line...)
		line = c.line
	}
	return line, j + 1, true
}

// endLine interprets one complete chunk-size or trailer line.
func (c *chunkedBody) endLine(line []byte) error {
	defer func() { c.line = c.line[:0] }()
	line = bytes.TrimSuffix(line, []byte("\r"))
	if c.state == chunkTrailer {
		if len(line) == 0 {
			c.state = chunkDone
		} else if c.left++; c.left > maxTrailerLines { // left counts trailer lines here
			return fmt.Errorf("%w: more than %d trailer lines", errChunkFormat, maxTrailerLines)
		}
		return nil
	}
	if i := bytes.IndexByte(line, ';'); i >= 0 { // a chunk extension: ignored
		line = line[:i]
	}
	size, ok := parseHex(bytes.TrimSpace(line))
	if !ok {
		return fmt.Errorf("%w: chunk size %q", errChunkFormat, excerpt(string(line)))
	}
	c.left, c.state = size, chunkData
	if size == 0 {
		c.state = chunkTrailer
	}
	return nil
}

// parseHex parses a chunk size: 1 to 15 hex digits, nothing else.
func parseHex(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 15 {
		return 0, false
	}
	var n uint64
	for _, ch := range b {
		switch {
		case '0' <= ch && ch <= '9':
			ch -= '0'
		case 'a' <= ch && ch <= 'f':
			ch -= 'a' - 10
		case 'A' <= ch && ch <= 'F':
			ch -= 'A' - 10
		default:
			return 0, false
		}
		n = n<<4 | uint64(ch)
	}
	return n, true
}
