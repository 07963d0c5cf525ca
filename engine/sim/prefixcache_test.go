package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// groupWorkload is G groups of N requests; every prompt of a group starts
// with the group's P-token prefix and ends with U tokens of its own.
type groupWorkload struct{ G, N, P, U int }

// prompt is the token ids of request k of group g.
func (w groupWorkload) prompt(g, k int) []int {
	return append(tokenRange(100000*(g+1), w.P), tokenRange(100000*(g+1)+w.P+w.U*k, w.U)...)
}

// order interleaves the groups, so a group's prefix must survive the
// others' requests to hit.
func (w groupWorkload) order() [][2]int {
	var out [][2]int
	for k := range w.N {
		for g := range w.G {
			out = append(out, [2]int{g, k})
		}
	}
	return out
}

// analytic is what vLLM's counters must read after the workload, with
// enough KV to keep every prefix: each prompt is queried whole; the first
// request of a group hits nothing, each later one the full blocks of the
// prefix (the block where prefix and suffix meet differs per request).
func (w groupWorkload) analytic(blockSize int) (queries, hits int) {
	return w.G * w.N * (w.P + w.U), w.G * (w.N - 1) * (w.P / blockSize * blockSize)
}

// The hit rate of a workload with a known answer equals the analytical
// value, read from vLLM's counters on /metrics.
func TestPrefixCacheHitRateIsAnalytical(t *testing.T) {
	w := groupWorkload{G: 4, N: 5, P: 200, U: 24}
	s, url := start(t, fastConfig())
	for _, gk := range w.order() {
		ids, _ := json.Marshal(w.prompt(gk[0], gk[1]))
		if st, body, err := post(t, url+"/v1/completions", fmt.Sprintf(`{"prompt":%s,"max_tokens":4,"ignore_eos":true}`, ids)); err != nil || st != 200 {
			t.Fatalf("request %v: %d %v %s", gk, st, err, body)
		}
	}
	queries, hits := w.analytic(16)
	got := scrapeCounters(t, url)
	if got["vllm:prefix_cache_queries_total"] != float64(queries) || got["vllm:prefix_cache_hits_total"] != float64(hits) {
		t.Fatalf("counters %v, want queries %d hits %d", got, queries, hits)
	}
	rate := got["vllm:prefix_cache_hits_total"] / got["vllm:prefix_cache_queries_total"]
	want := float64((w.N-1)*(w.P/16*16)) / float64(w.N*(w.P+w.U))
	t.Logf("hit rate %.4f, analytical %.4f (%d of %d tokens)", rate, want, hits, queries)
	if rate != want {
		t.Errorf("hit rate %v, want %v", rate, want)
	}
	if st := s.Stats(); st.PrefixCacheQueries != int64(queries) || st.PrefixCacheHits != int64(hits) {
		t.Errorf("Stats %+v disagree with /metrics", st)
	}
}

// Without prefix caching, and in zero-latency mode, which has no KV model,
// the same workload queries nothing: vLLM skips the lookup when caching is
// off.
func TestPrefixCacheCountsNothingWhenOff(t *testing.T) {
	w := groupWorkload{G: 2, N: 2, P: 40, U: 8}
	for _, mode := range []string{"prefix_caching=false", "zero_latency"} {
		cfg := fastConfig()
		cfg.PrefixCaching, cfg.ZeroLatency = mode == "zero_latency", mode == "zero_latency"
		_, url := start(t, cfg)
		for _, gk := range w.order() {
			ids, _ := json.Marshal(w.prompt(gk[0], gk[1]))
			if st, _, err := post(t, url+"/v1/completions", fmt.Sprintf(`{"prompt":%s,"max_tokens":2}`, ids)); err != nil || st != 200 {
				t.Fatalf("%s: %d %v", mode, st, err)
			}
		}
		if got := scrapeCounters(t, url); got["vllm:prefix_cache_queries_total"] != 0 || got["vllm:prefix_cache_hits_total"] != 0 {
			t.Errorf("%s: counters %v, want 0", mode, got)
		}
	}
}

// scrapeCounters reads the prefix-cache counters from /metrics.
func scrapeCounters(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, name := range []string{"vllm:prefix_cache_queries_total", "vllm:prefix_cache_hits_total"} {
		out[name] = fams[name].GetMetric()[0].GetCounter().GetValue()
	}
	return out
}

// With prefix caching the modelled TTFT p50 of the same workload drops by
// exactly the prefill of the cached tokens. The durations come from the
// scheduler's model clock, not from the wall clock, so the ratio is exact.
func TestPrefixCacheCutsModelledTTFT(t *testing.T) {
	w := groupWorkload{G: 4, N: 5, P: 200, U: 24}
	cfg := fastConfig()
	cfg.DecodeStep, cfg.DecodePerSeq, cfg.PrefillPerToken = time.Millisecond, 50*time.Microsecond, 20*time.Microsecond
	p50 := func(caching bool) time.Duration {
		cfg.PrefixCaching = caching
		ttfts := modelledTTFTs(t, cfg, w)
		slices.Sort(ttfts)
		return ttfts[len(ttfts)/2]
	}
	off, on := p50(false), p50(true)
	prompt, cached := w.P+w.U, w.P/16*16
	first := cfg.DecodeStep + cfg.DecodePerSeq // one running sequence
	wantOff := first + time.Duration(prompt)*cfg.PrefillPerToken
	wantOn := first + time.Duration(prompt-cached)*cfg.PrefillPerToken
	t.Logf("modelled TTFT p50: %v without prefix caching, %v with (ratio %.3f)", off, on, float64(on)/float64(off))
	if off != wantOff || on != wantOn {
		t.Fatalf("TTFT p50 %v off, %v on; the model says %v and %v", off, on, wantOff, wantOn)
	}
	if saved := off - on; saved != time.Duration(cached)*cfg.PrefillPerToken {
		t.Errorf("TTFT p50 dropped by %v, want the prefill of %d cached tokens", saved, cached)
	}
}

// modelledTTFTs sends the workload through a running scheduler one request
// at a time, as a client at concurrency 1 does, and returns each request's
// TTFT on the model clock.
func modelledTTFTs(t *testing.T, cfg Config, w groupWorkload) []time.Duration {
	t.Helper()
	quit := make(chan struct{})
	s := newScheduler(cfg, quit)
	go s.run()
	defer close(quit)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []time.Duration
	for _, gk := range w.order() {
		ids := w.prompt(gk[0], gk[1])
		q := newSeq(len(ids), 1, 1)
		if s.cache != nil {
			s.cache.prepare(q, ids, 1)
		}
		if err := s.add(ctx, q); err != nil {
			t.Fatal(err)
		}
		if _, err := q.wait(ctx, 0, quit, nil); err != nil {
			t.Fatal(err)
		}
		out = append(out, q.first-q.arrival)
	}
	return out
}

// testCache is a prefix cache of 8 blocks of 4 tokens, driven directly.
func testCache() *prefixCache {
	cfg := DefaultConfig()
	cfg.KVCacheTokens, cfg.BlockSize = 32, 4
	return newPrefixCache(cfg)
}

// admitted prepares and admits a sequence of the given prompt, failing the
// test when it does not fit, and returns it with its cached prompt tokens.
func admitted(t *testing.T, c *prefixCache, ids []int, maxTokens int) (*seq, int) {
	t.Helper()
	q := newSeq(len(ids), maxTokens, maxTokens)
	c.prepare(q, ids, maxTokens)
	cached, ok := c.admit(q, false)
	if !ok {
		t.Fatalf("prompt %v with max_tokens %d did not fit", ids, maxTokens)
	}
	return q, cached
}

// Blocks are identified by their chain: the same tokens after a different
// block are a different block, and a hit needs every block before it.
func TestPrefixCacheHashChain(t *testing.T) {
	c := testCache()
	a, b := tokenRange(1, 4), tokenRange(5, 4)
	first, _ := admitted(t, c, slices.Concat(a, b, []int{99}), 1)
	c.release(first)
	if q, hit := admitted(t, c, slices.Concat(b, a, []int{99}), 1); hit != 0 {
		t.Errorf("blocks in another order hit %d tokens, want 0", hit)
	} else {
		c.release(q)
	}
	if q, hit := admitted(t, c, slices.Concat(a, b, []int{7}), 1); hit != 8 {
		t.Errorf("the same two blocks hit %d tokens, want 8", hit)
	} else {
		c.release(q)
	}
	// A prompt that is exactly its cached blocks recomputes the last one:
	// vLLM needs the last token's logits, so at most prompt-1 tokens hit.
	if _, hit := admitted(t, c, slices.Concat(a, b), 1); hit != 4 {
		t.Errorf("a fully cached 8-token prompt hit %d tokens, want 4", hit)
	}
}

// Cached blocks of finished sequences fill the unreserved budget and are
// evicted least recently used first, a sequence's suffix before its
// prefix; blocks of running sequences are never evicted.
func TestPrefixCacheLRUEviction(t *testing.T) {
	c := testCache()
	a, _ := admitted(t, c, tokenRange(100, 9), 3) // 2 full prompt blocks, 3 reserved
	c.release(a)
	b, _ := admitted(t, c, tokenRange(200, 9), 3)
	c.release(b)
	if c.lru.Len() != 4 || c.referenced != 0 || c.private != 0 {
		t.Fatalf("after two finished sequences: lru %d referenced %d private %d, want 4 0 0", c.lru.Len(), c.referenced, c.private)
	}
	// 5 new blocks fit only by evicting one cached block: a's suffix.
	run, _ := admitted(t, c, tokenRange(300, 17), 3)
	if len(c.blocks) != 3+4 || c.lru.Len() != 3 {
		t.Fatalf("cached %d, unreferenced %d; want a's prefix, b's 2 blocks and the new 4", len(c.blocks), c.lru.Len())
	}
	if q, hit := admitted(t, c, tokenRange(100, 9), 0); hit != 4 {
		t.Errorf("a's prefix hit %d tokens after its suffix was evicted, want 4", hit)
	} else {
		c.release(q)
	}
	// Nothing that needs more than the unreferenced blocks fits beside the
	// running sequence, whose blocks stay.
	big := newSeq(20, 4, 4)
	c.prepare(big, tokenRange(400, 20), 4)
	if _, ok := c.admit(big, false); ok {
		t.Fatal("a sequence was admitted into the blocks of a running one")
	}
	if q, hit := admitted(t, c, tokenRange(300, 17), 0); hit != 16 {
		t.Errorf("the running sequence's prompt hit %d tokens, want 16", hit)
	} else {
		c.release(q)
	}
	c.release(run)
	if c.referenced != 0 || c.private != 0 || c.lru.Len() != len(c.blocks) {
		t.Errorf("leak after every release: referenced %d private %d lru %d of %d", c.referenced, c.private, c.lru.Len(), len(c.blocks))
	}
}

// Generated tokens are cached too once their KV is computed, so the next
// turn of a conversation, which sends the reply back, hits the reply's
// full blocks.
func TestPrefixCacheConversation(t *testing.T) {
	s, url := start(t, fastConfig())
	turn1 := fmt.Sprintf(`[{"role":"system","content":%q},{"role":"user","content":"first question"}]`, words(40))
	var r1 struct {
		Choices []struct{ Message struct{ Content string } }
		Usage   struct {
			PromptTokens int `json:"prompt_tokens"`
		} `json:"usage"`
	}
	const replyLen = 37
	_, raw, err := post(t, url+"/v1/chat/completions", fmt.Sprintf(`{"messages":%s,"max_tokens":%d,"ignore_eos":true}`, turn1, replyLen))
	if err != nil || json.Unmarshal(raw, &r1) != nil {
		t.Fatalf("turn 1: %v %s", err, raw)
	}
	before := s.Stats().PrefixCacheHits
	turn2 := fmt.Sprintf(`[%s,{"role":"assistant","content":%q},{"role":"user","content":"and then"}]`, turn1[1:len(turn1)-1], r1.Choices[0].Message.Content)
	if st, raw, err := post(t, url+"/v1/chat/completions", fmt.Sprintf(`{"messages":%s,"max_tokens":1}`, turn2)); err != nil || st != 200 {
		t.Fatalf("turn 2: %d %v %s", st, err, raw)
	}
	// Turn 1 computed its prompt and all reply tokens but the last.
	want := (r1.Usage.PromptTokens + replyLen - 1) / 16 * 16
	if got := s.Stats().PrefixCacheHits - before; got != int64(want) {
		t.Errorf("turn 2 hit %d tokens, want %d (full blocks of the %d-token prompt and %d computed reply tokens)",
			got, want, r1.Usage.PromptTokens, replyLen-1)
	}
}
