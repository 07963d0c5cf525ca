package prompt

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/servebench/servebench/schema"
)

func TestTokenIDsDeterministicWhateverTheOrder(t *testing.T) {
	g := NewGenerator(42)
	shape := Shape{Len: 64, Prefix: 16, Group: 3}
	want := make([][]int, 50)
	for i := range want {
		want[i] = g.TokenIDs(i, shape)
	}
	// Ask again, backwards and concurrently, from a fresh generator.
	g2 := NewGenerator(42)
	got := make([][]int, 50)
	var wg sync.WaitGroup
	for i := len(got) - 1; i >= 0; i-- {
		wg.Add(1)
		go func() { defer wg.Done(); got[i] = g2.TokenIDs(i, shape) }()
	}
	wg.Wait()
	for i := range want {
		if !slices.Equal(want[i], got[i]) {
			t.Fatalf("request %d: prompt depends on call order", i)
		}
	}
}

func TestTokenIDsRangeAndLength(t *testing.T) {
	g := NewGenerator(1)
	for _, s := range []Shape{{Len: 0}, {Len: 1}, {Len: 7}, {Len: 1024}, {Len: 40, Prefix: 32, Group: 2}} {
		ids := g.TokenIDs(3, s)
		if len(ids) != s.Len {
			t.Fatalf("TokenIDs(3, %+v) has %d ids", s, len(ids))
		}
		for _, id := range ids {
			if id < MinTokenID || id >= MaxTokenID {
				t.Fatalf("token id %d outside [%d, %d)", id, MinTokenID, MaxTokenID)
			}
		}
	}
	// The ids must actually spread over the range, not sit in a corner.
	ids := g.TokenIDs(9, Shape{Len: 10000})
	lo, hi := slices.Min(ids), slices.Max(ids)
	if lo > MinTokenID+500 || hi < MaxTokenID-500 {
		t.Fatalf("10000 ids span only [%d, %d]", lo, hi)
	}
}

func TestAppendTokenIDsMatchesTokenIDs(t *testing.T) {
	g := NewGenerator(5)
	s := Shape{Len: 32, Prefix: 8, Group: 1}
	buf := []int{-1}
	buf = g.AppendTokenIDs(buf, 11, s)
	if buf[0] != -1 || !slices.Equal(buf[1:], g.TokenIDs(11, s)) {
		t.Fatal("AppendTokenIDs differs from TokenIDs or clobbered dst")
	}
}

// common is the number of leading elements a and b share.
func common[T comparable](a, b []T) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// Without a prefix no two prompts share a leading token: not among 10,000
// measured requests, nor with the warmup requests before them; text prompts
// differ within their first two words.
func TestPromptsDifferFromTheFirstToken(t *testing.T) {
	g := NewGenerator(7)
	first := map[int]int{}
	for i := -100; i < 10_000; i++ {
		id := g.TokenIDs(i, Shape{Len: 4})[0]
		if j, ok := first[id]; ok {
			t.Fatalf("requests %d and %d start with the same token %d", j, i, id)
		}
		first[id] = i
	}
	v := DefaultVocabulary()
	firstWord, firstTwo := map[string]int{}, map[string]int{}
	for i := -10; i < 5000; i++ {
		w := strings.Fields(g.Text(i, Shape{Len: 5}, v))
		if j, ok := firstWord[w[0]]; ok && i < v.Words()-10 {
			t.Fatalf("requests %d and %d start with the same word %q", j, i, w[0])
		}
		if j, ok := firstTwo[w[0]+" "+w[1]]; ok {
			t.Fatalf("requests %d and %d start with the same two words %q", j, i, w[:2])
		}
		firstWord[w[0]], firstTwo[w[0]+" "+w[1]] = i, i
	}
}

// Prompts of one group share exactly the prefix; prompts of different
// groups share nothing, in token ids and in words.
func TestGroupsShareExactlyTheirPrefix(t *testing.T) {
	g := NewGenerator(11)
	const p = 24
	ids := func(i, group int) []int { return g.TokenIDs(i, Shape{Len: p + 8, Prefix: p, Group: group}) }
	words := func(i, group int) []string {
		return strings.Fields(g.Text(i, Shape{Len: p + 8, Prefix: p, Group: group}, DefaultVocabulary()))
	}
	for i := 0; i < 200; i++ {
		for j := i + 1; j < 200; j += 7 {
			if n := common(ids(i, 1+i%3), ids(j, 1+i%3)); n != p {
				t.Fatalf("requests %d and %d of one group share %d leading ids, want %d", i, j, n, p)
			}
			if n := common(words(i, 1+i%3), words(j, 1+i%3)); n != p {
				t.Fatalf("requests %d and %d of one group share %d leading words, want %d", i, j, n, p)
			}
			if n := common(ids(i, 1), ids(j, 2)); n != 0 {
				t.Fatalf("requests of groups 1 and 2 share %d leading ids", n)
			}
		}
	}
}

func TestSeedsDiffer(t *testing.T) {
	s := Shape{Len: 16}
	if slices.Equal(NewGenerator(1).TokenIDs(0, s), NewGenerator(2).TokenIDs(0, s)) {
		t.Fatal("seeds 1 and 2 give the same prompt")
	}
	v := DefaultVocabulary()
	if NewGenerator(1).Text(0, s, v) == NewGenerator(2).Text(0, s, v) {
		t.Fatal("seeds 1 and 2 give the same text")
	}
}

// A text prompt has exactly Len - overhead words, the prefix's first; a
// length at or below the overhead and prefix still gets one word of its own.
func TestTextHasExactlyTheWordsOfItsShape(t *testing.T) {
	g := NewGenerator(3)
	v := NewVocabulary(words[:100], 5)
	for _, c := range []struct {
		s    Shape
		want int
	}{{Shape{Len: 6}, 1}, {Shape{Len: 133}, 128}, {Shape{Len: 4101}, 4096}, {Shape{Len: 3}, 1},
		{Shape{Len: 105, Prefix: 64, Group: 2}, 100}, {Shape{Len: 20, Prefix: 64, Group: 2}, 65}} {
		text := g.Text(1, c.s, v)
		w := strings.Fields(text)
		if len(w) != c.want || v.ContentWords(c.s) != c.want {
			t.Fatalf("Text(1, %+v) has %d words, ContentWords %d, want %d", c.s, len(w), v.ContentWords(c.s), c.want)
		}
		if strings.Contains(text, "  ") || strings.TrimSpace(text) != text {
			t.Fatalf("Text(1, %+v) has irregular spacing", c.s)
		}
		for _, x := range w {
			if !slices.Contains(words[:100], x) {
				t.Fatalf("word %q is not in the vocabulary", x)
			}
		}
		if g.Text(1, c.s, v) != text {
			t.Fatalf("Text(1, %+v) is not deterministic", c.s)
		}
	}
}

func TestWordsAreSingleLowercaseWords(t *testing.T) {
	for _, w := range words {
		if w == "" || strings.ToLower(w) != w || strings.ContainsAny(w, " \t\n'-") {
			t.Fatalf("word %q is not a plain lowercase word", w)
		}
	}
}

// fakeTokenizer counts like a chat template of 7 tokens around content in
// which the listed words take two tokens and every other word one.
type fakeTokenizer struct {
	split map[string]bool
	calls int
}

func (f *fakeTokenizer) Count(_ context.Context, content string) (int, error) {
	f.calls++
	n := 7
	for _, w := range strings.Fields(content) {
		n++
		if f.split[w] {
			n++
		}
	}
	return n, nil
}

// Calibrate measures the overhead and drops exactly the words that are not
// one token, in few calls, without touching the built-in word list.
func TestCalibrateFindsOverheadAndSplitWords(t *testing.T) {
	before := slices.Clone(words)
	f := &fakeTokenizer{split: map[string]bool{"government": true, "president": true, "children": true}}
	v, err := Calibrate(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if v.Overhead() != 7 || v.Words() != len(words)-3 {
		t.Fatalf("overhead %d, %d words; want 7 and %d", v.Overhead(), v.Words(), len(words)-3)
	}
	for w := range f.split {
		if slices.Contains(v.words, w) {
			t.Errorf("kept %q, which is two tokens", w)
		}
	}
	if f.calls > 2+2*8*3 {
		t.Errorf("%d tokenizer calls for 3 split words", f.calls)
	}
	if !slices.Equal(words, before) {
		t.Fatal("Calibrate changed the built-in word list")
	}
	// With the calibrated vocabulary, the fake counts exactly the length asked for.
	g := NewGenerator(1)
	for _, n := range []int{8, 9, 100, 3000} {
		if got, _ := f.Count(context.Background(), g.Text(4, Shape{Len: n}, v)); got != n {
			t.Errorf("a prompt built for %d tokens counts %d", n, got)
		}
	}
}

// A tokenizer that splits nearly every word is refused after a bounded
// number of calls rather than asked about each word.
func TestCalibrateGivesUpOnAStrangeTokenizer(t *testing.T) {
	split := map[string]bool{}
	for _, w := range words[1:] {
		split[w] = true
	}
	f := &fakeTokenizer{split: split}
	if _, err := Calibrate(context.Background(), f); err == nil || f.calls > maxCalibrationCalls+1 {
		t.Fatalf("err %v after %d calls", err, f.calls)
	}
}

func BenchmarkTokenIDs(b *testing.B) {
	g := NewGenerator(1)
	buf := make([]int, 0, 1024)
	for i := 0; b.Loop(); i++ {
		buf = g.AppendTokenIDs(buf[:0], i, Shape{Len: 1024})
	}
}

// BenchmarkTokenIDsPrefix is a 1024-token prompt of which 768 are a group
// prefix, regenerated per request: the cost of not caching prefixes.
func BenchmarkTokenIDsPrefix(b *testing.B) {
	g := NewGenerator(1)
	buf := make([]int, 0, 1024)
	for i := 0; b.Loop(); i++ {
		buf = g.AppendTokenIDs(buf[:0], i, Shape{Len: 1024, Prefix: 768, Group: 1 + i%16})
	}
}

func BenchmarkText(b *testing.B) {
	g := NewGenerator(1)
	v := DefaultVocabulary()
	for i := 0; b.Loop(); i++ {
		_ = g.Text(i, Shape{Len: 1024}, v)
	}
}

// Every prefix group the scenario language allows starts with a token id
// of its own.
func TestEnoughTokenIDsForEveryGroup(t *testing.T) {
	if schema.MaxPrefixGroups > tokenSpace {
		t.Fatalf("prefix.groups may reach %d, but only %d token ids start a part", schema.MaxPrefixGroups, tokenSpace)
	}
}
