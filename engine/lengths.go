package engine

import (
	"maps"
	"slices"

	"github.com/servebench/servebench/schema"
)

// lengthTally counts the token lengths of a step's measured requests: what
// each asked for and what the server reported. Like the aggregator, it is
// owned by the collector goroutine. Lengths are counted per value, so its
// memory is bounded by the distinct lengths seen (at most max_model_len of
// them for requests the server accepted), not by the number of requests.
type lengthTally struct {
	reqIn, reqOut map[int]int // requested lengths -> requests
	in, out       map[int]int // reported lengths of completed requests -> requests
	prefix, total int64       // requested prefix and prompt tokens
}

// maxBins bounds the bins of a length histogram.
const maxBins = 20

func (t *lengthTally) add(f *finished) {
	if t.reqIn == nil {
		t.reqIn, t.reqOut, t.in, t.out = map[int]int{}, map[int]int{}, map[int]int{}, map[int]int{}
	}
	if f.res.Err != nil && f.res.Err.Kind == schema.FailCanceled {
		return // never reached the server as a measured request: see metrics.Aggregator
	}
	// A conversation turn's prompt is its history and its message: the
	// input it asked for (the message) and the one reported (the whole
	// prompt) are not comparable, and run.json has them by turn instead.
	turn := f.turn > 0
	if !turn {
		t.reqIn[f.spec.Input]++
		t.prefix += int64(f.spec.Prefix)
		t.total += int64(f.spec.Input)
	}
	t.reqOut[f.spec.Output]++
	if f.res.Err != nil {
		return
	}
	if f.res.InputTokens > 0 && !turn {
		t.in[f.res.InputTokens]++
	}
	t.out[f.res.OutputTokens]++
}

// stats summarises the tally with the stage's percentiles.
func (t *lengthTally) stats(pct []float64) *schema.LengthStats {
	pct = schema.Percentiles(pct)
	l := &schema.LengthStats{
		RequestedInput: summarizeCounts(t.reqIn, pct), RequestedOutput: summarizeCounts(t.reqOut, pct),
		Input: summarizeCounts(t.in, pct), Output: summarizeCounts(t.out, pct),
		InputHistogram: histogram(t.reqIn, t.in), OutputHistogram: histogram(t.reqOut, t.out),
	}
	if t.total > 0 {
		l.PrefixShare = float64(t.prefix) / float64(t.total)
	}
	return l
}

// summarizeCounts is schema.Summarize of the lengths counted in c.
func summarizeCounts(c map[int]int, pct []float64) schema.Dist {
	var x []float64
	for _, v := range slices.Sorted(maps.Keys(c)) {
		for range c[v] {
			x = append(x, float64(v))
		}
	}
	return schema.SummarizeSorted(x, pct)
}

// histogram bins requested and reported lengths alike: one bin per length
// when the lengths span at most maxBins values, else maxBins bins of equal
// integer width from the smallest length on.
func histogram(requested, actual map[int]int) schema.Histogram {
	keys := slices.Concat(slices.Collect(maps.Keys(requested)), slices.Collect(maps.Keys(actual)))
	if len(keys) == 0 {
		return schema.Histogram{}
	}
	lo, hi := slices.Min(keys), slices.Max(keys)
	width := max(1, (hi-lo+maxBins)/maxBins) // ceil((hi-lo+1) / maxBins)
	bins := (hi-lo)/width + 1
	h := schema.Histogram{Edges: make([]int, bins+1), Requested: make([]int, bins), Actual: make([]int, bins)}
	for i := range h.Edges {
		h.Edges[i] = lo + i*width
	}
	for v, n := range requested {
		h.Requested[(v-lo)/width] += n
	}
	for v, n := range actual {
		h.Actual[(v-lo)/width] += n
	}
	return h
}
