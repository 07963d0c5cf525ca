package scrape

import (
	"maps"
	"strings"
	"testing"
)

func TestExtractMapsServerNamesToShortNames(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		model    string
		gauges   map[string]float64
		counters map[string]float64
	}{
		{
			name:  "vllm fixture, engines combined",
			text:  render(t, 4),
			model: testModel,
			gauges: map[string]float64{
				"num_requests_running": 12, "num_requests_waiting": 6, "kv_cache_usage": 0.06,
			},
			counters: map[string]float64{
				"prompt_tokens": 1000 + 512*4, "generation_tokens": 128 * 4, "preemptions": 4, "request_success": 20,
				"prefix_cache_queries": 18432 + 17920, "prefix_cache_hits": 1024 + 512,
			},
		},
		{
			name: "vllm prefix cache: the deprecated gpu_ names alone, then both",
			text: `# TYPE vllm:gpu_prefix_cache_queries_total counter
vllm:gpu_prefix_cache_queries_total{engine="0",model_name="m"} 300.0
# TYPE vllm:gpu_prefix_cache_hits_total counter
vllm:gpu_prefix_cache_hits_total{engine="0",model_name="m"} 120.0
`,
			model:    "m",
			gauges:   map[string]float64{},
			counters: map[string]float64{"prefix_cache_queries": 300, "prefix_cache_hits": 120},
		},
		{
			name: "vllm prefix cache: the new names win over the deprecated ones",
			text: `vllm:gpu_prefix_cache_queries_total{engine="0"} 300.0
vllm:gpu_prefix_cache_hits_total{engine="0"} 120.0
vllm:prefix_cache_queries_total{engine="0"} 300.0
vllm:prefix_cache_hits_total{engine="0"} 120.0
`,
			gauges:   map[string]float64{},
			counters: map[string]float64{"prefix_cache_queries": 300, "prefix_cache_hits": 120},
		},
		{
			name: "vllm v0 names",
			text: `# HELP vllm:num_requests_swapped Number of requests swapped to CPU.
# TYPE vllm:num_requests_swapped gauge
vllm:num_requests_swapped{model_name="m"} 2.0
# HELP vllm:gpu_cache_usage_perc GPU KV-cache usage. 1 means 100 percent usage.
# TYPE vllm:gpu_cache_usage_perc gauge
vllm:gpu_cache_usage_perc{model_name="m"} 0.75
`,
			gauges:   map[string]float64{"num_requests_swapped": 2, "kv_cache_usage": 0.75},
			counters: map[string]float64{},
		},
		{
			name: "new kv name wins over the deprecated one",
			text: `vllm:gpu_cache_usage_perc{engine="0"} 0.5
vllm:kv_cache_usage_perc{engine="0"} 0.25
vllm:num_requests_running{engine="0"} NaN
`,
			gauges:   map[string]float64{"kv_cache_usage": 0.25},
			counters: map[string]float64{},
		},
		{
			name: "sglang",
			text: `# HELP sglang:num_running_reqs The number of running requests.
# TYPE sglang:num_running_reqs gauge
sglang:num_running_reqs{model_name="meta-llama/Llama-3.1-8B-Instruct",tp_rank="0"} 28.0
sglang:num_running_reqs{model_name="meta-llama/Llama-3.1-8B-Instruct",tp_rank="1"} 28.0
# HELP sglang:num_queue_reqs The number of requests in the waiting queue.
# TYPE sglang:num_queue_reqs gauge
sglang:num_queue_reqs{model_name="meta-llama/Llama-3.1-8B-Instruct",tp_rank="0"} 3.0
# HELP sglang:token_usage The token usage.
# TYPE sglang:token_usage gauge
sglang:token_usage{model_name="meta-llama/Llama-3.1-8B-Instruct",tp_rank="0"} 0.2
sglang:token_usage{model_name="meta-llama/Llama-3.1-8B-Instruct",tp_rank="1"} 0.4
# HELP sglang:prompt_tokens_total Number of prefill tokens processed.
# TYPE sglang:prompt_tokens_total counter
sglang:prompt_tokens_total{model_name="meta-llama/Llama-3.1-8B-Instruct"} 8.128902e+06
# HELP sglang:generation_tokens_total Number of generation tokens processed.
# TYPE sglang:generation_tokens_total counter
sglang:generation_tokens_total{model_name="meta-llama/Llama-3.1-8B-Instruct"} 7.557572e+06
`,
			model:    "meta-llama/Llama-3.1-8B-Instruct",
			gauges:   map[string]float64{"num_requests_running": 56, "num_requests_waiting": 3, "kv_cache_usage": 0.3},
			counters: map[string]float64{"prompt_tokens": 8128902, "generation_tokens": 7557572},
		},
		{
			name: "tgi, untyped without model labels",
			text: `tgi_queue_size 4
tgi_batch_current_size 16
tgi_request_success 120
`,
			model:    "bigscience/bloom",
			gauges:   map[string]float64{"num_requests_running": 16, "num_requests_waiting": 4},
			counters: map[string]float64{"request_success": 120},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fams, err := parse(strings.NewReader(tc.text))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			s := extract(fams, tc.model)
			if !maps.EqualFunc(s.gauges, tc.gauges, near) {
				t.Errorf("gauges %v, want %v", s.gauges, tc.gauges)
			}
			if !maps.EqualFunc(s.counters, tc.counters, near) {
				t.Errorf("counters %v, want %v", s.counters, tc.counters)
			}
			if s.otherModel {
				t.Error("otherModel set though every sample matched")
			}
		})
	}
}

func TestParseRejectsGarbageWithoutPanicking(t *testing.T) {
	for _, body := range []string{
		"garbage { here\n",
		"vllm:num_requests_running{engine=\"0\" 3\n",
		"vllm:num_requests_running three\n",
		"# TYPE x gauge\n# TYPE x counter\nx 1\n",
		"\x00\xff\xfe binary",
	} {
		if _, err := parse(strings.NewReader(body)); err == nil {
			t.Errorf("parse(%q) accepted garbage", body)
		}
	}
}
