package dataset

import (
	"context"
	"fmt"
)

// Order is how a sampler walks the dataset.
type Order string

// The orders.
const (
	// Sequential takes the entries in file order.
	Sequential Order = "sequential"
	// Random takes them in a seeded random order without repetition
	// (a permutation of the whole dataset, as `vllm bench serve` shuffles it).
	Random Order = "random"
)

// Sampling says which entries a stage sends.
type Sampling struct {
	Order Order
	// Seed seeds the random order; Sequential ignores it.
	Seed int64
	// Wrap starts over when every entry was taken: in file order again, or
	// in a new random order. Without it the sampler runs out
	// (*ExhaustedError) after the last fitting entry.
	Wrap   bool
	Filter Filter
}

// Measure gives an entry's lengths: WordLengths without a server, or the
// engine's exact count from the server's tokenizer.
type Measure func(ctx context.Context, e *Entry) (Lengths, error)

// WordLengths measures lengths in words (Words), the built-in simulator's
// tokens: the input is InputWords; the output is a ShareGPT entry's
// Completion, a JSONL entry's OutputTokens, or output for a JSONL entry
// that gives none.
func WordLengths(output int) Measure {
	return func(_ context.Context, e *Entry) (Lengths, error) {
		l := Lengths{Input: e.InputWords(), Output: e.OutputTokens}
		switch {
		case e.Format == ShareGPT:
			l.Output = Words(e.Completion)
		case l.Output == 0:
			l.Output = output
		}
		return l, nil
	}
}

// Sample is one entry a stage sends, with its measured lengths.
type Sample struct {
	Entry
	Lengths
	// Position is the entry's index in the dataset (Prompts.Entry).
	Position int
	// Pass counts the times the sampler went through the dataset before
	// (0 until it wraps).
	Pass int
}

// Sampler hands out the entries of one stage, in order: the i-th sample
// is a pure function of (the file, Sampling, stage, i) and the measure, so
// a stage sends the same prompts on every run. It reads each candidate
// again from the file, so it holds one entry at a time; entries that do
// not fit are remembered in a bitmap (1 bit per entry) and never read
// twice. A Sampler is not safe for concurrent use.
type Sampler struct {
	p       *Prompts
	cfg     Sampling
	stage   int
	measure Measure
	perm    permutation
	pass    int
	k       int // candidates taken in this pass
	fits    int // samples given in this pass
	given   int
	unfit   []uint64
	skips   Skips
}

// Sampler starts the samples of one stage. Stages with the same number
// get the same samples.
func (p *Prompts) Sampler(cfg Sampling, stage int, measure Measure) (*Sampler, error) {
	if cfg.Order != Sequential && cfg.Order != Random {
		return nil, fmt.Errorf("dataset %q: order %q is not %q or %q", p.file, cfg.Order, Sequential, Random)
	}
	if err := cfg.Filter.validate(); err != nil {
		return nil, fmt.Errorf("dataset %q: %w", p.file, err)
	}
	if measure == nil {
		return nil, fmt.Errorf("dataset %q: no measure of lengths", p.file)
	}
	s := &Sampler{p: p, cfg: cfg, stage: stage, measure: measure, unfit: make([]uint64, (p.Len()+63)/64)}
	s.perm = s.permutation()
	return s, nil
}

// permutation is the random order of the current pass of this stage.
func (s *Sampler) permutation() permutation {
	seed := mix(uint64(s.cfg.Seed)) ^ mix(uint64(s.stage)<<32^uint64(s.pass))
	return newPermutation(s.p.Len(), seed)
}

// Next returns the next entry that fits the filter. It returns an
// *ExhaustedError when no entry is left (or, with Wrap, when none fits),
// and an *Error at the entry's FILE:LINE when an entry does not fit
// max_model_len under the Fail policy.
func (s *Sampler) Next(ctx context.Context) (Sample, error) {
	n := s.p.Len()
	for {
		if err := ctx.Err(); err != nil {
			return Sample{}, err
		}
		if s.k == n {
			if !s.cfg.Wrap || s.fits == 0 {
				return Sample{}, s.exhausted()
			}
			s.pass, s.k, s.fits = s.pass+1, 0, 0
			s.perm = s.permutation()
		}
		pos := s.position()
		s.k++
		if s.unfit[pos/64]&(1<<(pos%64)) != 0 {
			continue
		}
		smp, err := s.try(ctx, pos)
		if err != nil || smp != nil {
			return deref(smp), err
		}
	}
}

// position is the dataset index of candidate k of the current pass.
func (s *Sampler) position() int {
	if s.cfg.Order == Sequential {
		return s.k
	}
	return s.perm.at(s.k)
}

// try reads and measures entry pos: a sample when it fits, nil when it is
// left out (and counted), an error when it cannot be read or must fail.
func (s *Sampler) try(ctx context.Context, pos int) (*Sample, error) {
	e, err := s.p.Entry(pos)
	if err != nil {
		return nil, err
	}
	l, err := s.measure(ctx, &e)
	if err != nil {
		return nil, &Error{File: s.p.file, Line: e.Line, Msg: "cannot measure the entry: " + err.Error(), Err: err}
	}
	f := s.cfg.Filter
	switch r := f.Check(l); {
	case r == Fits:
		s.fits++
		s.given++
		return &Sample{Entry: e, Lengths: l, Position: pos, Pass: s.pass}, nil
	case r == OverMaxModelLen && f.OverLength == Fail:
		return nil, errorf(s.p.file, e.Line, "%s", overLength("entry", l, f.MaxModelLen))
	default:
		s.skips[r]++
		s.unfit[pos/64] |= 1 << (pos % 64)
		return nil, nil
	}
}

// overLength words an entry or a record (what) over max_model_len under
// the Fail policy, the way the server would refuse it.
func overLength(what string, l Lengths, maxModelLen int) string {
	return fmt.Sprintf("the %s needs %d + %d = %d tokens, but max_model_len is %d "+
		"(the server would answer: This model's maximum context length is %d tokens); "+
		"the over-length policy %q stops here, %q would leave it out and count it",
		what, l.Input, l.Output, l.Input+l.Output, maxModelLen, maxModelLen, Fail, Skip)
}

func deref(s *Sample) Sample {
	if s == nil {
		return Sample{}
	}
	return *s
}

// Skipped counts the entries left out so far, each once.
func (s *Sampler) Skipped() Skips { return s.skips }

// ExhaustedError says that a sampler ran out of entries.
type ExhaustedError struct {
	File string
	// Given is the number of samples handed out; Entries the dataset's
	// usable entries, Skipped those left out by the filter.
	Given, Entries int
	Skipped        Skips
	Filter         Filter
	Wrap           bool
}

// Error says how many samples the stage got and why entries were left out.
func (e *ExhaustedError) Error() string {
	msg := fmt.Sprintf("%s: the dataset ran out after %d samples", location(e.File, 0), e.Given)
	if e.Wrap {
		msg = fmt.Sprintf("%s: none of its %d entries fits", location(e.File, 0), e.Entries)
	}
	if e.Skipped.Total() > 0 {
		msg += fmt.Sprintf(" (%d of %d entries left out: %s)", e.Skipped.Total(), e.Entries, e.Skipped.Describe(e.Filter))
	}
	return msg
}

func (s *Sampler) exhausted() error {
	return &ExhaustedError{File: s.p.file, Given: s.given, Entries: s.p.Len(), Skipped: s.skips, Filter: s.cfg.Filter, Wrap: s.cfg.Wrap}
}
