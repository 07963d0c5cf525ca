package dataset

import "math/bits"

// permutation is a seeded bijection of [0, n) computed one element at a
// time: a Feistel network on the smallest even-bit power of two >= n,
// walked until it lands inside [0, n) ("cycle walking"; fewer than 4 steps
// on average). It takes no memory per element, so a random order over a
// file of a hundred million entries costs nothing, and element i depends
// only on (seed, i): a pure function, whatever order it is asked in.
type permutation struct {
	n    uint64
	half uint   // bits in each half of the Feistel domain
	mask uint64 // half's bit mask
	keys [feistelRounds]uint64
}

// feistelRounds: 4 rounds make a pseudorandom permutation from a random
// round function (Luby–Rackoff); 6 leave margin for splitmix's weaknesses.
const feistelRounds = 6

func newPermutation(n int, seed uint64) permutation {
	p := permutation{n: uint64(n)}
	b := bits.Len64(uint64(max(n-1, 1)))
	p.half = uint((b + 1) / 2)
	p.mask = 1<<p.half - 1
	for i := range p.keys {
		seed = mix(seed + uint64(i))
		p.keys[i] = seed
	}
	return p
}

// at is element i (0 <= i < n) of the permutation.
func (p *permutation) at(i int) int {
	x := uint64(i)
	for {
		x = p.encrypt(x)
		if x < p.n {
			return int(x)
		}
	}
}

// encrypt is the Feistel network on [0, 4^half).
func (p *permutation) encrypt(x uint64) uint64 {
	l, r := x>>p.half, x&p.mask
	for _, k := range p.keys {
		l, r = r, l^(mix(r^k)&p.mask)
	}
	return l<<p.half | r
}

// mix is SplitMix64's output function: a fast 64-bit mixer with full
// avalanche, used to derive keys and as the round function.
func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}
