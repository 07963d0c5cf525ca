package client

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
)

// leanBody is a response body read straight from its connection. Close
// gives the connection back to the idle pool only when the whole body was
// read, the response allows keep-alive, the request's context had not
// ended, and nothing is left in the reader; otherwise it closes the
// connection, so a later request never reads the rest of this one.
type leanBody struct {
	rc   io.ReadCloser // from http.ReadResponse: dechunks and reads trailers
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
	n, err := b.rc.Read(p)
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
	if b.eof.Load() && b.keep && stopped && b.lc.br.Buffered() == 0 {
		b.lc.reused = false
		b.t.putIdle(b.lc)
		return nil
	}
	b.lc.close()
	return nil
}
