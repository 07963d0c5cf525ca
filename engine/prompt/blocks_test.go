package prompt

import (
	"slices"
	"strings"
	"testing"
)

// A block's tokens follow from its hash id alone: two prompts sharing ids
// share exactly those blocks, a partial last block is the prefix of the
// whole one, the own part differs from the first token, and the length is
// exact; text prompts are built the same way from words.
func TestBlocksShareExactlyTheirIDs(t *testing.T) {
	g := NewGenerator(11)
	a := g.BlockTokenIDs(1, Blocks{Len: 100, IDs: []int{7, 8}, Size: 32})
	b := g.BlockTokenIDs(2, Blocks{Len: 90, IDs: []int{7, 8, 9}, Size: 32})
	c := g.BlockTokenIDs(3, Blocks{Len: 40, IDs: []int{8}, Size: 32})
	if len(a) != 100 || len(b) != 90 || len(c) != 40 {
		t.Fatalf("lengths %d %d %d, want 100 90 40", len(a), len(b), len(c))
	}
	if !slices.Equal(a[:64], b[:64]) || a[64] == b[64] {
		t.Errorf("prompts sharing ids 7 and 8 share %d tokens, want 64", lead(a, b))
	}
	if !slices.Equal(a[32:64], c[:32]) || c[0] == a[0] {
		t.Error("block 8 is not the same 32 tokens wherever it is")
	}
	short := g.BlockTokenIDs(4, Blocks{Len: 40, IDs: []int{7, 8}, Size: 32})
	if !slices.Equal(short, a[:40]) {
		t.Error("a partial last block is not the start of the whole block")
	}
	v := NewVocabulary(words, 3)
	ta := strings.Fields(g.BlockText(1, Blocks{Len: 103, IDs: []int{7, 8}, Size: 32}, v))
	tb := strings.Fields(g.BlockText(2, Blocks{Len: 93, IDs: []int{7, 8, 9}, Size: 32}, v))
	if len(ta) != 100 || len(tb) != 90 || !slices.Equal(ta[:64], tb[:64]) || ta[64] == tb[64] {
		t.Errorf("text prompts of %d and %d words share %d", len(ta), len(tb), lead(ta, tb))
	}
}

func lead[T comparable](a, b []T) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
