package client

import (
	"regexp"
	"strconv"
	"strings"
)

// contextPattern is one wording of "prompt + output do not fit the model's
// context", with how its numbers map to (max, requested).
type contextPattern struct {
	re *regexp.Regexp
	// numbers turns the submatches (as ints) into the context length and
	// the requested total; requested is 0 when the wording does not say.
	numbers func(n []int) (maxLen, requested int)
}

// contextPatterns are the wordings servers use, most specific first. Each is
// pinned by a test with the server's real sentence.
var contextPatterns = []contextPattern{
	// vLLM >= 0.11 (VLLMValidationError): "This model's maximum context length is N tokens.
	// However, you requested O output tokens and your prompt contains at least I input
	// tokens, for a total of at least T tokens."
	{re(`maximum context length is (\d+) tokens.*?requested (\d+) output tokens and your prompt contains at least (\d+) input tokens`),
		func(n []int) (int, int) { return n[0], n[1] + n[2] }},
	// vLLM get_max_tokens: "'max_tokens' or 'max_completion_tokens' is too large: O. This
	// model's maximum context length is N tokens and your request has I input tokens (O > N - I)."
	{re(`is too large: (\d+)\. This model's maximum context length is (\d+) tokens and your request has (\d+) input tokens`),
		func(n []int) (int, int) { return n[1], n[0] + n[2] }},
	// NIM / OpenAI-compatible gateways: "You passed I input tokens and requested O output
	// tokens. However, the model's context length is only N tokens, ..."
	{re(`passed (\d+) input tokens and requested (\d+) output tokens\. However, the model's context length is only (\d+) tokens`),
		func(n []int) (int, int) { return n[2], n[0] + n[1] }},
	// vLLM <= 0.10 chat: "This model's maximum context length is N tokens. However, you
	// requested T tokens (I in the messages, O in the completion)."; completions says
	// "..., however you requested T tokens (I in your prompt; O for the completion)";
	// OpenAI: "However, your messages resulted in T tokens"; vLLM prompt check:
	// "However, your request has I input tokens."
	{re(`maximum context length is (\d+) tokens.*?(?:you requested|messages resulted in|request has) (\d+) (?:input )?tokens`),
		func(n []int) (int, int) { return n[0], n[1] }},
	// vLLM processor: "The decoder prompt (length I) is longer than the maximum model length of N."
	{re(`prompt \(length (\d+)\) is longer than the maximum model length of (\d+)`),
		func(n []int) (int, int) { return n[1], n[0] }},
	// llama.cpp server (type exceed_context_size_error, HTTP 400): "request (I tokens)
	// exceeds the available context size (N tokens), try increasing it".
	{re(`request \((\d+) tokens\) exceeds the available context size \((\d+) tokens\)`),
		func(n []int) (int, int) { return n[1], n[0] }},
	// TGI validation (HTTP 422): "`inputs` tokens + `max_new_tokens` must be <= N. Given:
	// I `inputs` tokens and O `max_new_tokens`".
	{re("`inputs` tokens \\+ `max_new_tokens` must be <= (\\d+)\\. Given: (\\d+) `inputs` tokens and (\\d+) `max_new_tokens`"),
		func(n []int) (int, int) { return n[0], n[1] + n[2] }},
	// TGI's input limit (--max-input-tokens): "`inputs` must have less than N tokens. Given: I".
	{re("`inputs` must have less than (\\d+) tokens\\. Given: (\\d+)"),
		func(n []int) (int, int) { return n[0], n[1] }},
	// Any other sentence naming the limit.
	{re(`maximum context length is (\d+) tokens`),
		func(n []int) (int, int) { return n[0], 0 }},
}

func re(s string) *regexp.Regexp { return regexp.MustCompile(`(?is)` + s) }

// ContextLengthFromMessage reads the model's context length and the number
// of tokens the request needed from a server's context-length refusal, so
// the report can say "needs 1152, max_model_len is 1024" rather than quote
// the server. ok is false when msg is not such a refusal or names no limit;
// requested is 0 when the wording does not give it.
func ContextLengthFromMessage(msg string) (maxLen, requested int, ok bool) {
	for _, p := range contextPatterns {
		m := p.re.FindStringSubmatch(msg)
		if m == nil {
			continue
		}
		n := make([]int, len(m)-1)
		for i, s := range m[1:] {
			n[i], _ = strconv.Atoi(s)
		}
		maxLen, requested = p.numbers(n)
		return maxLen, requested, maxLen > 0
	}
	return 0, 0, false
}

// isContextLength reports whether msg is a context-length refusal, including
// wordings that carry no numbers.
func isContextLength(msg string) bool {
	if _, _, ok := ContextLengthFromMessage(msg); ok {
		return true
	}
	lower := strings.ToLower(msg)
	return strings.Contains(lower, "context_length_exceeded") ||
		strings.Contains(lower, "maximum context length") ||
		strings.Contains(lower, "context length exceeded") ||
		strings.Contains(lower, "longer than the maximum model length") ||
		strings.Contains(lower, "exceed_context_size_error")
}
