package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
)

// The simulator's tokenizer, documented so that a client can build a prompt
// of exactly N tokens and verify every count it gets back:
//
//   - Text has one token per whitespace-separated word (strings.Fields).
//     A word's id is the FNV-1a 32-bit hash of its bytes modulo 32000, so the
//     same word always has the same id and ids stay below vocabSize.
//   - A token-id prompt has one token per id, taken as given.
//   - There is no BOS token: add_special_tokens is accepted and changes
//     nothing.
//   - Chat messages are rendered by the chat template of chattemplate.go,
//     whose special tokens have the ids vocabSize and vocabSize+1.
//   - Generated text is one word per token, each with a leading space, so
//     re-counting output words gives the completion token count, and sending
//     a reply back as a message gives the ids the model generated
//     (outputIDs), which lets a conversation hit the prefix cache.

// vocabSize bounds the ids of words; the chat template's special tokens
// come right after.
const vocabSize = 32000

// outputWords are the generated tokens, cycled. They need no JSON escaping,
// which lets the stream writer splice them into pre-built chunk bytes.
var outputWords = []string{
	" the", " quick", " brown", " fox", " jumps", " over", " a", " lazy",
	" dog", " while", " servers", " stream", " tokens", " to", " eager", " clients",
}

// outputIDs are the ids of outputWords: what the tokenizer gives for them.
var outputIDs = func() []int {
	ids := make([]int, len(outputWords))
	for i, w := range outputWords {
		ids[i] = wordID(strings.TrimSpace(w))
	}
	return ids
}()

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

// wordTokens appends the id of each whitespace-separated word of s to ids.
func wordTokens(s string, ids []int) []int {
	for _, w := range strings.Fields(s) {
		ids = append(ids, wordID(w))
	}
	return ids
}

// wordID is the id of one word.
func wordID(w string) int {
	h := fnv.New32a()
	h.Write([]byte(w))
	return int(h.Sum32() % vocabSize)
}

// outputText is the text of the first n generated tokens.
func outputText(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(outputWords[i%len(outputWords)])
	}
	return b.String()
}
