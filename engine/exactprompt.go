package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/servebench/servebench/engine/prompt"
	"github.com/servebench/servebench/engine/server"
	"github.com/servebench/servebench/engine/traffic"
	"github.com/servebench/servebench/schema"
)

// settlePrompts decides, once before the first stage, how text prompts are
// built. Token-id prompts are exact by construction. Text prompts are exact
// when the server has vLLM's POST /tokenize: the vocabulary and the chat
// template's overhead are measured with it (prompt.Calibrate) and sample
// prompts of the plan are verified against it, so no request pays a
// tokenizer call. Otherwise prompts stay the approximation (one word per
// token, nothing around them), the run says so, and every stage's drift
// between requested and reported prompt tokens shows how far off it is.
func (s *session) settlePrompts(ctx context.Context, steps []Step, op *opening) {
	if s.tokens {
		return
	}
	tok := prompt.NewServerTokenizer(s.url, s.model, s.api.Endpoint == schema.EndpointChat,
		server.AuthHeader(s.api.APIKey, s.api.Headers))
	defer tok.Close()
	v, err := prompt.Calibrate(ctx, tok)
	switch {
	case ctx.Err() != nil:
		return
	case errors.Is(err, prompt.ErrNoTokenizer):
		op.notes = append(op.notes, "the server has no /tokenize to count prompt tokens with: text prompts are approximate "+
			"(one word per token, no chat template counted); each stage reports the drift between requested and reported prompt tokens")
		return
	case err != nil:
		op.notes = append(op.notes, fmt.Sprintf("text prompts are approximate: measuring them with the server's /tokenize failed (%v); "+
			"each stage reports the drift between requested and reported prompt tokens", err))
		return
	}
	s.vocab = v
	checked, err := s.verifyPrompts(ctx, tok, steps)
	if err != nil {
		op.notes = append(op.notes, fmt.Sprintf("text prompts were built with the server's /tokenize, but %v; each stage reports the drift", err))
		return
	}
	note := fmt.Sprintf("text prompts are built to exact token counts with the server's /tokenize "+
		"(%d tokens around each prompt's content, %d one-token words)", v.Overhead(), v.Words())
	if checked > 0 {
		note += fmt.Sprintf("; %d sample prompts verified", checked)
	}
	op.notes = append(op.notes, note)
	op.notes = append(op.notes, shortPromptNotes(steps, v.Overhead())...)
}

// maxVerified bounds the sample prompts checked against the tokenizer.
const maxVerified = 8

// verifyPrompts counts the first two prompts of each distinct source of the
// plan, built exactly as the step will build them, with the tokenizer, and
// reports the first that does not count what the vocabulary promises.
func (s *session) verifyPrompts(ctx context.Context, tok prompt.Tokenizer, steps []Step) (int, error) {
	checked := 0
	seen := map[any]bool{}
	for _, step := range steps {
		if seen[step.Source] || checked >= maxVerified || !synthesized(step.Source) {
			continue
		}
		seen[step.Source] = true
		g := prompt.NewGenerator(stepSeed(s.seed, step.ID))
		for i := range 2 {
			sp := step.Source.Spec(i)
			shape := prompt.Shape{Len: sp.Input, Prefix: sp.Prefix, Group: sp.Group}
			want := s.vocab.Overhead() + s.vocab.ContentWords(shape)
			got, err := tok.Count(ctx, g.Text(i, shape, s.vocab))
			if err != nil {
				return checked, fmt.Errorf("verifying a sample prompt failed: %w", err)
			}
			if got != want {
				return checked, fmt.Errorf("a sample prompt of stage %s built for %d tokens counts %d", step.ID, want, got)
			}
			checked++
		}
	}
	return checked, nil
}

// shortPromptNotes names the profiles that ask for prompts too short to
// hold one word besides the template and the prefix: those are sent with
// one word of their own and come out longer than asked.
func shortPromptNotes(steps []Step, overhead int) []string {
	var notes []string
	seen := map[string]bool{}
	for _, step := range steps {
		if seen[step.Profile] || !synthesized(step.Source) {
			continue
		}
		seen[step.Profile] = true
		prefix := step.Lengths.PrefixTokens()
		shortest := -1
		for _, e := range step.Lengths.Entries() {
			if n := e.Input.Smallest(); shortest < 0 || n < shortest {
				shortest = n
			}
		}
		if shortest <= overhead { // no word of its own would be left
			notes = append(notes, fmt.Sprintf("profile %q asks for prompts as short as %d tokens, but the server adds %d tokens around each prompt's content: "+
				"such prompts are sent with one word of their own and come out longer than asked", step.Profile, shortest+prefix, overhead))
		}
	}
	return notes
}

// synthesized reports whether a source's prompts are built by the session
// from lengths alone, the prompts whose exactness pre-flight verifies: not
// a dataset's records, a conversation's history or a replay's blocks.
func synthesized(src traffic.Source) bool {
	_, ok := src.(*traffic.Synthetic)
	return ok
}
