package prompt

import "unsafe"

// Vocabulary is what a text prompt is built from: words that each count as
// one token, and the tokens every request has besides its words (a chat
// template, a BOS token). DefaultVocabulary assumes both, which real
// tokenizers nearly honour; Calibrate measures them with the server's own
// tokenizer, which makes text prompts exact.
type Vocabulary struct {
	words    []string
	overhead int
}

// DefaultVocabulary is every built-in word and no overhead: the
// approximation used when the server has no tokenizer to ask.
func DefaultVocabulary() *Vocabulary { return &Vocabulary{words: words} }

// NewVocabulary is a vocabulary of words known to be one token each, with
// overhead tokens around every prompt's content.
func NewVocabulary(words []string, overhead int) *Vocabulary {
	return &Vocabulary{words: words, overhead: overhead}
}

// Overhead is the number of tokens a request has besides its words.
func (v *Vocabulary) Overhead() int { return v.overhead }

// Words is the number of words prompts draw from.
func (v *Vocabulary) Words() int { return len(v.words) }

// ContentWords is how many words request i's content has for shape s: the
// shape's length less the overhead, at least the prefix and one word of its
// own. It is exact (Len = overhead + words) whenever Len exceeds
// overhead + Prefix.
func (v *Vocabulary) ContentWords(s Shape) int {
	prefix := 0
	if s.Group > 0 {
		prefix = s.Prefix
	}
	return max(s.Len-v.overhead, prefix+1)
}

// Text returns request i's prompt of shape s: words of v separated by
// single spaces, the group's prefix words first. Why the count is exact
// with a calibrated vocabulary: each word is one token after a space
// (Calibrate checked), the tokenizers in use (byte-level BPE whose
// pre-tokenizer splits before a space, SentencePiece with
// split_by_whitespace) never merge tokens across a space, so the content
// counts one token per word, and the request v.Overhead() more (the
// template around the content does not depend on it). Pre-flight verifies
// sample prompts against the server's tokenizer, so an exception is
// reported rather than assumed away.
func (g *Generator) Text(i int, s Shape, v *Vocabulary) string {
	n := v.ContentWords(s)
	p := newPerm(len(v.words), g.seed)
	b := make([]byte, 0, n*6) // the words average 4.4 letters
	own := n
	if s.Group > 0 {
		b = g.appendWords(b, partPrefix, s.Group, s.Prefix, v, p)
		own -= s.Prefix
	}
	b = g.appendWords(b, partOwn, i, own, v, p)
	return unsafe.String(unsafe.SliceData(b), len(b)) // b is never written again
}

// appendWords appends the n words of part number k, each after a space but
// the first word of the text.
func (g *Generator) appendWords(b []byte, part uint64, k, n int, v *Vocabulary, p perm) []byte {
	ws := v.words
	lo, hi := spell(k, p)
	for j, w := range [2]int{lo, hi} {
		if j < n {
			b = appendWord(b, ws[w])
		}
	}
	r, size := g.rng(part, k), uint64(len(ws))
	for j := 2; j < n; j++ {
		b = appendWord(b, ws[r.below(size)])
	}
	return b
}

func appendWord(b []byte, w string) []byte {
	if len(b) > 0 {
		b = append(b, ' ')
	}
	return append(b, w...)
}
