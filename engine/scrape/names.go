package scrape

import (
	dto "github.com/prometheus/client_model/go"

	"github.com/servebench/servebench/schema"
)

// How the samples of several label sets (engines, finish reasons) combine.
const (
	sum  = iota // counts add up across engines
	mean        // fractions (cache usage) do not: 2 engines at 50% are 50% full
)

// source maps one short name to the server metric names that mean it, in
// order of preference: the first name present in a scrape wins, so a server
// exposing both the new and the deprecated name is not counted twice.
type source struct {
	short   string
	names   []string
	combine int
}

// gauges are sampled into time series. The order is the order of Series.
var gauges = []source{
	{"num_requests_running", []string{"vllm:num_requests_running", "sglang:num_running_reqs", "tgi_batch_current_size"}, sum},
	{"num_requests_waiting", []string{"vllm:num_requests_waiting", "sglang:num_queue_reqs", "tgi_queue_size"}, sum},
	{"num_requests_swapped", []string{"vllm:num_requests_swapped"}, sum},
	{"kv_cache_usage", []string{"vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc", "sglang:token_usage"}, mean},
}

// counters are reported as their increase over the stage.
var counters = []source{
	{"prompt_tokens", []string{"vllm:prompt_tokens_total", "sglang:prompt_tokens_total"}, sum},
	{"generation_tokens", []string{"vllm:generation_tokens_total", "sglang:generation_tokens_total"}, sum},
	{"preemptions", []string{"vllm:num_preemptions_total"}, sum},
	{"request_success", []string{"vllm:request_success_total", "tgi_request_success"}, sum},
	// Prompt tokens looked up in and found in the prefix cache. vLLM V1
	// renamed vllm:gpu_prefix_cache_{queries,hits} to
	// vllm:prefix_cache_{queries,hits} and kept the old names for a while
	// (early V1 counted blocks rather than tokens, which leaves the ratio
	// alone); V0 exposed only a hit-rate gauge since start-up, which says
	// nothing about one stage and is not read.
	{schema.CounterPrefixCacheQueries, []string{"vllm:prefix_cache_queries_total", "vllm:gpu_prefix_cache_queries_total"}, sum},
	{schema.CounterPrefixCacheHits, []string{"vllm:prefix_cache_hits_total", "vllm:gpu_prefix_cache_hits_total"}, sum},
}

// snapshot is one scrape in short names.
type snapshot struct {
	gauges   map[string]float64
	counters map[string]float64
	// otherModel is set when some known metric had samples only for other models.
	otherModel bool
}

func (s snapshot) empty() bool { return len(s.gauges) == 0 && len(s.counters) == 0 }

// extract maps parsed families to a snapshot.
func extract(fams map[string]*dto.MetricFamily, modelName string) snapshot {
	s := snapshot{gauges: map[string]float64{}, counters: map[string]float64{}}
	g := pick(fams, gauges, modelName, s.gauges)
	c := pick(fams, counters, modelName, s.counters)
	s.otherModel = g || c
	return s
}

// pick stores in out the combined value of each source found in fams. It
// reports whether a source was missed only because of the model filter.
func pick(fams map[string]*dto.MetricFamily, srcs []source, modelName string, out map[string]float64) (otherModel bool) {
	for _, src := range srcs {
		for _, name := range src.names {
			f, ok := fams[name]
			if !ok {
				continue
			}
			vals, filtered := values(f, modelName)
			if len(vals) == 0 {
				otherModel = otherModel || filtered
				continue
			}
			out[src.short] = combine(vals, src.combine)
			break
		}
	}
	return otherModel
}

func combine(vals []float64, how int) float64 {
	total := 0.0
	for _, v := range vals {
		total += v
	}
	if how == mean {
		return total / float64(len(vals))
	}
	return total
}
