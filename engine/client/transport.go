package client

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// leanTransport is an http.RoundTripper for plain-HTTP/1.1 streaming that
// starts no goroutine per connection. net/http's Transport keeps a readLoop
// and a writeLoop goroutine on every connection plus their buffers and a
// body pipe; with one connection per in-flight stream those were most of
// the 59 KiB each stream cost (docs/performance.md). Here the caller's own
// goroutine writes the request, parses the headers and reads the body
// straight from the socket through one small bufio.Reader per connection.
//
// Cancellation needs no goroutine either: context.AfterFunc moves the
// connection's deadline into the past when the request's context ends, and
// the I/O error that follows is reported as the context's error, so
// Classify still says canceled or timeout. https:// requests go to the
// fallback (net/http).
type leanTransport struct {
	dialer   net.Dialer
	fallback http.RoundTripper
	maxIdle  int           // idle connections kept per host
	idleTTL  time.Duration // an idle connection older than this is closed, not reused

	mu   sync.Mutex
	idle map[string][]*leanConn // by host:port, most recently used last
}

var _ http.RoundTripper = (*leanTransport)(nil)

// leanReadBufferSize sizes the reader of the status line and headers (an
// OpenAI-compatible server's fit in a few hundred bytes; longer lines are
// assembled by net/textproto). Streams do not hold it: see leanConn.
const leanReadBufferSize = 4 << 10

// maxInformational bounds the 1xx responses skipped before the real one,
// as net/http does.
const maxInformational = 5

func newLeanTransport(maxConns int, fallback http.RoundTripper) *leanTransport {
	return &leanTransport{
		dialer:   net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second},
		fallback: fallback,
		maxIdle:  max(maxConns, 1),
		idleTTL:  90 * time.Second,
		idle:     map[string][]*leanConn{},
	}
}

// RoundTrip sends req on an idle or new connection and returns once the
// response headers are read. A request that failed on a reused connection
// before any byte of the response arrived is sent once more on a fresh
// connection: the server had closed the idle connection, which says
// nothing about the server. A failure on a fresh connection is final.
func (t *leanTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL == nil || req.URL.Scheme != "http" {
		return t.fallback.RoundTrip(req)
	}
	head, err := appendRequestHead(nil, req)
	if err != nil {
		closeBody(req.Body)
		return nil, err
	}
	ctx, body := req.Context(), req.Body
	for attempt := 0; ; attempt++ {
		resp, retry, err := t.roundTripOnce(ctx, req, head, body)
		if err == nil || !retry || attempt > 0 || ctx.Err() != nil {
			return resp, err
		}
		if body, err = rewindBody(req); err != nil {
			return nil, err
		}
	}
}

// roundTripOnce sends the request once and always closes body. retry says
// whether the failure happened on a reused connection before the first
// byte of the response.
func (t *leanTransport) roundTripOnce(ctx context.Context, req *http.Request, head []byte, body io.ReadCloser) (*http.Response, bool, error) {
	if err := ctx.Err(); err != nil {
		closeBody(body)
		return nil, false, err
	}
	lc, err := t.getConn(ctx, hostPort(req))
	if err != nil {
		closeBody(body)
		return nil, false, mapCtxErr(ctx, err)
	}
	stop := context.AfterFunc(ctx, lc.expire)
	if err := lc.writeRequest(head, req.ContentLength, body); err != nil {
		stop()
		lc.close()
		return nil, lc.reused, mapCtxErr(ctx, fmt.Errorf("write request: %w", err))
	}
	if err := lc.awaitFirstByte(); err != nil {
		stop()
		lc.close()
		return nil, lc.reused, mapCtxErr(ctx, fmt.Errorf("read response: %w", err))
	}
	resp, err := readResponse(lc.reader(), req)
	if err != nil {
		stop()
		lc.close()
		return nil, false, mapCtxErr(ctx, fmt.Errorf("read response: %w", err))
	}
	b := &leanBody{lc: lc, t: t, ctx: ctx, stop: stop, keep: !resp.Close && !req.Close}
	b.setSource(resp)
	resp.Body = b
	return resp, false, nil
}

// readResponse reads the status line and headers, skipping informational
// 1xx answers.
func readResponse(br *bufio.Reader, req *http.Request) (*http.Response, error) {
	for range maxInformational {
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			return nil, err
		}
		switch {
		case resp.StatusCode >= 200:
			return resp, nil
		case resp.StatusCode == http.StatusSwitchingProtocols:
			return nil, fmt.Errorf("unexpected %q: no upgrade was asked for", resp.Status)
		}
	}
	return nil, fmt.Errorf("more than %d informational (1xx) responses", maxInformational)
}

// mapCtxErr reports an I/O error caused by the context's end (the deadline
// AfterFunc set) as the context's error, as net/http does.
func mapCtxErr(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	return err
}

// rewindBody gets a fresh copy of the request body for a retry.
func rewindBody(req *http.Request) (io.ReadCloser, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return req.Body, nil
	}
	if req.GetBody == nil {
		return nil, errors.New("the request failed on a reused connection and its body cannot be sent again")
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, fmt.Errorf("rewind request body: %w", err)
	}
	return body, nil
}

func closeBody(b io.ReadCloser) {
	if b != nil {
		_ = b.Close()
	}
}

// CloseIdleConnections closes every idle connection, here and in the
// fallback; connections in use are closed when their bodies are.
func (t *leanTransport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = map[string][]*leanConn{}
	t.mu.Unlock()
	for _, conns := range idle {
		for _, lc := range conns {
			lc.close()
		}
	}
	if c, ok := t.fallback.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
