// Package metrics turns finished requests into a stage's metrics, exactly as
// `vllm bench serve` defines them (calculate_metrics in
// vllm/benchmarks/serve.py), so servebench's numbers compare with the ones
// users know. Workers only send Samples; one owner Adds them to an
// Aggregator and calls Finish once (vegeta's Metrics Add/Close). Memory is
// bounded: past ExactLimit samples a distribution moves to an HDR histogram.
package metrics

import (
	"cmp"
	"time"

	"github.com/servebench/servebench/schema"
)

// DefaultExactLimit is how many samples per distribution are kept exactly
// when Options.ExactLimit is 0.
const DefaultExactLimit = 100_000

// Options configure an Aggregator.
type Options struct {
	// Percentiles to compute besides schema.DefaultPercentiles, which are
	// always computed (schema.Percentiles): every percentile a threshold
	// can name then has a value.
	Percentiles []float64
	// SLO decides goodput: a completed request is good when its TTFT, TPOT
	// and E2EL are each within every bound that is set. Nil: every completed
	// request is good, so goodput equals request throughput.
	SLO *schema.SLO
	// ExactLimit is the number of samples per distribution kept exactly
	// before switching to an HDR histogram (µs, 3 significant digits).
	// 0 means DefaultExactLimit.
	ExactLimit int
	// RequestedInput and RequestedOutput are the profile's lengths, for the
	// drift and short- and long-output checks of samples that do not carry
	// their own (Sample.RequestedInput); 0 skips a check.
	RequestedInput, RequestedOutput int
	// IgnoreEOS says the requests asked the server to ignore the end of
	// sequence (api.ignore_eos), so a short output means the server ignored
	// that, not that the model stopped.
	IgnoreEOS bool
	// KeepBytes bounds the requests kept for the steady-state window and
	// the intervals (see kept); 0 means DefaultKeepBytes.
	KeepBytes int
	// OpenLoop says the level sends on a schedule (see stats.Options).
	OpenLoop bool
}

// Sample is one finished measured request. The aggregator copies what it
// keeps, so the sender may reuse the Sample and its ITL slice after Add.
type Sample struct {
	OK bool
	// Kind is the failure kind, one of schema's Fail* constants;
	// schema.FailCanceled counts as cancelled, not failed.
	Kind    string
	Status  int    // HTTP status of a failure, 0 if none
	Message string // failure example: body excerpt or error text

	TTFT, E2EL time.Duration
	ITL        []time.Duration

	// InputTokens is the server's prompt count, 0 when it did not report
	// one (unknown, not averaged into the input length).
	InputTokens, OutputTokens int
	// RequestedInput and RequestedOutput are the lengths this request asked
	// for, when its source varies them; 0 takes Options'.
	RequestedInput, RequestedOutput int
	TokenSource                     string // usage | chunks

	QueueTime, SendLag time.Duration

	// Start is when the request was sent, from the start of its level
	// (the time base of requests.jsonl's start_ms).
	Start time.Duration
}

// Aggregator accumulates Samples of one stage level. It is not safe for
// concurrent use: one goroutine owns it.
type Aggregator struct {
	o                     Options
	ttft, tpot, itl, e2el *series
	queue, lag            *series
	sent, completed, good int
	canceled              int
	short, long           int
	inputKnown, inputLow  int // completed requests with a prompt count; of those, below the requested input
	totalIn, totalOut     int64
	// reqIn and reqOut add up the lengths asked for by the requests whose
	// actual lengths are in totalIn (inputKnown of them) and totalOut
	// (completed), for the drift warnings.
	reqIn, reqOut int64
	sources       map[string]bool
	failures      failures
	kept          *kept
}

// NewAggregator returns an empty aggregator.
func NewAggregator(o Options) *Aggregator {
	o.Percentiles = schema.Percentiles(o.Percentiles)
	if o.ExactLimit <= 0 {
		o.ExactLimit = DefaultExactLimit
	}
	if o.KeepBytes <= 0 {
		o.KeepBytes = DefaultKeepBytes
	}
	n := o.ExactLimit
	return &Aggregator{
		o:    o,
		ttft: newSeries(n), tpot: newSeries(n), itl: newSeries(n), e2el: newSeries(n),
		queue: newSeries(n), lag: newSeries(n),
		sources: map[string]bool{},
		kept:    newKept(o.KeepBytes),
	}
}

// Add accounts for one measured request. A request cancelled by an
// interrupt is only counted: it says nothing about the server.
func (a *Aggregator) Add(s *Sample) {
	if !s.OK && s.Kind == schema.FailCanceled {
		a.canceled++
		return
	}
	a.sent++
	a.queue.add(ms(s.QueueTime))
	a.lag.add(ms(s.SendLag))
	a.kept.add(s)
	if !s.OK {
		a.failures.add(s)
		return
	}
	a.completed++
	a.addTokens(s)
	a.ttft.add(ms(s.TTFT))
	a.e2el.add(ms(s.E2EL))
	for _, d := range s.ITL {
		a.itl.add(ms(d))
	}
	tpot, measured := tpotOf(s)
	if measured {
		a.tpot.add(ms(tpot))
	}
	if a.o.SLO.Meets(s.TTFT, tpot, s.E2EL) {
		a.good++
	}
}

// addTokens accounts the token counts of a completed request.
func (a *Aggregator) addTokens(s *Sample) {
	wantIn, wantOut := cmp.Or(s.RequestedInput, a.o.RequestedInput), cmp.Or(s.RequestedOutput, a.o.RequestedOutput)
	a.totalOut += int64(s.OutputTokens)
	a.reqOut += int64(wantOut)
	if s.InputTokens > 0 {
		a.totalIn += int64(s.InputTokens)
		a.reqIn += int64(wantIn)
		a.inputKnown++
		if s.InputTokens < wantIn {
			a.inputLow++
		}
	}
	if s.TokenSource != "" {
		a.sources[s.TokenSource] = true
	}
	switch want := wantOut; {
	case want <= 0:
	case s.OutputTokens < want:
		a.short++
	case s.OutputTokens > want:
		a.long++
	}
}

// tpotOf is schema.TPOT of a sample. A request without a TPOT meets a
// TPOT bound, as vLLM's goodput counts it.
func tpotOf(s *Sample) (time.Duration, bool) {
	return schema.TPOT(s.TTFT, s.E2EL, s.OutputTokens, len(s.ITL))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// ClientDists summarises the client's own delays: queue time and send lag
// of every measured request, failed ones included (cancelled ones are
// only counted).
func (a *Aggregator) ClientDists() (queue, sendLag schema.Dist) {
	return a.queue.dist(a.o.Percentiles), a.lag.dist(a.o.Percentiles)
}

// Finish computes the stage's metrics over window, its measured wall time,
// the failures grouped by kind and status, and warnings about the workload
// the server actually ran. Rates are 0 when window is not positive.
func (a *Aggregator) Finish(window time.Duration) (schema.Metrics, []schema.FailureCount, []string) {
	m := schema.Metrics{
		Sent: a.sent, Completed: a.completed, Failed: a.sent - a.completed, Canceled: a.canceled,
		DurationS:        window.Seconds(),
		TotalInputTokens: a.totalIn, TotalOutputTokens: a.totalOut,
		TTFT: a.ttft.dist(a.o.Percentiles), TPOT: a.tpot.dist(a.o.Percentiles),
		ITL: a.itl.dist(a.o.Percentiles), E2EL: a.e2el.dist(a.o.Percentiles),
		TokenSource:  a.tokenSource(),
		ShortOutputs: a.short, LongOutputs: a.long,
		Exact: a.ttft.isExact() && a.tpot.isExact() && a.itl.isExact() && a.e2el.isExact(),
	}
	if a.o.SLO != nil {
		slo := *a.o.SLO
		m.GoodputSLO = &slo
	}
	if a.sent > 0 {
		m.ErrorRate = float64(m.Failed) / float64(a.sent)
	}
	if a.inputKnown > 0 {
		m.MeanInputLen = float64(a.totalIn) / float64(a.inputKnown)
	}
	if a.completed > 0 {
		m.MeanOutputLen = float64(a.totalOut) / float64(a.completed)
	}
	if s := window.Seconds(); s > 0 {
		m.RequestThroughput = float64(a.completed) / s
		m.OutputThroughput = float64(a.totalOut) / s
		m.TotalTokenThroughput = float64(a.totalIn+a.totalOut) / s
		m.Goodput = float64(a.good) / s
	}
	return m, a.failures.list(), a.warnings(m)
}

// tokenSource is the one source every completed request used, or "mixed".
func (a *Aggregator) tokenSource() string {
	switch len(a.sources) {
	case 0:
		return ""
	case 1:
		for s := range a.sources {
			return s
		}
	}
	return "mixed"
}
