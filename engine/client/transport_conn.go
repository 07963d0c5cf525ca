package client

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// leanConn is one HTTP/1.1 connection of a leanTransport, owned by one
// request at a time. Its reader holds the status line and headers; the
// body reads drain what it buffered beyond them and then give it back to
// the pool, so an open stream reads straight from the socket into its
// caller's buffer and holds no transport buffer at all.
type leanConn struct {
	nc      net.Conn
	br      *bufio.Reader // nil once handed back; only the owner touches it
	key     string
	reused  bool      // taken from the idle pool for the current request
	first   [1]byte   // the response's first byte, read before the reader is taken
	pending bool      // first holds a byte the reader has not seen
	idleAt  time.Time // when it was put back
	closeMu sync.Once
}

// readers pools the per-connection readers of closed connections.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, leanReadBufferSize) }}

// writeBuffers pools the buffers that assemble a request's head and small
// body into a single write; a request holds one only while writing.
var writeBuffers = sync.Pool{New: func() any { b := make([]byte, 0, leanWriteBufferSize); return &b }}

// leanWriteBufferSize is the largest request written with one syscall;
// larger bodies follow the head in further writes.
const leanWriteBufferSize = 4 << 10

// longAgo is the deadline that makes every pending and later I/O on a
// connection fail at once.
var longAgo = time.Unix(1, 0)

// hostPort is the dial address and pool key of a plain-HTTP request.
func hostPort(req *http.Request) string {
	port := req.URL.Port()
	if port == "" {
		port = "80"
	}
	return net.JoinHostPort(req.URL.Hostname(), port)
}

// getConn takes the most recently used idle connection to key (the least
// likely to have been closed by the server), or dials a new one.
func (t *leanTransport) getConn(ctx context.Context, key string) (*leanConn, error) {
	if lc := t.takeIdle(key); lc != nil {
		return lc, nil
	}
	nc, err := t.dialer.DialContext(ctx, "tcp", key)
	if err != nil {
		return nil, err
	}
	return &leanConn{nc: nc, key: key}, nil
}

// awaitFirstByte waits for the response with no buffer held: a stream
// waiting for its server (queued, prefilling) costs no reader buffer.
func (lc *leanConn) awaitFirstByte() error {
	if lc.br != nil && lc.br.Buffered() > 0 {
		return nil
	}
	for {
		n, err := lc.nc.Read(lc.first[:])
		if n == 1 {
			lc.pending = true
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// reader is the connection's header reader, from the pool when it has none.
func (lc *leanConn) reader() *bufio.Reader {
	if lc.br == nil {
		lc.br = readers.Get().(*bufio.Reader)
		lc.br.Reset((*headSource)(lc))
	}
	return lc.br
}

// headSource feeds the header reader: the byte awaitFirstByte read, then
// the socket.
type headSource leanConn

func (h *headSource) Read(p []byte) (int, error) {
	if !h.pending || len(p) == 0 {
		return h.nc.Read(p)
	}
	h.pending = false
	p[0] = h.first[0]
	if len(p) == 1 {
		return 1, nil
	}
	n, err := h.nc.Read(p[1:]) // a status line is longer than a byte: more is coming
	return 1 + n, err
}

// drained reports whether nothing is buffered, and gives the reader back
// to the pool when so.
func (lc *leanConn) drained() bool {
	if lc.br == nil {
		return true
	}
	if lc.br.Buffered() > 0 {
		return false
	}
	lc.br.Reset(nil)
	readers.Put(lc.br)
	lc.br = nil
	return true
}

// Read is the body's source: the bytes the header reader buffered past
// the headers, then the socket itself.
func (lc *leanConn) Read(p []byte) (int, error) {
	if !lc.drained() {
		return lc.br.Read(p)
	}
	return lc.nc.Read(p)
}

// takeIdle pops the most recently used idle connection to key. One idle
// for longer than idleTTL is closed instead (the server has most likely
// closed it); there is no goroutine to expire connections in the background.
func (t *leanTransport) takeIdle(key string) *leanConn {
	for {
		t.mu.Lock()
		conns := t.idle[key]
		if len(conns) == 0 {
			t.mu.Unlock()
			return nil
		}
		lc := conns[len(conns)-1]
		conns[len(conns)-1] = nil
		t.idle[key] = conns[:len(conns)-1]
		t.mu.Unlock()
		if time.Since(lc.idleAt) <= t.idleTTL {
			lc.reused = true
			return lc
		}
		lc.close()
	}
}

// putIdle keeps lc for the next request, or closes it when the pool of its
// host is full.
func (t *leanTransport) putIdle(lc *leanConn) {
	lc.idleAt = time.Now()
	t.mu.Lock()
	if conns := t.idle[lc.key]; len(conns) < t.maxIdle {
		t.idle[lc.key] = append(conns, lc)
		t.mu.Unlock()
		return
	}
	t.mu.Unlock()
	lc.close()
}

// expire makes the connection's pending and future I/O fail now; it runs
// when the request's context ends (context.AfterFunc).
func (lc *leanConn) expire() { _ = lc.nc.SetDeadline(longAgo) }

// close closes the socket, once. It may run while the owner reads (a body
// closed to abort a read), so it leaves a reader still held to the garbage
// collector rather than race the owner for it.
func (lc *leanConn) close() {
	lc.closeMu.Do(func() { _ = lc.nc.Close() })
}

// writeRequest writes head and the body, one write when they fit the
// write buffer. contentLength < 0 or a body of unknown length (0 with a
// body) is sent chunked, as head announced. body is closed.
func (lc *leanConn) writeRequest(head []byte, contentLength int64, body io.ReadCloser) error {
	defer closeBody(body)
	if body == http.NoBody {
		body = nil
	}
	bp := writeBuffers.Get().(*[]byte)
	defer writeBuffers.Put(bp)
	buf := append((*bp)[:0], head...) // a head over the buffer reallocates; the pooled one stays
	switch {
	case body == nil:
		_, err := lc.nc.Write(buf)
		return err
	case contentLength > 0 && int64(len(buf))+contentLength <= int64(cap(buf)):
		n := len(buf)
		buf = buf[:n+int(contentLength)]
		if _, err := io.ReadFull(body, buf[n:]); err != nil {
			return bodyLengthErr(contentLength, err)
		}
		_, err := lc.nc.Write(buf)
		return err
	case contentLength > 0:
		return lc.writeLong(buf, contentLength, body)
	default:
		return lc.writeChunked(buf, body)
	}
}
