package dataset

import (
	"encoding/json"
	"errors"
	"io"
	"strconv"
)

// sharegptReader streams a ShareGPT file with encoding/json's Token API:
// a JSON array of conversations (the layout of the ShareGPT dumps, often
// over 600 MB), or a stream of conversation objects (one per line, as
// many JSONL exports write it). One conversation is in memory at a time.
type sharegptReader struct {
	file  string
	max   int
	lc    *lineCounter
	br    *boundedReader
	w     *walker
	state int
	// recLine is the line where the current record's size bound started.
	recLine int
}

const (
	sgStart  = iota // nothing read yet
	sgArray         // inside the top-level array
	sgStream        // a stream of top-level objects
	sgDone          // at the end, or after an error nothing can follow
)

// newShareGPTReader reads r, whose first byte is at file offset off on
// line line (a re-read of one conversation starts at its "{").
func newShareGPTReader(r io.Reader, file string, max int, off int64, line int) *sharegptReader {
	lc := newLineCounter(r, off, line)
	br := &boundedReader{r: lc, pos: off, max: int64(max)}
	br.startRecord(off)
	return &sharegptReader{file: file, max: max, lc: lc, br: br, w: newWalker(br, file, off, lc), recLine: line}
}

// next returns the next conversation. After a semantic error in one
// conversation it goes on with the next; after a syntax error, which
// leaves nothing to trust, it returns io.EOF.
func (r *sharegptReader) next() (Entry, error) {
	if r.state == sgDone {
		return Entry{}, io.EOF
	}
	e, err := r.step()
	var rec *Error
	switch {
	case err == nil, err == io.EOF:
	case errors.As(err, &rec):
		// A conversation with a semantic error: skip to its end.
		if r.state != sgDone && r.w.skipTo(r.baseDepth()) != nil {
			r.state = sgDone
		}
	default:
		r.state = sgDone
		err = r.fatal(err)
	}
	return e, err
}

// step reads up to and including the next conversation.
func (r *sharegptReader) step() (Entry, error) {
	if r.state == sgStart {
		t, err := r.w.token()
		switch {
		case err == io.EOF:
			r.state = sgDone
			return Entry{}, errorf(r.file, 0, "the file is empty (a sharegpt file is a JSON array of conversations)")
		case err != nil:
			return Entry{}, err
		case t == json.Delim('['):
			r.state = sgArray
		case t == json.Delim('{'):
			r.state = sgStream
			return r.conversation()
		default:
			r.state = sgDone
			return Entry{}, errorf(r.file, r.w.line(), "a sharegpt file is a JSON array of conversations, not %s", kind(t))
		}
	}
	if !r.w.dec.More() {
		return Entry{}, r.end()
	}
	if err := r.w.open("a conversation", '{'); err != nil {
		return Entry{}, err
	}
	return r.conversation()
}

// end reads the array's "]" and checks that nothing follows.
func (r *sharegptReader) end() error {
	if r.state == sgArray {
		if _, err := r.w.token(); err != nil { // "]"
			return err
		}
	}
	r.state = sgDone
	switch t, err := r.w.token(); {
	case err == io.EOF:
		return io.EOF
	case err != nil:
		return err
	default:
		return errorf(r.file, r.w.line(), "%s follows the end of the conversations", kind(t))
	}
}

func (r *sharegptReader) baseDepth() int {
	if r.state == sgArray {
		return 1
	}
	return 0
}

// conversation reads one conversation, whose "{" was just read.
func (r *sharegptReader) conversation() (Entry, error) {
	// The "{" is one byte and never a newline: its line is the line of
	// the position right after it.
	start := r.w.offset() - 1
	r.br.startRecord(start)
	r.recLine = r.w.line()
	e := Entry{Line: r.recLine, Offset: start, Format: ShareGPT}
	err := r.w.fields(func(key string, t json.Token, line int) error {
		var err error
		switch key {
		case "id":
			e.ID, err = r.w.idValue("id", t, line)
		case "conversations":
			e.Turns, err = r.turns(t, line)
		default:
			err = r.w.skip(t) // other keys ("model", "lang", ...) are not ours
		}
		return err
	})
	if err != nil {
		return Entry{}, err
	}
	// The gap to the next conversation counts against the next record.
	r.br.startRecord(r.w.offset())
	r.recLine = r.w.line()
	e.Prompt, e.Completion = firstExchange(e.Turns)
	return e, nil
}

// turns reads `conversations`, keeping every turn in order.
func (r *sharegptReader) turns(t json.Token, line int) ([]Message, error) {
	if err := r.w.opens("conversations", t, line, '['); err != nil {
		return nil, err
	}
	turns := []Message{}
	err := r.w.elems(func(i int, t json.Token, line int) error {
		m, err := r.turn("conversations["+strconv.Itoa(i)+"]", t, line)
		turns = append(turns, m)
		return err
	})
	return turns, err
}

// turn reads one {"from", "value"} turn; other keys are ignored.
func (r *sharegptReader) turn(path string, t json.Token, line int) (Message, error) {
	if err := r.w.opens(path, t, line, '{'); err != nil {
		return Message{}, err
	}
	var from, value *string
	err := r.w.fields(func(key string, t json.Token, vline int) error {
		var s string
		var err error
		switch key {
		case "from":
			s, err = r.w.str(path+".from", t, vline)
			from = &s
		case "value":
			s, err = r.w.str(path+".value", t, vline)
			value = &s
		default:
			err = r.w.skip(t)
		}
		return err
	})
	switch {
	case err != nil:
		return Message{}, err
	case from == nil:
		return Message{}, errorf(r.file, line, `%s has no "from"`, path)
	case value == nil:
		return Message{}, errorf(r.file, line, `%s has no "value"`, path)
	}
	return Message{Role: sharegptRole(*from), Content: *value}, nil
}

// sharegptRole maps a ShareGPT speaker to a chat role; "" for a speaker
// that is neither side nor the system.
func sharegptRole(from string) string {
	switch from {
	case "human", "user":
		return RoleUser
	case "gpt", "assistant", "chatgpt", "bard", "bing", "model":
		return RoleAssistant
	case "system":
		return RoleSystem
	}
	return ""
}

// firstExchange is the first user turn and the first assistant turn after
// it ("" when there is none).
func firstExchange(turns []Message) (prompt, completion string) {
	for i, t := range turns {
		if t.Role != RoleUser {
			continue
		}
		for _, a := range turns[i+1:] {
			if a.Role == RoleAssistant {
				return t.Content, a.Content
			}
		}
		return t.Content, ""
	}
	return "", ""
}

// fatal words an error that ends the read at the decoder's position.
func (r *sharegptReader) fatal(err error) error {
	if errors.Is(err, errTooLong) {
		return errorf(r.file, r.recLine, "%s", tooLong("the conversation", r.max))
	}
	return asError(r.file, r.w.line(), err)
}
