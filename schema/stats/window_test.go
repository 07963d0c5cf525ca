package stats

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestMSER5CutsATransient(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []struct {
		name       string
		ramp       int
		decay      float64 // the transient's excess at its start
		wantSteady bool
	}{
		{"steady from the start", 0, 0, true},
		{"short burst", 40, 50, true},
		{"long ramp", 300, 30, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := make([]float64, 1000)
			for i := range x {
				x[i] = 10 + rng.NormFloat64()
				if i < c.ramp {
					x[i] += c.decay * (1 - float64(i)/float64(c.ramp))
				}
			}
			cut, steady := mser5(x)
			if steady != c.wantSteady {
				t.Fatalf("steady = %v, want %v", steady, c.wantSteady)
			}
			// The cut lands where the excess has become small against the noise.
			if cut < c.ramp*7/10 || cut > c.ramp+50 {
				t.Errorf("cut %d values of a %d-value transient", cut, c.ramp)
			}
		})
	}
	t.Run("a trend to the end is no steady state", func(t *testing.T) {
		x := make([]float64, 1000)
		for i := range x {
			x[i] = float64(i)/10 + rng.NormFloat64()
		}
		if cut, steady := mser5(x); steady {
			t.Errorf("a growing queue called steady (cut %d)", cut)
		}
	})
	t.Run("constant", func(t *testing.T) {
		if cut, steady := mser5(make([]float64, 100)); cut != 0 || !steady {
			t.Errorf("constant series: cut %d steady %v", cut, steady)
		}
	})
}

// closedLoop fakes a closed loop of c workers on a server that serves c at
// once: the first c requests arrive together and their TTFT carries the
// burst's shared prefill; later ones arrive alone as a predecessor ends.
// The last send is followed by the drain.
func closedLoop(rng *rand.Rand, c, n int) []Request {
	free := make([]float64, c) // when each worker is free
	var rs []Request
	for i := range n {
		w := 0 // the worker that frees first takes the next request
		for j := range free {
			if free[j] < free[w] {
				w = j
			}
		}
		start := free[w]
		ttft := 20 + 5*rng.Float64()
		if i < c {
			ttft = 20 * float64(c) // the burst: everyone's prefill at once
		}
		e2el := ttft + 200 + 100*rng.Float64()
		rs = append(rs, Request{Start: start, End: start + e2el, TTFT: ttft, E2EL: e2el, OutputTokens: 100})
		free[w] = start + e2el + 0.1
	}
	return rs
}

func TestWindowExcludesBurstAndDrain(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	rs := sortedBySend(closedLoop(rng, 16, 800))
	w := findWindow(rs, false, false)
	if !w.found {
		t.Fatalf("no window: %s", w.note)
	}
	lastBurst := 0.0
	for _, q := range rs[:16] {
		lastBurst = max(lastBurst, q.Start)
	}
	if w.from <= lastBurst {
		t.Errorf("window starts at %.0f ms, inside the burst (last burst send %.0f)", w.from, lastBurst)
	}
	if w.ramp < 16 {
		t.Errorf("ramp %d requests, want at least the 16 of the burst", w.ramp)
	}
	lastSend := rs[len(rs)-1].Start
	for _, i := range w.set {
		if rs[i].End > w.to || rs[i].Start < w.from {
			t.Fatalf("request %d [%.0f, %.0f] outside the window [%.0f, %.0f]", i, rs[i].Start, rs[i].End, w.from, w.to)
		}
	}
	if w.to < lastSend {
		t.Errorf("drain begins at %.0f, before the last send %.0f", w.to, lastSend)
	}
	if w.drain < 15 {
		t.Errorf("drain %d requests; the last 16 sends overlap it", w.drain)
	}
	t.Logf("window [%.0f, %.0f] ms, ramp %d, drain %d, %d requests", w.from, w.to, w.ramp, w.drain, len(w.set))
}

func TestAnalyzeSteadyTighterThanAll(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	a := Analyze(closedLoop(rng, 16, 800), Options{})
	if !a.Steady.Found {
		t.Fatalf("no steady state: %s", a.Steady.Note)
	}
	m := a.Steady.Metrics
	if m.TTFT.Max > 30 {
		t.Errorf("steady TTFT max %.1f ms: the burst's 320 ms leaked in", m.TTFT.Max)
	}
	all, steady := a.All["ttft.mean"], a.Steady.Intervals["ttft.mean"]
	if !all.OK() || !steady.OK() || steady.HalfWidth() >= all.HalfWidth() {
		t.Errorf("steady TTFT mean ± %.2f, everything sent ± %.2f: the burst should widen the latter", steady.HalfWidth(), all.HalfWidth())
	}
	// Throughput: 16 workers, ~270 ms per request: ~59 req/s in steady state.
	if got := m.RequestThroughput; got < 50 || got > 65 {
		t.Errorf("steady request throughput %.1f req/s", got)
	}
	ci := a.Steady.Intervals["request_throughput"]
	if !ci.OK() || ci.Lo > m.RequestThroughput || ci.Hi < m.RequestThroughput {
		t.Errorf("throughput interval %+v around %.2f", ci, m.RequestThroughput)
	}
	if a.InFlight == nil || len(a.InFlight.T) != maxTimeline || max(a.InFlight.Values[50], a.InFlight.Values[100]) != 16 {
		t.Errorf("timeline %+v", a.InFlight)
	}
}

func TestNoSteadyState(t *testing.T) {
	t.Run("overloaded open loop", func(t *testing.T) {
		// Arrivals every 10 ms, service 15 ms one at a time: the queue grows.
		var rs []Request
		busy := 0.0
		for i := range 600 {
			start := float64(i) * 10
			begin := max(busy, start)
			busy = begin + 15
			ttft := busy - start
			rs = append(rs, Request{Start: start, End: busy, TTFT: ttft, E2EL: ttft})
		}
		a := Analyze(rs, Options{OpenLoop: true})
		if a.Steady.Found || !strings.Contains(a.Steady.Note, "no steady state") {
			t.Errorf("found %v, note %q", a.Steady.Found, a.Steady.Note)
		}
	})
	t.Run("too few requests", func(t *testing.T) {
		a := Analyze(closedLoop(rand.New(rand.NewPCG(1, 1)), 4, 20), Options{})
		if a.Steady.Found || !strings.Contains(a.Steady.Note, "too few requests (20)") {
			t.Errorf("found %v, note %q", a.Steady.Found, a.Steady.Note)
		}
	})
}

func TestMissingIntervals(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	a := Analyze(closedLoop(rng, 4, 200), Options{})
	p99 := a.All["ttft.p99"]
	if p99.OK() || p99.Missing != "not enough data: a p99 of 200 samples has 2 beyond it; an interval needs 10 (1000 samples)" {
		t.Errorf("p99 of 200: %+v", p99)
	}
	if p50 := a.All["ttft.p50"]; !p50.OK() {
		t.Errorf("p50 of 200: %+v", p50)
	}
	// No failure: the error rate's upper bound still says how rare they may be.
	er := a.All["error_rate"]
	if !er.OK() || er.Lo != 0 || er.Hi <= 0 || er.Hi > 0.05 {
		t.Errorf("error rate with no failure: %+v", er)
	}
	if ci := a.All["tpot.mean"]; ci.OK() || !strings.Contains(ci.Missing, "0 samples") {
		t.Errorf("tpot without any: %+v", ci)
	}
	few := Analyze(closedLoop(rng, 2, 4), Options{})
	for name, ci := range few.All {
		if ci.OK() {
			t.Errorf("%s of 4 requests has an interval %+v", name, ci)
		}
	}
}

func TestProportionWilson(t *testing.T) {
	x := make([]float64, 1000)
	for i := range 50 {
		x[i*20] = 1 // 5% failures spread evenly
	}
	lo, hi, _, why := proportionCI(x, 0.95)
	if why != "" || lo > 0.05 || hi < 0.05 || hi-lo > 0.04 {
		t.Errorf("5%% of 1000: [%v, %v] %s", lo, hi, why)
	}
	// The same failures in one burst: far less information.
	burst := make([]float64, 1000)
	for i := range 50 {
		burst[i] = 1
	}
	blo, bhi, _, _ := proportionCI(burst, 0.95)
	if bhi-blo <= hi-lo {
		t.Errorf("a burst of failures [%v, %v] is not wider than spread ones [%v, %v]", blo, bhi, lo, hi)
	}
}

func TestRateCI(t *testing.T) {
	var ev []event
	for i := range 1000 {
		ev = append(ev, event{t0: float64(i) * 10, t1: float64(i) * 10, w: 2})
	}
	lo, hi, e, why := rateCI(ev, 0, 10000, 0.95)
	if why != "" || math.Abs(e.value-200) > 1e-9 || lo > 200 || hi < 200 || hi-lo > 1 {
		t.Errorf("200/s exactly: [%v, %v] value %v %s", lo, hi, e.value, why)
	}
	if _, _, _, why := rateCI(ev[:20], 0, 200, 0.95); !strings.Contains(why, "not enough data: 20 completions") {
		t.Errorf("20 completions: %q", why)
	}
}

func TestConverge(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	rs := closedLoop(rng, 8, 400)
	c := Converge(rs, map[string]float64{"ttft.mean": 0.5, "steady.ttft.mean": 0.05, "ttft.p99": 0.5}, Options{})
	if c.Done {
		t.Error("p99 of 400 cannot have converged")
	}
	if _, ok := c.Reached["ttft.p99"]; ok {
		t.Error("a metric without interval has a reached width")
	}
	if r := c.Reached["steady.ttft.mean"]; !(r > 0 && r < 0.05) {
		t.Errorf("steady TTFT mean reached %v", r)
	}
	if !Converge(rs, map[string]float64{"steady.output_throughput": 0.5}, Options{}).Done {
		t.Error("throughput within ±50% not converged")
	}
}

// TestTokensCountedAsTheyStream: tokens are counted over the span they
// stream in, so a closed loop whose requests end in waves does not make
// the output throughput's time windows differ by whole waves.
func TestTokensCountedAsTheyStream(t *testing.T) {
	per := make([]float64, 4)
	spread(per, event{t0: 50, t1: 250, w: 100}, 0, 100) // half in window 0's second half .. window 2's first half
	spread(per, event{t0: 399, t1: 399, w: 7}, 0, 100)  // an instant, in the last window
	spread(per, event{t0: 500, t1: 600, w: 9}, 0, 100)  // outside: not counted
	if per[0] != 25 || per[1] != 50 || per[2] != 25 || per[3] != 7 {
		t.Errorf("spread %v", per)
	}
	// Waves: 8 requests end together every 100 ms, each after streaming
	// 100 tokens for 100 ms. Counted at the end, windows of 150 ms hold one
	// or two waves; counted as they stream, every window holds the same.
	var rs []Request
	for w := range 40 {
		for range 8 {
			start := float64(w) * 100
			rs = append(rs, Request{Start: start, End: start + 100, E2EL: 100, TTFT: 0.001, OutputTokens: 100})
		}
	}
	a := Analyze(rs, Options{})
	if ci := a.All["output_throughput"]; !ci.OK() || ci.RelHalfWidth(8000) > 0.01 {
		t.Errorf("steady stream of tokens: %+v (want within ±1%% of 8000 tok/s)", ci)
	}
	if ci := a.All["request_throughput"]; !ci.OK() || ci.RelHalfWidth(80) < 0.05 {
		t.Errorf("completions in waves: %+v; the request rate is lumpy and its interval should say so", ci)
	}
}
