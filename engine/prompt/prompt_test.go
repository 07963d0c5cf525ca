package prompt

import (
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestTokenIDsDeterministicWhateverTheOrder(t *testing.T) {
	g := NewGenerator(42)
	want := make([][]int, 50)
	for i := range want {
		want[i] = g.TokenIDs(i, 64)
	}
	// Ask again, backwards and concurrently, from a fresh generator.
	g2 := NewGenerator(42)
	got := make([][]int, 50)
	var wg sync.WaitGroup
	for i := len(got) - 1; i >= 0; i-- {
		wg.Add(1)
		go func() { defer wg.Done(); got[i] = g2.TokenIDs(i, 64) }()
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
	for _, n := range []int{0, 1, 7, 1024} {
		ids := g.TokenIDs(3, n)
		if len(ids) != n {
			t.Fatalf("TokenIDs(3, %d) has %d ids", n, len(ids))
		}
		for _, id := range ids {
			if id < MinTokenID || id >= MaxTokenID {
				t.Fatalf("token id %d outside [%d, %d)", id, MinTokenID, MaxTokenID)
			}
		}
	}
	// The ids must actually spread over the range, not sit in a corner.
	ids := g.TokenIDs(9, 10000)
	lo, hi := slices.Min(ids), slices.Max(ids)
	if lo > MinTokenID+500 || hi < MaxTokenID-500 {
		t.Fatalf("10000 ids span only [%d, %d]", lo, hi)
	}
}

func TestAppendTokenIDsMatchesTokenIDs(t *testing.T) {
	g := NewGenerator(5)
	buf := []int{-1}
	buf = g.AppendTokenIDs(buf, 11, 32)
	if buf[0] != -1 || !slices.Equal(buf[1:], g.TokenIDs(11, 32)) {
		t.Fatal("AppendTokenIDs differs from TokenIDs or clobbered dst")
	}
}

func TestPromptsDifferFromTheFirstToken(t *testing.T) {
	g := NewGenerator(7)
	firstIDs := map[[4]int]int{}
	firstWords := map[string]int{}
	for i := 0; i < 2000; i++ {
		ids := g.TokenIDs(i, 4)
		key := [4]int(ids)
		if j, ok := firstIDs[key]; ok {
			t.Fatalf("requests %d and %d share their first 4 token ids", j, i)
		}
		firstIDs[key] = i
		w := g.Text(i, 5)
		if j, ok := firstWords[w]; ok {
			t.Fatalf("requests %d and %d share their first 5 words %q", j, i, w)
		}
		firstWords[w] = i
	}
}

func TestSeedsDiffer(t *testing.T) {
	if slices.Equal(NewGenerator(1).TokenIDs(0, 16), NewGenerator(2).TokenIDs(0, 16)) {
		t.Fatal("seeds 1 and 2 give the same prompt")
	}
	if NewGenerator(1).Text(0, 16) == NewGenerator(2).Text(0, 16) {
		t.Fatal("seeds 1 and 2 give the same text")
	}
}

func TestTextHasExactlyNWords(t *testing.T) {
	g := NewGenerator(3)
	for _, n := range []int{0, 1, 2, 128, 4096} {
		text := g.Text(1, n)
		if got := len(strings.Fields(text)); got != n {
			t.Fatalf("Text(1, %d) has %d words", n, got)
		}
		if strings.Contains(text, "  ") || strings.TrimSpace(text) != text {
			t.Fatalf("Text(1, %d) has irregular spacing", n)
		}
		if g.Text(1, n) != text {
			t.Fatalf("Text(1, %d) is not deterministic", n)
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

func BenchmarkTokenIDs(b *testing.B) {
	g := NewGenerator(1)
	buf := make([]int, 0, 1024)
	for i := 0; b.Loop(); i++ {
		buf = g.AppendTokenIDs(buf[:0], i, 1024)
	}
}

func BenchmarkText(b *testing.B) {
	g := NewGenerator(1)
	for i := 0; b.Loop(); i++ {
		_ = g.Text(i, 1024)
	}
}
