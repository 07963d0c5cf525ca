package prompt

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Tokenizer counts the prompt tokens of one request whose content is the
// given text, as the server would report them in usage.prompt_tokens.
type Tokenizer interface {
	Count(ctx context.Context, content string) (int, error)
}

// maxCalibrationCalls bounds the tokenizer calls of one calibration: two,
// plus two per word that is not one token (found by halving the list).
const maxCalibrationCalls = 64

// minWords is the smallest vocabulary worth building prompts from.
const minWords = 16

// Calibrate measures, with the server's own tokenizer, what Text relies on:
// the overhead of a request with empty content (the chat template, a BOS
// token), and which built-in words are one token each. It asks the
// tokenizer once for the overhead and once for all words together; only
// when that count is off does it halve the list to find the words that are
// not one token (each word is at least one token, so a list of n words
// counting n tokens is n one-token words). Calibration is done once per run:
// no request pays a tokenizer call.
func Calibrate(ctx context.Context, tok Tokenizer) (*Vocabulary, error) {
	overhead, err := tok.Count(ctx, "")
	if err != nil {
		return nil, err
	}
	c := &calibration{ctx: ctx, tok: tok, overhead: overhead}
	kept, err := c.singleTokens(words)
	if err != nil {
		return nil, err
	}
	if len(kept) < minWords {
		return nil, fmt.Errorf("only %d of the %d prompt words are one token each in this tokenizer; at least %d are needed", len(kept), len(words), minWords)
	}
	return NewVocabulary(kept, overhead), nil
}

type calibration struct {
	ctx      context.Context
	tok      Tokenizer
	overhead int
	calls    int
}

// errTooManyCalls ends a calibration whose tokenizer splits too many words.
var errTooManyCalls = errors.New("too many prompt words are not one token each")

// singleTokens returns the words of list that count one token each.
func (c *calibration) singleTokens(list []string) ([]string, error) {
	if c.calls++; c.calls > maxCalibrationCalls {
		return nil, errTooManyCalls
	}
	n, err := c.tok.Count(c.ctx, strings.Join(list, " "))
	if err != nil {
		return nil, err
	}
	if n-c.overhead == len(list) {
		return list, nil
	}
	if len(list) == 1 {
		return nil, nil
	}
	mid := len(list) / 2
	lo, err := c.singleTokens(list[:mid])
	if err != nil {
		return nil, err
	}
	hi, err := c.singleTokens(list[mid:])
	return slices.Concat(lo, hi), err // never append to lo: it may share list's array
}
