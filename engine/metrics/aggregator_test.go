package metrics

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/servebench/servebench/schema"
)

const msec = time.Millisecond

// okSample is a completed streamed request; with two or more output tokens
// they arrived in more than one chunk (one inter-token gap is enough).
func okSample(ttft, e2el time.Duration, out int) *Sample {
	s := &Sample{OK: true, TTFT: ttft, E2EL: e2el, InputTokens: 100, OutputTokens: out, TokenSource: "usage"}
	if out > 1 {
		s.ITL = []time.Duration{e2el - ttft}
	}
	return s
}

// wholeSample is a completed request whose tokens all arrived at once: a
// non-streaming request (TTFT = E2EL, no ITL), or a stream of one chunk.
func wholeSample(e2el time.Duration, out int) *Sample {
	return &Sample{OK: true, TTFT: e2el, E2EL: e2el, InputTokens: 100, OutputTokens: out, TokenSource: "usage"}
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
		{"all tokens in one piece: not in TPOT", wholeSample(80*msec, 5), 0, 0},
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
		if m.TTFT.Measured() {
			t.Errorf("an empty distribution must be absent, got %+v", m.TTFT)
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
	want := schema.Summarize(vals, ps)
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

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b)) }

// TestNonStreamingHasNoTPOTOrITL: requests whose tokens all arrive at once
// measure no TPOT and no ITL; both are absent (null), never 0. Before,
// every such request added a TPOT of 0.
func TestNonStreamingHasNoTPOTOrITL(t *testing.T) {
	a := NewAggregator(Options{RequestedOutput: 128})
	for range 5 {
		a.Add(wholeSample(900*msec, 128))
	}
	m, _, _ := a.Finish(time.Second)
	if m.TPOT.Measured() || m.ITL.Measured() || !m.TTFT.Measured() || !m.E2EL.Measured() {
		t.Fatalf("TPOT %+v ITL %+v TTFT count %d", m.TPOT, m.ITL, m.TTFT.Count)
	}
	b, _ := json.Marshal(m)
	if !strings.Contains(string(b), `"tpot_ms":null`) || !strings.Contains(string(b), `"itl_ms":null`) {
		t.Errorf("absent distributions must be null in run.json: %s", b)
	}
}

// TestCanceledApartFromFailed: requests cut by an interrupt are counted as
// cancelled, not as failures: before, 8 cancelled requests read "all 8
// requests failed" and an error rate of 1.
func TestCanceledApartFromFailed(t *testing.T) {
	a := NewAggregator(Options{})
	a.Add(okSample(10*msec, 50*msec, 4))
	a.Add(&Sample{Kind: schema.FailServerError, Status: 500, Message: "boom"})
	for range 8 {
		a.Add(&Sample{Kind: schema.FailCanceled, Message: "context canceled"})
	}
	m, fails, _ := a.Finish(time.Second)
	if m.Canceled != 8 || m.Failed != 1 || m.Sent != 2 || m.ErrorRate != 0.5 {
		t.Errorf("canceled %d failed %d sent %d error rate %v", m.Canceled, m.Failed, m.Sent, m.ErrorRate)
	}
	if len(fails) != 1 || fails[0].Kind != schema.FailServerError {
		t.Errorf("cancelled requests listed as failures: %+v", fails)
	}
	q, _ := a.ClientDists()
	if q.Count != 2 {
		t.Errorf("queue time counted %d requests, want the 2 that were not cancelled", q.Count)
	}
	only := NewAggregator(Options{})
	only.Add(&Sample{Kind: schema.FailCanceled})
	if m, _, warns := only.Finish(time.Second); m.Failed != 0 || m.ErrorRate != 0 || len(warns) != 0 {
		t.Errorf("only cancelled: failed %d error rate %v warnings %q", m.Failed, m.ErrorRate, warns)
	}
}

// TestWorkloadWarningsBlameTheRightParty covers the length checks: long
// outputs apart from short ones, ignore_eos that the server ignored, prompt
// counts the server did not report, and prompts truncated at the server's
// context. Each row failed on the old aggregator.
func TestWorkloadWarningsBlameTheRightParty(t *testing.T) {
	sample := func(in, out int) *Sample {
		s := okSample(10*msec, 100*msec, out)
		s.InputTokens = in
		return s
	}
	cases := []struct {
		name    string
		o       Options
		samples []*Sample
		want    []string
		not     []string
		check   func(schema.Metrics) bool
	}{
		{"long outputs counted apart", Options{RequestedOutput: 10},
			[]*Sample{sample(100, 12), sample(100, 12), sample(100, 8), sample(100, 10)},
			[]string{"2 of 4 completed requests returned more output tokens than the 10 requested (the server did not honour max_tokens)",
				"1 of 4 completed requests returned fewer output tokens than the 10 requested"},
			nil, func(m schema.Metrics) bool { return m.LongOutputs == 2 && m.ShortOutputs == 1 }},
		{"ignore_eos sent and ignored", Options{RequestedOutput: 10, IgnoreEOS: true},
			[]*Sample{sample(100, 4)},
			[]string{"ignore_eos: true was sent, so the server ignored it or cut the output"},
			[]string{"api.ignore_eos: true forces"}, nil},
		{"ignore_eos not sent", Options{RequestedOutput: 10},
			[]*Sample{sample(100, 4)},
			[]string{"the model stopped at its end of sequence; api.ignore_eos: true forces the full length"},
			[]string{"server ignored"}, nil},
		{"unknown prompt counts are not averaged", Options{RequestedInput: 100},
			[]*Sample{sample(100, 4), sample(0, 4), sample(101, 4), sample(0, 4)},
			[]string{"the server reported no prompt token count for 2 of 4 completed requests"},
			[]string{"mean actual input length"}, func(m schema.Metrics) bool { return m.MeanInputLen == 100.5 }},
		{"no prompt count at all", Options{RequestedInput: 100},
			[]*Sample{sample(0, 4)},
			[]string{"the server reported no prompt token count: the actual input length is unknown"},
			[]string{"-100.0%"}, func(m schema.Metrics) bool { return m.MeanInputLen == 0 }},
		{"prompts truncated at the context", Options{RequestedInput: 4096},
			[]*Sample{sample(2048, 4), sample(2048, 4), sample(2048, 4)},
			[]string{"mean actual input length 2048.0 tokens is -50.0% off the profile's 4096; every prompt came back shorter than requested: the server likely truncated them at its context length"},
			nil, nil},
		{"short on average but not every prompt: no truncation claim", Options{RequestedInput: 100},
			[]*Sample{sample(60, 4), sample(120, 4)},
			[]string{"mean actual input length 90.0 tokens is -10.0% off"},
			[]string{"truncated"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := NewAggregator(c.o)
			for _, s := range c.samples {
				a.Add(s)
			}
			m, _, warns := a.Finish(time.Second)
			all := strings.Join(warns, "\n")
			for _, w := range c.want {
				if !strings.Contains(all, w) {
					t.Errorf("no warning containing %q in:\n%s", w, all)
				}
			}
			for _, w := range c.not {
				if strings.Contains(all, w) {
					t.Errorf("warning wrongly contains %q:\n%s", w, all)
				}
			}
			if c.check != nil && !c.check(m) {
				t.Errorf("metrics %+v", m)
			}
		})
	}
}

// TestDefaultPercentilesAlwaysComputed: report.percentiles [99.9] still
// gives p50..p99, which thresholds can always name.
func TestDefaultPercentilesAlwaysComputed(t *testing.T) {
	a := NewAggregator(Options{Percentiles: []float64{99.9}})
	a.Add(okSample(10*msec, 20*msec, 2))
	m, _, _ := a.Finish(time.Second)
	for _, p := range []float64{50, 90, 95, 99, 99.9} {
		if _, ok := m.TTFT.P(p); !ok {
			t.Errorf("p%v not computed", p)
		}
	}
}

// TestKeptRequestsAreBounded: the requests kept for the window and the
// intervals stay within their budget on a long level, as a systematic
// sample whose counts and throughputs are scaled back.
func TestKeptRequestsAreBounded(t *testing.T) {
	a := NewAggregator(Options{KeepBytes: 64 << 10})
	s := okSample(10*msec, 200*msec, 129)
	s.ITL = make([]time.Duration, 128)
	for i := range s.ITL {
		s.ITL[i] = msec
	}
	const n = 5000
	for i := range n {
		s.Start = time.Duration(i) * 25 * msec
		a.Add(s)
	}
	k := a.kept
	if k.bytes > 64<<10 || k.stride < 8 || len(k.reqs) != (n+k.stride-1)/k.stride {
		t.Fatalf("kept %d requests in %d bytes, stride %d", len(k.reqs), k.bytes, k.stride)
	}
	an := a.Analyze(0, n*25*msec)
	if an.Steady.Sampled != k.stride {
		t.Errorf("sampled %d, want the stride %d", an.Steady.Sampled, k.stride)
	}
	// 8 completions per 200 ms of the level's 125 s, counted from the sample.
	if m := an.Steady.Metrics; m == nil || m.Sent < n*8/10 || m.Sent > n || math.Abs(m.RequestThroughput-40)/40 > 0.1 {
		t.Errorf("steady metrics from the sample: %+v", m)
	}
}
