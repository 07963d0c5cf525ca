package client

import "bytes"

// chunk is what the client needs from one streamed JSON chunk (or from a
// whole non-streamed response). It is filled by scanChunk, which walks the
// bytes once instead of decoding them: the stream is the hot path, and a full
// encoding/json decode into maps costs tens of microseconds and several
// allocations per token.
//
// We keep this scanner rather than a library because it is clearly faster
// where it counts: on a 250-byte vLLM chunk it took about half the time of
// github.com/valyala/fastjson v1.6.10 (a reused Parser, zero allocations,
// the same fields read; median ratio 2.0 over 6 interleaved rounds) and a
// sixth of github.com/tidwall/gjson v1.20.2 (GetManyBytes plus ValidBytes,
// 3 allocations), while a whole chunk costs the client about 2 µs of CPU
// (docs/performance.md). The price is that it is not a validator; see
// scanChunk.
type chunk struct {
	choices      bool   // a non-empty "choices" array
	content      bool   // a non-empty text, content or reasoning string
	finish       []byte // finish_reason, raw JSON string contents
	promptTokens int    // usage.prompt_tokens (0 when absent or null)
	outputTokens int    // usage.completion_tokens (0 when absent or null)
	isError      bool   // "error": {...} or "object": "error"
	message      []byte // the last "message" string, raw
	// badCount is the raw value of a token count that is not an integer
	// from 0 to maxTokenCount, and badKey its key; nil when all are fine.
	badCount []byte
	badKey   string
	// keepText asks for text: the raw contents of the generated text's
	// JSON string (escapes as sent), for a conversation's history. It is
	// the one field scanChunk keeps, so the other requests pay one test.
	keepText bool
	text     []byte
}

// maxTokenCount bounds a usage count the client believes: a hundred times
// the longest context of any model today, so that no real count reaches it
// and an absurd one (1e13 tokens) cannot inflate a throughput.
const maxTokenCount = 1_000_000_000

// doneMarker ends an OpenAI stream.
var doneMarker = []byte("[DONE]")

// scanChunk fills c from the JSON object b and reports whether b looks like
// one well-formed object: it starts with '{', ends with '}' and has no
// unterminated string. It is not a validator; it is the cheap check that
// catches truncated and garbage chunks.
//
// The scan relies on a property of JSON: outside of string values, `"key":`
// can only be an object key, and a string value can never contain an
// unescaped quote. So the walk only has to consume strings whole and look at
// what follows each one; nesting does not matter, because the keys it wants
// (text, content, finish_reason, usage, prompt_tokens ...) mean the same
// thing wherever they appear in an OpenAI chunk.
func scanChunk(b []byte, c *chunk) bool {
	*c = chunk{keepText: c.keepText}
	b = bytes.TrimSpace(b)
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return false
	}
	for i := 1; i < len(b); i++ {
		if b[i] != '"' {
			continue
		}
		end := stringEnd(b, i+1)
		if end < 0 {
			return false
		}
		j := skipSpace(b, end+1)
		if j < len(b) && b[j] == ':' {
			c.value(b[i+1:end], b, skipSpace(b, j+1))
		}
		i = end
	}
	return true
}

// value records the value at b[j:] of the object key key, when the key is
// one the client cares about. String values are left to the caller's walk.
func (c *chunk) value(key, b []byte, j int) {
	if j >= len(b) {
		return
	}
	v := b[j]
	switch string(key) {
	case "choices":
		k := skipSpace(b, j+1)
		c.choices = v == '[' && k < len(b) && b[k] != ']'
	case "text", "content", "reasoning_content", "reasoning":
		if v == '"' && j+1 < len(b) && b[j+1] != '"' {
			c.content = true
			if c.keepText && (string(key) == "text" || string(key) == "content") {
				c.text = stringAt(b, j)
			}
		}
	case "finish_reason":
		if v == '"' {
			if end := stringEnd(b, j+1); end > 0 {
				c.finish = b[j+1 : end]
			}
		}
	case "prompt_tokens":
		c.promptTokens = c.count("prompt_tokens", b[j:])
	case "completion_tokens":
		c.outputTokens = c.count("completion_tokens", b[j:])
	case "error":
		c.isError = c.isError || v == '{' || v == '"'
		if v == '"' {
			c.message = stringAt(b, j)
		}
	case "object":
		if bytes.Equal(stringAt(b, j), []byte("error")) {
			c.isError = true
		}
	case "message":
		if v == '"' {
			c.message = stringAt(b, j)
		}
	}
}

// stringEnd returns the index of the quote closing the string whose contents
// start at b[start:], or -1 when it is unterminated. A plain loop beats
// bytes.IndexByte here: chunk strings are a few bytes long, shorter than the
// setup cost of the vectorised search.
func stringEnd(b []byte, start int) int {
	for i := start; i < len(b); i++ {
		switch b[i] {
		case '"':
			return i
		case '\\':
			i++ // the escaped byte cannot close the string
		}
	}
	return -1
}

// stringAt returns the raw contents of the string starting at b[j] ('"'),
// or nil when there is none.
func stringAt(b []byte, j int) []byte {
	if j >= len(b) || b[j] != '"' {
		return nil
	}
	end := stringEnd(b, j+1)
	if end < 0 {
		return nil
	}
	return b[j+1 : end]
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// count reads the token count at the start of b: a JSON integer from 0 to
// maxTokenCount, or null (absent, 0). Anything else (8.9, 1e999, -1, a
// string, 99999999999999999999) is recorded as bad, never read as a number
// it does not say.
func (c *chunk) count(key string, b []byte) int {
	end := 0
	for end < len(b) && b[end] != ',' && b[end] != '}' && b[end] != ']' &&
		b[end] != ' ' && b[end] != '\t' && b[end] != '\n' && b[end] != '\r' {
		end++
	}
	tok := b[:end]
	if string(tok) == "null" {
		return 0
	}
	n, ok := parseCount(tok)
	if !ok && c.badCount == nil {
		c.badCount, c.badKey = tok, key
	}
	return n
}

// parseCount parses a JSON integer without sign, fraction or exponent, at
// most maxTokenCount.
func parseCount(tok []byte) (int, bool) {
	if len(tok) == 0 || len(tok) > 10 || (tok[0] == '0' && len(tok) > 1) {
		return 0, false
	}
	n := 0
	for _, d := range tok {
		if d < '0' || d > '9' {
			return 0, false
		}
		n = n*10 + int(d-'0')
	}
	if n > maxTokenCount {
		return 0, false
	}
	return n, true
}

// finishReason turns the raw finish_reason into a string without allocating
// for the values servers actually send.
func finishReason(raw []byte) string {
	switch string(raw) {
	case "stop":
		return "stop"
	case "length":
		return "length"
	case "abort":
		return "abort"
	case "tool_calls":
		return "tool_calls"
	case "content_filter":
		return "content_filter"
	}
	return string(raw)
}
