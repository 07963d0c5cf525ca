package schema

import "fmt"

// ContextLengthMessage words a profile that does not fit the model's context
// the way users meet it from the server, with both numbers, so `validate`,
// the live pre-flight check and the run report all say the same thing.
func ContextLengthMessage(profile string, p Profile, maxModelLen int) string {
	return fmt.Sprintf("profile %q needs %d + %d = %d tokens, but max_model_len is %d "+
		"(the server would answer: This model's maximum context length is %d tokens); "+
		"lower the profile's input or output, or raise max_model_len",
		profile, p.Input, p.Output, p.Input+p.Output, maxModelLen, maxModelLen)
}

// Fits reports whether the profile fits a context of maxModelLen tokens (0: unknown, fits).
func (p Profile) Fits(maxModelLen int) bool {
	return maxModelLen <= 0 || p.Input+p.Output <= maxModelLen
}
