package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strings"
	"syscall"
)

// errHeaderTooLarge marks a response head over httpx.MaxHeaderBytes.
var errHeaderTooLarge = errors.New("response header too large")

// headError marks the errors of reading a response head that are the
// server's broken HTTP rather than the network's, so they are classified
// as such and not as "other". net/http reports them as unexported or plain
// errors, so they are told apart by type where there is one and by their
// wording otherwise; each wording is pinned by a test against a server
// sending it (TestHostileServers).
func headError(err error) error {
	msg := err.Error()
	var proto textproto.ProtocolError
	switch {
	case strings.Contains(msg, "server response headers exceeded"):
		return fmt.Errorf("%w: %w", errHeaderTooLarge, err)
	case errors.As(err, &proto), strings.Contains(msg, "malformed HTTP"),
		strings.Contains(msg, "Content-Length"), strings.Contains(msg, "transfer encoding"):
		return fmt.Errorf("%w: broken HTTP response: %w", errMalformed, err)
	}
	return err
}

// framedBody marks a body read error that is neither the connection's
// (reset, unexpected EOF) nor the request's end (its context) as broken
// HTTP framing: net/http's chunked decoder reports bad chunk sizes and
// line endings as plain errors.
type framedBody struct{ r io.Reader }

func (b framedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF && isFraming(err) {
		err = fmt.Errorf("%w: broken HTTP body framing: %w", errMalformed, err)
	}
	return n, err
}

func isFraming(err error) bool {
	var nerr net.Error
	var errno syscall.Errno
	return !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, context.Canceled) &&
		!errors.Is(err, context.DeadlineExceeded) && !errors.As(err, &nerr) && !errors.As(err, &errno)
}
