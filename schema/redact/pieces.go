package redact

import "strings"

// Piece is the length of the shortest piece of a secret that is hidden on
// its own. Whole forms are not enough: a server may cut a secret it echoes
// (its own excerpt or log line limit) or escape it in a way no form
// foresees (a JSON error quoted in an HTML page), and what is left is a
// piece. So every run of overlapping or adjacent Piece-byte windows of
// registered forms is hidden whole: no Piece bytes in a row of a secret's
// registered form leave the process, however the text around was cut or
// escaped. What is left (a secret's edge next to an unforeseen escape) is
// shorter than Piece bytes.
//
// A window of letters of one case only ("redirect", "ERROR") is not a
// piece: it is as likely a word of the text around as part of a secret,
// and hiding it would garble messages wherever a secret holds a word. A
// random key's windows almost all hold a digit, a symbol or both cases.
const Piece = 8

// pieces indexes the Piece-byte windows of every registered form.
type pieces struct {
	windows map[uint64]struct{}
	// first has a bit for the first two bytes of every window: most
	// positions of text without secrets are rejected by it alone.
	first [1 << 16 / 64]uint64
}

func newPieces(forms []string) *pieces {
	p := &pieces{windows: map[uint64]struct{}{}}
	for _, f := range forms {
		for i := 0; i+Piece <= len(f); i++ {
			if word(f[i : i+Piece]) {
				continue
			}
			p.windows[window(f, i)] = struct{}{}
			b := pair(f, i)
			p.first[b/64] |= 1 << (b % 64)
		}
	}
	if len(p.windows) == 0 {
		return nil
	}
	return p
}

// word reports whether s is ASCII letters of one case only.
func word(s string) bool {
	lower := strings.ToLower(s)
	if lower != s && strings.ToUpper(s) != s {
		return false
	}
	for _, c := range lower {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// window is the Piece bytes of s at i as one number.
func window(s string, i int) uint64 {
	_ = s[i+7]
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}

func pair(s string, i int) uint16 { return uint16(s[i]) | uint16(s[i+1])<<8 }

// at reports whether a window of a form starts at s[i].
func (p *pieces) at(s string, i int) bool {
	b := pair(s, i)
	if p.first[b/64]&(1<<(b%64)) == 0 {
		return false
	}
	_, ok := p.windows[window(s, i)]
	return ok
}

// hide replaces every run of overlapping or adjacent windows with Mask.
func (p *pieces) hide(s string) string {
	var b strings.Builder
	last, start, end := 0, -1, -1 // written up to last; the current run is s[start:end]
	for i := 0; i+Piece <= len(s); i++ {
		if !p.at(s, i) {
			continue
		}
		if start >= 0 && i > end {
			b.WriteString(s[last:start])
			b.WriteString(Mask)
			last, start = end, -1
		}
		if start < 0 {
			start = i
		}
		end = i + Piece
	}
	if start < 0 && last == 0 {
		return s
	}
	if start >= 0 {
		b.WriteString(s[last:start])
		b.WriteString(Mask)
		last = end
	}
	b.WriteString(s[last:])
	return b.String()
}

// straddle returns the end of the run of windows that covers s[n-1] and
// s[n], or n when none does: a streaming writer must not cut there.
func (p *pieces) straddle(s string, n int) int {
	for moved := true; moved; {
		moved = false
		for i := max(n-Piece+1, 0); i < n && i+Piece <= len(s); i++ {
			if i+Piece > n && p.at(s, i) {
				n, moved = i+Piece, true
				break
			}
		}
	}
	return n
}
