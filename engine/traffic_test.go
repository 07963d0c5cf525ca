package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/servebench/servebench/engine/sim"
	"github.com/servebench/servebench/schema"
)

// tappedSim is the built-in simulator behind a handler that records the
// body of every generation request, and that can answer /tokenize with a
// 404 as a server without a tokenizer endpoint does.
type tappedSim struct {
	mu         sync.Mutex
	bodies     [][]byte
	noTokenize bool
}

func startTappedSim(t *testing.T, noTokenize bool) (*tappedSim, string) {
	t.Helper()
	cfg := sim.DefaultConfig()
	cfg.Model, cfg.DecodeStep, cfg.DecodePerSeq, cfg.PrefillPerToken = "m", time.Millisecond, time.Microsecond, time.Microsecond
	s, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tap := &tappedSim{noTokenize: noTokenize}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/tokenize" && tap.noTokenize {
			http.NotFound(w, r)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/v1/") && r.Method == http.MethodPost {
			b, _ := io.ReadAll(r.Body)
			tap.mu.Lock()
			tap.bodies = append(tap.bodies, b)
			tap.mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		s.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { s.Close(); srv.CloseClientConnections(); srv.Close() })
	return tap, srv.URL
}

// prompts returns the token-id prompts of the recorded completions
// requests that asked for maxTokens output tokens.
func (tap *tappedSim) prompts(t *testing.T, maxTokens int) [][]int {
	t.Helper()
	tap.mu.Lock()
	defer tap.mu.Unlock()
	var out [][]int
	for _, b := range tap.bodies {
		var req struct {
			Prompt    []int `json:"prompt"`
			MaxTokens int   `json:"max_tokens"`
		}
		if err := json.Unmarshal(b, &req); err != nil {
			t.Fatalf("recorded body %s: %v", b, err)
		}
		if req.MaxTokens == maxTokens {
			out = append(out, req.Prompt)
		}
	}
	return out
}

func runScenario(t *testing.T, src string) (*schema.Run, []schema.RequestRecord) {
	t.Helper()
	run, dir, err := execute(t, context.Background(), scenario(t, src))
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return run, readRecords(t, dir)
}

// sharedLead is the number of leading elements a and b share.
func sharedLead(a, b []int) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// On the wire: the requests of one group share exactly the prefix's 40
// leading tokens, requests of different groups share none, and unique
// parts differ from their first token; the server saw exactly the lengths
// requests.jsonl says were asked for.
func TestSharedPrefixesOnTheWire(t *testing.T) {
	tap, url := startTappedSim(t, false)
	_, recs := runScenario(t, fmt.Sprintf(`
version: 1
name: wire
seed: 5
server: {url: %s}
model: {name: m}
profiles:
  rag: {prefix: {tokens: 40, groups: 3}, input: {min: 5, max: 30}, output: 2}
stages:
  - {name: grouped, profile: rag, concurrency: 4, requests: 60, warmup: 3}
`, url))
	prompts := tap.prompts(t, 2)
	if len(prompts) != 63 {
		t.Fatalf("recorded %d prompts, want 63", len(prompts))
	}
	groups := map[int][][]int{} // first token -> prompts
	var lens, want []int
	for _, p := range prompts {
		groups[p[0]] = append(groups[p[0]], p)
		lens = append(lens, len(p))
	}
	for _, r := range recs {
		want = append(want, r.RequestedInput)
		if r.RequestedPrefix != 40 || r.PrefixGroup < 1 || r.PrefixGroup > 3 {
			t.Fatalf("record %+v: want 40 prefix tokens in a group 1..3", r)
		}
	}
	slices.Sort(lens)
	slices.Sort(want)
	if !slices.Equal(lens, want) {
		t.Errorf("the server saw prompt lengths %v, requests.jsonl asked for %v", lens, want)
	}
	if len(groups) != 3 {
		t.Fatalf("prompts start with %d distinct tokens, want one per group (3)", len(groups))
	}
	for first, ps := range groups {
		for i := range ps {
			for j := i + 1; j < len(ps); j++ {
				if n := sharedLead(ps[i], ps[j]); n != 40 {
					t.Fatalf("two prompts of the group starting %d share %d leading tokens, want 40", first, n)
				}
			}
		}
		for other, qs := range groups {
			if other != first && sharedLead(ps[0], qs[0]) != 0 {
				t.Fatalf("prompts of two groups share leading tokens")
			}
		}
	}
}

// Without a prefix no two prompts of a step share even their first token.
func TestUniquePromptsDifferFromTheFirstToken(t *testing.T) {
	tap, url := startTappedSim(t, false)
	runScenario(t, fmt.Sprintf(`
version: 1
name: unique
server: {url: %s}
model: {name: m}
profiles:
  varied: {input: {mean: 50, stddev: 20, min: 5, max: 120}, output: 2}
stages:
  - {name: plain, profile: varied, concurrency: 4, requests: 100, warmup: 5}
`, url))
	seen := map[int]bool{}
	for _, p := range tap.prompts(t, 2) {
		if seen[p[0]] {
			t.Fatalf("two prompts start with token %d", p[0])
		}
		seen[p[0]] = true
	}
	if len(seen) != 105 {
		t.Fatalf("recorded %d prompts, want 105", len(seen))
	}
}

const chatScenario = `
version: 1
name: chat
server: {url: %s}
model: {name: m}
api: {endpoint: chat}
profiles:
  chat: {prefix: {tokens: 16, groups: 2}, input: {mean: 60, stddev: 20, min: 8, max: 120}, output: 3}
  short: {input: 40, output: 3}
stages:
  - {name: s, profile: [chat, short], concurrency: 4, requests: 40}
`

// Against the simulator's /tokenize, which applies its chat template as
// vLLM's does, every chat request's usage.prompt_tokens equals the length
// it asked for, and no stage warns about drift.
func TestChatPromptsAreExactWithTokenize(t *testing.T) {
	_, url := startTappedSim(t, false)
	run, recs := runScenario(t, fmt.Sprintf(chatScenario, url))
	if !slices.ContainsFunc(run.Notes, func(n string) bool {
		return strings.Contains(n, "exact token counts") && strings.Contains(n, "(5 tokens around each prompt's content")
	}) {
		t.Errorf("no note on exact prompts with the simulator's 5 template tokens: %q", run.Notes)
	}
	if len(recs) != 80 {
		t.Fatalf("%d records, want 80", len(recs))
	}
	for _, r := range recs {
		if r.Error != nil || r.InputTokens != r.RequestedInput {
			t.Fatalf("request %s/%d asked for %d prompt tokens, the server counted %d (error %v)",
				r.Stage, r.Index, r.RequestedInput, r.InputTokens, r.Error)
		}
	}
	for _, st := range run.Stages {
		if slices.ContainsFunc(st.Warnings, func(w string) bool { return strings.Contains(w, "input length") }) {
			t.Errorf("stage %s warns about input drift: %q", st.ID, st.Warnings)
		}
		if l := st.Lengths; l.Input.Mean != l.RequestedInput.Mean || l.Input.Count != 40 {
			t.Errorf("stage %s: reported mean %v over %d, requested %v", st.ID, l.Input.Mean, l.Input.Count, l.RequestedInput.Mean)
		}
	}
}

// Against a server without /tokenize (the simulator with the endpoint
// taken away, its chat template still applied) prompts are approximate:
// the run says so, and the stage reports the drift it measured.
func TestChatPromptDriftIsReportedWithoutTokenize(t *testing.T) {
	_, url := startTappedSim(t, true)
	run, recs := runScenario(t, fmt.Sprintf(chatScenario, url))
	if !slices.ContainsFunc(run.Notes, func(n string) bool { return strings.Contains(n, "no /tokenize") }) {
		t.Errorf("no note on approximate prompts: %q", run.Notes)
	}
	for _, r := range recs {
		if r.InputTokens != r.RequestedInput+5 {
			t.Fatalf("request %d: %d prompt tokens for %d asked; the template adds 5", r.Index, r.InputTokens, r.RequestedInput)
		}
	}
	short := run.Stages[1]
	if short.Lengths.Input.Mean != 45 || short.Lengths.RequestedInput.Mean != 40 {
		t.Errorf("lengths of the fixed profile: %+v", short.Lengths)
	}
	want := "mean actual input length 45.0 tokens is +12.5% off the profile's 40"
	if !slices.Contains(short.Warnings, want) {
		t.Errorf("warnings %q lack %q", short.Warnings, want)
	}
	if !slices.ContainsFunc(run.Stages[0].Warnings, func(w string) bool { return strings.Contains(w, "requested on average") }) {
		t.Errorf("the varying profile's drift is not reported: %q", run.Stages[0].Warnings)
	}
}

// End to end on the built-in simulator: the stage's
// server.prefix_cache_hit_rate, scraped from vLLM's counters, equals the
// analytical value. With G groups of a P-token prefix and block size 16,
// every request but the first of each group finds the prefix's full blocks
// cached (enough KV keeps them), and the block where prefix and own tokens
// meet never hits, so hits = (N - G) * floor(P/16)*16 of the sum of the
// prompt lengths. Without a prefix nothing hits.
func TestPrefixCacheHitRateIsAnalyticalEndToEnd(t *testing.T) {
	run, recs := runScenario(t, `
version: 1
name: hits
seed: 3
server:
  builtin: {decode_step: 1ms, decode_per_seq: 1us, prefill_per_token: 1us}
  metrics: {interval: 50ms}
profiles:
  rag: {prefix: {tokens: 200, groups: 4, assign: random}, input: {min: 20, max: 60}, output: 4}
  unique: {input: {min: 220, max: 260}, output: 4}
stages:
  - {name: s, profile: [rag, unique], concurrency: 4, requests: 40}
thresholds:
  - {when: profile == "rag", expr: server.prefix_cache_hit_rate > 0.5}
`)
	queries, groups := map[string]float64{}, map[int]bool{}
	for _, r := range recs {
		queries[r.Stage] += float64(r.RequestedInput)
		if r.PrefixGroup > 0 {
			groups[r.PrefixGroup] = true
		}
	}
	rag, unique := run.Stages[0], run.Stages[1]
	want := float64((40-len(groups))*192) / queries[rag.ID]
	got, ok := rag.Server.PrefixCacheHitRate()
	t.Logf("hit rate %.6f, analytical %.6f (%d groups used, %v prompt tokens)", got, want, len(groups), queries[rag.ID])
	if !ok || got != want {
		t.Errorf("server.prefix_cache_hit_rate %v (ok %v), want %v; counters %v", got, ok, want, rag.Server.Counters)
	}
	if rate, ok := unique.Server.PrefixCacheHitRate(); !ok || rate != 0 || unique.Server.Counters["prefix_cache_queries"] != queries[unique.ID] {
		t.Errorf("no-prefix stage: rate %v (ok %v), counters %v, want 0 of %v", rate, ok, unique.Server.Counters, queries[unique.ID])
	}
	if len(rag.Thresholds) != 1 || !rag.Thresholds[0].Passed || rag.Thresholds[0].Values["server.prefix_cache_hit_rate"] != got {
		t.Errorf("threshold on the hit rate: %+v", rag.Thresholds)
	}
}

// Text prompts on the completions endpoint are exact too: the simulator's
// /tokenize counts a prompt as its completions endpoint does.
func TestTextCompletionsAreExact(t *testing.T) {
	_, url := startTappedSim(t, false)
	run, recs := runScenario(t, fmt.Sprintf(`
version: 1
name: text
server: {url: %s}
model: {name: m}
api: {prompt: text}
profiles:
  docs: {prefix: {tokens: 30, groups: 3}, input: {distribution: lognormal, mean: 80, stddev: 40, max: 300}, output: 2}
stages:
  - {name: s, profile: docs, concurrency: 2, requests: 30, warmup: 3}
`, url))
	if !slices.ContainsFunc(run.Notes, func(n string) bool { return strings.Contains(n, "(0 tokens around each prompt's content") }) {
		t.Errorf("no note on exact text prompts without overhead: %q", run.Notes)
	}
	for _, r := range recs {
		if r.Error != nil || r.InputTokens != r.RequestedInput {
			t.Fatalf("request %d asked for %d prompt tokens, the server counted %d (error %v)", r.Index, r.RequestedInput, r.InputTokens, r.Error)
		}
	}
}
