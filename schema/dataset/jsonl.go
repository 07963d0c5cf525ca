package dataset

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"slices"
	"strconv"
)

// jsonlFields are the keys of a JSONL record, for the unknown-key message.
var jsonlFields = []string{"id", "prompt", "messages", "output_tokens"}

// chatRoles are the roles a JSONL message may have.
var chatRoles = []string{RoleSystem, RoleUser, RoleAssistant}

// decodeJSONL decodes one JSONL prompt record. Unknown keys are errors, as
// in the scenario file: a typo such as "output_token" must not silently
// send the default length. A null value is the key's absence (what many
// converters write for an empty column).
func decodeJSONL(file string, line int, b []byte) (Entry, error) {
	w := newWalker(bytes.NewReader(b), file, 0, fixedLine(line))
	e := Entry{Line: line, Format: JSONL}
	var hasPrompt, hasMessages bool
	if err := w.open("a record", '{'); err != nil {
		return Entry{}, err
	}
	err := w.fields(func(key string, t json.Token, vline int) error {
		if !slices.Contains(jsonlFields, key) {
			return errorf(file, line, "unknown key %s (a jsonl record has %s)", quote(key), joinComma(jsonlFields))
		}
		if t == nil {
			return nil
		}
		var err error
		switch key {
		case "id":
			e.ID, err = w.idValue("id", t, vline)
		case "prompt":
			hasPrompt = true
			e.Prompt, err = w.str("prompt", t, vline)
		case "messages":
			hasMessages = true
			e.Messages, err = jsonlMessages(w, t, vline)
		case "output_tokens":
			var n int64
			n, err = w.integer("output_tokens", t, vline, 1, math.MaxInt32)
			e.OutputTokens = int(n)
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
	case hasPrompt && hasMessages:
		return Entry{}, errorf(file, line, "a record has either prompt or messages, not both")
	case !hasPrompt && !hasMessages:
		return Entry{}, errorf(file, line, "a record needs a prompt (text) or messages (chat)")
	case hasPrompt && e.Prompt == "":
		return Entry{}, errorf(file, line, "prompt is empty")
	}
	return e, nil
}

// jsonlMessages reads `messages`: a non-empty list of {role, content}.
func jsonlMessages(w *walker, t json.Token, line int) ([]Message, error) {
	if err := w.opens("messages", t, line, '['); err != nil {
		return nil, err
	}
	msgs := []Message{}
	err := w.elems(func(i int, t json.Token, line int) error {
		m, err := jsonlMessage(w, "messages["+strconv.Itoa(i)+"]", t, line)
		msgs = append(msgs, m)
		return err
	})
	if err == nil && len(msgs) == 0 {
		return nil, errorf(w.file, line, "messages is empty")
	}
	return msgs, err
}

func jsonlMessage(w *walker, path string, t json.Token, line int) (Message, error) {
	var m Message
	var hasRole, hasContent bool
	if err := w.opens(path, t, line, '{'); err != nil {
		return m, err
	}
	err := w.fields(func(key string, t json.Token, vline int) error {
		var err error
		switch key {
		case "role":
			hasRole = true
			m.Role, err = w.str(path+".role", t, vline)
			if err == nil && !slices.Contains(chatRoles, m.Role) {
				err = errorf(w.file, vline, "%s.role %s is not one of %s", path, quote(m.Role), joinComma(chatRoles))
			}
		case "content":
			hasContent = true
			m.Content, err = w.str(path+".content", t, vline)
		default:
			err = errorf(w.file, vline, "unknown key %s in %s (a message has role, content)", quote(key), path)
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

// joinComma joins names with ", ".
func joinComma(names []string) string {
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out
}
