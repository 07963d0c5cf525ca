package sim

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Bucket bounds of vLLM's histograms, in seconds, so that dashboards and
// the engine's scraper see the same le labels as on a real server.
var (
	ttftBuckets = []float64{0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75,
		1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0}
	e2eBuckets = []float64{0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0,
		50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0}
	finishReasons = []string{"stop", "length", "abort"}
)

// histogram is a cumulative-at-render Prometheus histogram.
type histogram struct {
	bounds []float64
	counts []uint64 // per bucket, not cumulative; last is +Inf
	sum    float64
	count  uint64
}

func newHistogram(bounds []float64) histogram {
	return histogram{bounds: bounds, counts: make([]uint64, len(bounds)+1)}
}

func (h *histogram) observe(v float64) {
	i := 0
	for i < len(h.bounds) && v > h.bounds[i] {
		i++
	}
	h.counts[i]++
	h.sum += v
	h.count++
}

// metrics holds what /metrics reports besides the scheduler's gauges.
type metrics struct {
	mu       sync.Mutex
	label    string // rendered {model_name="..."} pair, without braces
	ttft     histogram
	e2e      histogram
	prompt   int64
	gen      int64
	finished map[string]int64 // by vLLM finished_reason
}

func newMetrics(model string) *metrics {
	return &metrics{
		label:    `model_name="` + escapeLabel(model) + `"`,
		ttft:     newHistogram(ttftBuckets),
		e2e:      newHistogram(e2eBuckets),
		finished: map[string]int64{},
	}
}

// requestFinished records one generation request that produced tokens.
// ttft is zero when no token was sent.
func (m *metrics) requestFinished(prompt, tokens int, reason string, ttft, e2e time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.prompt += int64(prompt)
	m.gen += int64(tokens)
	if ttft > 0 {
		m.ttft.observe(ttft.Seconds())
	}
	m.e2e.observe(e2e.Seconds())
	m.finished[reason]++
}

// gauges are the point-in-time values of a scrape, and the scheduler's
// counters.
type gauges struct {
	running, waiting int64
	kvUsage          float64 // 0..1
	preemptions      int64
	cacheQueries     int64 // prompt tokens looked up in the prefix cache
	cacheHits        int64 // of which were cached
}

func (s *Server) gauges() gauges {
	if s.sched == nil {
		return gauges{running: s.stats.inflight.Load()}
	}
	g := &s.sched.gauges
	out := gauges{
		running: g.running.Load(),
		waiting: g.waiting.Load(),
		kvUsage: min(float64(g.kvTokens.Load())/float64(s.cfg.KVCacheTokens), 1),
	}
	if c := s.sched.cache; c != nil {
		out.cacheQueries, out.cacheHits = c.queries.Load(), c.hits.Load()
	}
	return out
}

func (s *Server) handleMetrics(w http.ResponseWriter, _ *http.Request) (int, int) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	bw := bufio.NewWriter(w)
	s.metrics.render(bw, s.gauges())
	bw.Flush()
	return http.StatusOK, 0
}

// render writes the Prometheus text exposition format (version 0.0.4).
func (m *metrics) render(w *bufio.Writer, g gauges) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.scalar(w, "vllm:num_requests_running", "gauge", "Number of requests in model execution batches.", float64(g.running))
	m.scalar(w, "vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.", float64(g.waiting))
	m.scalar(w, "vllm:kv_cache_usage_perc", "gauge", "KV-cache usage. 1 means 100 percent usage.", g.kvUsage)
	m.scalar(w, "vllm:gpu_cache_usage_perc", "gauge", "GPU KV-cache usage. 1 means 100 percent usage.", g.kvUsage)
	m.scalar(w, "vllm:prefix_cache_queries_total", "counter", "Prefix cache queries, in terms of number of queried tokens.", float64(g.cacheQueries))
	m.scalar(w, "vllm:prefix_cache_hits_total", "counter", "Prefix cache hits, in terms of number of cached tokens.", float64(g.cacheHits))
	m.scalar(w, "vllm:num_preemptions_total", "counter", "Cumulative number of preemption from the engine.", float64(g.preemptions))
	m.scalar(w, "vllm:prompt_tokens_total", "counter", "Number of prefill tokens processed.", float64(m.prompt))
	m.scalar(w, "vllm:generation_tokens_total", "counter", "Number of generation tokens processed.", float64(m.gen))
	header(w, "vllm:request_success_total", "counter", "Count of successfully processed requests.")
	for _, r := range finishReasons {
		sample(w, "vllm:request_success_total", `finished_reason="`+r+`",`+m.label, float64(m.finished[r]))
	}
	m.hist(w, "vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", &m.ttft)
	m.hist(w, "vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", &m.e2e)
}

func (m *metrics) scalar(w *bufio.Writer, name, typ, help string, v float64) {
	header(w, name, typ, help)
	sample(w, name, m.label, v)
}

func (m *metrics) hist(w *bufio.Writer, name, help string, h *histogram) {
	header(w, name, "histogram", help)
	var cum uint64
	for i, c := range h.counts {
		cum += c
		le := "+Inf"
		if i < len(h.bounds) {
			le = formatFloat(h.bounds[i])
		}
		sample(w, name+"_bucket", m.label+`,le="`+le+`"`, float64(cum))
	}
	sample(w, name+"_sum", m.label, h.sum)
	sample(w, name+"_count", m.label, float64(h.count))
}

func header(w *bufio.Writer, name, typ, help string) {
	w.WriteString("# HELP " + name + " " + help + "\n# TYPE " + name + " " + typ + "\n")
}

func sample(w *bufio.Writer, name, labels string, v float64) {
	w.WriteString(name + "{" + labels + "} " + formatFloat(v) + "\n")
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// escapeLabel escapes a label value for the text format.
func escapeLabel(v string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v)
}
