// Package prompt makes the synthetic prompts of a run: token-id prompts for
// the completions endpoint and word prompts for chat, each of an exact
// length, each different from every other, and reproducible from a seed.
//
// Every request i gets its own generator derived from (seed, i), so the
// prompt of request 17 is the same whichever worker asks first; and every
// prompt starts with random tokens, so the server's prefix cache cannot
// collapse the load into one cached prefix.
package prompt

import "strings"

// Token ids are drawn from [MinTokenID, MaxTokenID): above the special and
// byte-level tokens at the bottom of common vocabularies, below the size of
// the smallest vocabulary in use (32000, Llama 2).
const (
	MinTokenID = 1000
	MaxTokenID = 30000
)

// Generator makes prompts for one run. It holds only its seed, so it is
// safe for concurrent use.
type Generator struct {
	seed uint64
}

// NewGenerator returns the generator of the given seed.
func NewGenerator(seed int64) *Generator {
	return &Generator{seed: uint64(seed)}
}

// TokenIDs returns the n token ids of request i.
func (g *Generator) TokenIDs(i, n int) []int {
	return g.AppendTokenIDs(make([]int, 0, n), i, n)
}

// AppendTokenIDs appends the n token ids of request i to dst, for callers
// that reuse a buffer.
func (g *Generator) AppendTokenIDs(dst []int, i, n int) []int {
	r := g.rng(i)
	for k := 0; k < n; k++ {
		dst = append(dst, MinTokenID+int(r.below(MaxTokenID-MinTokenID)))
	}
	return dst
}

// Text returns the prompt of request i: n common English words separated by
// single spaces, so that it has exactly n whitespace-separated words (the
// built-in simulator's tokens) and close to n tokens in real tokenizers,
// where each of these words is one token.
func (g *Generator) Text(i, n int) string {
	if n <= 0 {
		return ""
	}
	r := g.rng(i)
	var b strings.Builder
	b.Grow(n * 6)
	for k := 0; k < n; k++ {
		if k > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[r.below(uint64(len(words)))])
	}
	return b.String()
}

// rng derives the generator of request i from the seed.
func (g *Generator) rng(i int) *splitmix {
	r := splitmix(g.seed ^ 0x9e3779b97f4a7c15*uint64(i+1))
	r.next() // decorrelate neighbouring seeds
	return &r
}

// splitmix is SplitMix64: tiny state, good enough statistics for synthetic
// prompts, and cheap to derive one per request.
type splitmix uint64

func (s *splitmix) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// below returns a value in [0, n); the modulo bias is below 1e-14 for the
// ranges used here.
func (s *splitmix) below(n uint64) uint64 {
	return s.next() % n
}
