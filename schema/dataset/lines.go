package dataset

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/bits"
)

// errTooLong ends a record over the size bound; the readers turn it into a
// message naming the bound.
var errTooLong = errors.New("record too long")

// tooLong is the message of a record over max bytes.
func tooLong(what string, max int) string {
	return fmt.Sprintf("%s is longer than %d bytes, the bound on one record", what, max)
}

// lineScanner splits a JSONL stream into lines of at most max bytes,
// counting lines and byte offsets. A longer line is skipped once max bytes
// of it were read (it is never held whole) and reported with errTooLong,
// so reading can go on after it.
type lineScanner struct {
	br   *bufio.Reader
	max  int
	long []byte // a line longer than br's buffer, assembled
	off  int64  // offset of the next line
	line int    // number of the next line
}

// readBufferSize is the bufio buffer of a streaming read: large enough for
// typical records, so that most lines come without a copy.
const readBufferSize = 64 << 10

func newLineScanner(r io.Reader, bufSize, max int, off int64, line int) *lineScanner {
	return &lineScanner{br: bufio.NewReaderSize(r, bufSize), max: max, off: off, line: line}
}

// next returns the next line without its "\n", its number and its offset.
// The slice is valid until the next call. At the end it returns io.EOF.
func (s *lineScanner) next() ([]byte, int, int64, error) {
	line, off := s.line, s.off
	s.long = s.long[:0]
	for {
		chunk, err := s.br.ReadSlice('\n')
		s.off += int64(len(chunk))
		if err == bufio.ErrBufferFull {
			if len(s.long)+len(chunk) > s.max {
				return nil, line, off, s.discard()
			}
			s.long = append(s.long, chunk...)
			continue
		}
		if err != nil && (err != io.EOF || len(chunk)+len(s.long) == 0) {
			return nil, line, off, err
		}
		s.line++
		if len(s.long) > 0 {
			chunk = append(s.long, chunk...)
			s.long = chunk[:0]
		}
		chunk = bytes.TrimSuffix(chunk, []byte{'\n'})
		if len(chunk) > s.max {
			return nil, line, off, errTooLong
		}
		return chunk, line, off, nil
	}
}

// discard skips the rest of an overlong line and returns errTooLong (or
// the error that ended the stream inside the line).
func (s *lineScanner) discard() error {
	s.long = s.long[:0]
	for {
		chunk, err := s.br.ReadSlice('\n')
		s.off += int64(len(chunk))
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == nil, err == io.EOF:
			s.line++
			return errTooLong
		default:
			return err
		}
	}
}

// lineCounter passes reads through and remembers where the newlines were,
// so that a JSON decoder's InputOffset can be turned into a line number.
// It keeps one bit per byte read but not yet asked about (the decoder's
// read-ahead, bounded by the record bound), so its memory is bounded
// whatever the file holds, even megabytes of blank lines.
type lineCounter struct {
	r    io.Reader
	base int64    // file offset of bit 0 of nl
	read int64    // file offset of the next byte to read
	nl   []uint64 // bit i: the byte at base+i is '\n'
	line int      // line number of the byte at base
}

func newLineCounter(r io.Reader, off int64, line int) *lineCounter {
	return &lineCounter{r: r, base: off, read: off, line: line}
}

func (c *lineCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if need := int((c.read + int64(n) - c.base + 63) / 64); need > len(c.nl) {
		c.nl = append(c.nl, make([]uint64, need-len(c.nl))...)
	}
	for i := 0; ; {
		j := bytes.IndexByte(p[i:n], '\n')
		if j < 0 {
			break
		}
		bit := c.read + int64(i+j) - c.base
		c.nl[bit/64] |= 1 << (bit % 64)
		i += j + 1
	}
	c.read += int64(n)
	return n, err
}

// lineAt is the line number of the byte at off (base <= off <= read; off
// never decreases between calls). Whole words below off are dropped.
func (c *lineCounter) lineAt(off int64) int {
	words := int((off - c.base) / 64)
	for _, w := range c.nl[:words] {
		c.line += bits.OnesCount64(w)
	}
	c.nl = c.nl[words:]
	c.base += int64(words) * 64
	n := c.line
	if rest := off - c.base; rest > 0 {
		n += bits.OnesCount64(c.nl[0] & (1<<rest - 1))
	}
	return n
}

// boundedReader lets a JSON decoder read at most max bytes past the start
// of the current record (set with startRecord): json.Decoder buffers a
// whole value, so this is what bounds its memory on a hostile file.
type boundedReader struct {
	r     io.Reader
	pos   int64
	limit int64
	max   int64
}

func (b *boundedReader) startRecord(off int64) { b.limit = off + b.max }

func (b *boundedReader) Read(p []byte) (int, error) {
	if b.pos >= b.limit {
		return 0, errTooLong
	}
	if room := b.limit - b.pos; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := b.r.Read(p)
	b.pos += int64(n)
	return n, err
}

// newBuffered buffers r for a decoder that reads in small pieces: without
// it, json.Decoder would make a read system call every 512 bytes.
func newBuffered(r io.Reader, size int) io.Reader { return bufio.NewReaderSize(r, size) }
