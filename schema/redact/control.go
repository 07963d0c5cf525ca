package redact

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Line makes s safe to print on one line of a terminal or a Markdown table:
// every control byte (C0, DEL, C1, newlines and tabs included) and every
// invalid UTF-8 byte is written as a visible Go escape such as \x1b or \n.
// A server-controlled string can then neither move the cursor, set the
// window title, clear the screen nor forge a line of servebench's output.
func Line(s string) string { return escape(s, false) }

// Text is Line for multi-line text: newlines and tabs are kept, every other
// control byte is escaped.
func Text(s string) string { return escape(s, true) }

// Safe is the usual treatment of a string from outside going to a user:
// secrets hidden, control bytes escaped (newlines kept).
func Safe(s string) string { return Text(String(s)) }

func escape(s string, keepLines bool) string {
	i := firstUnsafe(s, keepLines)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		case keepLines && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case isControl(r):
			q := strconv.QuoteRune(r) // '\x1b', '\n', '\u0085'
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// firstUnsafe is the index of the first byte escape would change, or -1.
func firstUnsafe(s string, keepLines bool) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || (isControl(r) && !(keepLines && (r == '\n' || r == '\t'))) {
			return i
		}
		i += size
	}
	return -1
}

// isControl covers C0, DEL and C1 (U+0080..U+009F, which some terminals
// still obey) and the bidirectional overrides that reorder displayed text.
func isControl(r rune) bool {
	return unicode.IsControl(r) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

func hex2(b byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[b>>4], digits[b&0xf]})
}
