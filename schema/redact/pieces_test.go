package redact

import (
	"bytes"
	"encoding/json"
	"html"
	"strings"
	"testing"
)

// TestPiecesOfASecretAreHidden: a server that cuts the key it echoes (at
// either end, at every offset) or escapes it twice over (JSON quoted in an
// HTML page) leaves no Piece bytes of it, and the text around stays.
func TestPiecesOfASecretAreHidden(t *testing.T) {
	js, _ := json.Marshal(key)
	var cases []string
	for i := 1; i < len(key); i++ {
		cases = append(cases, "before "+key[:i]+" after", "before "+key[i:]+" after", "x"+key[i:]+key[:i]+"y")
	}
	cases = append(cases, "<p>"+html.EscapeString(string(js))+"</p>", "k="+strings.ReplaceAll(string(js), `\`, `\\`))
	for _, in := range cases {
		out := String(in)
		if leaks(out, key) {
			t.Fatalf("String(%q) = %q: a piece of the key is left", in, out)
		}
		if !strings.HasPrefix(in, "before ") {
			continue
		}
		if !strings.HasPrefix(out, "before ") || !strings.HasSuffix(out, " after") {
			t.Fatalf("String(%q) = %q: the text around the piece changed", in, out)
		}
	}
}

// TestPiecesLeaveOtherTextAlone: text without any piece of a secret is
// returned as it is, short pieces (below Piece bytes) included.
func TestPiecesLeaveOtherTextAlone(t *testing.T) {
	for _, in := range []string{"", "short", "plain log line without secrets", key[:Piece-1] + " " + key[len(key)-Piece+1:]} {
		if out := String(in); out != in {
			t.Errorf("String(%q) = %q", in, out)
		}
	}
}

// TestWriterKeepsPiecesWhole writes a cut-off piece of the key (no whole
// form) in a line longer than MaxLine, placed so that the writer's cut
// falls on each of its bytes in turn: no part of it is written before the
// rest and hidden with it.
func TestWriterKeepsPiecesWhole(t *testing.T) {
	piece := key[:len(key)-3]
	size := MaxLine + 100
	cut := size - (longest() - 1) // where Write cuts a line it cannot hold
	for k := 1; k < len(piece); k++ {
		var out bytes.Buffer
		w := NewWriter(&out)
		long := strings.Repeat("z", cut-k) + piece
		long += strings.Repeat("z", size-len(long))
		w.Write([]byte(long))
		w.Flush()
		if leaks(out.String(), key) {
			t.Fatalf("cut %d bytes into the piece: a part of it leaked", k)
		}
		if out.Len() != len(long)-len(piece)+len(Mask) {
			t.Fatalf("cut %d bytes into the piece: wrote %d bytes, want %d", k, out.Len(), len(long)-len(piece)+len(Mask))
		}
	}
}

// TestWordsOfASecretStayInText: a secret that holds a word does not hide
// that word in other text (its whole forms are still hidden).
func TestWordsOfASecretStayInText(t *testing.T) {
	const secret = "redirect-Key-0123456789abcdef"
	Add(secret)
	for _, in := range []string{"HTTP 301 redirect to /v1", "ERROR: REDIRECT LOOP"} {
		if out := String(in); out != in {
			t.Errorf("String(%q) = %q", in, out)
		}
	}
	if out := String("key " + secret[:20]); strings.Contains(out, "0123") {
		t.Errorf("a cut-off piece of the secret is left: %q", out)
	}
}
