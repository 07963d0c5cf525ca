package scrape

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/servebench/servebench/engine/sim"
)

// simServer wraps the built-in simulator and counts the scrapes that
// arrive while a generation request is in flight.
type simServer struct {
	*httptest.Server
	inflight    atomic.Int64
	busyScrapes atomic.Int64
}

func newSimServer(t *testing.T, cfg sim.Config) *simServer {
	t.Helper()
	s, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	w := &simServer{}
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" {
			if w.inflight.Load() > 0 {
				w.busyScrapes.Add(1)
			}
		} else {
			w.inflight.Add(1)
			defer w.inflight.Add(-1)
		}
		s.ServeHTTP(rw, r)
	}))
	t.Cleanup(w.Close)
	return w
}

type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
}

// complete sends one non-streaming completion and returns its usage.
func complete(ctx context.Context, url, model string, maxTokens int) (usage, error) {
	body := fmt.Sprintf(`{"model":%q,"prompt":"the quick brown fox jumps over the lazy dog","max_tokens":%d,"ignore_eos":true}`, model, maxTokens)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/v1/completions", strings.NewReader(body))
	if err != nil {
		return usage{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return usage{}, err
	}
	defer resp.Body.Close()
	var out struct{ Usage usage }
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return usage{}, fmt.Errorf("status %d: %s", resp.StatusCode, buf.String())
	}
	return out.Usage, json.Unmarshal(buf.Bytes(), &out)
}

// TestScraperReadsTheSimulator scrapes the built-in simulator under load:
// its counters must move by exactly what the requests report, and its
// gauges must show the requests that were running.
func TestScraperReadsTheSimulator(t *testing.T) {
	const model, requests, maxTokens = "sim-model", 8, 48
	cfg := sim.DefaultConfig()
	cfg.Model, cfg.Seed = model, 1
	srv := newSimServer(t, cfg)
	ctx := context.Background()
	if ok, note := Probe(ctx, Options{URL: srv.URL + "/metrics", Interval: time.Second}); !ok {
		t.Fatalf("probe of the simulator failed: %s", note)
	}
	sc := Start(ctx, Options{URL: srv.URL + "/metrics", Interval: 10 * time.Millisecond, Model: model})

	var wg sync.WaitGroup
	var prompt, gen atomic.Int64
	errs := make(chan error, requests)
	for range requests {
		wg.Go(func() {
			u, err := complete(ctx, srv.URL, model, maxTokens)
			if err != nil {
				errs <- err
				return
			}
			prompt.Add(int64(u.PromptTokens))
			gen.Add(int64(u.CompletionTokens))
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	m := sc.Stop()

	if !m.Available || m.Note != "" {
		t.Fatalf("available=%v note=%q", m.Available, m.Note)
	}
	// The scraper starts with one scrape before any request; that is the baseline.
	want := map[string]float64{"prompt_tokens": float64(prompt.Load()), "generation_tokens": float64(gen.Load()), "request_success": requests}
	for name, v := range want {
		if m.Counters[name] != v {
			t.Errorf("counter %s = %v, want %v", name, m.Counters[name], v)
		}
	}
	if srv.busyScrapes.Load() >= 3 {
		if g := m.Gauges["num_requests_running"]; g.Max < 1 || g.Max > requests {
			t.Errorf("running max %v, want within [1, %d]", g.Max, requests)
		}
		if g := m.Gauges["kv_cache_usage"]; g.Max <= 0 || g.Max > 1 {
			t.Errorf("kv cache usage max %v, want in (0, 1]: the deprecated duplicate must not be added", g.Max)
		}
	} else {
		t.Logf("only %d scrapes saw requests in flight; gauge checks skipped", srv.busyScrapes.Load())
	}
}
