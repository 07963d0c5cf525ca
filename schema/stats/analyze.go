package stats

import (
	"cmp"
	"math"
	"slices"

	"github.com/servebench/servebench/schema"
)

// Options say how to analyse a level's requests.
type Options struct {
	// Percentiles are added to schema.DefaultPercentiles (schema.Percentiles).
	Percentiles []float64
	// SLO decides goodput (nil: every completed request is good).
	SLO *schema.SLO
	// Confidence is the level of the intervals (0: schema.IntervalConfidence).
	Confidence float64
	// From and To bound the everything-sent throughput window in ms (the
	// engine's measured window); both 0: first send to last completion.
	From, To float64
	// Sampled is k when rs holds every k-th request of the level (0 or 1:
	// all); counts and throughputs are scaled back by it.
	Sampled int
	// OpenLoop says the level sent on a schedule (a rate) rather than
	// keeping a number of requests in flight: only then is the number in
	// flight a series whose transient the window looks for.
	OpenLoop bool
}

func (o Options) level() float64 {
	if o.Confidence <= 0 || o.Confidence >= 1 {
		return schema.IntervalConfidence
	}
	return o.Confidence
}

func (o Options) scale() float64 { return float64(max(o.Sampled, 1)) }

// Analysis is what Analyze finds in a level's requests.
type Analysis struct {
	// All are the intervals of the everything-sent metrics, by name.
	All map[string]schema.CI
	// Steady is the steady-state window, with its metrics and intervals
	// when one was found.
	Steady schema.SteadyState
	// InFlight is the timeline of requests in flight.
	InFlight *schema.Series
}

// Analyze finds the steady-state window of a finished level and the
// intervals of every IntervalNames metric over everything sent and over
// the window. rs may be in any order; it is sorted by send time.
func Analyze(rs []Request, o Options) Analysis {
	rs = sortedBySend(rs)
	names := schema.IntervalNames(o.Percentiles)
	if untimed(rs) {
		return untimedAnalysis(rs, names, o)
	}
	a := Analysis{InFlight: inFlightSeries(rs)}
	from, to := o.From, o.To
	if from == 0 && to == 0 {
		from, to = span(rs)
	}
	a.All = intervalsOf(newSet(rs, allIdx(len(rs)), from, to, o.SLO, o.scale()), names, o.level())
	w := findWindow(rs, o.OpenLoop, false)
	a.Steady = schema.SteadyState{Found: w.found, Method: WindowMethod, Note: w.note}
	if o.Sampled > 1 {
		a.Steady.Sampled = o.Sampled
	}
	if !w.found {
		return a
	}
	s := newSet(rs, w.set, w.from, w.to, o.SLO, o.scale())
	a.Steady.FromMS, a.Steady.ToMS = w.from, w.to
	a.Steady.Ramp, a.Steady.Drain = w.ramp*max(o.Sampled, 1), w.drain*max(o.Sampled, 1)
	m := s.metrics(o)
	a.Steady.Metrics = &m
	a.Steady.Intervals = intervalsOf(s, names, o.level())
	return a
}

// noSendTimes is why a level whose records carry no send times has no
// steady state and no throughput intervals.
const noSendTimes = NotEnoughData + ": the requests carry no send times (a vLLM result saved without start_times)"

// untimed reports whether the requests carry no send times: more than one
// and every one sent at 0, as an import of a vLLM result without
// start_times writes them. Time windows and the in-flight series would
// then describe a level squeezed into its longest request.
func untimed(rs []Request) bool {
	return len(rs) > 1 && rs[0].Start == 0 && rs[len(rs)-1].Start == 0
}

// untimedAnalysis keeps what does not need send times: the intervals of
// latencies (batch means over the records' order, which is the order they
// were sent in for vLLM's files) and of the error rate.
func untimedAnalysis(rs []Request, names []string, o Options) Analysis {
	from, to := span(rs)
	a := Analysis{All: intervalsOf(newSet(rs, allIdx(len(rs)), from, to, o.SLO, o.scale()), names, o.level())}
	for n, ci := range a.All {
		if ci.Method == schema.MethodTimeWindows {
			a.All[n] = schema.CI{Method: ci.Method, N: ci.N, Missing: noSendTimes}
		}
	}
	a.Steady = schema.SteadyState{Method: WindowMethod, Note: noSendTimes}
	return a
}

func intervalsOf(s *set, names []string, level float64) map[string]schema.CI {
	out := make(map[string]schema.CI, len(names))
	for _, n := range names {
		out[n], _ = s.ci(n, level)
	}
	return out
}

// sortedBySend returns rs ordered by send time (a copy when it was not).
func sortedBySend(rs []Request) []Request {
	byStart := func(a, b Request) int { return cmp.Compare(a.Start, b.Start) }
	if slices.IsSortedFunc(rs, byStart) {
		return rs
	}
	rs = slices.Clone(rs)
	slices.SortStableFunc(rs, byStart)
	return rs
}

func allIdx(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// span is first send to last completion.
func span(rs []Request) (from, to float64) {
	if len(rs) == 0 {
		return 0, 0
	}
	from, to = rs[0].Start, rs[0].End
	for _, q := range rs {
		to = max(to, q.End)
	}
	return from, to
}

// metrics are the stage metrics of a window's set, as the engine defines
// them for a whole level (numpy statistics), scaled back when sampled.
func (s *set) metrics(o Options) schema.Metrics {
	k := s.scale
	pct := schema.Percentiles(o.Percentiles)
	m := schema.Metrics{
		Sent: int(float64(s.sent) * k), Completed: int(float64(s.done) * k),
		DurationS:        (s.to - s.from) / 1000,
		TotalInputTokens: int64(float64(s.in) * k), TotalOutputTokens: int64(float64(s.out) * k),
		TTFT: schema.SummarizeSorted(s.lat["ttft"].sort(), pct), TPOT: schema.SummarizeSorted(s.lat["tpot"].sort(), pct),
		ITL: schema.SummarizeSorted(s.lat["itl"].sort(), pct), E2EL: schema.SummarizeSorted(s.lat["e2el"].sort(), pct),
		Exact: o.Sampled <= 1,
	}
	m.Failed = m.Sent - m.Completed
	if o.SLO != nil {
		slo := *o.SLO
		m.GoodputSLO = &slo
	}
	if s.sent > 0 {
		m.ErrorRate = float64(s.sent-s.done) / float64(s.sent)
	}
	if s.done > 0 {
		m.MeanInputLen, m.MeanOutputLen = float64(s.in)/float64(s.done), float64(s.out)/float64(s.done)
	}
	if d := m.DurationS; d > 0 {
		rate := func(name string) float64 { return s.counted(name) * k / d }
		m.RequestThroughput, m.OutputThroughput = rate("request_throughput"), rate("output_throughput")
		m.TotalTokenThroughput, m.Goodput = rate("total_token_throughput"), rate("goodput")
	}
	return m
}

// counted is what a throughput counts inside the set's span, as its
// interval counts it (see events).
func (s *set) counted(name string) float64 {
	per := []float64{0}
	for _, ev := range s.events(name) {
		spread(per, ev, s.from, s.to-s.from)
	}
	return per[0]
}

// maxTimeline bounds the points of the in-flight timeline in run.json.
const maxTimeline = 200

// inFlightSeries samples the requests in flight at up to maxTimeline
// evenly spaced times from the first send to the last completion.
func inFlightSeries(rs []Request) *schema.Series {
	if len(rs) == 0 {
		return nil
	}
	from, to := span(rs)
	ends := make([]float64, len(rs))
	for i, q := range rs {
		ends[i] = q.End
	}
	slices.Sort(ends)
	n := maxTimeline
	if to <= from {
		n = 1
	}
	s := &schema.Series{Name: "in_flight", T: make([]float64, n), Values: make([]float64, n)}
	started, done := 0, 0
	for i := range n {
		t := from
		if n > 1 {
			t = from + (to-from)*float64(i)/float64(n-1)
		}
		for started < len(rs) && rs[started].Start <= t {
			started++
		}
		for done < len(ends) && ends[done] <= t {
			done++
		}
		s.T[i] = math.Round(t) / 1000
		s.Values[i] = float64(started - done)
	}
	return s
}
