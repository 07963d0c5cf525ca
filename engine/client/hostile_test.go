package client

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/servebench/servebench/schema"
)

// The tests of this file are the issue "Hostile servers and hostile
// inputs", one hand-written server on 127.0.0.1 per item. Each failed on
// the client with its own HTTP/1.1 transport (checked by running this
// file against that code), unless its comment says otherwise.

// sseEvents is a complete completions stream of n tokens with usage.
func sseEvents(n int) string {
	return sseBody(n, true, true)
}

// answerSSE writes a whole chunked event-stream answer of body.
func answerSSE(c net.Conn, body string) {
	_, _ = io.WriteString(c, sseHead+chunked(body)+lastChunk)
}

// TestHostileServers is the table of answers that must each end in one
// exact failure kind (or, for the informational answers, in a success).
func TestHostileServers(t *testing.T) {
	gz := func(s string) string {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		_, _ = io.WriteString(w, s)
		_ = w.Close()
		return b.String()
	}
	usage := func(v string) string {
		return sseHead + chunked("data: "+textChunk("a", "length")+"\n\n"+
			`data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":`+v+`}}`+"\n\ndata: [DONE]\n\n") + lastChunk
	}
	bigHeader := "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("a", 8<<20) + "\r\n" + sseHead[len("HTTP/1.1 200 OK\r\n"):] +
		chunked(sseEvents(2)) + lastChunk
	body := sseEvents(2)
	tests := []struct {
		name, answer, kind, msg string
	}{
		// 8: an 8 MiB header line is refused at httpx.MaxHeaderBytes.
		{"huge header", bigHeader, schema.FailTooLarge, "server response headers exceeded 65536 bytes"},
		{"endless 1xx", strings.Repeat("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n", 5000),
			schema.FailTooLarge, "server response headers exceeded"},
		// 12: broken framing is a malformed stream, not "other".
		{"chunk size not hex", sseHead + chunked("data: "+textChunk("a", "")+"\n\n") + "zz\r\nabc\r\n", schema.FailMalformed, "invalid byte in chunk length"},
		{"chunk data overruns its size", sseHead + "5\r\nabcdefgh\r\n", schema.FailMalformed, "malformed chunked encoding"},
		{"bare LF chunk line", sseHead + "5\nabcde\r\n", schema.FailMalformed, "broken HTTP body framing"},
		{"status code", "HTTP/1.1 abc OK\r\n\r\n", schema.FailMalformed, "malformed HTTP status code"},
		{"header without colon", "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n", schema.FailMalformed, "malformed MIME header"},
		{"negative content length", "HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n", schema.FailMalformed, "Content-Length"},
		{"switching protocols", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", schema.FailMalformed, "101 Switching Protocols"},
		// 12: a gzip body nobody asked for names its Content-Encoding.
		{"gzip body", fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s",
			len(gz(body)), gz(body)), schema.FailMalformed, `Content-Encoding "gzip"`},
		// 12: usage counts are integers or the request fails naming the value.
		{"fraction usage", usage("8.9"), schema.FailMalformed, "usage.completion_tokens is 8.9"},
		{"infinite usage", usage("1e999"), schema.FailMalformed, "usage.completion_tokens is 1e999"},
		{"overflowing usage", usage("99999999999999999999"), schema.FailMalformed, "is 99999999999999999999"},
		// 12: five informational answers before the real one are fine.
		{"five 1xx", strings.Repeat("HTTP/1.1 100 Continue\r\n\r\n", 4) + "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" +
			sseHead + chunked(body) + lastChunk, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRawServer(t, func(s *rawServer, _ int, c net.Conn, br *bufio.Reader) {
				if _, _, ok := s.readPost(br); ok {
					_, _ = io.WriteString(c, tt.answer)
					_, _ = io.Copy(io.Discard, br) // until the client closes
				}
			})
			res := do(t, newClient(t, srv.url(), func(c *Config) { c.Timeout = 20 * time.Second }), nil)
			if tt.kind == "" {
				if res.Err != nil || res.OutputTokens != 2 {
					t.Fatalf("err %v, %d tokens: want a success with 2", res.Err, res.OutputTokens)
				}
				return
			}
			wantFailure(t, res, tt.kind, tt.msg)
		})
	}
}

// TestNeverSentTwice (item 9): a server that reads a request on a
// kept-alive connection and closes it without answering must receive each
// request once. The old transport resent it on a fresh connection (7 POSTs
// for 4 requests) and the failure vanished.
func TestNeverSentTwice(t *testing.T) {
	for _, workers := range []int{1, 8} {
		t.Run(fmt.Sprintf("c=%d", workers), func(t *testing.T) {
			srv := newRawServer(t, func(s *rawServer, _ int, c net.Conn, br *bufio.Reader) {
				if _, _, ok := s.readPost(br); !ok {
					return
				}
				answerSSE(c, sseEvents(3))
				s.readPost(br) // read the next request whole, then drop it
			})
			c := newClient(t, srv.url(), func(c *Config) { c.MaxConns = workers })
			const perWorker = 8
			var mu sync.Mutex
			kinds := map[string]int{}
			var wg sync.WaitGroup
			for range workers {
				wg.Go(func() {
					for range perWorker {
						res := do(t, c, nil)
						kind := "ok"
						if res.Err != nil {
							kind = res.Err.Kind
						}
						mu.Lock()
						kinds[kind]++
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			requests := workers * perWorker
			if got := srv.posts.Load(); got != int64(requests) {
				t.Fatalf("the server received %d POSTs for %d requests (%v)", got, requests, kinds)
			}
			if kinds["ok"]+kinds[schema.FailConnReset] != requests || kinds[schema.FailConnReset] == 0 {
				t.Fatalf("outcomes %v: want successes and connection resets only, some of each", kinds)
			}
		})
	}
}

// TestIdleConnectionBytesAreDiscarded (item 10): an answer nobody asked for,
// arriving on an idle kept-alive connection, must not become the next
// request's answer (it was: TTFT 0.2 ms and 2 tokens that belonged to
// nobody). net/http closes such a connection and logs "Unsolicited response
// received on idle HTTP channel" through the standard logger.
func TestIdleConnectionBytesAreDiscarded(t *testing.T) {
	closed := make(chan struct{})
	srv := newRawServer(t, func(s *rawServer, n int, c net.Conn, br *bufio.Reader) {
		if _, _, ok := s.readPost(br); !ok {
			return
		}
		if n > 0 { // the honest answer: 5 tokens after 30 ms
			time.Sleep(30 * time.Millisecond)
			answerSSE(c, sseEvents(5))
			return
		}
		answerSSE(c, sseEvents(3))
		time.Sleep(50 * time.Millisecond)
		answerSSE(c, sseEvents(2)) // unsolicited
		_, _ = io.Copy(io.Discard, br)
		close(closed)
	})
	var logged bytes.Buffer // net/http's log line quotes the stray bytes: keep it out of the test output
	log.SetOutput(&logged)
	defer log.SetOutput(os.Stderr)
	c := newClient(t, srv.url(), nil)
	if res := do(t, c, nil); res.Err != nil || res.OutputTokens != 3 {
		t.Fatalf("first request: %+v", res)
	}
	select {
	case <-closed: // the client dropped the connection with the stray bytes
	case <-time.After(3 * time.Second):
		t.Error("the connection that received an unsolicited answer is still open")
	}
	res := do(t, c, nil)
	if res.Err != nil || res.OutputTokens != 5 || res.TTFT < 30*time.Millisecond {
		t.Fatalf("second request: err %v, %d tokens, TTFT %v: want its own 5 tokens after >= 30 ms",
			res.Err, res.OutputTokens, res.TTFT)
	}
	t.Logf("standard logger: %.120q", logged.String())
}

// TestDoneEndsTheStream (item 11): a stream that sends [DONE] but never ends
// its body succeeds at once instead of waiting for the request timeout, and
// its connection, with unread bytes pending, is not reused.
func TestDoneEndsTheStream(t *testing.T) {
	closed := make(chan struct{}, 2)
	srv := newRawServer(t, func(s *rawServer, _ int, c net.Conn, br *bufio.Reader) {
		if _, _, ok := s.readPost(br); !ok {
			return
		}
		_, _ = io.WriteString(c, sseHead+chunked(sseEvents(4))) // no last chunk
		_, _ = io.Copy(io.Discard, br)
		closed <- struct{}{}
	})
	const timeout = 20 * time.Second
	c := newClient(t, srv.url(), func(c *Config) { c.Timeout = timeout })
	for i := range 2 {
		start := time.Now()
		res := do(t, c, nil)
		if res.Err != nil || res.OutputTokens != 4 || res.FinishReason != "length" {
			t.Fatalf("request %d: err %v, %d tokens, finish %q", i, res.Err, res.OutputTokens, res.FinishReason)
		}
		if took := time.Since(start); took > timeout/2 {
			t.Fatalf("request %d took %v: it waited for the end of a body that never ends", i, took)
		}
		select {
		case <-closed:
		case <-time.After(5 * time.Second):
			t.Fatalf("request %d: the connection with an unfinished body is still open", i)
		}
	}
	if n := srv.accepts.Load(); n != 2 {
		t.Fatalf("%d connections for 2 requests: an unfinished body's connection was reused", n)
	}
}

// TestRedirectsAreNotFollowed (item 7): 301, 302, 307 and 308 are failures
// naming the status and the Location; the server they point to, on another
// port of the same host, sees nothing (no re-sent POST, no key), and a key
// in the Location is hidden.
func TestRedirectsAreNotFollowed(t *testing.T) {
	const key = "redirect-key-0123456789abcdef"
	other := newRawServer(t, func(s *rawServer, _ int, c net.Conn, br *bufio.Reader) {
		if _, _, ok := s.readPost(br); ok {
			answerSSE(c, sseEvents(2))
		}
	})
	for _, status := range []int{301, 302, 307, 308} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			loc := other.url() + "/v1/completions?api_key=" + key
			srv := newRawServer(t, func(s *rawServer, _ int, c net.Conn, br *bufio.Reader) {
				if _, _, ok := s.readPost(br); ok {
					fmt.Fprintf(c, "HTTP/1.1 %d Moved\r\nLocation: %s\r\nContent-Length: 0\r\n\r\n", status, loc)
				}
			})
			res := do(t, newClient(t, srv.url(), func(c *Config) { c.APIKey = key }), nil)
			wantFailure(t, res, schema.FailRedirect, fmt.Sprintf("HTTP %d redirect to %s/v1/completions?api_key=[redacted]", status, other.url()))
			if res.Err.Status != status || strings.Contains(res.Err.Message, key) {
				t.Fatalf("status %d, message %q", res.Err.Status, res.Err.Message)
			}
			if n := other.accepts.Load(); n != 0 {
				t.Fatalf("the redirect target received %d connections", n)
			}
		})
	}
}

// TestSecretsHiddenBeforeTheCut (items 2 and 3): a key that straddles the
// 512-byte cut of a failure message, or that the server echoes with its
// "/" escaped as "\/", leaves no part of itself in the message, whether
// it comes in an error status or in the stream.
func TestSecretsHiddenBeforeTheCut(t *testing.T) {
	for _, key := range []string{"sbtest-straddle-key-0123456789abcdef", "sbtest/slash+key/0123456789abcdef"} {
		escaped := strings.ReplaceAll(key, "/", `\/`)
		for _, inStream := range []bool{false, true} {
			next := 440 // one server goroutine per connection; requests are sequential
			srv := newRawServer(t, func(s *rawServer, _ int, c net.Conn, br *bufio.Reader) {
				for {
					if _, _, ok := s.readPost(br); !ok {
						return
					}
					msg := `{"error":{"message":"` + strings.Repeat("x", next) + ` bad key ` + escaped + ` end"}}`
					next++
					if inStream {
						answerSSE(c, "data: "+msg+"\n\n")
						continue
					}
					fmt.Fprintf(c, "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(msg), msg)
				}
			})
			c := newClient(t, srv.url(), func(c *Config) { c.APIKey = key; c.MaxConns = 1 })
			for range 80 { // the key's start moves across the cut
				res := do(t, c, nil)
				if res.Err == nil {
					t.Fatalf("stream %v: want a failure", inStream)
				}
				for i := 0; i+8 <= len(key); i++ {
					if strings.Contains(res.Err.Message, key[i:i+8]) || strings.Contains(res.Err.Message, escaped[i:i+8]) {
						t.Fatalf("stream %v, key %q: part %q is in ...%q", inStream, key, key[i:i+8], res.Err.Message[max(0, len(res.Err.Message)-80):])
					}
				}
			}
		}
	}
}

// proxyChildEnv makes the test binary, re-executed, play the client of
// TestProxyEnvironmentIgnored with the proxy variables set from its start:
// net/http reads them once per process.
const proxyChildEnv = "SERVEBENCH_PROXY_CHILD_TARGET"

// TestProxyEnvironmentIgnored (item 6, the client's side): with HTTP_PROXY,
// HTTPS_PROXY and ALL_PROXY pointing at a listening proxy, the benchmark
// request goes to the server and the proxy receives nothing. The child
// first proves the proxy is live and would be used: a transport that
// honours the environment sends its request there. net/http never proxies
// "localhost" or a loopback IP, so the target is another name /etc/hosts
// gives 127.0.0.1 (found there: no DNS query leaves the machine). (This
// passed before too: the old transport used no proxy either.)
func TestProxyEnvironmentIgnored(t *testing.T) {
	if target := os.Getenv(proxyChildEnv); target != "" {
		proxyChild(t, target)
		return
	}
	host := loopbackHostName(t)
	answer := func(s *rawServer, _ int, c net.Conn, br *bufio.Reader) {
		for {
			if _, _, ok := s.readPost(br); !ok {
				return
			}
			answerSSE(c, sseEvents(2))
		}
	}
	proxy, srv := newRawServer(t, answer), newRawServer(t, answer)
	_, port, _ := net.SplitHostPort(srv.ln.Addr().String())
	purl := proxy.url()
	cmd := exec.Command(os.Args[0], "-test.run=^TestProxyEnvironmentIgnored$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), proxyChildEnv+"=http://"+net.JoinHostPort(host, port),
		"HTTP_PROXY="+purl, "http_proxy="+purl, "HTTPS_PROXY="+purl, "https_proxy="+purl,
		"ALL_PROXY="+purl, "all_proxy="+purl, "NO_PROXY=", "no_proxy=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if p, s := proxy.posts.Load(), srv.posts.Load(); p != 1 || s != 1 {
		t.Fatalf("proxy received %d requests, server %d: want 1 (the control) and 1 (the client's)", p, s)
	}
}

// loopbackHostName is a name other than localhost that /etc/hosts maps to
// 127.0.0.1; the test is skipped on a machine without one.
func loopbackHostName(t *testing.T) string {
	b, err := os.ReadFile("/etc/hosts")
	if err != nil {
		t.Skipf("no /etc/hosts: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "127.0.0.1" {
			continue
		}
		for _, name := range f[1:] {
			if name != "localhost" && !strings.HasPrefix(name, "#") {
				return name
			}
		}
	}
	t.Skip("/etc/hosts maps no name but localhost to 127.0.0.1")
	return ""
}

func proxyChild(t *testing.T, target string) {
	control := &http.Client{Transport: &http.Transport{Proxy: http.ProxyFromEnvironment}}
	resp, err := control.Post(target+"/control", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatalf("control request through the proxy: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if res := do(t, newClient(t, target, nil), nil); res.Err != nil {
		t.Fatal(res.Err)
	}
}
