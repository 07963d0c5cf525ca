package metrics

import (
	"fmt"
	"math"

	"github.com/servebench/servebench/schema"
)

// driftTolerance is how far the mean actual input or output length may stray
// from the profile before Finish warns (5%).
const driftTolerance = 0.05

// warnings says when the server did not run the workload the profile asked
// for, or when the numbers rest on weak ground, and names the likely party
// at fault: the model, the server, or servebench's own counting.
func (a *Aggregator) warnings(m schema.Metrics) []string {
	var w []string
	if a.sent > 0 && a.completed == 0 {
		w = append(w, fmt.Sprintf("all %d requests failed", a.sent))
	}
	if a.completed == 0 {
		return w
	}
	w = append(w, a.inputWarnings(m)...)
	w = appendDrift(w, "output", m.MeanOutputLen, meanOf(a.reqOut, a.completed), a.o.RequestedOutput > 0, "")
	w = append(w, a.outputWarnings()...)
	if m.TokenSource == "chunks" || m.TokenSource == "mixed" {
		w = append(w, fmt.Sprintf("output token counts come partly or wholly from counted stream chunks (token source %q), not the server's usage; a server that sends several tokens per chunk is undercounted", m.TokenSource))
	}
	return w
}

// inputWarnings covers prompt counts: unknown ones are left out of the mean
// (a missing count is not a prompt of 0 tokens), and prompts that all came
// back shorter than requested point at truncation by the server.
func (a *Aggregator) inputWarnings(m schema.Metrics) []string {
	var w []string
	switch unknown := a.completed - a.inputKnown; {
	case a.inputKnown == 0:
		return append(w, "the server reported no prompt token count: the actual input length is unknown")
	case unknown > 0:
		w = append(w, fmt.Sprintf("the server reported no prompt token count for %d of %d completed requests: the input length and total_input_tokens cover only the others",
			unknown, a.completed))
	}
	cause := ""
	if a.inputLow == a.inputKnown {
		cause = "; every prompt came back shorter than requested: the server likely truncated them at its context length " +
			"(a server that does not report max_model_len, such as Ollama with its num_ctx, cuts long prompts silently)"
	}
	return appendDrift(w, "input", m.MeanInputLen, meanOf(a.reqIn, a.inputKnown), a.o.RequestedInput > 0, cause)
}

// meanOf is total / n, 0 without samples.
func meanOf(total int64, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(total) / float64(n)
}

// outputWarnings counts outputs that missed the requested length either way.
func (a *Aggregator) outputWarnings() []string {
	var w []string
	if a.short > 0 {
		why := "the model stopped at its end of sequence; api.ignore_eos: true forces the full length where the server supports it"
		if a.o.IgnoreEOS {
			why = "ignore_eos: true was sent, so the server ignored it or cut the output"
		}
		w = append(w, fmt.Sprintf("%d of %d completed requests returned fewer output tokens than the %s requested (%s)",
			a.short, a.completed, a.requestedOutput(), why))
	}
	if a.long > 0 {
		w = append(w, fmt.Sprintf("%d of %d completed requests returned more output tokens than the %s requested (the server did not honour max_tokens)",
			a.long, a.completed, a.requestedOutput()))
	}
	return w
}

// requestedOutput words the output length asked for: the profile's, or
// "lengths" when each request asked for its own.
func (a *Aggregator) requestedOutput() string {
	if a.o.RequestedOutput > 0 {
		return fmt.Sprint(a.o.RequestedOutput)
	}
	return "lengths"
}

// appendDrift warns when the mean actual length strays from the mean
// requested one by more than driftTolerance; fixed says every request
// asked for the same length (the profile's); cause, when set, ends the
// warning.
func appendDrift(w []string, what string, actual, requested float64, fixed bool, cause string) []string {
	if requested <= 0 {
		return w
	}
	drift := (actual - requested) / requested
	if math.Abs(drift) <= driftTolerance {
		return w
	}
	if drift > 0 {
		cause = ""
	}
	want := fmt.Sprintf("the %.1f requested on average", requested)
	if fixed {
		want = fmt.Sprintf("the profile's %.0f", requested)
	}
	return append(w, fmt.Sprintf("mean actual %s length %.1f tokens is %+.1f%% off %s%s", what, actual, 100*drift, want, cause))
}
