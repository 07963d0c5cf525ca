package stats

import (
	"slices"
	"strings"

	"github.com/servebench/servebench/schema"
)

// sample is one latency of a request set in send order: values, the
// request each belongs to (ITL has many per request), and the values
// sorted once for every percentile read from them.
type sample struct {
	values []float64
	units  []int
	sorted []float64
}

func (s *sample) add(v float64, unit int) {
	s.values = append(s.values, v)
	s.units = append(s.units, unit)
}

func (s *sample) sort() []float64 {
	if s.sorted == nil {
		s.sorted = slices.Clone(s.values)
		slices.Sort(s.sorted)
	}
	return s.sorted
}

// set is a window's requests, split into what each metric reads.
type set struct {
	lat        map[string]*sample // ttft, tpot, itl, e2el
	failed     []float64          // 1 per failed request, 0 per completed, send order
	itlSum     []float64          // per completed request with gaps
	itlCount   []float64
	completion []completion // completed requests that overlap the throughput span
	from, to   float64      // throughput span, ms
	scale      float64      // 1 / sampling fraction: what one stored request stands for
	sent, done int
	in, out    int64
}

// completion is a completed request: its first token and its end, with
// what the throughputs count.
type completion struct {
	first, end float64
	in, out    float64
	good       bool
}

// newSet gathers the requests idx of rs (send order) for the latencies and
// the error rate, and every completed request of rs whose tokens overlap
// [from, to] for the throughputs.
func newSet(rs []Request, idx []int, from, to float64, slo *schema.SLO, scale float64) *set {
	s := &set{lat: map[string]*sample{}, from: from, to: to, scale: scale}
	gaps := 0
	for _, i := range idx {
		gaps += len(rs[i].ITL)
	}
	for _, name := range schema.LatencyNames {
		n := len(idx)
		if name == "itl" {
			n = gaps
		}
		s.lat[name] = &sample{values: make([]float64, 0, n), units: make([]int, 0, n)}
	}
	// The samples are looked up once: a level has millions of gaps.
	ttft, e2el, tpot, itl := s.lat["ttft"], s.lat["e2el"], s.lat["tpot"], s.lat["itl"]
	s.failed = make([]float64, 0, len(idx))
	for u, i := range idx {
		q := &rs[i]
		s.sent++
		if q.Failed {
			s.failed = append(s.failed, 1)
			continue
		}
		s.failed = append(s.failed, 0)
		s.done++
		s.in, s.out = s.in+int64(q.InputTokens), s.out+int64(q.OutputTokens)
		ttft.add(q.TTFT, u)
		e2el.add(q.E2EL, u)
		if q.HasTPOT {
			tpot.add(q.TPOT, u)
		}
		if len(q.ITL) > 0 {
			var sum float64
			for _, g := range q.ITL {
				itl.add(float64(g), u)
				sum += float64(g)
			}
			s.itlSum, s.itlCount = append(s.itlSum, sum), append(s.itlCount, float64(len(q.ITL)))
		}
	}
	for i := range rs {
		q := &rs[i]
		first := q.Start + q.TTFT
		if q.Failed || q.End < from || first > to {
			continue
		}
		s.completion = append(s.completion, completion{first: first, end: q.End,
			in: float64(q.InputTokens), out: float64(q.OutputTokens), good: q.good(slo)})
	}
	return s
}

// ci computes the interval of the metric called name (an IntervalNames
// entry) over the set at level, and the metric's value it was built
// around (the value of the set's own metrics).
func (s *set) ci(name string, level float64) (schema.CI, float64) {
	head, stat, isDist := strings.Cut(name, ".")
	var v, lo, hi float64
	var e est
	var why, method string
	switch {
	case isDist && stat == "mean":
		e, why, method = s.meanOf(head)
		h := e.halfWidth(level)
		v, lo, hi = e.value, e.value-h, e.value+h
	case isDist:
		p, _ := schema.ParsePercentileKey(stat)
		smp := s.lat[head]
		v, lo, hi, e, why = quantileCI(smp.values, smp.units, smp.sort(), p, level)
		method = schema.MethodOrderStats
	case name == "error_rate":
		lo, hi, e, why = proportionCI(s.failed, level)
		v, method = e.value, schema.MethodWilson
	default:
		lo, hi, e, why = rateCI(s.events(name), s.from, s.to, level)
		v, lo, hi = e.value*s.scale, lo*s.scale, hi*s.scale
		method = schema.MethodTimeWindows
	}
	if why != "" {
		return schema.CI{Method: method, N: e.n, Missing: why}, v
	}
	return schema.CI{Lo: lo, Hi: hi, Method: method, N: e.n}, v
}

// meanOf is the batch-means estimate of a latency's mean; ITL's is a
// ratio of sums over requests.
func (s *set) meanOf(name string) (est, string, string) {
	var e est
	var ok bool
	if name == "itl" {
		e, ok = ratioEst(s.itlSum, s.itlCount)
		e.n = len(s.lat["itl"].values)
	} else {
		e, ok = meanEst(s.lat[name].values)
	}
	if !ok {
		return e, notEnough(len(s.lat[name].values)), schema.MethodBatchMeans
	}
	return e, "", schema.MethodBatchMeans
}

// events are what a throughput counts: requests and good requests at
// their end; output tokens as they stream, from the first token to the
// end; input tokens at the first token, when their prefill is done.
func (s *set) events(name string) []event {
	out := make([]event, 0, 2*len(s.completion))
	for _, c := range s.completion {
		switch name {
		case "output_throughput":
			out = append(out, event{c.first, c.end, c.out})
		case "total_token_throughput":
			out = append(out, event{c.first, c.end, c.out}, event{c.first, c.first, c.in})
		case "goodput":
			if c.good {
				out = append(out, event{c.end, c.end, 1})
			}
		default:
			out = append(out, event{c.end, c.end, 1})
		}
	}
	return out
}
