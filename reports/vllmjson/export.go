package vllmjson

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/servebench/servebench/schema"
)

// dateLayout is vLLM's datetime.strftime("%Y%m%d-%H%M%S").
const dateLayout = "20060102-150405"

// VLLMFileName is the name the original workflow gave each result:
// results_<concurrency>_<YYYYmmdd-HHMMSS>.json, or results_rate<r>_... for
// an open-loop stage level.
func VLLMFileName(st *schema.StageResult, t time.Time) string {
	level := fmt.Sprint(st.Concurrency)
	if st.Rate > 0 {
		level = "rate" + pWord(st.Rate)
	}
	return "results_" + level + "_" + t.Format(dateLayout) + ".json"
}

// field is one key of the output object; vLLM writes its keys in insertion
// order, and so do we.
type field struct {
	key   string
	value any
}

// VLLM encodes one stage level with exactly the keys `vllm bench serve
// --save-result` writes (without --save-detailed): setup, traffic, the
// benchmark result and mean/median/std/pN of ttft, tpot, itl and e2el in ms.
// Values a servebench run does not have (max_output_tokens_per_s,
// max_concurrent_requests need per-second buckets) are left out rather than
// invented.
func VLLM(st *schema.StageResult, run *schema.Run) ([]byte, error) {
	fields := append(setupFields(st, run), resultFields(st)...)
	for _, name := range metricNames {
		fields = append(fields, distFields(name, dist(st, name))...)
	}
	return encode(fields)
}

func setupFields(st *schema.StageResult, run *schema.Run) []field {
	backend := "openai"
	tokenizer := run.Server.Model
	if sc := run.Scenario; sc != nil {
		if sc.API.Endpoint == schema.EndpointChat {
			backend = "openai-chat"
		}
		if sc.Model.Tokenizer != "" {
			tokenizer = sc.Model.Tokenizer
		}
	}
	var rate any = "inf"
	if st.Rate > 0 {
		rate = st.Rate
	}
	var maxConc any
	if st.Concurrency > 0 {
		maxConc = st.Concurrency
	}
	burst := st.Burstiness
	if burst == 0 {
		burst = 1.0
	}
	return []field{
		{"date", st.StartedAt.Format(dateLayout)},
		{"endpoint_type", backend},
		{"backend", backend},
		{"label", run.Name},
		{"model_id", run.Server.Model},
		{"tokenizer_id", tokenizer},
		{"num_prompts", st.Metrics.Sent},
		{"request_rate", rate},
		{"burstiness", burst},
		{"max_concurrency", maxConc},
	}
}

func resultFields(st *schema.StageResult) []field {
	m := st.Metrics
	var goodput any
	if m.GoodputSLO != nil {
		goodput = m.Goodput // vLLM writes null when no --goodput was given
	}
	return []field{
		{"duration", m.DurationS},
		{"completed", m.Completed},
		{"failed", m.Failed},
		{"total_input_tokens", m.TotalInputTokens},
		{"total_output_tokens", m.TotalOutputTokens},
		{"request_throughput", m.RequestThroughput},
		{"request_goodput", goodput},
		{"output_throughput", m.OutputThroughput},
		{"total_token_throughput", m.TotalTokenThroughput},
	}
}

func dist(st *schema.StageResult, name string) schema.Dist {
	switch name {
	case "ttft":
		return st.Metrics.TTFT
	case "tpot":
		return st.Metrics.TPOT
	case "itl":
		return st.Metrics.ITL
	}
	return st.Metrics.E2EL
}

// distFields writes mean, median, std and every computed percentile,
// ascending, the way vLLM's process_one_metric does.
func distFields(name string, d schema.Dist) []field {
	out := []field{
		{"mean_" + name + "_ms", d.Mean},
		{"median_" + name + "_ms", d.Median},
		{"std_" + name + "_ms", d.Std},
	}
	type pv struct{ p, v float64 }
	var ps []pv
	for k, v := range d.Percentiles {
		if p, ok := percentileOf(k); ok {
			ps = append(ps, pv{p, v})
		}
	}
	slices.SortFunc(ps, func(a, b pv) int { return cmp.Compare(a.p, b.p) })
	for _, x := range ps {
		out = append(out, field{"p" + pWord(x.p) + "_" + name + "_ms", x.v})
	}
	return out
}

// encode writes the fields as one JSON object in order. NaN and Inf, which
// JSON cannot hold, become null.
func encode(fields []field) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, f := range fields {
		if v, ok := f.value.(float64); ok && (math.IsNaN(v) || math.IsInf(v, 0)) {
			f.value = nil
		}
		k, _ := json.Marshal(f.key)
		v, err := json.Marshal(f.value)
		if err != nil {
			return nil, fmt.Errorf("encode vllm result key %q: %w", f.key, err)
		}
		b.WriteString("  " + string(k) + ": " + string(v))
		if i < len(fields)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}\n")
	return b.Bytes(), nil
}
