package scrape

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/servebench/servebench/schema"
)

func TestProbe(t *testing.T) {
	good := newVLLMServer(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL + "/metrics"
	closed.Close()
	followed := 0
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { followed++ }))
	defer target.Close()
	redirecting := httptest.NewServer(http.RedirectHandler(target.URL+"/metrics", http.StatusFound))
	defer redirecting.Close()
	tests := []struct {
		name     string
		url      string
		body     string        // served with status 200 when set
		interval time.Duration // 0: the scenario default
		ok       bool
		inNote   string
	}{
		{name: "vllm", url: good.url(), ok: true},
		{name: "no metrics endpoint", url: good.URL + "/nope", inNote: "server has no /metrics (404"},
		{name: "connection refused", url: closedURL, inNote: "unreachable"},
		{name: "garbage", body: "this is { not metrics\n", inNote: "not in the Prometheus text format"},
		{name: "html page", body: "<!doctype html><html><body>hi</body></html>", inNote: "not in the Prometheus text format"},
		{name: "unknown metrics only", body: "# TYPE up gauge\nup 1\n", inNote: "none of the known"},
		{name: "empty body", body: "", inNote: "none of the known"},
		{name: "redirect", url: redirecting.URL + "/metrics", inNote: `redirected to "` + target.URL + `/metrics" (redirects are not followed)`},
		{name: "zero interval is rejected", url: good.url(), interval: -1, inNote: "interval 0s is not positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			url := tc.url
			if url == "" {
				url = serveBody(t, tc.body)
			}
			interval := schema.DefaultMetricsInterval.D()
			if tc.interval < 0 {
				interval = 0
			}
			ok, note := Probe(context.Background(), Options{URL: url, Interval: interval})
			if ok != tc.ok {
				t.Fatalf("ok = %v (note %q), want %v", ok, note, tc.ok)
			}
			if !strings.Contains(note, tc.inNote) || (!ok && !strings.HasSuffix(note, notCollected)) {
				t.Errorf("note %q, want it to contain %q and end with %q", note, tc.inNote, notCollected)
			}
		})
	}
	if followed != 0 {
		t.Errorf("the redirect was followed %d times", followed)
	}
}

func serveBody(t *testing.T, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/metrics"
}

// waitServed blocks until the server has answered n scrapes. It waits on
// progress, not on a clock, so a slow machine only makes it slower.
func waitServed(t *testing.T, s *vllmServer, n int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for s.served.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d scrapes in 30s", s.served.Load(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestScraperSeriesAggregatesAndDeltas(t *testing.T) {
	srv := newVLLMServer(t)
	sc := Start(context.Background(), Options{URL: srv.url(), Interval: 10 * time.Millisecond, Model: testModel})
	waitServed(t, srv, 6)
	m := sc.Stop()
	n := int(srv.served.Load()) // every scrape, the final one included, succeeded
	if !m.Available || m.Note != "" {
		t.Fatalf("available=%v note=%q", m.Available, m.Note)
	}
	wantNames := []string{"num_requests_running", "num_requests_waiting", "kv_cache_usage"}
	if len(m.Series) != len(wantNames) {
		t.Fatalf("series %d, want %v", len(m.Series), wantNames)
	}
	for i, s := range m.Series {
		if s.Name != wantNames[i] || len(s.T) != n || len(s.Values) != n {
			t.Fatalf("series %d: %s with %d/%d points, want %s with %d", i, s.Name, len(s.T), len(s.Values), wantNames[i], n)
		}
		for j := 1; j < n; j++ {
			if s.T[j] <= s.T[j-1] {
				t.Fatalf("%s: T not increasing: %v", s.Name, s.T)
			}
		}
	}
	running := m.Series[0].Values
	for j, v := range running {
		if v != 3*float64(j+1) {
			t.Fatalf("running[%d] = %v, want %v (engines summed)", j, v, 3*(j+1))
		}
	}
	N := float64(n)
	checkAgg(t, m.Gauges["num_requests_running"], 3, 3*N, 3*(N+1)/2, 3*N)
	checkAgg(t, m.Gauges["num_requests_waiting"], 10-N, 9, 10-(N+1)/2, 10-N)
	checkAgg(t, m.Gauges["kv_cache_usage"], 0.015, 0.015*N, 0.015*(N+1)/2, 0.015*N)
	wantCounters := map[string]float64{
		"prompt_tokens": 512 * (N - 1), "generation_tokens": 128 * (N - 1),
		"preemptions": N - 1, "request_success": 5 * (N - 1),
	}
	for name, want := range wantCounters {
		if got, ok := m.Counters[name]; !ok || !near(got, want) {
			t.Errorf("counter %s = %v (present %v), want %v", name, got, ok, want)
		}
	}
	if again := sc.Stop(); again != m {
		t.Error("second Stop returned a different result")
	}
}

func checkAgg(t *testing.T, got schema.Agg, min, max, mean, last float64) {
	t.Helper()
	want := schema.Agg{Min: min, Max: max, Mean: mean, Last: last}
	if !near(got.Min, min) || !near(got.Max, max) || !near(got.Mean, mean) || !near(got.Last, last) {
		t.Errorf("aggregate %+v, want %+v", got, want)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestScraperRecordsMidStageErrorsAsNote(t *testing.T) {
	srv := newVLLMServer(t)
	srv.body = func(n int) (string, bool) {
		if n == 2 || n == 3 {
			return "garbage { here\n", true
		}
		return "", false
	}
	sc := Start(context.Background(), Options{URL: srv.url(), Interval: 10 * time.Millisecond})
	waitServed(t, srv, 5)
	m := sc.Stop()
	n := int(srv.served.Load())
	if !m.Available {
		t.Fatalf("not available: %q", m.Note)
	}
	wantNote := fmt.Sprintf("2 of %d scrapes failed; first: ", n)
	if !strings.HasPrefix(m.Note, wantNote) || !strings.Contains(m.Note, "not in the Prometheus text format") {
		t.Errorf("note %q, want prefix %q naming the format", m.Note, wantNote)
	}
	if got := len(m.Series[0].Values); got != n-2 {
		t.Errorf("%d points, want %d (failed scrapes leave gaps)", got, n-2)
	}
	// Scrape 1 had 3 running and scrape 4 has 12: the series skips the garbage.
	if v := m.Series[0].Values; v[0] != 3 || v[1] != 12 {
		t.Errorf("running %v, want 3, 12, ...", v)
	}
}

func TestScraperWithoutMetricsEndpoint(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	sc := Start(context.Background(), Options{URL: srv.URL + "/metrics", Interval: 10 * time.Millisecond})
	m := sc.Stop()
	if m.Available || len(m.Series) != 0 || m.Gauges != nil || m.Counters != nil {
		t.Fatalf("want nothing collected, got %+v", m)
	}
	if !strings.Contains(m.Note, "server has no /metrics (404") {
		t.Errorf("note %q", m.Note)
	}
}

func TestScraperModelFilter(t *testing.T) {
	srv := newVLLMServer(t)
	sc := Start(context.Background(), Options{URL: srv.url(), Interval: 10 * time.Millisecond, Model: "some-other-model"})
	waitServed(t, srv, 2)
	m := sc.Stop()
	if len(m.Series) != 0 || len(m.Counters) != 0 {
		t.Errorf("metrics of another model were kept: %+v", m)
	}
	if !strings.Contains(m.Note, `other model_name labels than "some-other-model"`) {
		t.Errorf("note %q does not explain the filter", m.Note)
	}
}

func TestScraperStopsWhenContextIsCancelled(t *testing.T) {
	srv := newVLLMServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	sc := Start(ctx, Options{URL: srv.url(), Interval: 10 * time.Millisecond})
	waitServed(t, srv, 3)
	cancel()
	m := sc.Stop()
	after := srv.served.Load()
	if !m.Available || m.Note != "" {
		t.Errorf("available=%v note=%q: cancellation is not a scrape failure", m.Available, m.Note)
	}
	if got := int64(len(m.Series[0].Values)); got > after {
		t.Errorf("%d points from %d scrapes", got, after)
	}
}

// TestStartRejectsIncompleteOptions: a zero interval is not replaced by a
// default of this package; nothing is scraped and the result says why.
func TestStartRejectsIncompleteOptions(t *testing.T) {
	sm := Start(context.Background(), Options{URL: "http://127.0.0.1:1/metrics"}).Stop()
	if sm.Available || !strings.Contains(sm.Note, "interval 0s is not positive") {
		t.Errorf("result %+v, want no metrics and a note on the zero interval", sm)
	}
}
