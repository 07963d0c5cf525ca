package load

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/servebench/servebench/schema"
)

// Pacer gives the offset from the stage start at which request i (0-based,
// warmup included) is scheduled. Offset(0) is 0: the first request goes at
// the stage start, and every later one one inter-arrival gap after the
// previous (a part of a sharded open loop may start later: NewPartPacer).
// Offsets never decrease.
type Pacer interface{ Offset(i int) time.Duration }

var (
	_ Pacer = constantPacer{}
	_ Pacer = (*gammaPacer)(nil)
)

// NewPacer returns the pacer of an open-loop stage: dist is poisson,
// constant or gamma; rate is the mean arrival rate in requests/s. Gamma gaps
// have shape burstiness and mean 1/rate, as `vllm bench serve --burstiness`
// draws them (burstiness 1 is Poisson; below 1 burstier, above 1 smoother);
// poisson ignores burstiness. Random pacers are deterministic for a seed.
// An infinite rate sends every request at once.
func NewPacer(dist string, rate, burstiness float64, seed int64) (Pacer, error) {
	if math.IsNaN(rate) || rate <= 0 {
		return nil, fmt.Errorf("pacer: rate must be positive, got %v", rate)
	}
	if math.IsInf(rate, 1) {
		return constantPacer{}, nil
	}
	switch dist {
	case schema.DistConstant:
		return constantPacer{gap: 1 / rate}, nil
	case schema.DistPoisson, "":
		return newGammaPacer(1, rate, seed), nil
	case schema.DistGamma:
		if math.IsNaN(burstiness) || burstiness <= 0 || math.IsInf(burstiness, 0) {
			return nil, fmt.Errorf("pacer: gamma burstiness must be positive and finite, got %v", burstiness)
		}
		return newGammaPacer(burstiness, rate, seed), nil
	default:
		return nil, fmt.Errorf("pacer: unknown distribution %q (want poisson, constant or gamma)", dist)
	}
}

// constantPacer sends one request every gap seconds.
type constantPacer struct{ gap float64 }

func (p constantPacer) Offset(i int) time.Duration {
	return seconds(float64(i) * p.gap)
}

// gammaPacer sums gamma-distributed gaps. It walks forward from the last
// index asked for, so the usual sequential use costs one draw per request and
// no memory; asking for an earlier index replays the stream from the seed,
// which keeps offsets deterministic whatever the order of calls.
type gammaPacer struct {
	shape, scale float64
	seed         int64

	mu   sync.Mutex
	rng  *rand.Rand
	next int     // index whose offset is sum
	sum  float64 // seconds
}

func newGammaPacer(shape, rate float64, seed int64) *gammaPacer {
	p := &gammaPacer{shape: shape, scale: 1 / (rate * shape), seed: seed}
	p.reset()
	return p
}

func (p *gammaPacer) reset() {
	p.rng = rand.New(rand.NewPCG(uint64(p.seed), 0x5e7ebe9c4))
	p.next, p.sum = 0, 0
}

func (p *gammaPacer) Offset(i int) time.Duration {
	if i <= 0 {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if i < p.next {
		p.reset()
	}
	for p.next < i {
		p.sum += gamma(p.rng, p.shape) * p.scale
		p.next++
	}
	return seconds(p.sum)
}

// gamma draws from Gamma(shape, 1) with Marsaglia and Tsang's method; shapes
// below 1 use the boost Gamma(a) = Gamma(a+1) * U^(1/a).
func gamma(r *rand.Rand, shape float64) float64 {
	if shape == 1 {
		return r.ExpFloat64()
	}
	if shape < 1 {
		u := 1 - r.Float64() // (0, 1]
		return gamma(r, shape+1) * math.Pow(u, 1/shape)
	}
	d := shape - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.NormFloat64()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.Float64()
		if u < 1-0.0331*x*x*x*x || math.Log(u) < 0.5*x*x+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

// seconds converts float seconds to a Duration, saturating instead of overflowing.
func seconds(s float64) time.Duration {
	ns := s * 1e9
	if ns >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(ns)
}
