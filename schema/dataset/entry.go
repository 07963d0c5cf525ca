package dataset

import (
	"unicode"
	"unicode/utf8"
)

// Chat roles as the OpenAI API names them.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Message is one chat message or one turn of a conversation.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Entry is one record of a prompt dataset. Exactly one of Prompt and
// Messages is what a request sends; the rest tells how long the answer
// should be and where the record is.
//
// Strings are kept as the JSON decoder gives them: escaped control
// characters are data; invalid UTF-8 reads as U+FFFD, which is also what
// any JSON request body would carry. Quote them (%q, redact.Line) before
// printing.
type Entry struct {
	// Line is the 1-based line where the record starts; Offset is its byte
	// offset in the file (Prompts.Entry reads it again from there).
	Line   int
	Offset int64
	// Format is the file's format: it says where the output length comes
	// from (OutputTokens for JSONL, Completion for ShareGPT).
	Format Format
	// ID is the record's `id` as written (a number's literal text), or "".
	ID string
	// Prompt is the text of a completions request: JSONL's `prompt`, or
	// ShareGPT's first human turn.
	Prompt string
	// Messages is JSONL's `messages`, sent as a chat request; nil with Prompt.
	Messages []Message
	// OutputTokens is JSONL's `output_tokens`; 0 when the record gives none.
	OutputTokens int
	// Completion is ShareGPT's first assistant answer after the prompt: its
	// token length is the output length, as in `vllm bench serve`.
	Completion string
	// Turns is every turn of a ShareGPT conversation in order, with roles
	// mapped to system, user and assistant (Role "" for a speaker that is
	// none of them). Multi-turn replay sends the user turns.
	Turns []Message
}

// InputWords is the number of whitespace-separated words the request
// sends: of Prompt, or of every message's content. It is the built-in
// simulator's token count of a text prompt (its chat template adds a few
// tokens per message), and a rough lower bound for real tokenizers.
func (e *Entry) InputWords() int {
	if e.Messages == nil {
		return Words(e.Prompt)
	}
	n := 0
	for _, m := range e.Messages {
		n += Words(m.Content)
	}
	return n
}

// Words counts the whitespace-separated words of s exactly as
// len(strings.Fields(s)) does, without allocating: the built-in
// simulator's tokenizer.
func Words(s string) int {
	n, inWord := 0, false
	for i := 0; i < len(s); {
		c := s[i]
		var space bool
		if c < utf8.RuneSelf {
			space = asciiSpace[c]
			i++
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			space = unicode.IsSpace(r)
			i += size
		}
		if !space && !inWord {
			n++
		}
		inWord = !space
	}
	return n
}

// asciiSpace is unicode.IsSpace for ASCII, as strings.Fields uses it.
var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}
