package schema

// LengthStats is the workload a stage level actually sent, in tokens: what
// its measured requests asked for and what the server reported back, so a
// distribution, a shared prefix and any drift between the two can be seen
// in the reports. Distributions here count tokens, not milliseconds.
type LengthStats struct {
	// RequestedInput and RequestedOutput are the lengths asked for by every
	// measured request sent; the input includes the shared prefix.
	RequestedInput  Dist `json:"requested_input"`
	RequestedOutput Dist `json:"requested_output"`
	// Input is usage.prompt_tokens of the completed requests that reported
	// one; Output is the output tokens of the completed requests.
	Input  Dist `json:"input"`
	Output Dist `json:"output"`
	// PrefixShare is the fraction of the requested prompt tokens that are
	// a shared prefix (0: no prefix).
	PrefixShare float64 `json:"prefix_share,omitempty"`
	// InputHistogram and OutputHistogram count requested and reported
	// lengths in the same bins.
	InputHistogram  Histogram `json:"input_histogram"`
	OutputHistogram Histogram `json:"output_histogram"`
}

// Varies reports whether the stage's requests asked for different lengths
// or shared a prefix, rather than all the same fixed pair.
func (l *LengthStats) Varies() bool {
	return l.RequestedInput.Std > 0 || l.RequestedOutput.Std > 0 || l.PrefixShare > 0
}

// Histogram counts lengths in bins of equal width: bin i holds the lengths
// in [Edges[i], Edges[i+1]), so len(Edges) is one more than the counts.
type Histogram struct {
	Edges     []int `json:"edges"`
	Requested []int `json:"requested"`
	Actual    []int `json:"actual"`
}

// Prefix-cache counters as ServerMetrics.Counters names them: prompt tokens
// looked up in the prefix cache, and those found there.
const (
	CounterPrefixCacheQueries = "prefix_cache_queries"
	CounterPrefixCacheHits    = "prefix_cache_hits"
)

// PrefixCacheHitRate is the share of prompt tokens the server's prefix
// cache held during the stage: the increase of its hits counter over the
// increase of its queries counter (vLLM's vllm:prefix_cache_hits_total and
// vllm:prefix_cache_queries_total, both in tokens). ok is false when either
// counter was not scraped or nothing was queried.
func (m *ServerMetrics) PrefixCacheHitRate() (rate float64, ok bool) {
	if m == nil {
		return 0, false
	}
	q, okQ := m.Counters[CounterPrefixCacheQueries]
	h, okH := m.Counters[CounterPrefixCacheHits]
	if !okQ || !okH || q <= 0 {
		return 0, false
	}
	return h / q, true
}
