package traffic

import (
	"hash/fnv"
	"math"
	"math/rand/v2"

	"github.com/servebench/servebench/schema"
)

// Synthetic is the source of a scenario profile: every request draws its
// lengths from the profile's distributions (one entry of its mix, chosen by
// weight) and, with a prefix, joins one of the prefix groups. Request i's
// draws come from a generator seeded by (seed, key, i) alone.
type Synthetic struct {
	entries []entry
	total   float64 // sum of the entries' weights
	prefix  int
	groups  int
	random  bool // random group assignment rather than round robin
	seed    uint64
}

var _ Source = (*Synthetic)(nil)

// entry is one (input, output) pair of the mix with its cumulative weight.
type entry struct {
	upTo    float64
	in, out sampler
}

// NewSynthetic is the source of profile p. key names the workload within
// the scenario, conventionally "stage/profile": every level and repeat of a
// stage then sends the same sequence of lengths, so levels differ only in
// load, and two stages using one profile still send different sequences.
// p must be valid and defaulted (schema.Load).
func NewSynthetic(p schema.Profile, seed int64, key string) *Synthetic {
	h := fnv.New64a()
	h.Write([]byte(key))
	s := &Synthetic{seed: uint64(seed) ^ h.Sum64()}
	for _, e := range p.Entries() {
		s.total += e.Weight
		s.entries = append(s.entries, entry{upTo: s.total, in: newSampler(e.Input), out: newSampler(e.Output)})
	}
	if p.Prefix != nil {
		s.prefix, s.groups, s.random = p.Prefix.Tokens, p.Prefix.Groups, p.Prefix.Assign == schema.AssignRandom
	}
	return s
}

// Spec draws request i: the mix entry, then its input and output, then the
// group, always in this order, so changing the group assignment leaves the
// lengths alone.
func (s *Synthetic) Spec(i int) Spec {
	r := rand.New(rand.NewPCG(s.seed, mix64(uint64(i))))
	e := &s.entries[0]
	if len(s.entries) > 1 {
		u := r.Float64() * s.total
		for k := range s.entries {
			if e = &s.entries[k]; u < e.upTo {
				break
			}
		}
	}
	sp := Spec{Input: e.in.draw(r), Output: e.out.draw(r)}
	if s.prefix > 0 {
		sp.Prefix, sp.Input = s.prefix, sp.Input+s.prefix
		sp.Group = s.group(i, r) + 1
	}
	return sp
}

// group is request i's 0-based group. Round robin deals measured requests
// 0, 1, 2, ... and warmup requests -1, -2, ... each from group 0 on, so a
// warmup of one request per group leaves every prefix cached.
func (s *Synthetic) group(i int, r *rand.Rand) int {
	switch {
	case s.random:
		return r.IntN(s.groups)
	case i < 0:
		return (-1 - i) % s.groups
	}
	return i % s.groups
}

// sampler draws one length.
type sampler struct {
	kind     string
	min, max int
	// mu and sigma are the mean and deviation of the normal distribution
	// drawn from: of the lengths for normal, of their logarithm for lognormal.
	mu, sigma float64
}

func newSampler(l schema.Length) sampler {
	if l.IsFixed() {
		return sampler{min: l.Fixed, max: l.Fixed}
	}
	s := sampler{kind: l.Distribution, min: l.Min, max: l.Max, mu: l.Mean, sigma: l.Stddev}
	if l.Distribution == schema.LengthLognormal {
		// The lognormal whose lengths have mean m and deviation d:
		// sigma² = ln(1 + d²/m²), mu = ln m − sigma²/2.
		v := math.Log1p(l.Stddev * l.Stddev / (l.Mean * l.Mean))
		s.mu, s.sigma = math.Log(l.Mean)-v/2, math.Sqrt(v)
	}
	return s
}

// draw returns one length in [min, max]: uniform over the integers, or a
// normal or lognormal draw rounded and clipped to the bounds.
func (s sampler) draw(r *rand.Rand) int {
	var x float64
	switch s.kind {
	case "":
		return s.min
	case schema.LengthUniform:
		return s.min + r.IntN(s.max-s.min+1)
	case schema.LengthNormal:
		x = s.mu + s.sigma*r.NormFloat64()
	case schema.LengthLognormal:
		x = math.Exp(s.mu + s.sigma*r.NormFloat64())
	}
	return int(min(max(math.Round(x), float64(s.min)), float64(s.max)))
}

// mix64 is SplitMix64's finalizer: neighbouring indexes seed unrelated
// generators.
func mix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
