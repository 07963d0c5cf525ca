package schema

import "fmt"

// ContextLengthMessage words a profile that does not fit the model's context
// the way users meet it from the server, with both numbers, so `validate`,
// the live pre-flight check and the run report all say the same thing. A
// profile with a distribution, a mix or a prefix is judged by its largest
// possible request, and the message says so.
func ContextLengthMessage(profile string, p Profile, maxModelLen int) string {
	prefix, in, out := p.Worst()
	need := fmt.Sprintf("needs %d + %d = %d tokens", in, out, prefix+in+out)
	fix := "lower the profile's input or output, or raise max_model_len"
	switch {
	case prefix > 0:
		need = fmt.Sprintf("needs up to %d + %d + %d = %d tokens (prefix + largest input + largest output)", prefix, in, out, prefix+in+out)
		fix = "lower the prefix tokens or the largest input or output, or raise max_model_len"
	case !p.IsFixed():
		need = fmt.Sprintf("needs up to %d + %d = %d tokens (largest input + largest output)", in, out, in+out)
		fix = "lower the largest input or output (max), or raise max_model_len"
	}
	return fmt.Sprintf("profile %q %s, but max_model_len is %d "+
		"(the server would answer: This model's maximum context length is %d tokens); %s",
		profile, need, maxModelLen, maxModelLen, fix)
}

// Fits reports whether the profile's largest request fits a context of
// maxModelLen tokens (0: unknown, fits).
func (p Profile) Fits(maxModelLen int) bool {
	prefix, in, out := p.Worst()
	return maxModelLen <= 0 || prefix+in+out <= maxModelLen
}
