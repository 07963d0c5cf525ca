package client

import (
	"encoding/json"
	"fmt"
)

// replyText gathers the generated text of one response for a request that
// keeps it: the raw contents of each chunk's text or content string,
// escapes as sent, decoded once at the end. Each chunk's string is whole
// JSON, so the concatenation is a valid JSON string body. Reasoning text
// is not part of the reply a conversation sends back.
type replyText struct {
	limit int
	raw   []byte
	cut   bool
}

// add appends one chunk's raw text, unless the reply outgrew its limit
// (then the rest is dropped and the reply is cut).
func (r *replyText) add(raw []byte) {
	switch {
	case r.cut || len(raw) == 0:
	case len(r.raw)+len(raw) > r.limit:
		r.cut, r.raw = true, nil
	default:
		r.raw = append(r.raw, raw...)
	}
}

// text decodes the reply; a cut reply is "" and cut.
func (r *replyText) text() (reply string, cut bool, err error) {
	if r.cut {
		return "", true, nil
	}
	b := make([]byte, 0, len(r.raw)+2)
	b = append(append(append(b, '"'), r.raw...), '"')
	if err := json.Unmarshal(b, &reply); err != nil {
		return "", false, fmt.Errorf("%w: the generated text is not a JSON string: %v", errMalformed, err)
	}
	return reply, false, nil
}
