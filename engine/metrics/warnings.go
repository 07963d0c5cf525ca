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
	w = appendDrift(w, "output", m.MeanOutputLen, a.o.RequestedOutput, "")
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
	return appendDrift(w, "input", m.MeanInputLen, a.o.RequestedInput, cause)
}

// outputWarnings counts outputs that missed the requested length either way.
func (a *Aggregator) outputWarnings() []string {
	var w []string
	if a.short > 0 {
		why := "the model stopped at its end of sequence; api.ignore_eos: true forces the full length where the server supports it"
		if a.o.IgnoreEOS {
			why = "ignore_eos: true was sent, so the server ignored it or cut the output"
		}
		w = append(w, fmt.Sprintf("%d of %d completed requests returned fewer output tokens than the %d requested (%s)",
			a.short, a.completed, a.o.RequestedOutput, why))
	}
	if a.long > 0 {
		w = append(w, fmt.Sprintf("%d of %d completed requests returned more output tokens than the %d requested (the server did not honour max_tokens)",
			a.long, a.completed, a.o.RequestedOutput))
	}
	return w
}

// appendDrift warns when the mean actual length strays from the requested
// one by more than driftTolerance; cause, when set, ends the warning.
func appendDrift(w []string, what string, actual float64, requested int, cause string) []string {
	if requested <= 0 {
		return w
	}
	drift := (actual - float64(requested)) / float64(requested)
	if math.Abs(drift) <= driftTolerance {
		return w
	}
	if drift > 0 {
		cause = ""
	}
	return append(w, fmt.Sprintf("mean actual %s length %.1f tokens is %+.1f%% off the profile's %d%s", what, actual, 100*drift, requested, cause))
}
