package metrics

import (
	"time"

	"github.com/servebench/servebench/schema/stats"
)

// DefaultKeepBytes bounds the memory of the requests an aggregator keeps
// for the steady-state window, the intervals and `until:` when
// Options.KeepBytes is 0: 16 MiB, about 30,000 requests of 128 output
// tokens or 170,000 without inter-token latencies.
const DefaultKeepBytes = 16 << 20

// kept is a systematic sample of a level's measured requests in the order
// they finished: every one of them until the budget is full, then every
// second, fourth ... one (each halving drops every other kept request), so
// a long level keeps its shape over time in bounded memory. The intervals
// of a sample are wider than those of every request would be, never
// narrower.
type kept struct {
	budget int
	reqs   []stats.Request
	bytes  int
	stride int // keep request i when i % stride == 0
	seen   int
}

func newKept(budget int) *kept { return &kept{budget: budget, stride: 1} }

func (k *kept) add(s *Sample) {
	i := k.seen
	k.seen++
	if i%k.stride != 0 {
		return
	}
	q := stats.Request{Start: ms(s.Start), End: ms(s.Start + s.E2EL), Failed: !s.OK,
		InputTokens: s.InputTokens, OutputTokens: s.OutputTokens}
	if s.OK {
		q.TTFT, q.E2EL = ms(s.TTFT), ms(s.E2EL)
		var tpot time.Duration
		tpot, q.HasTPOT = tpotOf(s)
		q.TPOT = ms(tpot)
		if len(s.ITL) > 0 {
			q.ITL = make([]float32, len(s.ITL))
			for j, d := range s.ITL {
				q.ITL[j] = float32(ms(d))
			}
		}
	}
	k.reqs = append(k.reqs, q)
	k.bytes += q.Size()
	for k.bytes > k.budget && len(k.reqs) > 1 {
		k.halve()
	}
}

// halve keeps every other kept request: those at multiples of twice the stride.
func (k *kept) halve() {
	n, bytes := 0, 0
	for j := 0; j < len(k.reqs); j += 2 {
		k.reqs[n] = k.reqs[j]
		bytes += k.reqs[n].Size()
		n++
	}
	clear(k.reqs[n:])
	k.reqs, k.bytes = k.reqs[:n], bytes
	k.stride *= 2
}
