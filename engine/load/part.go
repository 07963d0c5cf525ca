package load

import (
	"math"
	"time"

	"github.com/servebench/servebench/schema"
)

// NewPartPacer is the pacer of part index of an open loop that parts
// processes share: each part paces at rate/parts, and the parts' arrivals
// together follow dist at rate, as one client's would.
//
//   - constant: part i sends at i/rate + k·parts/rate, so the union is the
//     constant schedule at rate exactly (the parts interleave);
//   - poisson: independent parts (seed per part) at rate/parts; the union
//     of independent Poisson processes is a Poisson process at rate. Every
//     part but 0 starts one random gap in, so the union has one arrival at
//     the stage start, as one client's schedule has;
//   - gamma: as poisson, but the union of gamma processes is only
//     approximately gamma: it is smoother than a single gamma process of
//     the same burstiness when burstiness is below 1.
//
// seed is the part's own seed; one part is NewPacer itself.
func NewPartPacer(dist string, rate, burstiness float64, seed int64, index, parts int) (Pacer, error) {
	if parts <= 1 {
		return NewPacer(dist, rate, burstiness, seed)
	}
	p, err := NewPacer(dist, rate/float64(parts), burstiness, seed)
	if err != nil || math.IsInf(rate, 1) || index == 0 {
		return p, err
	}
	if dist == schema.DistConstant {
		return shifted{p: p, by: seconds(float64(index) / rate)}, nil
	}
	return skipFirst{p: p}, nil
}

// shifted delays every offset of p by a fixed phase.
type shifted struct {
	p  Pacer
	by time.Duration
}

func (s shifted) Offset(i int) time.Duration { return s.by + s.p.Offset(i) }

// skipFirst drops p's arrival at the stage start: its first request goes
// one gap in.
type skipFirst struct{ p Pacer }

func (s skipFirst) Offset(i int) time.Duration { return s.p.Offset(i + 1) }
