package prompt

// partBlock is the random stream of a replayed trace's block.
const partBlock uint64 = 3

// Blocks is the shape of a replayed trace record's prompt: Len tokens that
// start with one block of Size tokens per hash id in IDs (the last one
// possibly partial), followed by the record's own tokens.
type Blocks struct {
	Len  int
	IDs  []int
	Size int
}

// BlockTokenIDs returns request i's token ids for shape b. A block's tokens
// are a function of (seed, its hash id) alone, so records that share hash
// ids put identical blocks on the wire, and a prefix cache finds them; the
// tokens after the blocks are request i's own, spelled from i like every
// other prompt's own part, so no two records share more than their ids say.
func (g *Generator) BlockTokenIDs(i int, b Blocks) []int {
	dst := make([]int, 0, b.Len)
	for _, id := range b.IDs {
		if len(dst) == b.Len {
			return dst
		}
		r := g.rng(partBlock, id)
		for range min(b.Size, b.Len-len(dst)) {
			dst = append(dst, MinTokenID+int(r.below(tokenSpace)))
		}
	}
	return g.appendPart(dst, partOwn, i, b.Len-len(dst), newPerm(tokenSpace, g.seed))
}

// BlockText is BlockTokenIDs for a text prompt: a block is Size words of v
// drawn from its hash id alone, the request's own words follow, and the
// words are as many as v.ContentWords gives a prompt of b.Len tokens (the
// tokens the server adds around the content shorten the blocks' part).
func (g *Generator) BlockText(i int, b Blocks, v *Vocabulary) string {
	n := v.ContentWords(Shape{Len: b.Len})
	out := make([]byte, 0, n*6)
	words, size := 0, uint64(len(v.words))
	for _, id := range b.IDs {
		r := g.rng(partBlock, id)
		for range min(b.Size, n-words) {
			out = appendWord(out, v.words[r.below(size)])
			words++
		}
	}
	return string(g.appendWords(out, partOwn, i, n-words, v, newPerm(len(v.words), g.seed)))
}
