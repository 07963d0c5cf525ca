// Package synth writes synthetic datasets and traces: deterministic
// functions of a seed, made of English-like text from templates and a small
// vocabulary written for servebench, so that the sample files under
// scenarios/data, the tests and the benchmarks need no third-party data.
//
// The text is meant to look like chat traffic to a tokenizer and a prefix
// cache (varied lengths with a long tail, shared system prompts, code
// blocks, quotes, backslashes, a little non-ASCII), not to make sense.
// The random source is SplitMix64, written here so that the output stays
// the same across Go versions: a test checks the committed samples against
// a fresh generation byte for byte.
package synth

import (
	"strings"
)

// Rand is SplitMix64: tiny, fast, and defined here, so its sequence never
// changes under us.
type Rand struct{ s uint64 }

// New returns the generator of seed.
func New(seed uint64) *Rand { return &Rand{s: seed} }

// Uint64 is the next 64 random bits.
func (r *Rand) Uint64() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// IntN is uniform in [0, n); the modulo bias is below 1e-12 for the n used here.
func (r *Rand) IntN(n int) int { return int(r.Uint64() % uint64(n)) }

// Between is uniform in [lo, hi].
func (r *Rand) Between(lo, hi int) int { return lo + r.IntN(hi-lo+1) }

// Chance is true with probability p.
func (r *Rand) Chance(p float64) bool { return float64(r.Uint64()>>11)/(1<<53) < p }

// Pick is a uniform element of list.
func Pick[T any](r *Rand, list []T) T { return list[r.IntN(len(list))] }

// Skewed is in [lo, hi], small values most likely: the long tail of
// real prompt and answer lengths (the smaller of two uniform draws four
// times in five, the larger otherwise).
func (r *Rand) Skewed(lo, hi int) int {
	a, b := r.Between(lo, hi), r.Between(lo, hi)
	if r.Chance(0.8) {
		return min(a, b)
	}
	return max(a, b)
}

var (
	topics = []string{
		"a sourdough starter", "a Kubernetes deployment", "the borrow checker", "a bicycle chain",
		"a PostgreSQL index", "a crème brûlée", "a naïve Bayes classifier", "a Tokyo (東京) itinerary",
		"a garden compost heap", "a React component", "a tax return", "a job interview",
		"a \"hello world\" program", "the path C:\\temp\\logs", "a shell script", "a wedding toast",
		"an LLM inference server", "a GPU memory leak", "a sprint retrospective", "a cover letter",
		"a chess opening", "a marathon training plan", "a regular expression", "a home network",
		"a birthday party 🎉", "a Go HTTP handler", "a spreadsheet formula", "a bread recipe",
	}
	verbs = []string{
		"set up", "debug", "speed up", "explain", "improve", "test", "document", "plan",
		"fix", "simplify", "compare", "review", "migrate", "secure", "measure", "clean up",
	}
	contexts = []string{
		"on a tight budget", "for a beginner", "in production", "before Friday", "without breaking anything",
		"for a team of five", "on a laptop", "in under an hour", "for the first time", "at scale",
	}
	problems = []string{
		"keeps failing", "is slow", "uses too much memory", "gives different results every time",
		"looks wrong", "stopped working after an update", "is hard to read", "costs too much",
	}
	openers = []string{
		"Sure.", "Good question.", "Here is how I would approach it.", "There are a few options.",
		"Let me walk you through it.", "Short answer: it depends.", "Happy to help.",
	}
	steps = []string{
		"check the logs for the first error, not the last one",
		"write down what you expect to happen before you change anything",
		"reproduce the problem with the smallest possible input",
		"measure before and after, on the same machine",
		"read the documentation of the exact version you run",
		"keep a backup of the working configuration",
		"change one thing at a time and note the result",
		"ask a colleague to review the plan",
		"automate the step you repeat most often",
		"set a time limit and revisit the decision afterwards",
		"compare your numbers with a known good baseline",
		"remove what you do not need before adding anything new",
	}
	linkers = []string{"Then", "Next,", "After that,", "Also,", "If that does not help,", "In practice,"}
	closers = []string{
		"Let me know if you want more detail on any step.",
		"That should get you most of the way.",
		"Does that match what you are seeing?",
		"Good luck, and keep notes as you go.",
	}
	systemPrompts = []string{
		"You are a helpful assistant. Answer concisely and say when you are unsure.",
		"You are a senior engineer who reviews code. Point out bugs first, style last.",
		"You are a friendly cooking coach. Give quantities in grams and steps in order.",
		"You are a travel planner. Keep each day realistic and list the travel times.",
	}
	codeLines = []string{
		"for i := 0; i < n; i++ {", "\tsum += values[i]", "}", "if err != nil {", "\treturn err",
		"x = [v * 2 for v in values]", "SELECT id, name FROM users WHERE active;", "echo \"done\"",
	}
)

// Question is a user's question about a random topic.
func (r *Rand) Question() string {
	t := Pick(r, topics)
	switch r.IntN(5) {
	case 0:
		return "How do I " + Pick(r, verbs) + " " + t + " " + Pick(r, contexts) + "?"
	case 1:
		return "Can you explain why " + t + " " + Pick(r, problems) + "?"
	case 2:
		return "What is the best way to " + Pick(r, verbs) + " " + t + "? It " + Pick(r, problems) + "."
	case 3:
		return "I need to " + Pick(r, verbs) + " " + t + " " + Pick(r, contexts) + ". Where do I start?"
	}
	return "Summarise this for me:\n\n" + r.Paragraphs(r.Skewed(1, 6)) + "\n\nWhat should I " + Pick(r, verbs) + " first?"
}

// Answer is an assistant's answer: an opener, steps, maybe code, a closer.
func (r *Rand) Answer() string {
	var b strings.Builder
	b.WriteString(Pick(r, openers))
	for i, n := 0, r.Skewed(1, 9); i < n; i++ {
		b.WriteString(" ")
		switch {
		case n > 1 && i == 0:
			b.WriteString("First,")
		case n > 2 && i == n-1:
			b.WriteString("Finally,")
		default:
			b.WriteString(Pick(r, linkers))
		}
		b.WriteString(" ")
		b.WriteString(Pick(r, steps))
		b.WriteString(".")
	}
	if r.Chance(0.2) {
		b.WriteString("\n\n```\n")
		for i, n := 0, r.Between(2, 8); i < n; i++ {
			b.WriteString(Pick(r, codeLines))
			b.WriteString("\n")
		}
		b.WriteString("```\n")
	}
	b.WriteString("\n\n")
	b.WriteString(Pick(r, closers))
	return b.String()
}

// Paragraphs is n paragraphs of step sentences.
func (r *Rand) Paragraphs(n int) string {
	var b strings.Builder
	for p := 0; p < n; p++ {
		if p > 0 {
			b.WriteString("\n\n")
		}
		for i, s := 0, r.Between(2, 6); i < s; i++ {
			if i > 0 {
				b.WriteString(" ")
			}
			step := Pick(r, steps)
			b.WriteString(strings.ToUpper(step[:1]) + step[1:] + ".")
		}
	}
	return b.String()
}

// SystemPrompt is one of a few system prompts: shared prefixes, as real
// deployments have them.
func (r *Rand) SystemPrompt() string { return Pick(r, systemPrompts) }

// ID is an id of n base-62 characters, like ShareGPT's.
func (r *Rand) ID(n int) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}
