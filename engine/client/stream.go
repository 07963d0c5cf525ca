package client

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/servebench/servebench/schema/redact"
)

// doneGrace is how long a body may take to end after [DONE]. [DONE] ends
// the measurement; waiting this little for the end of the body lets the
// connection go back to the pool (vLLM ends it right after [DONE]). A body
// still open after it is abandoned: the request's context is cancelled,
// which makes net/http close the connection instead of reusing one with
// unread bytes, and the request still succeeds.
const doneGrace = 100 * time.Millisecond

// stream is the state of one streamed response between chunks.
type stream struct {
	chunks        int // content chunks
	last          time.Time
	done          bool // [DONE] seen
	finish        string
	usage         bool // a usage with a non-zero count seen
	input, output int
	reply         *replyText // nil unless the request keeps its reply
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
func (c *Client) readStream(body io.Reader, res *Result, cancel context.CancelFunc, reply *replyText) error {
	sr := c.getReader(body)
	defer c.putReader(sr)
	st := stream{reply: reply}
	err := st.read(sr, res)
	res.FinishReason = st.finish
	if err != nil {
		return err
	}
	if st.done {
		awaitEnd(sr, cancel)
	}
	return st.finishResult(res)
}

// read accounts events until the end of the body or [DONE].
func (st *stream) read(sr *SSEReader, res *Result) error {
	ch := chunk{keepText: st.reply != nil}
	for {
		data, at, err := sr.Next()
		switch {
		case err == io.EOF:
			return nil
		case err != nil:
			return err
		case bytes.Equal(data, doneMarker):
			st.done = true
			return nil
		}
		if err := checkChunk(data, &ch, st.chunks+1); err != nil {
			return err
		}
		st.add(&ch, at, res)
	}
}

// checkChunk scans data into ch and reports what makes it unusable: not a
// JSON object, an error object, or a usage count that is not one.
func checkChunk(data []byte, ch *chunk, n int) error {
	switch {
	case !scanChunk(data, ch):
		return fmt.Errorf("%w: chunk %d is not a JSON object: %s", errMalformed, n, redact.Excerpt(string(data), 200))
	case ch.isError:
		return streamError(ch, data)
	case ch.badCount != nil:
		// A count that is not an integer, or beyond any model's context, is
		// a server whose accounting cannot be trusted: the request fails
		// rather than count a throughput of 1e13 tokens or a truncated 8.9.
		return fmt.Errorf("%w: usage.%s is %s, not a token count (an integer from 0 to %d)",
			errMalformed, ch.badKey, redact.Excerpt(string(ch.badCount), 64), maxTokenCount)
	}
	return nil
}

// add accounts one chunk. A usage of zeros is no usage: Ollama sends one on
// every completions chunk until the last.
func (st *stream) add(ch *chunk, at time.Time, res *Result) {
	if ch.choices && ch.content {
		if st.chunks == 0 {
			res.TTFT = at.Sub(res.Start)
		} else {
			res.ITL = append(res.ITL, at.Sub(st.last))
		}
		st.chunks++
		st.last = at
		if st.reply != nil {
			st.reply.add(ch.text)
		}
	}
	if ch.finish != nil {
		st.finish = finishReason(ch.finish)
	}
	if ch.outputTokens > 0 {
		st.output, st.usage = ch.outputTokens, true
	}
	if ch.promptTokens > 0 {
		st.input, st.usage = ch.promptTokens, true
	}
}

// finishResult decides success at the end of the stream. A stream that
// never said it was complete (no finish_reason, no real usage, no [DONE])
// was cut off, and one without any generated text measured nothing: both
// are failures, never a success with zero tokens.
func (st *stream) finishResult(res *Result) error {
	if !st.done && st.finish == "" && !st.usage {
		return fmt.Errorf("%w: the body ended after %d content chunks without finish_reason, usage or [DONE]",
			errStreamEarly, st.chunks)
	}
	if st.chunks == 0 {
		return noText(st.finish, st.output)
	}
	res.E2EL = st.last.Sub(res.Start)
	res.InputTokens = st.input
	res.OutputTokens, res.TokenSource = st.chunks, TokensFromChunks
	if st.output > 0 {
		res.OutputTokens, res.TokenSource = st.output, TokensFromUsage
	}
	return nil
}

// noText is the failure of a complete answer without generated text: the
// model's own stop (an empty output) when it gave a finish_reason, a stream
// that ended early otherwise.
func noText(finish string, tokens int) error {
	if finish == "" {
		return fmt.Errorf("%w: the stream finished without any generated text", errStreamEarly)
	}
	return fmt.Errorf("%w: finish_reason %q with %d completion tokens by usage and no generated text",
		errEmptyOutput, finish, tokens)
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

// awaitEnd reads what follows [DONE] until the body ends, for at most
// doneGrace; see doneGrace.
func awaitEnd(sr *SSEReader, cancel context.CancelFunc) {
	t := time.AfterFunc(doneGrace, cancel)
	defer t.Stop()
	for {
		if _, _, err := sr.Next(); err != nil {
			return
		}
	}
}

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
		sr.Reset(body, c.maxLine, c.maxBody)
		return sr
	}
	return NewSSEReader(body, c.maxLine, c.maxBody)
}

// readWhole reads a non-streamed response: TTFT and E2EL are both the end
// of the body, as vLLM reports them for non-streaming backends.
func (c *Client) readWhole(body io.Reader, res *Result, reply *replyText) error {
	data, err := io.ReadAll(&budgetReader{r: body, left: c.maxBody, limit: c.maxBody})
	if err != nil {
		return err
	}
	end := time.Now()
	ch := chunk{keepText: reply != nil}
	if err := checkChunk(data, &ch, 1); err != nil {
		return err
	}
	if reply != nil {
		reply.add(ch.text)
	}
	res.FinishReason = finishReason(ch.finish)
	if !ch.content {
		return noText(res.FinishReason, ch.outputTokens)
	}
	res.TTFT, res.E2EL = end.Sub(res.Start), end.Sub(res.Start)
	res.InputTokens = ch.promptTokens
	// Without usage the only count available is "one body of text".
	res.OutputTokens, res.TokenSource = 1, TokensFromChunks
	if ch.outputTokens > 0 {
		res.OutputTokens, res.TokenSource = ch.outputTokens, TokensFromUsage
	}
	return nil
}
