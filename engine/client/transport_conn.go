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
// request at a time.
type leanConn struct {
	nc      net.Conn
	br      *bufio.Reader
	key     string
	reused  bool      // taken from the idle pool for the current request
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
	br := readers.Get().(*bufio.Reader)
	br.Reset(nc)
	return &leanConn{nc: nc, br: br, key: key}, nil
}

func (t *leanTransport) takeIdle(key string) *leanConn {
	t.mu.Lock()
	defer t.mu.Unlock()
	conns := t.idle[key]
	for len(conns) > 0 {
		lc := conns[len(conns)-1]
		conns[len(conns)-1] = nil
		conns = conns[:len(conns)-1]
		if time.Since(lc.idleAt) > t.idleTTL {
			go lc.close() // rare; keeps the lock free of a syscall
			continue
		}
		t.idle[key] = conns
		lc.reused = true
		return lc
	}
	t.idle[key] = conns
	return nil
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

// close closes the socket and returns the reader to the pool, once.
func (lc *leanConn) close() {
	lc.closeMu.Do(func() {
		_ = lc.nc.Close()
		lc.br.Reset(nil)
		readers.Put(lc.br)
	})
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
