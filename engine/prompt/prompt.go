// Package prompt makes the synthetic prompts of a run: token-id prompts for
// the completions endpoint and word prompts for chat, each of an exact
// length, reproducible from a seed.
//
// A prompt has a Shape: Len tokens, of which the first Prefix are the
// prefix of its group, shared with every other prompt of that group; the
// rest are its own. Every part, a group's prefix or a request's own tokens,
// begins with tokens that spell its number in base V (V token ids, or V
// vocabulary words), scrambled by a seeded permutation, and continues with
// seeded random tokens. So:
//
//   - prompts of one group share exactly Prefix leading tokens: their own
//     parts differ from their first token (for up to V requests per step,
//     and within their first two tokens for up to V²);
//   - prompts of different groups share no leading token (up to V groups);
//   - without a prefix, no two prompts share a leading token, so the
//     server's prefix cache cannot collapse the load into one cached prefix.
//
// Everything is a function of (seed, request index, group), so the prompt
// of request 17 is the same whichever worker asks first.
package prompt

// Token ids are drawn from [MinTokenID, MaxTokenID): above the special and
// byte-level tokens at the bottom of common vocabularies, below the size of
// the smallest vocabulary in use (32000, Llama 2).
const (
	MinTokenID = 1000
	MaxTokenID = 30000
)

// tokenSpace is how many token ids prompts draw from.
const tokenSpace = MaxTokenID - MinTokenID

// Shape is where a prompt's tokens come from.
type Shape struct {
	Len    int // tokens of the whole prompt
	Prefix int // leading tokens shared by every prompt of Group
	Group  int // 1-based group; 0: no shared prefix
}

// own is the number of tokens that are the prompt's own.
func (s Shape) own() int {
	if s.Group == 0 {
		return s.Len
	}
	return s.Len - s.Prefix
}

// Generator makes the prompts of one step. It holds only its seed, so it is
// safe for concurrent use.
type Generator struct {
	seed uint64
}

// NewGenerator returns the generator of the given seed.
func NewGenerator(seed int64) *Generator {
	return &Generator{seed: uint64(seed)}
}

// Parts of a prompt, each with its own random stream.
const (
	partOwn uint64 = iota + 1
	partPrefix
)

// TokenIDs returns the token ids of request i's prompt of shape s.
func (g *Generator) TokenIDs(i int, s Shape) []int {
	return g.AppendTokenIDs(make([]int, 0, s.Len), i, s)
}

// AppendTokenIDs appends the token ids of request i's prompt of shape s to
// dst, for callers that reuse a buffer.
func (g *Generator) AppendTokenIDs(dst []int, i int, s Shape) []int {
	ids := newPerm(tokenSpace, g.seed)
	if s.Group > 0 {
		dst = g.appendPart(dst, partPrefix, s.Group, s.Prefix, ids)
	}
	return g.appendPart(dst, partOwn, i, s.own(), ids)
}

// appendPart appends the n token ids of part number k.
func (g *Generator) appendPart(dst []int, part uint64, k, n int, ids perm) []int {
	lo, hi := spell(k, ids)
	for j, id := range [2]int{lo, hi} {
		if j < n {
			dst = append(dst, MinTokenID+id)
		}
	}
	r := g.rng(part, k)
	for j := 2; j < n; j++ {
		dst = append(dst, MinTokenID+int(r.below(tokenSpace)))
	}
	return dst
}

// spell is the first two symbols of part k: k's two lowest digits in base
// p.n, each scrambled by p. Negative k (warmup requests) count down from
// the top, so they collide with measured ones only past p.n requests.
func spell(k int, p perm) (lo, hi int) {
	n := p.n
	d0 := ((k % n) + n) % n
	q := (k - d0) / n
	d1 := ((q % n) + n) % n
	return p.at(d0), p.at(d1)
}

// perm is the affine permutation x -> (a·x + b) mod n of [0, n), with a
// coprime to n: cheap, seeded by b, and one-to-one, which is all the
// spelling of part numbers needs.
type perm struct{ n, a, b int }

func newPerm(n int, seed uint64) perm {
	a := 7919 // a prime; the loop moves it off any factor n shares with it
	for gcd(a%n, n) != 1 {
		a++
	}
	return perm{n: n, a: a % n, b: int(seed % uint64(n))}
}

func (p perm) at(x int) int { return (p.a*x + p.b) % p.n }

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// rng derives the generator of part k of the given kind from the seed.
func (g *Generator) rng(part uint64, k int) *splitmix {
	r := splitmix(g.seed ^ part*0xd1b54a32d192ed03 ^ 0x9e3779b97f4a7c15*uint64(k+1))
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
