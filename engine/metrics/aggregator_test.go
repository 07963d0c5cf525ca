package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/servebench/servebench/schema"
)

const msec = time.Millisecond

func okSample(ttft, e2el time.Duration, out int) *Sample {
	return &Sample{OK: true, TTFT: ttft, E2EL: e2el, InputTokens: 100, OutputTokens: out, TokenSource: "usage"}
}

func TestTPOTEdgeCases(t *testing.T) {
	tests := []struct {
		name      string
		s         *Sample
		wantCount int
		wantTPOT  float64 // ms
	}{
		{"no output token: not in TPOT", okSample(100*msec, 100*msec, 0), 0, 0},
		{"one output token: not in TPOT", okSample(100*msec, 150*msec, 1), 0, 0},
		{"two tokens: the one gap", okSample(100*msec, 130*msec, 2), 1, 30},
		{"eleven tokens", okSample(100*msec, 1100*msec, 11), 1, 100},
		{"ttft equals e2el", okSample(80*msec, 80*msec, 5), 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAggregator(Options{})
			a.Add(tt.s)
			m, _, _ := a.Finish(time.Second)
			if m.TPOT.Count != tt.wantCount || !near(m.TPOT.Mean, tt.wantTPOT, 1e-12) {
				t.Errorf("TPOT count %d mean %v, want %d and %v", m.TPOT.Count, m.TPOT.Mean, tt.wantCount, tt.wantTPOT)
			}
			if m.TTFT.Count != 1 || m.E2EL.Count != 1 || m.Completed != 1 {
				t.Errorf("TTFT/E2EL/completed = %d/%d/%d, want 1 each", m.TTFT.Count, m.E2EL.Count, m.Completed)
			}
		})
	}
}

func TestGoodput(t *testing.T) {
	samples := []*Sample{
		okSample(100*msec, 1100*msec, 11),                   // tpot 100: fails tpot bound
		okSample(150*msec, 600*msec, 10),                    // tpot 50 exactly: good (bounds are inclusive)
		okSample(200*msec, 200*msec, 1),                     // ttft at bound, one token counts as tpot 0: good
		okSample(201*msec, 300*msec, 3),                     // ttft over: not good
		okSample(10*msec, 400*msec, 40),                     // tpot 10: good
		{OK: false, Kind: schema.FailTimeout, Message: "x"}, // failures are never good
	}
	tests := []struct {
		name     string
		slo      *schema.SLO
		wantGood float64
	}{
		{"ttft and tpot", &schema.SLO{TTFT: schema.Duration(200 * msec), TPOT: schema.Duration(50 * msec)}, 3},
		{"e2el only", &schema.SLO{E2EL: schema.Duration(400 * msec)}, 3},
		{"no SLO: every completed request", nil, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAggregator(Options{SLO: tt.slo})
			for _, s := range samples {
				a.Add(s)
			}
			m, _, _ := a.Finish(2 * time.Second)
			if want := tt.wantGood / 2; !near(m.Goodput, want, 1e-12) {
				t.Errorf("goodput %v, want %v", m.Goodput, want)
			}
			if (m.GoodputSLO == nil) != (tt.slo == nil) {
				t.Errorf("GoodputSLO = %v, want %v", m.GoodputSLO, tt.slo)
			}
			if tt.slo == nil && m.Goodput != m.RequestThroughput {
				t.Errorf("without SLO goodput %v != request throughput %v", m.Goodput, m.RequestThroughput)
			}
		})
	}
}

func TestFinishThroughputsFailuresWarnings(t *testing.T) {
	a := NewAggregator(Options{Percentiles: []float64{50, 99}, RequestedInput: 100, RequestedOutput: 10})
	itl := []time.Duration{10 * msec, 20 * msec, 30 * msec}
	for i := range 4 {
		s := okSample(50*msec, 110*msec, 4)
		s.ITL = itl
		s.InputTokens = 120 // 20% over the profile
		if i == 3 {
			s.TokenSource = "chunks"
		}
		a.Add(s)
	}
	itl[0] = time.Hour // the aggregator copied the values it kept
	a.Add(&Sample{Kind: schema.FailServerError, Status: 503, Message: "first"})
	a.Add(&Sample{Kind: schema.FailServerError, Status: 503, Message: "second"})
	a.Add(&Sample{Kind: schema.FailServerError, Status: 500, Message: "boom"})
	a.Add(&Sample{Kind: schema.FailTimeout, Message: "deadline"})
	a.Add(&Sample{Kind: schema.FailTimeout, Message: "deadline again"})
	a.Add(&Sample{Message: "no kind"})

	m, fails, warns := a.Finish(2 * time.Second)
	if m.Sent != 10 || m.Completed != 4 || m.Failed != 6 || !near(m.ErrorRate, 0.6, 1e-12) {
		t.Errorf("sent/completed/failed/rate = %d/%d/%d/%v", m.Sent, m.Completed, m.Failed, m.ErrorRate)
	}
	if m.TotalInputTokens != 480 || m.TotalOutputTokens != 16 || m.RequestThroughput != 2 ||
		m.OutputThroughput != 8 || m.TotalTokenThroughput != 248 {
		t.Errorf("tokens %d/%d, throughputs %v/%v/%v", m.TotalInputTokens, m.TotalOutputTokens,
			m.RequestThroughput, m.OutputThroughput, m.TotalTokenThroughput)
	}
	if m.ITL.Count != 12 || m.ITL.Max != 30 || !near(m.ITL.Mean, 20, 1e-12) || m.TPOT.Mean != 20 {
		t.Errorf("ITL %+v, TPOT mean %v", m.ITL, m.TPOT.Mean)
	}
	if m.TokenSource != "mixed" || m.ShortOutputs != 4 || !m.Exact || m.MeanInputLen != 120 || m.MeanOutputLen != 4 {
		t.Errorf("source %q short %d exact %v lens %v/%v", m.TokenSource, m.ShortOutputs, m.Exact, m.MeanInputLen, m.MeanOutputLen)
	}
	wantFails := []schema.FailureCount{
		{Kind: schema.FailServerError, Status: 503, Count: 2, Example: "first"},
		{Kind: schema.FailTimeout, Count: 2, Example: "deadline"},
		{Kind: schema.FailOther, Count: 1, Example: "no kind"},
		{Kind: schema.FailServerError, Status: 500, Count: 1, Example: "boom"},
	}
	if !slices.Equal(fails, wantFails) {
		t.Errorf("failures\n got %+v\nwant %+v", fails, wantFails)
	}
	for _, want := range []string{
		"mean actual input length 120.0 tokens is +20.0% off the profile's 100",
		"mean actual output length 4.0 tokens is -60.0% off the profile's 10",
		"4 of 4 completed requests returned fewer output tokens than the 10 requested",
		`token source "mixed"`,
	} {
		if !slices.ContainsFunc(warns, func(w string) bool { return strings.Contains(w, want) }) {
			t.Errorf("no warning containing %q in %q", want, warns)
		}
	}
}

func TestFinishEdgeCases(t *testing.T) {
	t.Run("nothing sent", func(t *testing.T) {
		m, fails, warns := NewAggregator(Options{}).Finish(0)
		if m.Sent != 0 || m.ErrorRate != 0 || m.RequestThroughput != 0 || fails != nil || warns != nil || !m.Exact {
			t.Errorf("got %+v %v %v", m, fails, warns)
		}
		if _, ok := m.TTFT.P(99); !ok {
			t.Error("default percentiles missing from an empty distribution")
		}
	})
	t.Run("all failed", func(t *testing.T) {
		a := NewAggregator(Options{RequestedInput: 10})
		a.Add(&Sample{Kind: schema.FailConnRefused, Message: "refused"})
		m, _, warns := a.Finish(time.Second)
		if m.ErrorRate != 1 || !slices.Equal(warns, []string{"all 1 requests failed"}) {
			t.Errorf("error rate %v warnings %q", m.ErrorRate, warns)
		}
	})
	t.Run("within drift tolerance", func(t *testing.T) {
		a := NewAggregator(Options{RequestedInput: 100, RequestedOutput: 10})
		s := okSample(msec, 2*msec, 10)
		s.InputTokens = 104
		a.Add(s)
		if _, _, warns := a.Finish(time.Second); warns != nil {
			t.Errorf("unexpected warnings %q", warns)
		}
	})
}

func TestClientDists(t *testing.T) {
	a := NewAggregator(Options{Percentiles: []float64{50}})
	for i := 1; i <= 4; i++ {
		a.Add(&Sample{OK: i%2 == 0, QueueTime: time.Duration(i) * msec, SendLag: time.Duration(10*i) * msec})
	}
	q, lag := a.ClientDists()
	if q.Count != 4 || q.Mean != 2.5 || lag.Max != 40 || lag.Median != 25 {
		t.Errorf("queue %+v lag %+v", q, lag)
	}
}

// TestHDRSwitchOver feeds the same large log-normal sample to an exact and a
// bounded aggregator: percentiles agree within 0.1%, moments exactly.
func TestHDRSwitchOver(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ps := []float64{50, 90, 95, 99, 99.9}
	var vals []float64
	a := NewAggregator(Options{Percentiles: ps, ExactLimit: 1000})
	for range 200_000 {
		d := time.Duration(math.Exp(r.NormFloat64()*0.8) * float64(40*msec))
		vals = append(vals, ms(d))
		a.Add(okSample(d, d+time.Second, 1))
	}
	m, _, _ := a.Finish(time.Second)
	want := Summarize(vals, ps)
	if m.Exact || a.ttft.exact != nil {
		t.Fatal("still exact past ExactLimit")
	}
	if m.TTFT.Count != want.Count || !near(m.TTFT.Mean, want.Mean, 1e-9) || !near(m.TTFT.Std, want.Std, 1e-9) ||
		m.TTFT.Min != want.Min || m.TTFT.Max != want.Max {
		t.Errorf("moments\n got %+v\nwant %+v", m.TTFT, want)
	}
	check := func(name string, got, exact float64) {
		rel := math.Abs(got-exact) / exact
		t.Logf("%s: hdr %.4f exact %.4f rel err %.6f", name, got, exact, rel)
		if rel > 0.001 {
			t.Errorf("%s: hdr %v exact %v (rel err %.5f)", name, got, exact, rel)
		}
	}
	check("median", m.TTFT.Median, want.Median)
	for _, p := range ps {
		got, _ := m.TTFT.P(p)
		exact, _ := want.P(p)
		check(schema.PercentileKey(p), got, exact)
	}
}

// TestMemoryBounded checks that pooled ITLs leave the exact store once the
// limit is reached, so a long stage keeps a fixed-size histogram.
func TestMemoryBounded(t *testing.T) {
	a := NewAggregator(Options{ExactLimit: 500})
	s := okSample(10*msec, 200*msec, 129)
	s.ITL = make([]time.Duration, 128)
	for i := range s.ITL {
		s.ITL[i] = time.Duration(i+1) * 100 * time.Microsecond
	}
	for range 2000 {
		a.Add(s)
	}
	if a.itl.exact != nil || a.itl.hist == nil || a.itl.n != 2000*128 {
		t.Errorf("itl exact %d kept, hist %v, n %d", len(a.itl.exact), a.itl.hist != nil, a.itl.n)
	}
	if a.ttft.hist == nil || a.e2el.exact != nil {
		t.Error("per-request distributions did not switch to HDR")
	}
}

func TestMidEquivalent(t *testing.T) {
	a := NewAggregator(Options{ExactLimit: 1})
	a.Add(okSample(0, 0, 1))
	a.Add(okSample(0, 0, 1)) // forces the histogram
	h := a.ttft.hist
	for _, v := range []int64{1, 2047, 2048, 2049, 4095, 4096, 123_456, 9_999_999} {
		h.Reset()
		_ = h.RecordValue(v)
		top := h.ValueAtQuantile(100)
		width := int64(2*(float64(top)-midEquivalent(top))) + 1
		low := top - width + 1
		if !h.ValuesAreEquivalent(low, top) || h.ValuesAreEquivalent(low-1, top) || low > v || v > top {
			t.Errorf("v=%d: bucket [%d, %d] does not match the histogram's", v, low, top)
		}
	}
}
