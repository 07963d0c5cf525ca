package client

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
)

// rawServer accepts connections on 127.0.0.1 and hands each to handle with
// its number (0-based) and a reader; it scripts answers net/http's server
// would never write. accepts counts connections, posts the requests read
// with readPost.
type rawServer struct {
	ln      net.Listener
	accepts atomic.Int64
	posts   atomic.Int64
	wg      sync.WaitGroup
}

func newRawServer(t *testing.T, handle func(s *rawServer, n int, c net.Conn, br *bufio.Reader)) *rawServer {
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
			s.wg.Go(func() { defer c.Close(); handle(s, n, c, bufio.NewReader(c)) })
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

// readPost reads one request and its whole body and counts it; false when
// the client went away first.
func (s *rawServer) readPost(br *bufio.Reader) (*http.Request, string, bool) {
	req, err := http.ReadRequest(br)
	if err != nil {
		return nil, "", false
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, "", false
	}
	s.posts.Add(1)
	return req, string(body), true
}

// sseHead starts a chunked event-stream answer.
const sseHead = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"

// chunked frames s as one HTTP/1.1 chunk.
func chunked(s string) string {
	return strconvHex(len(s)) + "\r\n" + s + "\r\n"
}

// lastChunk ends a chunked body.
const lastChunk = "0\r\n\r\n"
