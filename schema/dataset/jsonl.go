package dataset

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"slices"
)

// jsonlFields are the keys of a JSONL record, for the unknown-key message.
const jsonlFields = "id, prompt, messages, output_tokens"

// chatRoles are the roles a JSONL message may have.
var chatRoles = []string{RoleSystem, RoleUser, RoleAssistant}

// decodeJSONL decodes one JSONL prompt record. Unknown keys are errors, as
// in the scenario file: a typo such as "output_token" must not silently
// send the default length.
func decodeJSONL(file string, line int, b []byte) (Entry, error) {
	w := newWalker(bytes.NewReader(b), file, 0, fixedLine(line))
	e := Entry{Line: line, Format: JSONL}
	var seen struct{ prompt, messages bool }
	if err := w.open("a record", '{'); err != nil {
		return Entry{}, err
	}
	err := w.fields(func(key string, _ int) error {
		var err error
		switch key {
		case "id":
			e.ID, err = w.idValue("id")
		case "prompt":
			seen.prompt = true
			e.Prompt, err = w.str("prompt")
		case "messages":
			seen.messages = true
			e.Messages, err = jsonlMessages(w)
		case "output_tokens":
			var n int64
			n, err = w.integer("output_tokens", 1, math.MaxInt32)
			e.OutputTokens = int(n)
		default:
			err = errorf(file, line, "unknown key %s (a jsonl record has %s)", quote(key), jsonlFields)
		}
		return err
	})
	if err == nil {
		err = trailing(w)
	}
	if err != nil {
		return Entry{}, err
	}
	switch {
	case seen.prompt && seen.messages:
		return Entry{}, errorf(file, line, "a record has either prompt or messages, not both")
	case !seen.prompt && !seen.messages:
		return Entry{}, errorf(file, line, "a record needs a prompt (text) or messages (chat)")
	case seen.prompt && e.Prompt == "":
		return Entry{}, errorf(file, line, "prompt is empty")
	}
	return e, nil
}

// jsonlMessages reads `messages`: a non-empty list of {role, content}.
func jsonlMessages(w *walker) ([]Message, error) {
	if err := w.open("messages", '['); err != nil {
		return nil, err
	}
	msgs := []Message{}
	err := w.elems(func(i int) error {
		path := fmt.Sprintf("messages[%d]", i)
		m, err := jsonlMessage(w, path)
		msgs = append(msgs, m)
		return err
	})
	if err == nil && len(msgs) == 0 {
		return nil, errorf(w.file, w.line(), "messages is empty")
	}
	return msgs, err
}

func jsonlMessage(w *walker, path string) (Message, error) {
	var m Message
	var hasRole, hasContent bool
	if err := w.open(path, '{'); err != nil {
		return m, err
	}
	line := w.line()
	err := w.fields(func(key string, _ int) error {
		var err error
		switch key {
		case "role":
			hasRole = true
			m.Role, err = w.str(path + ".role")
			if err == nil && !slices.Contains(chatRoles, m.Role) {
				err = errorf(w.file, w.line(), "%s.role %s is not one of system, user, assistant", path, quote(m.Role))
			}
		case "content":
			hasContent = true
			m.Content, err = w.str(path + ".content")
		default:
			err = errorf(w.file, w.line(), "unknown key %s in %s (a message has role, content)", quote(key), path)
		}
		return err
	})
	switch {
	case err != nil:
	case !hasRole:
		err = errorf(w.file, line, "%s has no role", path)
	case !hasContent:
		err = errorf(w.file, line, "%s has no content", path)
	}
	return m, err
}

// trailing checks that nothing follows the record on its line.
func trailing(w *walker) error {
	switch _, err := w.token(); err {
	case io.EOF:
		return nil
	case nil:
		return errorf(w.file, w.line(), "more than one JSON value on the line (a jsonl record is one object per line)")
	default:
		return err
	}
}
