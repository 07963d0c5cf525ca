package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/servebench/servebench/engine/httpx"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// errorBodyBytes is how much of a non-2xx body is read for its message.
const errorBodyBytes = 4 << 10

// Do sends req and fills res with its measurement or its failure. res.ITL's
// backing array is reused. Cancelling ctx ends the request with a canceled
// failure; the per-request timeout ends it with a timeout failure.
func (c *Client) Do(ctx context.Context, req *Request, res *Result) {
	*res = Result{ITL: res.ITL[:0]}
	if req.TokenIDs != nil && c.cfg.Endpoint == schema.EndpointChat {
		res.Err = &schema.RequestFailure{Kind: schema.FailOther,
			Message: "the chat endpoint takes a text prompt, not token ids"}
		return
	}
	if req.Messages != nil && c.cfg.Endpoint != schema.EndpointChat {
		res.Err = &schema.RequestFailure{Kind: schema.FailOther,
			Message: "the completions endpoint takes a prompt, not chat messages"}
		return
	}
	payload, err := c.encodeBody(req)
	if err != nil {
		res.Err = Classify(0, nil, fmt.Errorf("encode request: %w", err))
		return
	}
	reqCtx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(reqCtx, http.MethodPost, c.url, bytes.NewReader(payload))
	if err != nil {
		res.Err = Classify(0, nil, fmt.Errorf("build request: %w", err))
		return
	}
	hreq.Header = c.headers.Clone()

	res.Start = time.Now()
	resp, err := c.hc.Do(hreq)
	if err != nil {
		res.Err = c.failure(ctx, reqCtx, headError(err))
		return
	}
	defer resp.Body.Close()
	if res.Err = answerFailure(resp); res.Err != nil {
		return
	}
	body := framedBody{resp.Body}
	var reply *replyText
	if req.KeepReply {
		reply = &replyText{limit: req.ReplyLimit}
	}
	if c.cfg.Stream {
		err = c.readStream(body, res, cancel, reply)
	} else {
		err = c.readWhole(body, res, reply)
	}
	if err == nil && reply != nil {
		res.Reply, res.ReplyCut, err = reply.text()
	}
	if err != nil {
		res.Err = c.failure(ctx, reqCtx, err)
	}
}

// answerFailure judges the status line and headers of an answer: anything
// but a 2xx with an uncompressed body is a failure. The body of a 3xx is
// not read and nothing is re-sent: the failure names where it pointed.
func answerFailure(resp *http.Response) *schema.RequestFailure {
	if loc, ok := httpx.Redirect(resp); ok {
		if loc == "" {
			loc = "(no Location header)"
		}
		return &schema.RequestFailure{Kind: schema.FailRedirect, Status: resp.StatusCode,
			Message: redact.Excerpt(fmt.Sprintf("HTTP %d redirect to %s: not followed, servebench measures only the server it was given",
				resp.StatusCode, redact.URL(loc)), maxMessageBytes)}
	}
	switch {
	case resp.StatusCode < 200: // only 101 ends the head; other 1xx are skipped by net/http
		return &schema.RequestFailure{Kind: schema.FailMalformed, Status: resp.StatusCode,
			Message: redact.Excerpt(fmt.Sprintf("HTTP %s although no protocol upgrade was asked for", resp.Status), maxMessageBytes)}
	case resp.StatusCode > 299:
		body, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyBytes))
		return Classify(resp.StatusCode, body, nil)
	}
	if enc := resp.Header.Get("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "identity") {
		return Classify(0, nil, fmt.Errorf("%w: the body has Content-Encoding %q, which was not asked for "+
			"(servebench sends no Accept-Encoding: a compressed stream cannot be timed)", errMalformed, enc))
	}
	return nil
}

// failure classifies err, telling the caller's cancellation (canceled, or
// timeout when the caller's own deadline passed) from the client's
// per-request timeout, whatever error the transport chose to report them
// with. A request context the client cancelled itself (after [DONE]) is
// neither.
func (c *Client) failure(parent, reqCtx context.Context, err error) *schema.RequestFailure {
	switch {
	case errors.Is(parent.Err(), context.Canceled):
		err = fmt.Errorf("request canceled by the caller: %w", parent.Err())
	case parent.Err() != nil:
		err = fmt.Errorf("the caller's deadline passed: %w", parent.Err())
	case errors.Is(reqCtx.Err(), context.DeadlineExceeded):
		err = fmt.Errorf("request timeout %v exceeded: %w", c.cfg.Timeout, context.DeadlineExceeded)
	}
	return Classify(0, nil, err)
}
