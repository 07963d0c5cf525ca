package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
)

// The simulator has no tokenizer. A text prompt has one token per
// whitespace-separated word (strings.Fields), so a client can build a prompt
// of exactly N tokens by joining N words and verify every count it gets back.
// Token-id prompts count one token per id. Generated text is one word per
// token, each with a leading space, so re-counting output words gives the
// completion token count.

// vocabSize bounds the ids reported by /tokenize for words.
const vocabSize = 32000

// outputWords are the generated tokens, cycled. They need no JSON escaping,
// which lets the stream writer splice them into pre-built chunk bytes.
var outputWords = []string{
	" the", " quick", " brown", " fox", " jumps", " over", " a", " lazy",
	" dog", " while", " servers", " stream", " tokens", " to", " eager", " clients",
}

// errBatchPrompt rejects a list of several prompts: the simulator answers one
// choice per request.
var errBatchPrompt = errors.New("the simulator accepts one prompt per request; send a string, a list of token ids, or a list holding one of them")

// promptTokens returns the token ids of a completions `prompt`: a string, a
// list of ints, a list of one string, or a list of one list of ints.
func promptTokens(raw json.RawMessage) ([]int, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, errors.New("prompt is required")
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("decode prompt: %w", err)
		}
		return wordTokens(s, nil), nil
	}
	var ids []int
	if err := json.Unmarshal(raw, &ids); err == nil {
		return ids, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, errors.New("prompt must be a string, a list of token ids, a list of strings or a list of lists of token ids")
	}
	if len(list) != 1 {
		return nil, errBatchPrompt
	}
	return promptTokens(list[0])
}

// chatMessage is the part of a chat message the simulator reads. Content is a
// string or a list of parts of which only {"type":"text","text":...} count.
type chatMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

type contentPart struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// messagesTokens returns the tokens of all message contents, counted like a
// text prompt. No chat template overhead is added, so counts stay exact.
func messagesTokens(msgs []chatMessage) ([]int, error) {
	if len(msgs) == 0 {
		return nil, errors.New("messages must not be empty")
	}
	var ids []int
	for i, m := range msgs {
		text, err := messageText(m.Content)
		if err != nil {
			return nil, fmt.Errorf("messages[%d].content: %w", i, err)
		}
		ids = wordTokens(text, ids)
	}
	return ids, nil
}

func messageText(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	var parts []contentPart
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", errors.New("must be a string or a list of content parts")
	}
	var b strings.Builder
	for _, p := range parts {
		if p.Type == "text" {
			b.WriteString(p.Text)
			b.WriteByte(' ')
		}
	}
	return b.String(), nil
}

// wordTokens appends one id per whitespace-separated word of s to ids. Ids
// are a hash of the word, so the same word always has the same id.
func wordTokens(s string, ids []int) []int {
	for _, w := range strings.Fields(s) {
		h := fnv.New32a()
		h.Write([]byte(w))
		ids = append(ids, int(h.Sum32()%vocabSize))
	}
	return ids
}

// outputText is the text of the first n generated tokens.
func outputText(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(outputWords[i%len(outputWords)])
	}
	return b.String()
}
