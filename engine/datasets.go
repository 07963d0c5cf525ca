package engine

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"sync"

	"github.com/servebench/servebench/engine/prompt"
	"github.com/servebench/servebench/engine/server"
	"github.com/servebench/servebench/engine/traffic"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/dataset"
)

// Dataset records are text of unknown token length. The plan walks them
// counting words (what `validate` checked); pre-flight counts them exactly
// with the server's /tokenize where it has one, in one bounded pass per
// dataset before the first stage, so that no request waits for a
// tokenizer: the primed source keeps the lengths of the records its walk
// took (12 bytes each), and a conversation's counter keeps its turns'
// counts, since a session is built again for each of its requests. A step
// that ends by duration may take records past that pass: those are
// counted in words, and the run's notes say so.

// primeAhead is how many records pre-flight counts for a step that ends by
// duration, whose count is not known in advance.
const primeAhead = 1000

// maxPrimed bounds the records pre-flight counts for one dataset: with a
// tokenizer call of about a millisecond, 100,000 take a couple of minutes.
const maxPrimed = 100_000

// primer is a source whose records pre-flight counts.
type primer interface {
	traffic.Source
	Prime(ctx context.Context, n int) error
}

// settleDatasets counts the records of the plan's dataset sources with the
// server's tokenizer, once, and keeps the exact sources in the session. A
// dataset that runs out, or a record the over-length policy stops at,
// under the exact counts is a *ConfigError: the scenario does not fit.
func (s *session) settleDatasets(ctx context.Context, steps []Step, op *opening) error {
	need, order := datasetNeeds(steps)
	if len(order) == 0 {
		return nil
	}
	chat := s.api.Endpoint == schema.EndpointChat
	tok := prompt.NewServerTokenizer(s.url, s.model, chat, server.AuthHeader(s.api.APIKey, s.api.Headers))
	defer tok.Close()
	if _, err := tok.CountPrompt(ctx, "hello"); err != nil {
		if ctx.Err() != nil {
			return interrupted("during pre-flight")
		}
		why := "the server has no /tokenize"
		if !errors.Is(err, prompt.ErrNoTokenizer) {
			why = fmt.Sprintf("counting with the server's /tokenize failed (%v)", err)
		}
		op.notes = append(op.notes, why+": dataset records are measured in words, an approximation of their tokens; "+
			"each stage reports the drift between requested and reported prompt tokens")
		return nil
	}
	calls := 0
	for _, src := range order {
		// A conversation builds its turns again for every request, so it
		// keeps their counts; a dataset keeps its walk's lengths itself.
		_, keep := src.(*traffic.Conversation)
		tc := newTokenCounter(tok, keep)
		exact := withCounter(src, tc)
		err := exact.Prime(ctx, need[src])
		tc.freeze()
		calls += tc.calls
		if err != nil {
			if ctx.Err() != nil {
				return interrupted("during pre-flight")
			}
			return &ConfigError{Err: fmt.Errorf("pre-flight: counting dataset records with the server's tokenizer: %w", err)}
		}
		s.sources[src], s.exact[exact] = exact, true
	}
	op.notes = append(op.notes, fmt.Sprintf("dataset lengths were counted with the server's /tokenize at pre-flight (%d calls); "+
		"records a duration-bound stage takes past the first %d are counted in words", calls, primeAhead))
	return nil
}

// datasetNeeds lists the plan's dataset sources in order, each with the
// records its steps take (the most any of them takes), at most maxPrimed.
func datasetNeeds(steps []Step) (map[traffic.Source]int, []traffic.Source) {
	need := map[traffic.Source]int{}
	var order []traffic.Source
	for _, st := range steps {
		if !readsDataset(st.Source) {
			continue
		}
		n := st.Warmup + st.Requests
		if st.Requests == 0 {
			n = st.Warmup + primeAhead
		}
		if _, ok := need[st.Source]; !ok {
			order = append(order, st.Source)
		}
		need[st.Source] = min(max(need[st.Source], n), maxPrimed)
	}
	return need, order
}

// readsDataset reports whether a source's records come from a dataset.
func readsDataset(src traffic.Source) bool {
	switch s := src.(type) {
	case *traffic.Dataset:
		return true
	case *traffic.Conversation:
		return s.Dataset() != nil
	}
	return false
}

// withCounter is src counting its lengths with c.
func withCounter(src traffic.Source, c traffic.Counter) primer {
	if conv, ok := src.(*traffic.Conversation); ok {
		return conv.WithCounter(c)
	}
	return src.(*traffic.Dataset).WithCounter(c)
}

// source is the source a step draws from: the plan's, or its exact
// counterpart pre-flight settled.
func (s *session) source(src traffic.Source) traffic.Source {
	if x, ok := s.sources[src]; ok {
		return x
	}
	return src
}

// measuredBy says how a source's dataset lengths are counted.
func (s *session) measuredBy(src traffic.Source) string {
	if s.exact[src] {
		return schema.MeasuredTokenizer
	}
	return schema.MeasuredWords
}

// tokenCounter counts with the server's /tokenize, keeping every count
// (by a hash of what it counted) when asked to. Once frozen it never calls
// the server: what it has not kept is counted in words.
type tokenCounter struct {
	tok    *prompt.ServerTokenizer
	seed   maphash.Seed
	mu     sync.Mutex
	counts map[uint64]int // nil: keep nothing
	frozen bool
	calls  int
}

var _ traffic.Counter = (*tokenCounter)(nil)

func newTokenCounter(tok *prompt.ServerTokenizer, keep bool) *tokenCounter {
	c := &tokenCounter{tok: tok, seed: maphash.MakeSeed()}
	if keep {
		c.counts = map[uint64]int{}
	}
	return c
}

// freeze ends the calls to the server.
func (c *tokenCounter) freeze() {
	c.mu.Lock()
	c.frozen = true
	c.mu.Unlock()
}

// Text counts a plain text as the completions endpoint tokenizes it.
func (c *tokenCounter) Text(ctx context.Context, s string) (int, error) {
	var h maphash.Hash
	h.SetSeed(c.seed)
	h.WriteString("t")
	h.WriteString(s)
	return c.count(ctx, h.Sum64(), func() (int, error) { return c.tok.CountPrompt(ctx, s) },
		func() (int, error) { return traffic.Words{}.Text(ctx, s) })
}

// Messages counts a chat request with the chat template.
func (c *tokenCounter) Messages(ctx context.Context, msgs []dataset.Message) (int, error) {
	var h maphash.Hash
	h.SetSeed(c.seed)
	h.WriteString("m")
	for _, m := range msgs {
		h.WriteString(m.Role)
		h.WriteByte(0)
		h.WriteString(m.Content)
		h.WriteByte(0)
	}
	return c.count(ctx, h.Sum64(), func() (int, error) { return c.tok.CountMessages(ctx, msgs) },
		func() (int, error) { return traffic.Words{}.Messages(ctx, msgs) })
}

// count is the kept count of key, or ask's answer before the counter is
// frozen, or words' after.
func (c *tokenCounter) count(ctx context.Context, key uint64, ask, words func() (int, error)) (int, error) {
	c.mu.Lock()
	n, ok := c.counts[key]
	frozen := c.frozen
	c.mu.Unlock()
	switch {
	case ok:
		return n, nil
	case frozen:
		return words()
	}
	n, err := ask()
	if err != nil {
		return 0, err
	}
	c.mu.Lock()
	if c.counts != nil {
		c.counts[key] = n
	}
	c.calls++
	c.mu.Unlock()
	return n, nil
}
