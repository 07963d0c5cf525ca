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
// exactly those a step of that size sends, and describes them. For a
// conversation, warmup and n count sessions, and every turn is a request
// (its input the user's new message: the history it carries depends on
// the replies).
func Summarize(src Source, warmup, n int) Summary {
	var s Summary
	in := make([]float64, 0, warmup+n)
	out := make([]float64, 0, warmup+n)
	add := func(sp Spec) {
		if sp.Err != nil {
			return
		}
		s.Requests++
		in, out = append(in, float64(sp.Input)), append(out, float64(sp.Output))
		s.InputTokens += int64(sp.Input)
		s.OutputTokens += int64(sp.Output)
		s.PrefixTokens += int64(sp.Prefix)
	}
	conv, _ := src.(*Conversation)
	for i := -warmup; i < n; i++ {
		if conv == nil {
			add(src.Spec(i))
			continue
		}
		for _, sp := range conv.Session(i).Turns {
			add(sp)
		}
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
