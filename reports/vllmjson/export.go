package vllmjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// dateLayout is vLLM's datetime.strftime("%Y%m%d-%H%M%S").
const dateLayout = "20060102-150405"

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
	ps := stagePercentiles(&st.Metrics)
	for _, name := range schema.LatencyNames {
		d, _ := st.Metrics.Latency(name)
		fields = append(fields, distFields(name, d, ps)...)
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

// stagePercentiles lists, ascending, the percentiles of the stage's
// distributions: vLLM writes the same ones for every metric.
func stagePercentiles(m *schema.Metrics) []float64 {
	var ps []float64
	for _, name := range schema.LatencyNames {
		d, _ := m.Latency(name)
		for k := range d.Percentiles {
			if p, ok := schema.ParsePercentileKey(k); ok {
				ps = append(ps, p)
			}
		}
	}
	slices.Sort(ps)
	return slices.Compact(ps)
}

// distFields writes mean, median, std and the percentiles ps, the way vLLM's
// process_one_metric does. What the stage did not measure (every statistic
// of an absent distribution, such as TPOT without streaming) is null: vLLM's
// files have no other way to say "not measured", and 0 would be a
// measurement.
func distFields(name string, d schema.Dist, ps []float64) []field {
	stat := func(v float64, ok bool) any {
		if !ok || !d.Measured() {
			return nil
		}
		return v
	}
	out := []field{
		{"mean_" + name + "_ms", stat(d.Mean, true)},
		{"median_" + name + "_ms", stat(d.Median, true)},
		{"std_" + name + "_ms", stat(d.Std, true)},
	}
	for _, p := range ps {
		v, ok := d.Percentiles[schema.PercentileKey(p)]
		out = append(out, field{"p" + pWord(p) + "_" + name + "_ms", stat(v, ok)})
	}
	return out
}

// encode writes the fields as one JSON object in order, through the
// redaction funnel (the label and model id come from outside). NaN and
// Inf, which JSON cannot hold, become null.
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
	return redact.Bytes(b.Bytes()), nil
}
