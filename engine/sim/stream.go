package sim

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// chunkWriter writes the SSE events of one streamed response. Every event
// of a request shares its head (id, object, created, model), so the head is
// built once and each token event is spliced into one reused buffer: a
// streamed token costs no allocation, one write and one flush.
type chunkWriter struct {
	w     http.ResponseWriter
	flush func()
	buf   []byte
	head  []byte // `data: {"id":...,"model":...,"choices":`
	open  []byte // before the token text
	mid   []byte // after the text of a non-final token
	last  []byte // after the text of the final token
	ep    endpoint
	err   error // first write error: the client is gone
}

const doneEvent = "data: [DONE]\n\n"

func newChunkWriter(w http.ResponseWriter, j *job) *chunkWriter {
	model, _ := json.Marshal(j.model)
	object := "text_completion"
	open, closeText, finishKey := `[{"index":0,"text":"`, `","logprobs":null,"finish_reason":`, `,"stop_reason":null}]}`
	if j.ep == chatEndpoint {
		object = "chat.completion.chunk"
		open, closeText = `[{"index":0,"delta":{"content":"`, `"},"logprobs":null,"finish_reason":`
	}
	head := `data: {"id":"` + j.id + `","object":"` + object + `","created":` + strconv.FormatInt(j.created, 10) +
		`,"model":` + string(model) + `,"choices":`
	cw := &chunkWriter{w: w, ep: j.ep, head: []byte(head), open: []byte(open), buf: make([]byte, 0, 512)}
	cw.last = []byte(closeText + `"` + j.plan.finish + `"` + finishKey + "\n\n")
	if j.ep == chatEndpoint {
		// vLLM's chat chunks omit stop_reason until the final one.
		cw.mid = []byte(closeText + "null}]}\n\n")
	} else {
		cw.mid = []byte(closeText + "null" + finishKey + "\n\n")
	}
	cw.flush = func() {}
	if f, ok := w.(http.Flusher); ok {
		cw.flush = f.Flush
	}
	return cw
}

// write sends one event and flushes it, remembering the first error.
func (c *chunkWriter) write(b []byte) {
	if c.err != nil {
		return
	}
	if _, err := c.w.Write(b); err != nil {
		c.err = err
		return
	}
	c.flush()
}

// token sends generated token i; the final one carries finish_reason.
func (c *chunkWriter) token(i int, final bool) {
	b := append(c.buf[:0], c.head...)
	b = append(b, c.open...)
	b = append(b, outputWords[i%len(outputWords)]...)
	if final {
		b = append(b, c.last...)
	} else {
		b = append(b, c.mid...)
	}
	c.buf = b
	c.write(b)
}

// role sends the chunk vLLM's chat stream opens with.
func (c *chunkWriter) role() {
	c.event(`[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}`)
}

// usage sends the usage-only chunk of stream_options.include_usage.
func (c *chunkWriter) usage(prompt, completion int) {
	c.event(`[],"usage":{"prompt_tokens":` + strconv.Itoa(prompt) + `,"total_tokens":` +
		strconv.Itoa(prompt+completion) + `,"completion_tokens":` + strconv.Itoa(completion) + `}}`)
}

// event sends head + rest as one chunk.
func (c *chunkWriter) event(rest string) {
	b := append(c.buf[:0], c.head...)
	b = append(b, rest...)
	b = append(b, "\n\n"...)
	c.buf = b
	c.write(b)
}

// stream serves a streaming request: one SSE event per token as the source
// produces them, the planned faults, the usage chunk, then [DONE].
func (s *Server) stream(w http.ResponseWriter, ctx context.Context, j *job, src *tokenSource) (int, int) {
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	cw := newChunkWriter(w, j)
	total := j.plan.tokens
	sent := 0
	var ttft time.Duration
	defer func() { s.stats.generated.Add(int64(sent)) }()
	for sent < total {
		n, err := src.next(ctx, sent)
		if err != nil {
			s.abandon(w, err)
			return http.StatusOK, sent
		}
		for ; sent < n; sent++ {
			if sent == 0 {
				if j.ep == chatEndpoint {
					cw.role()
				}
				ttft = time.Since(j.start)
			}
			if cw.token(sent, sent+1 == total); cw.err != nil {
				s.stats.aborted.Add(1) // the client is gone
				return http.StatusOK, sent
			}
			if end := s.streamFault(ctx, w, cw, j.plan, sent+1); end {
				sent++
				return http.StatusOK, sent
			}
		}
	}
	if j.usage {
		cw.usage(j.prompt, total)
	}
	cw.write([]byte(doneEvent))
	s.finishOK(j, ttft, time.Since(j.start))
	return http.StatusOK, sent
}

// streamFault applies the faults planned after token k and reports whether
// the stream has ended.
func (s *Server) streamFault(ctx context.Context, w http.ResponseWriter, cw *chunkWriter, p plan, k int) bool {
	if p.stallAt == k {
		s.stats.stalls.Add(1)
		if err := s.pause(ctx, s.cfg.Faults.Stall); err != nil {
			s.abandon(w, err)
			return true
		}
	}
	if p.malformedAt == k {
		s.stats.malformed.Add(1)
		cw.write([]byte("data: " + malformedJSON + "\n\n"))
	}
	if p.errorAt == k {
		s.stats.midError.Add(1)
		body := errorJSON(http.StatusInternalServerError, "InternalServerError", "simulated fault: error during generation")
		cw.write([]byte("data: " + string(body) + "\n\n" + doneEvent))
		return true
	}
	if p.dropAt == k {
		s.stats.drops.Add(1)
		abortConn(w)
		return true
	}
	return false
}
