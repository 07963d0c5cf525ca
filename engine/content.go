package engine

import (
	"github.com/servebench/servebench/engine/client"
	"github.com/servebench/servebench/engine/prompt"
	"github.com/servebench/servebench/engine/traffic"
)

// content sets the prompt of a spec whose source fixed what it sends: a
// dataset record's text or messages, sent as they are, or a replayed
// record's blocks. It reports false for a spec the session synthesizes a
// prompt for.
func (s *session) content(g *prompt.Generator, i int, sp traffic.Spec, r *client.Request) bool {
	switch {
	case sp.Messages != nil:
		r.Messages = sp.Messages
	case sp.Text != "":
		r.Text = sp.Text
	case sp.BlockSize > 0:
		b := prompt.Blocks{Len: sp.Input, IDs: sp.Blocks, Size: sp.BlockSize}
		if s.tokens {
			r.TokenIDs = g.BlockTokenIDs(i, b)
		} else {
			r.Text = g.BlockText(i, b, s.vocab)
		}
	default:
		return false
	}
	return true
}

// turnText is the user's message of a synthetic conversation turn: words
// of the session's vocabulary, as many as the turn's input asks for, the
// profile's prefix first on the first turn. Unlike a whole prompt, a
// message has no template of its own to leave room for (the history's
// template grows with every turn), so the vocabulary's overhead is given
// back to it.
func (s *session) turnText(g *prompt.Generator, key int, sp traffic.Spec) string {
	return g.Text(key, prompt.Shape{Len: sp.Input + s.vocab.Overhead(), Prefix: sp.Prefix, Group: sp.Group}, s.vocab)
}
