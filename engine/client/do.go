package client

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/servebench/servebench/schema"
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
	bodyBuf := c.getBody()
	defer func() { c.putBody(bodyBuf) }()
	*bodyBuf = c.appendBody((*bodyBuf)[:0], req)

	reqCtx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(reqCtx, http.MethodPost, c.url, bytes.NewReader(*bodyBuf))
	if err != nil {
		res.Err = c.scrub(Classify(0, nil, fmt.Errorf("build request: %w", err)))
		return
	}
	hreq.Header = c.headers.Clone()

	res.Start = time.Now()
	resp, err := c.hc.Do(hreq)
	if c.writesWhole {
		// The lean transport wrote the whole body before returning: the
		// buffer goes back now rather than staying with the stream.
		c.putBody(bodyBuf)
		bodyBuf = nil
	}
	if err != nil {
		res.Err = c.failure(ctx, reqCtx, 0, err)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyBytes))
		res.Err = c.scrub(Classify(resp.StatusCode, body, nil))
		return
	}
	if c.cfg.Stream {
		err = c.readStream(resp.Body, res)
	} else {
		err = c.readWhole(resp.Body, res)
	}
	if err != nil {
		res.Err = c.failure(ctx, reqCtx, resp.StatusCode, err)
		res.Err.Status = 0 // the status was fine; the body was not
	}
}

func (c *Client) putBody(b *[]byte) {
	if b != nil {
		c.bodies.Put(b)
	}
}

func (c *Client) getBody() *[]byte {
	if b, ok := c.bodies.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, 0, 4096)
	return &b
}

// stream is the state of one streamed response between chunks.
type stream struct {
	chunks        int // content chunks
	last          time.Time
	done          bool // [DONE] seen
	finish        string
	usage         bool
	input, output int
}

// readStream consumes the event stream. Timing follows vLLM's
// async_request_openai_completions: TTFT is the first chunk with generated
// text, ITL the gaps between such chunks, and E2EL the last such chunk (vLLM
// uses its most_recent_timestamp, not the end of the body, so the trailing
// usage chunk and [DONE] are not part of the latency).
//
// One deliberate difference: vLLM's chat client times any chunk with
// non-empty choices, including the role-only opening delta whose content is
// "". That chunk holds no token, so here it neither starts TTFT nor counts
// as a token in the chunk fallback.
func (c *Client) readStream(body io.Reader, res *Result) error {
	sr := c.getReader(body)
	defer c.putReader(sr)
	var st stream
	var ch chunk
	for {
		data, at, err := sr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if bytes.Equal(data, doneMarker) {
			st.done = true
			continue
		}
		if !scanChunk(data, &ch) {
			return fmt.Errorf("%w: chunk %d is not a JSON object: %q", errMalformed, st.chunks+1, excerpt(string(data)))
		}
		if ch.isError {
			return streamError(&ch, data)
		}
		st.add(&ch, at, res)
	}
	return st.finishResult(res)
}

// add accounts one chunk. Zero usage counts are "absent": Ollama sends
// zeros on every chunk until the last.
func (st *stream) add(ch *chunk, at time.Time, res *Result) {
	if ch.choices && ch.content {
		if st.chunks == 0 {
			res.TTFT = at.Sub(res.Start)
		} else {
			res.ITL = append(res.ITL, at.Sub(st.last))
		}
		st.chunks++
		st.last = at
	}
	if ch.finish != nil {
		st.finish = finishReason(ch.finish)
	}
	if ch.usage {
		st.usage = true
	}
	if ch.outputTokens > 0 {
		st.output = ch.outputTokens
	}
	if ch.promptTokens > 0 {
		st.input = ch.promptTokens
	}
}

// finishResult decides success at the end of the body. A stream that never
// said it was complete (no finish_reason, no usage, no [DONE]) was cut off,
// and one without any generated text measured nothing: both are failures,
// never a success with zero tokens.
func (st *stream) finishResult(res *Result) error {
	if !st.done && st.finish == "" && !st.usage {
		return fmt.Errorf("%w: the body ended after %d content chunks without finish_reason, usage or [DONE]",
			errStreamEarly, st.chunks)
	}
	if st.chunks == 0 {
		return fmt.Errorf("%w: the stream finished without any generated text", errStreamEarly)
	}
	res.E2EL = st.last.Sub(res.Start)
	res.FinishReason = st.finish
	res.InputTokens = st.input
	res.OutputTokens, res.TokenSource = st.chunks, TokensFromChunks
	if st.output > 0 {
		res.OutputTokens, res.TokenSource = st.output, TokensFromUsage
	}
	return nil
}

// streamError reports an error object sent inside the stream, which vLLM
// does when generation fails after the 200 OK has been sent.
func streamError(ch *chunk, data []byte) error {
	msg := string(ch.message)
	if msg == "" {
		msg = string(data)
	}
	return &streamErr{msg: msg}
}

type streamErr struct{ msg string }

func (e *streamErr) Error() string { return "error in stream: " + e.msg }

// putReader returns sr to the pool without the body it read, and without a
// side buffer grown by an unusually long line.
func (c *Client) putReader(sr *SSEReader) {
	sr.src.r = nil
	if cap(sr.long) > readBufferSize {
		sr.long = nil
	}
	c.readers.Put(sr)
}

func (c *Client) getReader(body io.Reader) *SSEReader {
	if sr, ok := c.readers.Get().(*SSEReader); ok {
		sr.Reset(body, c.cfg.MaxLineBytes, c.cfg.MaxResponseBytes)
		return sr
	}
	return NewSSEReader(body, c.cfg.MaxLineBytes, c.cfg.MaxResponseBytes)
}

// readWhole reads a non-streamed response: TTFT and E2EL are both the end
// of the body, as vLLM reports them for non-streaming backends.
func (c *Client) readWhole(body io.Reader, res *Result) error {
	data, err := io.ReadAll(&budgetReader{r: body, left: c.cfg.MaxResponseBytes})
	if err != nil {
		return err
	}
	end := time.Now()
	var ch chunk
	if !scanChunk(data, &ch) {
		return fmt.Errorf("%w: the response is not a JSON object: %q", errMalformed, excerpt(string(data)))
	}
	if ch.isError {
		return streamError(&ch, data)
	}
	if !ch.content {
		return fmt.Errorf("%w: the response has no generated text", errStreamEarly)
	}
	res.TTFT, res.E2EL = end.Sub(res.Start), end.Sub(res.Start)
	res.FinishReason = finishReason(ch.finish)
	res.InputTokens = ch.promptTokens
	// Without usage the only count available is "one body of text".
	res.OutputTokens, res.TokenSource = 1, TokensFromChunks
	if ch.outputTokens > 0 {
		res.OutputTokens, res.TokenSource = ch.outputTokens, TokensFromUsage
	}
	return nil
}
