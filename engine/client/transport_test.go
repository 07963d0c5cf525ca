package client

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/servebench/servebench/schema"
)

// rawServer accepts connections on 127.0.0.1 and hands each to handle with
// its number (0-based) and a reader; it scripts answers net/http would
// never write. Accepts counts connections.
type rawServer struct {
	ln      net.Listener
	accepts atomic.Int64
	wg      sync.WaitGroup
}

func newRawServer(t *testing.T, handle func(n int, c net.Conn, br *bufio.Reader)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln}
	var mu sync.Mutex
	var conns []net.Conn
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			n := int(s.accepts.Add(1) - 1)
			s.wg.Go(func() { defer c.Close(); handle(n, c, bufio.NewReader(c)) })
		}
	})
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		s.wg.Wait()
	})
	return s
}

func (s *rawServer) url() string { return "http://" + s.ln.Addr().String() }

// readReq reads one request and its body; false when the client went away.
func readReq(br *bufio.Reader) (*http.Request, string, bool) {
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, "", false
	}
	body, err := io.ReadAll(req.Body)
	return req, string(body), err == nil
}

func newLean(t *testing.T, maxConns int) *leanTransport {
	t.Helper()
	lt := newLeanTransport(maxConns, newTransport(maxConns))
	t.Cleanup(lt.CloseIdleConnections)
	return lt
}

// get sends a POST through rt and returns the status and whole body.
func post(t *testing.T, ctx context.Context, rt http.RoundTripper, url, body string) (int, string, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func (t *leanTransport) idleCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, c := range t.idle {
		n += len(c)
	}
	return n
}

func TestLeanBodiesAndKeepAlive(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.URL.Query().Get("chunked") != "" {
			for _, part := range []string{"a", "bc", string(body)} {
				writeFlush(w, part) // every flush is a chunk
			}
			return
		}
		w.Header().Set("Content-Length", "5")
		_, _ = io.WriteString(w, "hello")
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	lt := newLean(t, 4)
	for i := range 10 {
		url, want := srv.URL+"/x", "hello"
		if i%2 == 0 {
			url, want = srv.URL+"/x?chunked=1", "abcreq"
		}
		status, got, err := post(t, context.Background(), lt, url, "req")
		if err != nil || status != 200 || got != want {
			t.Fatalf("request %d: %d %q %v, want 200 %q", i, status, got, err, want)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("10 sequential requests opened %d connections, want 1", n)
	}
}

// TestLeanPoolBound: 4 requests in flight at once need 4 connections; a
// pool of 2 keeps 2 of them afterwards and closes the others.
func TestLeanPoolBound(t *testing.T) {
	var arrived sync.WaitGroup
	arrived.Add(4)
	srv := newRawServer(t, func(_ int, c net.Conn, br *bufio.Reader) {
		for first := true; ; first = false {
			if _, _, ok := readReq(br); !ok {
				return
			}
			if first {
				arrived.Done()
				arrived.Wait() // all 4 in flight
			}
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	lt := newLean(t, 2)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, body, err := post(t, context.Background(), lt, srv.url(), "x"); err != nil || body != "ok" {
				t.Errorf("%q %v", body, err)
			}
		})
	}
	wg.Wait()
	if n, idle := srv.accepts.Load(), lt.idleCount(); n != 4 || idle != 2 {
		t.Fatalf("%d connections, %d idle; want 4 and 2", n, idle)
	}
	for range 3 { // sequential requests use the idle connections only
		if _, _, err := post(t, context.Background(), lt, srv.url(), "x"); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.accepts.Load(); n != 4 {
		t.Fatalf("%d connections after reuse, want still 4", n)
	}
}

// TestLeanRetryOnlyOnReusedConnection: a server that closes a kept-alive
// connection after one answer makes the next request fail on the reused
// connection before any byte arrives; it is retried once on a fresh one.
// A fresh connection closed without an answer is never retried, nor is a
// reused one that had started to answer.
func TestLeanRetryOnlyOnReusedConnection(t *testing.T) {
	const ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	t.Run("server closed idle connection", func(t *testing.T) {
		srv := newRawServer(t, func(_ int, c net.Conn, br *bufio.Reader) {
			if _, _, okReq := readReq(br); okReq {
				_, _ = io.WriteString(c, ok) // keep-alive promised, then closed
			}
		})
		lt := newLean(t, 4)
		for i := range 3 {
			if _, body, err := post(t, context.Background(), lt, srv.url(), "x"); err != nil || body != "ok" {
				t.Fatalf("request %d: %q %v", i, body, err)
			}
		}
		if n := srv.accepts.Load(); n != 3 {
			t.Fatalf("%d connections, want 3 (each reuse failed and was retried fresh)", n)
		}
	})
	t.Run("fresh connection closed without answer", func(t *testing.T) {
		srv := newRawServer(t, func(_ int, c net.Conn, br *bufio.Reader) { readReq(br) })
		_, _, err := post(t, context.Background(), newLean(t, 4), srv.url(), "x")
		if f := Classify(0, nil, err); err == nil || f.Kind != schema.FailConnReset {
			t.Fatalf("err %v (%+v), want a connection reset", err, f)
		}
		time.Sleep(50 * time.Millisecond) // a retry would have connected by now
		if n := srv.accepts.Load(); n != 1 {
			t.Fatalf("%d connections, want 1: no retry on a fresh connection", n)
		}
	})
	t.Run("reused connection cut mid-answer", func(t *testing.T) {
		srv := newRawServer(t, func(_ int, c net.Conn, br *bufio.Reader) {
			readReq(br)
			_, _ = io.WriteString(c, ok)
			readReq(br)
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-")
		})
		lt := newLean(t, 4)
		if _, _, err := post(t, context.Background(), lt, srv.url(), "x"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := post(t, context.Background(), lt, srv.url(), "x"); err == nil {
			t.Fatal("a cut answer read as a success")
		}
		time.Sleep(50 * time.Millisecond)
		if n := srv.accepts.Load(); n != 1 {
			t.Fatalf("%d connections, want 1: a started answer is not retried", n)
		}
	})
}

// TestLeanConnectionClose: "Connection: close" and an HTTP/1.0 answer
// without keep-alive (body until EOF) end their connection.
func TestLeanConnectionClose(t *testing.T) {
	for _, answer := range []string{
		"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.0 200 OK\r\n\r\nok",
		"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nok", // no length: until EOF
	} {
		srv := newRawServer(t, func(_ int, c net.Conn, br *bufio.Reader) {
			readReq(br)
			_, _ = io.WriteString(c, answer)
			if !strings.Contains(answer, "Content-Length") {
				return // EOF ends the body
			}
			readReq(br) // a second request on this connection would wait forever
		})
		lt := newLean(t, 4)
		for i := range 2 {
			if _, body, err := post(t, context.Background(), lt, srv.url(), "x"); err != nil || body != "ok" {
				t.Fatalf("%q request %d: %q %v", answer, i, body, err)
			}
		}
		if n, idle := srv.accepts.Load(), lt.idleCount(); n != 2 || idle != 0 {
			t.Fatalf("%q: %d connections, %d idle; want 2 and 0", answer, n, idle)
		}
	}
}

// stallAfter answers one request with head, then waits for the client to
// close the connection; the server sees it close, so the test knows the
// transport closed it.
func stallAfter(t *testing.T, head string) (*rawServer, chan struct{}) {
	closed := make(chan struct{})
	srv := newRawServer(t, func(_ int, c net.Conn, br *bufio.Reader) {
		readReq(br)
		_, _ = io.WriteString(c, head)
		_, _ = io.Copy(io.Discard, br) // until the client closes
		close(closed)
	})
	return srv, closed
}

func TestLeanCancelMidBody(t *testing.T) {
	srv, closed := stallAfter(t, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.url(), strings.NewReader("x"))
	resp, err := newLean(t, 4).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 10)
	if n, err := resp.Body.Read(buf); err != nil || string(buf[:n]) != "abc" {
		t.Fatalf("first read %q %v", buf[:n], err)
	}
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = io.ReadAll(resp.Body)
	if !errors.Is(err, context.Canceled) || Classify(0, nil, err).Kind != schema.FailCanceled {
		t.Fatalf("read after cancel: %v, want context.Canceled", err)
	}
	_ = resp.Body.Close()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the connection was not closed")
	}
}

func TestLeanDeadlineMidHeaders(t *testing.T) {
	srv, closed := stallAfter(t, "HTTP/1.1 200 OK\r\nContent-")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, _, err := post(t, ctx, newLean(t, 4), srv.url(), "x")
	if !errors.Is(err, context.DeadlineExceeded) || Classify(0, nil, err).Kind != schema.FailTimeout {
		t.Fatalf("err %v, want the context's deadline", err)
	}
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the connection was not closed")
	}
}

func TestLeanMalformedResponses(t *testing.T) {
	for _, tt := range []struct{ name, answer, want string }{
		{"status code", "HTTP/1.1 abc OK\r\n\r\n", "malformed HTTP status code"},
		{"status line", "garbage\r\n\r\n", "malformed HTTP response"},
		{"header", "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n", "malformed MIME header"},
		{"content length", "HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n", "Content-Length"},
		{"switching protocols", "HTTP/1.1 101 Switching Protocols\r\n\r\n", "no upgrade was asked for"},
		{"endless 1xx", strings.Repeat("HTTP/1.1 100 Continue\r\n\r\n", 6), "informational"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := stallAfter(t, tt.answer)
			_, _, err := post(t, context.Background(), newLean(t, 4), srv.url(), "x")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestLeanSkipsInformational: 100 and 103 answers before the real one are
// skipped, as net/http skips them.
func TestLeanSkipsInformational(t *testing.T) {
	srv, _ := stallAfter(t, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"+
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	if status, body, err := post(t, context.Background(), newLean(t, 4), srv.url(), "x"); err != nil || status != 200 || body != "ok" {
		t.Fatalf("%d %q %v", status, body, err)
	}
}

// TestLeanWritesTheRequest: the server reads exactly the request sent,
// with a Content-Length body, a body of unknown length (chunked) and the
// caller's headers; a header that would split the request is refused.
func TestLeanWritesTheRequest(t *testing.T) {
	type seen struct {
		method, path, host, ua, extra, body string
		length                              int64
		te                                  []string
	}
	got := make(chan seen, 3)
	srv := newRawServer(t, func(_ int, c net.Conn, br *bufio.Reader) {
		for {
			req, body, ok := readReq(br)
			if !ok {
				return
			}
			got <- seen{req.Method, req.URL.RequestURI(), req.Host, req.UserAgent(), req.Header.Get("X-Extra"),
				body, req.ContentLength, req.TransferEncoding}
			_, _ = io.WriteString(c, "HTTP/1.1 204 No Content\r\n\r\n")
		}
	})
	lt := newLean(t, 4)
	long := strings.Repeat("y", 10_000) // beyond the single-write buffer
	for _, body := range []io.Reader{strings.NewReader("hello"), strings.NewReader(long), io.MultiReader(strings.NewReader("unknown length"))} {
		req, _ := http.NewRequest(http.MethodPost, srv.url()+"/v1/completions?a=b", body)
		req.Header.Set("X-Extra", "1")
		resp, err := lt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		s := <-got
		want, _ := io.ReadAll(body) // drained by the transport: empty
		if s.method != "POST" || s.path != "/v1/completions?a=b" || s.host != srv.ln.Addr().String() ||
			s.ua == "" || s.extra != "1" || len(want) != 0 {
			t.Fatalf("server saw %+v", s)
		}
		if r, ok := body.(*strings.Reader); ok {
			if s.length != r.Size() || int64(len(s.body)) != r.Size() {
				t.Fatalf("length %d, body of %d bytes, want %d", s.length, len(s.body), r.Size())
			}
		} else if s.body != "unknown length" || len(s.te) != 1 || s.te[0] != "chunked" {
			t.Fatalf("unknown-length body: %+v", s)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, srv.url(), strings.NewReader("x"))
	req.Header.Set("X-Bad", "a\r\nX-Injected: 1")
	if _, err := lt.RoundTrip(req); err == nil || !strings.Contains(err.Error(), "invalid value") {
		t.Fatalf("a header with CRLF was sent: %v", err)
	}
}

// TestLeanNoGoroutinePerConnection holds 32 streams open and counts
// net/http's per-connection goroutines: none with the lean transport, two
// per connection with net/http's (the control, so the count can fail).
func TestLeanNoGoroutinePerConnection(t *testing.T) {
	const streams = 32
	release := make(chan struct{})
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		sseHeaders(w)
		writeFlush(w, "data: "+textChunk("a", "")+"\n\n")
		<-release
		writeFlush(w, "data: "+textChunk("b", "length")+"\n\ndata: [DONE]\n\n")
	})
	for _, std := range []bool{false, true} {
		c := newClient(t, srv.URL, func(c *Config) { c.MaxConns = streams; c.StdTransport = std })
		var started, wg sync.WaitGroup
		started.Add(streams)
		for range streams {
			wg.Go(func() {
				var res Result
				c.Do(context.Background(), &Request{OutputLen: 2, Text: "hi"}, &res)
				if res.Err != nil {
					t.Error(res.Err)
				}
			})
		}
		deadline := time.Now().Add(10 * time.Second)
		var n int
		for n = countGoroutines("net/http.(*persistConn)"); std && n < 2*streams && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
			n = countGoroutines("net/http.(*persistConn)")
		}
		time.Sleep(50 * time.Millisecond)
		n = countGoroutines("net/http.(*persistConn)")
		release <- struct{}{}
		close(release)
		wg.Wait()
		release = make(chan struct{})
		if want := map[bool]int{false: 0, true: 2 * streams}[std]; n != want {
			t.Fatalf("std=%v: %d net/http connection goroutines with %d streams open, want %d", std, n, streams, want)
		}
	}
}

// countGoroutines counts goroutines with fn on their stack.
func countGoroutines(fn string) int {
	var b strings.Builder
	_ = pprof.Lookup("goroutine").WriteTo(&b, 2)
	return strings.Count(b.String(), fn+".readLoop") + strings.Count(b.String(), fn+".writeLoop")
}

func TestLeanHTTPSUsesFallback(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "tls")
	}))
	t.Cleanup(srv.Close)
	lt := newLeanTransport(4, srv.Client().Transport)
	t.Cleanup(lt.CloseIdleConnections)
	if _, body, err := post(t, context.Background(), lt, srv.URL, "x"); err != nil || body != "tls" {
		t.Fatalf("%q %v", body, err)
	}
}

// TestLeanStreamHoldsNoBuffer: once the headers are parsed and the body is
// being read, the connection's header reader is back in its pool; the
// stream holds only its caller's buffer.
func TestLeanStreamHoldsNoBuffer(t *testing.T) {
	srv, _ := stallAfter(t, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.url(), strings.NewReader("x"))
	resp, err := newLean(t, 4).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lc := resp.Body.(*leanBody).lc
	if lc.br == nil {
		t.Fatal("no header reader right after the headers: the test cannot tell anything")
	}
	buf := make([]byte, 64)
	if n, err := resp.Body.Read(buf); err != nil || string(buf[:n]) != "abc" {
		t.Fatalf("read %q %v", buf[:n], err)
	}
	time.AfterFunc(50*time.Millisecond, cancel)
	_, _ = resp.Body.Read(buf) // blocks in the socket until the cancel
	if lc.br != nil {
		t.Fatal("the stream still holds the header reader")
	}
}

// TestLeanExpiresStaleIdle: a connection idle for longer than idleTTL is
// closed rather than reused.
func TestLeanExpiresStaleIdle(t *testing.T) {
	srv := newRawServer(t, func(_ int, c net.Conn, br *bufio.Reader) {
		for {
			if _, _, ok := readReq(br); !ok {
				return
			}
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	lt := newLean(t, 4)
	lt.idleTTL = 20 * time.Millisecond
	for i := range 2 {
		if _, _, err := post(t, context.Background(), lt, srv.url(), "x"); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			time.Sleep(60 * time.Millisecond)
		}
	}
	if n := srv.accepts.Load(); n != 2 {
		t.Fatalf("%d connections, want 2: the stale one must not be reused", n)
	}
}
