package sim

import (
	"bufio"
	"bytes"
	"net/http"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// /metrics parses with the Prometheus text parser, uses vLLM's names and
// types with a model_name label, and counts what was served.
func TestMetricsParseable(t *testing.T) {
	_, url := start(t, fastConfig())
	for range 3 {
		if st, _, err := post(t, url+"/v1/completions", `{"prompt":"a b c","max_tokens":5,"ignore_eos":true,"stream":true}`); err != nil || st != 200 {
			t.Fatal(st, err)
		}
	}
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	want := map[string]dto.MetricType{
		"vllm:num_requests_running":        dto.MetricType_GAUGE,
		"vllm:num_requests_waiting":        dto.MetricType_GAUGE,
		"vllm:kv_cache_usage_perc":         dto.MetricType_GAUGE,
		"vllm:gpu_cache_usage_perc":        dto.MetricType_GAUGE,
		"vllm:time_to_first_token_seconds": dto.MetricType_HISTOGRAM,
		"vllm:e2e_request_latency_seconds": dto.MetricType_HISTOGRAM,
		"vllm:prompt_tokens_total":         dto.MetricType_COUNTER,
		"vllm:generation_tokens_total":     dto.MetricType_COUNTER,
		"vllm:num_preemptions_total":       dto.MetricType_COUNTER,
		"vllm:prefix_cache_queries_total":  dto.MetricType_COUNTER,
		"vllm:prefix_cache_hits_total":     dto.MetricType_COUNTER,
		"vllm:request_success_total":       dto.MetricType_COUNTER,
	}
	for name, typ := range want {
		f, ok := fams[name]
		if !ok {
			t.Errorf("missing %s", name)
			continue
		}
		if f.GetType() != typ {
			t.Errorf("%s is %v, want %v", name, f.GetType(), typ)
		}
		for _, m := range f.GetMetric() {
			if label(m, "model_name") != "m" {
				t.Errorf("%s lacks model_name=\"m\": %v", name, m.GetLabel())
			}
		}
	}
	value := func(name string) float64 { return fams[name].GetMetric()[0].GetCounter().GetValue() }
	if value("vllm:prompt_tokens_total") != 9 || value("vllm:generation_tokens_total") != 15 {
		t.Errorf("token counters %v %v, want 9 and 15", value("vllm:prompt_tokens_total"), value("vllm:generation_tokens_total"))
	}
	for _, m := range fams["vllm:request_success_total"].GetMetric() {
		want := 0.0
		if label(m, "finished_reason") == "length" {
			want = 3
		}
		if m.GetCounter().GetValue() != want {
			t.Errorf("request_success_total %v = %v, want %v", m.GetLabel(), m.GetCounter().GetValue(), want)
		}
	}
	for _, h := range []string{"vllm:time_to_first_token_seconds", "vllm:e2e_request_latency_seconds"} {
		if c := fams[h].GetMetric()[0].GetHistogram().GetSampleCount(); c != 3 {
			t.Errorf("%s count %d, want 3", h, c)
		}
	}
	kv := fams["vllm:kv_cache_usage_perc"].GetMetric()[0].GetGauge().GetValue()
	if kv < 0 || kv > 1 {
		t.Errorf("kv_cache_usage_perc %v outside 0..1", kv)
	}
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// A model name with quotes, backslashes or newlines still gives a valid
// exposition with the name intact.
func TestMetricsEscapeModelName(t *testing.T) {
	const name = "org/\"odd\"\\model\nv2"
	cfg := DefaultConfig()
	cfg.Model, cfg.ZeroLatency = name, true
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	s.metrics.render(w, s.gauges())
	w.Flush()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := label(fams["vllm:num_requests_running"].GetMetric()[0], "model_name"); got != name {
		t.Errorf("model_name %q, want %q", got, name)
	}
}
