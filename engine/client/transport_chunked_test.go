package client

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net/http/httputil"
	"strings"
	"testing"
	"testing/iotest"
)

// encodeChunked frames parts as chunks with net/http's own writer.
func encodeChunked(parts []string, trailer string) string {
	var b bytes.Buffer
	w := httputil.NewChunkedWriter(&b)
	for _, p := range parts {
		_, _ = io.WriteString(w, p)
	}
	_ = w.Close()
	return b.String() + trailer + "\r\n"
}

// splitReader returns src in pieces of random sizes, down to single bytes,
// so every framing boundary falls inside a read somewhere.
type splitReader struct {
	src []byte
	rng *rand.Rand
}

func (s *splitReader) Read(p []byte) (int, error) {
	if len(s.src) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), len(s.src), 1+s.rng.IntN(40))
	copy(p, s.src[:n])
	s.src = s.src[n:]
	return n, nil
}

// TestChunkedBodyMatchesNetHTTP decodes bodies framed by net/http, split
// at random points and read with buffers of every size from 1 byte up.
func TestChunkedBodyMatchesNetHTTP(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	parts := []string{"data: {\"a\":1}\n\n", strings.Repeat("x", 700), "é", "", "tail"}
	want := strings.Join(parts, "")
	for _, framed := range []string{
		encodeChunked(parts, ""),
		encodeChunked(parts, "X-Trailer: 1\r\nY: 2\r\n"),
		"5;ext=1\r\nhello\r\n0\r\n\r\n", // chunk extension
		"5 \r\nhello\r\n0\r\n\r\n",      // trailing space after the size
	} {
		exp := want
		if strings.HasPrefix(framed, "5") {
			exp = "hello"
		}
		for _, bufSize := range []int{1, 2, 3, 7, 64, 4096} {
			for range 20 {
				cb := &chunkedBody{r: &splitReader{src: []byte(framed), rng: rng}}
				got, err := io.ReadAll(iotest.OneByteReader(cb))
				if bufSize > 1 {
					cb = &chunkedBody{r: &splitReader{src: []byte(framed), rng: rng}}
					got, err = readAllWith(cb, bufSize)
				}
				if err != nil || string(got) != exp || cb.extra {
					t.Fatalf("buffer %d, %q: got %q, %v, extra %v", bufSize, framed, got, err, cb.extra)
				}
			}
		}
	}
}

func readAllWith(r io.Reader, size int) ([]byte, error) {
	var out []byte
	buf := make([]byte, size)
	for {
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

func TestChunkedBodyErrors(t *testing.T) {
	for _, tt := range []struct {
		name, framed string
		want         error
	}{
		{"cut in data", "5\r\nhel", io.ErrUnexpectedEOF},
		{"cut before last chunk", "5\r\nhello\r\n", io.ErrUnexpectedEOF},
		{"cut in trailer", "5\r\nhello\r\n0\r\n", io.ErrUnexpectedEOF},
		{"bad size", "zz\r\nhello\r\n0\r\n\r\n", errChunkFormat},
		{"empty size", "\r\nhello\r\n0\r\n\r\n", errChunkFormat},
		{"size too long", "1111111111111111\r\n", errChunkFormat},
		{"no CRLF after data", "5\r\nhelloX\r\n0\r\n\r\n", errChunkFormat},
		{"endless size line", strings.Repeat("1", 10_000), errChunkFormat},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := io.ReadAll(&chunkedBody{r: strings.NewReader(tt.framed)})
			if !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
		})
	}
	cb := &chunkedBody{r: strings.NewReader("2\r\nok\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n")}
	if got, err := io.ReadAll(cb); err != nil || string(got) != "ok" || !cb.extra {
		t.Fatalf("bytes past the end: %q %v extra=%v, want ok and extra", got, err, cb.extra)
	}
}

// BenchmarkChunkedBody decodes a vLLM-sized stream: one chunk per token.
func BenchmarkChunkedBody(b *testing.B) {
	body := vllmStream(128)
	var framed bytes.Buffer
	w := httputil.NewChunkedWriter(&framed)
	for _, ev := range bytes.SplitAfter(body, []byte("\n\n")) {
		_, _ = w.Write(ev)
	}
	_ = w.Close()
	framed.WriteString("\r\n")
	buf := make([]byte, 4096)
	r := bytes.NewReader(framed.Bytes())
	b.SetBytes(int64(framed.Len()))
	for b.Loop() {
		r.Reset(framed.Bytes())
		cb := chunkedBody{r: r}
		for {
			if _, err := cb.Read(buf); err != nil {
				break
			}
		}
	}
}
