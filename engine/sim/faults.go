package sim

import (
	"errors"
	"math"
	"math/rand/v2"
)

// errExited means the ExitAfter fault fired while a request was in flight.
var errExited = errors.New("simulated server exit")

// newRNG derives the generator of one request from the seed and the
// request's arrival index, so the same seed and the same request sequence
// give the same stop lengths and fault decisions however requests
// interleave afterwards.
func newRNG(seed int64, index uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), splitmix64(index)))
}

// splitmix64 spreads consecutive indexes over the whole state space.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// plan is what one generation request will do, decided up front from its
// RNG in a fixed order of draws so that decisions are reproducible.
type plan struct {
	tokens int    // tokens to generate
	finish string // "length" or "stop"

	errorStatus int // answer with this status instead of generating (0: no)
	dropAt      int // close the connection after this many tokens (0: no)
	malformedAt int // send a non-JSON chunk after this many tokens (0: no)
	stallAt     int // pause after this many tokens (0: no)
	errorAt     int // send an error chunk and end after this many tokens (0: no)
}

// newPlan draws the output length and the faults of one request. Every draw
// happens whatever the outcome of the previous one, so enabling one fault
// does not shift the decisions of another.
func newPlan(rng *rand.Rand, f Faults, maxTokens int, ignoreEOS bool) plan {
	p := plan{tokens: maxTokens, finish: "length"}
	if n := stopLength(rng.Float64(), maxTokens); !ignoreEOS && n < maxTokens {
		p.tokens, p.finish = n, "stop"
	}
	status := f.ErrorStatus[rng.IntN(len(f.ErrorStatus))]
	if rng.Float64() < f.ErrorRate {
		p.errorStatus = status
	}
	p.dropAt = faultAt(rng, f.DropRate, p.tokens)
	p.malformedAt = faultAt(rng, f.MalformedRate, p.tokens)
	p.stallAt = faultAt(rng, f.StallRate, p.tokens)
	p.errorAt = faultAt(rng, f.ErrorMidStream, p.tokens)
	return p
}

// stopLength maps a uniform u to a geometric length with mean about
// maxTokens/2, at least 1 and at most maxTokens: the simulated EOS.
func stopLength(u float64, maxTokens int) int {
	if maxTokens <= 2 {
		return 1
	}
	p := 2 / float64(maxTokens)
	n := 1 + int(math.Log1p(-u)/math.Log1p(-p))
	return min(max(n, 1), maxTokens)
}

// faultAt returns, with probability rate, the token count after which a
// mid-stream fault happens: strictly inside the stream when it has two or
// more tokens.
func faultAt(rng *rand.Rand, rate float64, tokens int) int {
	hit := rng.Float64() < rate
	at := 1 + rng.IntN(max(tokens-1, 1))
	if !hit {
		return 0
	}
	return at
}
