package server

import (
	"sort"
	"strings"
)

// redacted replaces secret values wherever servebench writes them.
const redacted = "***"

// secretReplacer returns a replacer of the values of the server.env keys
// named in server.secrets and of the extra values, or nil when there are
// none. Secrets must never be written anywhere, yet vLLM prints its
// arguments (an --api-key among them) at start-up, and argv lands in
// run.json: both pass through this.
func secretReplacer(env map[string]string, secrets []string, extra ...string) *strings.Replacer {
	var values []string
	for _, v := range extra {
		if v != "" {
			values = append(values, v)
		}
	}
	for _, k := range secrets {
		if v := env[k]; v != "" {
			values = append(values, v)
		}
	}
	if len(values) == 0 {
		return nil
	}
	// Longest first, so a secret that contains another is hidden whole.
	sort.Slice(values, func(i, j int) bool { return len(values[i]) > len(values[j]) })
	pairs := make([]string, 0, 2*len(values))
	for _, v := range values {
		pairs = append(pairs, v, redacted)
	}
	return strings.NewReplacer(pairs...)
}

// redactAll returns a copy of args with secret values replaced.
func redactAll(r *strings.Replacer, args []string) []string {
	out := append([]string(nil), args...)
	if r == nil {
		return out
	}
	for i, a := range out {
		out[i] = r.Replace(a)
	}
	return out
}
