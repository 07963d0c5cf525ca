package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
)

// leanBody is a response body read straight from its connection. Close
// gives the connection back to the idle pool only when the whole body was
// read, the response allows keep-alive, the request's context had not
// ended, and nothing is left in the reader; otherwise it closes the
// connection, so a later request never reads the rest of this one.
type leanBody struct {
	src  io.Reader // the framing decoder over the connection
	lc   *leanConn
	t    *leanTransport
	ctx  context.Context
	stop func() bool // stops the context.AfterFunc of the request
	keep bool

	eof    atomic.Bool
	closed atomic.Bool
}

var _ io.ReadCloser = (*leanBody)(nil)

var errReadAfterClose = errors.New("read on a closed response body")

// Read reads the body. Once the request's context has ended, its error is
// returned instead of the I/O error its deadline caused.
func (b *leanBody) Read(p []byte) (int, error) {
	if b.closed.Load() {
		return 0, errReadAfterClose
	}
	n, err := b.src.Read(p)
	switch {
	case err == io.EOF:
		b.eof.Store(true)
	case err != nil:
		err = mapCtxErr(b.ctx, err)
	}
	return n, err
}

// Close may be called at any time, also while a Read is blocked: it then
// closes the connection and the Read fails.
func (b *leanBody) Close() error {
	if !b.closed.CompareAndSwap(false, true) {
		return nil
	}
	stopped := b.stop()
	if b.eof.Load() && b.keep && stopped && b.clean() {
		b.lc.reused = false
		b.t.putIdle(b.lc)
		return nil
	}
	b.lc.close()
	return nil
}

// setSource picks the body's framing from the parsed head. http.ReadResponse
// validated it (Content-Length, Transfer-Encoding, which statuses have no
// body) and said whether the connection closes after it (resp.Close); the
// body it built reads through the header reader, so it is replaced by one
// reading from the connection. Trailers are read and dropped.
func (b *leanBody) setSource(resp *http.Response) {
	switch {
	case resp.Body == http.NoBody:
		b.src = http.NoBody
		b.eof.Store(true)
	case len(resp.TransferEncoding) > 0: // only "chunked" passes ReadResponse
		b.src = &chunkedBody{r: b.lc}
	case resp.ContentLength > 0:
		b.src = &lengthBody{r: b.lc, left: resp.ContentLength}
	default: // until the connection closes; resp.Close is set
		b.src = b.lc
	}
}

// clean reports whether the connection holds nothing past this body.
func (b *leanBody) clean() bool {
	if cb, ok := b.src.(*chunkedBody); ok && cb.extra {
		return false
	}
	return b.lc.drained()
}

// lengthBody reads a body of known length; the connection ending first is
// io.ErrUnexpectedEOF.
type lengthBody struct {
	r    io.Reader
	left int64
}

func (l *lengthBody) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	switch {
	case l.left == 0:
		return n, io.EOF
	case err == io.EOF:
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}
