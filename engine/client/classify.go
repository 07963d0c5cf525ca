package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// maxMessageBytes bounds RequestFailure.Message, as schema.RequestFailure documents.
const maxMessageBytes = 512

// errStreamEarly, errEmptyOutput and errMalformed are the verdicts on an
// answer the client reaches itself; Classify maps them to their kinds.
var (
	errStreamEarly = errors.New("stream ended early")
	errEmptyOutput = errors.New("empty output")
	errMalformed   = errors.New("malformed stream")
)

// Classify turns what a request ended with into a failure: the HTTP status
// and (an excerpt of) the body of a non-2xx answer, or the error of the
// transport or of the stream. It is exported for the other requests that
// meet the same answers (readiness checks, pre-flight). The message goes through
// redact.Excerpt: every registered secret (the client registers its API key
// and header values in New) and every credential-looking token is hidden
// before the message is cut to at most 512 bytes.
func Classify(status int, body []byte, err error) *schema.RequestFailure {
	if err != nil {
		return classifyError(status, err)
	}
	msg := bodyMessage(body)
	// The kind looks at the whole body too: error codes such as
	// context_length_exceeded sit beside the message, not in it.
	f := &schema.RequestFailure{Kind: statusKind(status, msg+"\n"+string(body)), Status: status}
	f.Message = redact.Excerpt(fmt.Sprintf("HTTP %d: %s", status, msg), maxMessageBytes)
	return f
}

// statusKind maps an HTTP status and the server's message to a failure kind.
// A context-length refusal is recognised by its wording under any error
// status, because servers have answered it with 400, 413, 422 and 500.
func statusKind(status int, msg string) string {
	if status >= 400 && isContextLength(msg) {
		return schema.FailContextLength
	}
	lower := strings.ToLower(msg)
	switch {
	case status == 404 || (status >= 400 && status < 500 &&
		(strings.Contains(lower, "does not exist") || strings.Contains(lower, "model_not_found"))):
		return schema.FailModelNotFound
	case status == 429:
		return schema.FailRateLimited
	case status >= 400 && status < 500:
		return schema.FailBadRequest
	case status >= 500:
		return schema.FailServerError
	}
	return schema.FailOther
}

// classifyError maps transport and stream errors to failure kinds.
func classifyError(status int, err error) *schema.RequestFailure {
	kind := schema.FailOther
	var nerr net.Error
	var serr *streamErr
	switch {
	case errors.As(err, &serr):
		kind = schema.FailStreamError
	case errors.Is(err, context.Canceled):
		kind = schema.FailCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &nerr) && nerr.Timeout():
		kind = schema.FailTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		kind = schema.FailConnRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), serverClosedIdle(err):
		kind = schema.FailConnReset
	case errors.Is(err, ErrResponseTooLarge), errors.Is(err, ErrLineTooLong), errors.Is(err, errHeaderTooLarge):
		kind = schema.FailTooLarge
	case errors.Is(err, errStreamEarly):
		kind = schema.FailStreamEarly
	case errors.Is(err, errEmptyOutput):
		kind = schema.FailEmptyOutput
	case errors.Is(err, errMalformed):
		kind = schema.FailMalformed
	}
	return &schema.RequestFailure{Kind: kind, Status: status, Message: redact.Excerpt(err.Error(), maxMessageBytes)}
}

// serverClosedIdle recognises net/http's unexported error for a keep-alive
// connection the server closed just as a request went out on it: a server
// going away mid-run, which is a reset, not an unknown failure.
func serverClosedIdle(err error) bool {
	return strings.Contains(err.Error(), "server closed idle connection")
}

// bodyMessage extracts the human message of an OpenAI-style error body
// ({"error": {"message": ...}} or vLLM's {"object": "error", "message": ...}),
// falling back to the raw body.
func bodyMessage(body []byte) string {
	if len(body) > 4*maxMessageBytes*2 {
		body = body[:4*maxMessageBytes*2]
	}
	var c chunk
	if scanChunk(body, &c) && c.message != nil {
		var s string
		if json.Unmarshal(append(append([]byte{'"'}, c.message...), '"'), &s) == nil {
			return s
		}
		return string(c.message)
	}
	return strings.TrimSpace(string(body))
}
