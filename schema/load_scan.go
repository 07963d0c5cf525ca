package schema

import (
	"strconv"

	"github.com/goccy/go-yaml/token"
)

// maxKeys bounds the mapping keys of one file. goccy/go-yaml's parser takes
// time quadratic in the keys of a mapping (100,000 keys: two minutes), so
// the tokens are counted before they are parsed. The shipped scenarios have
// 20 to 60 keys.
const maxKeys = 5000

// scanTokens checks, before parsing, the two shapes that make goccy/go-yaml's
// parser slow: deep nesting (its time grows with the square of the depth:
// 100,000 nested lists take half a minute) and many keys. It returns the
// token to point at and the problem, or nil. Block nesting is estimated from
// the columns of keys and list dashes, flow nesting from brackets; the
// estimate may exceed the true depth, so it is held to twice maxDepth, and
// the tree builder enforces maxDepth exactly.
func scanTokens(tokens token.Tokens) (*token.Token, string) {
	var flow int
	var block []int // columns of the open block collections
	keys := 0
	for i, tk := range tokens {
		switch tk.Type {
		case token.DocumentHeaderType:
			block = block[:0]
		case token.SequenceStartType, token.MappingStartType:
			flow++
		case token.SequenceEndType, token.MappingEndType:
			flow = max(flow-1, 0)
		case token.SequenceEntryType, token.MappingValueType:
			col := tk.Position.Column
			if tk.Type == token.MappingValueType {
				keys++
				if i > 0 {
					col = tokens[i-1].Position.Column
				}
			}
			if flow == 0 {
				for len(block) > 0 && block[len(block)-1] >= col {
					block = block[:len(block)-1]
				}
				block = append(block, col)
			}
		}
		switch {
		case keys > maxKeys:
			return tk, "the scenario has more than " + strconv.Itoa(maxKeys) + " keys"
		case flow+len(block) > 2*maxDepth:
			return tk, "the scenario is nested more than " + strconv.Itoa(2*maxDepth) + " levels deep"
		}
	}
	return nil, ""
}
