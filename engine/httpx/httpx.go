// Package httpx is the one HTTP configuration of every request servebench
// makes: benchmark requests, readiness polls, pre-flight, /metrics scrapes.
// Benchmarks talk to servers they do not control, often with credentials,
// so the rules are the same everywhere:
//
//   - no proxy from the environment: HTTP_PROXY must not receive the API key,
//     and a benchmark measures the server, not a proxy;
//   - redirects are never followed: the 3xx answer itself is returned, and
//     callers report it as a failure naming its Location (following one
//     would re-send the key, or measure another server and call it success);
//   - response headers are bounded (MaxHeaderBytes);
//   - no compression: gzip would buffer the stream and blur every timestamp;
//   - HTTP/1.1 only, one connection per request in flight, so a closed loop
//     of C means C connections, as the server's scheduler sees them.
//
// A request whose body may have reached the server is never sent twice:
// net/http retries a POST on a reused connection only when none of it was
// written, which is the rule we want; nothing here adds retries. (net/http
// also retries a POST that carries an Idempotency-Key or X-Idempotency-Key
// header; engine/client refuses those headers for that reason.)
package httpx

import (
	"crypto/tls"
	"net"
	"net/http"
	"time"
)

// MaxHeaderBytes bounds the response header of every answer.
const MaxHeaderBytes = 64 << 10

// dialTimeout bounds connecting; the request's own context bounds the rest.
const dialTimeout = 30 * time.Second

// Options sizes a transport.
type Options struct {
	// MaxConns is the number of idle connections kept per host: the stage's
	// concurrency, so no request of a closed loop pays a handshake. Must be > 0.
	MaxConns int
}

// NewTransport returns a transport with the rules of the package doc.
func NewTransport(o Options) *http.Transport {
	return &http.Transport{
		Proxy:                  nil,
		DialContext:            (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:           o.MaxConns,
		MaxIdleConnsPerHost:    o.MaxConns,
		IdleConnTimeout:        90 * time.Second,
		DisableCompression:     true,
		ForceAttemptHTTP2:      false,
		TLSNextProto:           map[string]func(string, *tls.Conn) http.RoundTripper{},
		MaxResponseHeaderBytes: MaxHeaderBytes,
		ReadBufferSize:         4 << 10,
		WriteBufferSize:        4 << 10,
	}
}

// NewClient returns a client over NewTransport that never follows a
// redirect: Do returns the 3xx response itself (see Redirect).
func NewClient(o Options) *http.Client {
	return &http.Client{
		Transport:     NewTransport(o),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Redirect reports whether resp is a redirect, and where it pointed. Callers
// turn it into a failure: "redirected to LOCATION (not followed)".
func Redirect(resp *http.Response) (location string, ok bool) {
	if resp.StatusCode < 300 || resp.StatusCode > 399 {
		return "", false
	}
	return resp.Header.Get("Location"), true
}
