package schema

import (
	"fmt"
	"io"
	"slices"
)

// MetricDoc documents one name a threshold expression can read.
type MetricDoc struct {
	Name        string `json:"name"`
	Unit        string `json:"unit,omitempty"`
	Description string `json:"description"`
}

// MetricDocs is the catalogue of every metric name with the default
// percentiles; report.percentiles adds more pNN names to every distribution
// (99.9 -> p99_9). Validation hints, the JSON Schema and the README all come
// from here.
var MetricDocs = metricDocs()

func metricDocs() []MetricDoc {
	ls := leaves(DefaultPercentiles)
	out := make([]MetricDoc, len(ls))
	for i, l := range ls {
		out[i] = l.MetricDoc
	}
	return out
}

// WriteMetricReference renders MetricDocs as a Markdown table.
func WriteMetricReference(w io.Writer) error {
	if _, err := fmt.Fprint(w, "| metric | unit | description |\n| --- | --- | --- |\n"); err != nil {
		return err
	}
	for _, d := range MetricDocs {
		if _, err := fmt.Fprintf(w, "| `%s` | %s | %s |\n", d.Name, d.Unit, d.Description); err != nil {
			return err
		}
	}
	_, err := fmt.Fprint(w, "\nEvery distribution also offers each percentile listed in report.percentiles, "+
		"named pNN with the dot replaced by an underscore (99.9 -> `p99_9`).\n")
	return err
}

func num(name, unit, doc string, f func(source) float64) metric {
	return metric{name: name, unit: unit, doc: doc, kind: kindNumber, num: f}
}

func dist(name, doc string, f func(source) Dist) metric {
	return metric{name: name, unit: "ms", doc: doc, kind: kindDist, dist: f}
}

func group(name string, children ...metric) metric {
	return metric{name: name, kind: kindGroup, children: children}
}

// stage reads a stage metric, zero without a stage.
func stage(f func(*StageResult) float64) func(source) float64 {
	return func(s source) float64 {
		if s.st == nil {
			return 0
		}
		return f(s.st)
	}
}

func stageDist(f func(*StageResult) Dist) func(source) Dist {
	return func(s source) Dist {
		if s.st == nil {
			return Dist{}
		}
		return f(s.st)
	}
}

// gauge is server.<name>.{min,max,mean,last} from the scraped gauge aggregate.
func gauge(name, doc string) metric {
	get := func(f func(Agg) float64) func(source) float64 {
		return func(s source) float64 {
			if s.st == nil || s.st.Server == nil {
				return 0
			}
			return f(s.st.Server.Gauges[name])
		}
	}
	m := group(name,
		num("min", "", "minimum over the stage", get(func(a Agg) float64 { return a.Min })),
		num("max", "", "maximum over the stage", get(func(a Agg) float64 { return a.Max })),
		num("mean", "", "mean over the stage", get(func(a Agg) float64 { return a.Mean })),
		num("last", "", "last scraped value", get(func(a Agg) float64 { return a.Last })))
	m.doc = doc
	return m
}

// counter is server.<name>: the counter's increase over the stage.
func counter(name, doc string) metric {
	return num(name, "", doc, func(s source) float64 {
		if s.st == nil || s.st.Server == nil {
			return 0
		}
		return s.st.Server.Counters[name]
	})
}

// capacity is the highest passing level of the run's capacity searches.
func capacity(dim string) func(source) float64 {
	return func(s source) float64 {
		if s.run == nil {
			return 0
		}
		best := 0.0
		for _, c := range s.run.Capacity {
			if c.Found && c.Dimension == dim {
				best = max(best, c.Value)
			}
		}
		return best
	}
}

// metricTree defines every metric a threshold can read, following
// `vllm bench serve` (latencies in ms, throughputs per second of the measured
// stage duration).
var metricTree = []metric{
	dist("ttft", "time to first token", stageDist(func(s *StageResult) Dist { return s.Metrics.TTFT })),
	dist("tpot", "time per output token after the first", stageDist(func(s *StageResult) Dist { return s.Metrics.TPOT })),
	dist("itl", "inter-token latency", stageDist(func(s *StageResult) Dist { return s.Metrics.ITL })),
	dist("e2el", "end-to-end request latency", stageDist(func(s *StageResult) Dist { return s.Metrics.E2EL })),
	num("completed", "requests", "measured requests that completed", stage(func(s *StageResult) float64 { return float64(s.Metrics.Completed) })),
	num("failed", "requests", "measured requests that failed", stage(func(s *StageResult) float64 { return float64(s.Metrics.Failed) })),
	num("sent", "requests", "measured requests sent (completed + failed, warmup excluded)", stage(func(s *StageResult) float64 { return float64(s.Metrics.Sent) })),
	num("error_rate", "ratio", "failed / sent, between 0 and 1", stage(func(s *StageResult) float64 { return s.Metrics.ErrorRate })),
	num("duration_s", "s", "measured wall time of the stage", stage(func(s *StageResult) float64 { return s.Metrics.DurationS })),
	num("request_throughput", "req/s", "completed requests per second", stage(func(s *StageResult) float64 { return s.Metrics.RequestThroughput })),
	num("output_throughput", "tok/s", "output tokens per second", stage(func(s *StageResult) float64 { return s.Metrics.OutputThroughput })),
	num("total_token_throughput", "tok/s", "input + output tokens per second", stage(func(s *StageResult) float64 { return s.Metrics.TotalTokenThroughput })),
	num("goodput", "req/s", "requests per second that met the SLO (request throughput without an SLO)", stage(func(s *StageResult) float64 { return s.Metrics.Goodput })),
	num("total_input_tokens", "tokens", "prompt tokens of completed requests", stage(func(s *StageResult) float64 { return float64(s.Metrics.TotalInputTokens) })),
	num("total_output_tokens", "tokens", "output tokens of completed requests", stage(func(s *StageResult) float64 { return float64(s.Metrics.TotalOutputTokens) })),
	num("concurrency", "requests", "closed-loop concurrency level, or the open-loop cap", stage(func(s *StageResult) float64 { return float64(s.Concurrency) })),
	num("rate", "req/s", "open-loop request rate; 0 for closed-loop stages", stage(func(s *StageResult) float64 { return s.Rate })),
	num("input_len", "tokens", "requested input length of the profile", stage(func(s *StageResult) float64 { return float64(s.InputLen) })),
	num("output_len", "tokens", "requested output length of the profile", stage(func(s *StageResult) float64 { return float64(s.OutputLen) })),
	{name: "profile", kind: kindString, doc: "profile name (a string)", str: func(s source) string {
		if s.st == nil {
			return ""
		}
		return s.st.Profile
	}},
	{name: "stage", kind: kindString, doc: "stage name (a string)", str: func(s source) string {
		if s.st == nil {
			return ""
		}
		return s.st.Stage
	}},
	group("client",
		num("achieved_concurrency", "requests", "time-weighted mean of requests in flight", stage(func(s *StageResult) float64 { return s.Client.AchievedConcurrency })),
		num("max_in_flight", "requests", "most requests in flight at once", stage(func(s *StageResult) float64 { return float64(s.Client.MaxInFlight) })),
		dist("send_lag", "open-loop scheduled-to-actual send delay", stageDist(func(s *StageResult) Dist { return s.Client.SendLag })),
	),
	group("server",
		gauge("kv_cache_usage", "KV-cache usage (0-1) from /metrics"),
		gauge("num_requests_running", "requests the server was running"),
		gauge("num_requests_waiting", "requests queued in the server"),
		counter("prompt_tokens", "prompt tokens the server processed during the stage"),
		counter("generation_tokens", "tokens the server generated during the stage"),
		counter("preemptions", "sequences the server preempted during the stage"),
	),
	group("capacity",
		num("concurrency", "requests", "highest passing concurrency of the run's capacity search (0: none)", capacity("concurrency")),
		num("rate", "req/s", "highest passing rate of the run's capacity search (0: none)", capacity("rate")),
	),
}

// metricNames lists every leaf name, for "did you mean" hints.
func metricNames(pct []float64) []string {
	var out []string
	for _, l := range leaves(pct) {
		out = append(out, l.Name)
	}
	return slices.Clip(out)
}
