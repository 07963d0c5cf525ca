package traffic

import (
	"context"

	"github.com/servebench/servebench/schema/dataset"
)

// Counter counts the tokens of text that comes from a file: a prompt, a
// chat request's messages, an answer. Words counts without a server; the
// engine counts exactly with the server's /tokenize at pre-flight and
// keeps the counts, so no request waits for a tokenizer.
type Counter interface {
	// Text counts a plain text (a completions prompt, an answer).
	Text(ctx context.Context, s string) (int, error)
	// Messages counts a chat request of msgs with the chat template and
	// the generation prompt, as the server counts its prompt.
	Messages(ctx context.Context, msgs []dataset.Message) (int, error)
}

// Words counts whitespace-separated words (dataset.Words): the built-in
// simulator's tokens of text, and a rough lower bound for real tokenizers.
// Messages add up their contents' words, no chat template counted.
type Words struct{}

var _ Counter = Words{}

// Text is the number of words of s.
func (Words) Text(_ context.Context, s string) (int, error) { return dataset.Words(s), nil }

// Messages is the number of words of every message's content.
func (Words) Messages(_ context.Context, msgs []dataset.Message) (int, error) {
	n := 0
	for _, m := range msgs {
		n += dataset.Words(m.Content)
	}
	return n, nil
}

// measure is the dataset.Measure of a counter: a record's prompt as it is
// sent (its messages, or its prompt, as a user message on chat), and the
// output it asks for (a sharegpt answer's length, a jsonl record's
// output_tokens, else output). With Words it is dataset.WordLengths, the
// measure `validate` walks with.
func measure(c Counter, chat bool, output int) dataset.Measure {
	return func(ctx context.Context, e *dataset.Entry) (dataset.Lengths, error) {
		l := dataset.Lengths{Output: e.OutputTokens}
		var err error
		switch {
		case e.Messages != nil:
			l.Input, err = c.Messages(ctx, e.Messages)
		case chat:
			l.Input, err = c.Messages(ctx, []dataset.Message{{Role: dataset.RoleUser, Content: e.Prompt}})
		default:
			l.Input, err = c.Text(ctx, e.Prompt)
		}
		switch {
		case err != nil:
		case e.Format == dataset.ShareGPT:
			l.Output, err = c.Text(ctx, e.Completion)
		case l.Output == 0:
			l.Output = output
		}
		return l, err
	}
}
