package dataset

import (
	"context"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var ctx = context.Background()

// take draws n samples, or fewer when the sampler stops with an error.
func take(t *testing.T, s *Sampler, n int) ([]Sample, error) {
	t.Helper()
	var out []Sample
	for i := 0; i < n; i++ {
		smp, err := s.Next(ctx)
		if err != nil {
			return out, err
		}
		out = append(out, smp)
	}
	return out, nil
}

func sampler(t *testing.T, p *Prompts, cfg Sampling, stage int) *Sampler {
	t.Helper()
	if cfg.Filter.OverLength == "" {
		cfg.Filter.OverLength = Skip
	}
	s, err := p.Sampler(cfg, stage, WordLengths(128))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func positions(samples []Sample) []int {
	out := make([]int, len(samples))
	for i, s := range samples {
		out[i] = s.Position
	}
	return out
}

// TestSequentialTakesFileOrderThenRunsOut: without wrap, the entries in
// file order and then an *ExhaustedError; with wrap, file order again.
func TestSequentialTakesFileOrderThenRunsOut(t *testing.T) {
	p := open(t, sampleChat, JSONL)
	got, err := take(t, sampler(t, p, Sampling{Order: Sequential}, 0), 61)
	var ex *ExhaustedError
	if !errors.As(err, &ex) || len(got) != 60 {
		t.Fatalf("%d samples, then %v", len(got), err)
	}
	if want := "../../scenarios/data/chat.jsonl: the dataset ran out after 60 samples"; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	for i, s := range got {
		if s.Position != i || s.Line != i+1 || s.Pass != 0 {
			t.Fatalf("sample %d is entry %d (line %d, pass %d)", i, s.Position, s.Line, s.Pass)
		}
	}
	wrapped, err := take(t, sampler(t, p, Sampling{Order: Sequential, Wrap: true}, 0), 130)
	if err != nil {
		t.Fatal(err)
	}
	if s := wrapped[125]; s.Position != 5 || s.Pass != 2 {
		t.Errorf("sample 125 is entry %d of pass %d, want entry 5 of pass 2", s.Position, s.Pass)
	}
}

// TestRandomOrderIsASeededPermutation: each pass takes every entry once;
// the order depends on the seed, the stage and the pass, and on nothing
// else: the same arguments give the same samples.
func TestRandomOrderIsASeededPermutation(t *testing.T) {
	p := open(t, sampleChat, JSONL)
	draw := func(seed int64, stage int) []int {
		got, err := take(t, sampler(t, p, Sampling{Order: Random, Seed: seed, Wrap: true}, stage), 120)
		if err != nil {
			t.Fatal(err)
		}
		return positions(got)
	}
	a := draw(7, 0)
	for pass := 0; pass < 2; pass++ {
		sorted := slices.Sorted(slices.Values(a[pass*60 : pass*60+60]))
		for i, pos := range sorted {
			if pos != i {
				t.Fatalf("pass %d is not a permutation of the 60 entries: %v", pass, sorted)
			}
		}
	}
	if slices.Equal(a[:60], a[60:]) {
		t.Error("the second pass repeats the first one's order")
	}
	if slices.Equal(a[:60], seq(60)) {
		t.Error("the random order is file order")
	}
	if !slices.Equal(a, draw(7, 0)) {
		t.Error("the same seed and stage give different samples")
	}
	if slices.Equal(a[:60], draw(8, 0)[:60]) || slices.Equal(a[:60], draw(7, 1)[:60]) {
		t.Error("another seed or stage gives the same order")
	}
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// TestPermutationIsABijection over sizes around powers of two.
func TestPermutationIsABijection(t *testing.T) {
	for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 9, 63, 64, 65, 1000, 4097} {
		for seed := uint64(0); seed < 5; seed++ {
			p := newPermutation(n, seed)
			seen := make([]bool, n)
			for i := 0; i < n; i++ {
				x := p.at(i)
				if x < 0 || x >= n || seen[x] {
					t.Fatalf("n=%d seed=%d: element %d is %d, out of range or repeated", n, seed, i, x)
				}
				seen[x] = true
			}
		}
	}
}

// TestPermutationSpreadsTheFirstPick: over many seeds, the first element
// lands on each of 10 entries about equally often (a loose bound: the
// expectation is 1000, the standard deviation about 30).
func TestPermutationSpreadsTheFirstPick(t *testing.T) {
	counts := make([]int, 10)
	for seed := uint64(0); seed < 10000; seed++ {
		p := newPermutation(10, mix(seed))
		counts[p.at(0)]++
	}
	for i, c := range counts {
		if c < 800 || c > 1200 {
			t.Errorf("entry %d is first %d times in 10,000 orders: %v", i, c, counts)
		}
	}
}

// TestFilterLeavesOutAndCounts: the samples are exactly the entries whose
// word lengths fit, and each entry left out is counted once under its
// first reason, however often the sampler wraps.
func TestFilterLeavesOutAndCounts(t *testing.T) {
	p := open(t, sampleChat, JSONL)
	f := Filter{MinInput: 10, MaxInput: 60, MaxOutput: 400, MaxModelLen: 380, OverLength: Skip}
	var want []int
	var wantSkips Skips
	for i := 0; i < p.Len(); i++ {
		e, _ := p.Entry(i)
		l, _ := WordLengths(128)(ctx, &e)
		if r := f.Check(l); r == Fits {
			want = append(want, i)
		} else {
			wantSkips[r]++
		}
	}
	if len(want) == 0 || wantSkips[InputTooShort] == 0 || wantSkips[InputTooLong] == 0 || wantSkips[OutputTooLong] == 0 || wantSkips[OverMaxModelLen] == 0 {
		t.Fatalf("the filter must exercise every reason on the sample: fits %d, skips %v", len(want), wantSkips)
	}
	s := sampler(t, p, Sampling{Order: Sequential, Wrap: true, Filter: f}, 0)
	got, err := take(t, s, 3*len(want))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(positions(got), slices.Concat(want, want, want)) {
		t.Errorf("samples %v, want %v three times", positions(got), want)
	}
	if s.Skipped() != wantSkips {
		t.Errorf("skips %v, want %v", s.Skipped(), wantSkips)
	}
	_, err = take(t, sampler(t, p, Sampling{Order: Sequential, Filter: f}, 0), 1000)
	wantMsg := "../../scenarios/data/chat.jsonl: the dataset ran out after " + strconv.Itoa(len(want)) + " samples (" +
		strconv.Itoa(wantSkips.Total()) + " of 60 entries left out: " + wantSkips.Describe(f) + ")"
	if err == nil || err.Error() != wantMsg {
		t.Errorf("exhausted: %v\nwant %s", err, wantMsg)
	}
	if !strings.Contains(wantMsg, "input under 10 tokens") || !strings.Contains(wantMsg, "input + output over max_model_len 380") {
		t.Errorf("the reasons are not worded with their bounds: %s", wantMsg)
	}
}

// TestSamplerMeasuresEachUnfitEntryOnce: an entry left out is remembered,
// so a wrapping stage never reads or measures it again (with the server's
// tokenizer, each measure is a request).
func TestSamplerMeasuresEachUnfitEntryOnce(t *testing.T) {
	p := open(t, sampleChat, JSONL)
	measured := map[int]int{}
	words := WordLengths(128)
	measure := func(ctx context.Context, e *Entry) (Lengths, error) {
		measured[e.Line]++
		return words(ctx, e)
	}
	s, _ := p.Sampler(Sampling{Order: Random, Seed: 3, Wrap: true, Filter: Filter{MaxInput: 20, OverLength: Skip}}, 0, measure)
	got, err := take(t, s, 200)
	if err != nil {
		t.Fatal(err)
	}
	fits := map[int]bool{}
	for _, smp := range got {
		fits[smp.Line] = true
	}
	for line, n := range measured {
		if !fits[line] && n != 1 {
			t.Errorf("line %d does not fit but was measured %d times", line, n)
		}
	}
}

// TestOverLengthFailNamesTheEntry: under the Fail policy the first entry
// over max_model_len stops the sampler with its FILE:LINE and numbers.
func TestOverLengthFailNamesTheEntry(t *testing.T) {
	p := open(t, sampleChat, JSONL)
	s := sampler(t, p, Sampling{Order: Sequential, Filter: Filter{MaxModelLen: 250, OverLength: Fail}}, 0)
	got, err := take(t, s, 60)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%d samples, then %v", len(got), err)
	}
	for _, smp := range got {
		if smp.Input+smp.Output > 250 {
			t.Fatalf("line %d (%d + %d tokens) passed", smp.Line, smp.Input, smp.Output)
		}
	}
	entry, _ := p.Entry(len(got))
	l, _ := WordLengths(128)(ctx, &entry)
	if l.Input+l.Output <= 250 {
		t.Fatalf("the sampler stopped at line %d, which fits (%+v)", entry.Line, l)
	}
	want := "../../scenarios/data/chat.jsonl:" + strconv.Itoa(entry.Line) + ": the entry needs " + strconv.Itoa(l.Input) + " + " +
		strconv.Itoa(l.Output) + " = " + strconv.Itoa(l.Input+l.Output) + " tokens, but max_model_len is 250 (the server would answer: " +
		"This model's maximum context length is 250 tokens); the over-length policy \"fail\" stops here, \"skip\" would leave it out and count it"
	if err.Error() != want {
		t.Errorf("message:\n got %v\nwant %s", err, want)
	}
}

// TestWrapWithNothingFitting stops instead of looping.
func TestWrapWithNothingFitting(t *testing.T) {
	p := open(t, sampleChat, JSONL)
	_, err := take(t, sampler(t, p, Sampling{Order: Random, Wrap: true, Filter: Filter{MinOutput: 10000, OverLength: Skip}}, 0), 1)
	want := "../../scenarios/data/chat.jsonl: none of its 60 entries fits (60 of 60 entries left out: 60 output under 10000 tokens)"
	if err == nil || err.Error() != want {
		t.Errorf("%v\nwant %s", err, want)
	}
}

// TestSamplerRejectsIncompleteSettings: no zero value is taken for a default.
func TestSamplerRejectsIncompleteSettings(t *testing.T) {
	p := open(t, sampleChat, JSONL)
	for _, c := range []struct {
		cfg     Sampling
		measure Measure
		want    string
	}{
		{Sampling{Filter: Filter{OverLength: Skip}}, WordLengths(1), `order "" is not "sequential" or "random"`},
		{Sampling{Order: Random}, WordLengths(1), `over-length policy "" is not "skip" or "fail"`},
		{Sampling{Order: Random, Filter: Filter{MinInput: 9, MaxInput: 8, OverLength: Skip}}, WordLengths(1), "the input bounds are empty: min 9 > max 8"},
		{Sampling{Order: Random, Filter: Filter{MaxOutput: -1, OverLength: Skip}}, WordLengths(1), "length bounds must not be negative"},
		{Sampling{Order: Random, Filter: Filter{OverLength: Skip}}, nil, "no measure of lengths"},
	} {
		if _, err := p.Sampler(c.cfg, 0, c.measure); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.cfg, err, c.want)
		}
	}
}

// countingReaderAt records the furthest byte read.
type countingReaderAt struct {
	r   io.ReaderAt
	end int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.end = max(c.end, off+int64(n))
	return n, err
}

// TestLimitStopsTheRead: with a limit, the index holds the first entries
// and the read stops right after them.
func TestLimitStopsTheRead(t *testing.T) {
	var data strings.Builder
	for i := 0; i < 20000; i++ {
		data.WriteString(`{"prompt": "one two three four five six seven eight nine ten"}` + "\n")
	}
	ra := &countingReaderAt{r: strings.NewReader(data.String())}
	p, err := Index(ctx, ra, int64(data.Len()), "big.jsonl", Options{Format: JSONL, MaxRecordBytes: 1000, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if p.Len() != 10 || !p.Stats().Limited || p.Stats().Records != 10 {
		t.Errorf("len %d, stats %+v", p.Len(), p.Stats())
	}
	if ra.end > 2*readBufferSize {
		t.Errorf("read %d of %d bytes for 10 entries", ra.end, data.Len())
	}
	p, _ = Index(ctx, strings.NewReader(data.String()), int64(data.Len()), "big.jsonl", Options{Format: JSONL, MaxRecordBytes: 1000, Limit: 20000})
	if p.Len() != 20000 || p.Stats().Limited {
		t.Errorf("a limit equal to the size: len %d, stats %+v", p.Len(), p.Stats())
	}
}

// TestIndexStopsOnCancel: the context ends a long read.
func TestIndexStopsOnCancel(t *testing.T) {
	c, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Open(c, sampleChat, Options{Format: JSONL, MaxRecordBytes: DefaultMaxRecordBytes}); !errors.Is(err, context.Canceled) {
		t.Errorf("%v, want context.Canceled", err)
	}
}
