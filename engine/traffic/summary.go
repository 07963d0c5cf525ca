package traffic

import "github.com/servebench/servebench/schema"

// Summary describes a run of specs as they will be sent: what `plan`
// prints for a profile and adds up into the plan's token totals.
type Summary struct {
	Requests     int
	Input        schema.Dist // prompt lengths, prefix included
	Output       schema.Dist
	InputTokens  int64
	OutputTokens int64
	PrefixTokens int64 // shared-prefix tokens among InputTokens
}

// SummaryPercentiles are the percentiles a Summary computes.
var SummaryPercentiles = []float64{50, 99}

// Summarize draws the specs of warmup warmup requests and n measured ones,
// exactly those a step of that size sends, and describes them.
func Summarize(src Source, warmup, n int) Summary {
	s := Summary{Requests: warmup + n}
	in := make([]float64, 0, warmup+n)
	out := make([]float64, 0, warmup+n)
	for i := -warmup; i < n; i++ {
		sp := src.Spec(i)
		in, out = append(in, float64(sp.Input)), append(out, float64(sp.Output))
		s.InputTokens += int64(sp.Input)
		s.OutputTokens += int64(sp.Output)
		s.PrefixTokens += int64(sp.Prefix)
	}
	s.Input = schema.Summarize(in, SummaryPercentiles)
	s.Output = schema.Summarize(out, SummaryPercentiles)
	return s
}

// PrefixShare is the fraction of prompt tokens that are shared prefix.
func (s Summary) PrefixShare() float64 {
	if s.InputTokens == 0 {
		return 0
	}
	return float64(s.PrefixTokens) / float64(s.InputTokens)
}
