package client

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"strconv"
	"strings"
)

// appendRequestHead appends the request line and headers of req as
// HTTP/1.1 to b. Host, Content-Length, Transfer-Encoding and Connection
// come from the request's fields, never from req.Header, as net/http does.
// A header that could split the request (CR, LF or NUL in it) is an error.
func appendRequestHead(b []byte, req *http.Request) ([]byte, error) {
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	if !validHeaderValue(method) || strings.ContainsAny(method, " ") || !validHeaderValue(host) {
		return nil, fmt.Errorf("invalid method %q or host %q", method, host)
	}
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, req.URL.RequestURI()...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, host...)
	b = append(b, "\r\n"...)
	if _, ok := req.Header["User-Agent"]; !ok {
		b = append(b, "User-Agent: Go-http-client/1.1\r\n"...)
	}
	b, err := appendHeaders(b, req.Header)
	if err != nil {
		return nil, err
	}
	if req.Close {
		b = append(b, "Connection: close\r\n"...)
	}
	switch body := req.Body; {
	case body != nil && body != http.NoBody && req.ContentLength > 0:
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, req.ContentLength, 10)
		b = append(b, "\r\n"...)
	case body != nil && body != http.NoBody:
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	case req.Method == http.MethodPost || req.Method == http.MethodPut || req.Method == http.MethodPatch:
		b = append(b, "Content-Length: 0\r\n"...)
	}
	return append(b, "\r\n"...), nil
}

// appendHeaders appends every header line but those the transport writes.
func appendHeaders(b []byte, h http.Header) ([]byte, error) {
	for k, vv := range h {
		switch http.CanonicalHeaderKey(k) {
		case "Host", "Content-Length", "Transfer-Encoding", "Connection":
			continue
		}
		if k == "" || strings.ContainsAny(k, " :\t") || !validHeaderValue(k) {
			return nil, fmt.Errorf("invalid header name %q", k)
		}
		for _, v := range vv {
			if !validHeaderValue(v) {
				return nil, fmt.Errorf("invalid value for header %q", k)
			}
			b = append(b, k...)
			b = append(b, ": "...)
			b = append(b, v...)
			b = append(b, "\r\n"...)
		}
	}
	return b, nil
}

func validHeaderValue(v string) bool { return !strings.ContainsAny(v, "\r\n\x00") }

// writeLong writes head, then a body too large to join it.
func (lc *leanConn) writeLong(head []byte, contentLength int64, body io.Reader) error {
	if _, err := lc.nc.Write(head); err != nil {
		return err
	}
	n, err := io.Copy(lc.nc, io.LimitReader(body, contentLength))
	if err != nil {
		return err
	}
	if n != contentLength {
		return bodyLengthErr(contentLength, io.ErrUnexpectedEOF)
	}
	return nil
}

// writeChunked writes head, then a body of unknown length in chunks.
func (lc *leanConn) writeChunked(head []byte, body io.Reader) error {
	if _, err := lc.nc.Write(head); err != nil {
		return err
	}
	cw := httputil.NewChunkedWriter(lc.nc)
	if _, err := io.Copy(cw, body); err != nil {
		return err
	}
	if err := cw.Close(); err != nil { // the last chunk, "0\r\n"
		return err
	}
	_, err := io.WriteString(lc.nc, "\r\n") // no trailer
	return err
}

// bodyLengthErr reports a body shorter than its Content-Length.
func bodyLengthErr(contentLength int64, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("request body shorter than its Content-Length %d", contentLength)
	}
	return fmt.Errorf("read request body: %w", err)
}
