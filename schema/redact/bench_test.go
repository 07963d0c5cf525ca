package redact

import (
	"strings"
	"testing"
)

// BenchmarkString hides the test key (registered in init) in text without
// secrets, the common case: a requests.jsonl line and a 64 KiB log chunk.
func BenchmarkString(b *testing.B) {
	line := `{"stage":"sweep/safe/c8","start_s":12.5,"ttft_ms":48.2,"itl_ms":[9.1,9.3,9.0,9.4],"e2el_ms":1397.2,` +
		`"input_tokens":256,"output_tokens":128,"token_source":"usage","error":null}`
	chunk := strings.Repeat("INFO 03-14 09:26:53 engine.py:290] Added request cmpl-1f2e3d4c5b6a.\n", 1000)
	for _, c := range []struct{ name, s string }{{"line", line}, {"log64k", chunk}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.s)))
			for b.Loop() {
				_ = String(c.s)
			}
		})
	}
}

// BenchmarkPieces is the part of String that looks for pieces of secrets
// (see Piece), on the same texts: its share of String's time.
func BenchmarkPieces(b *testing.B) {
	p := global.pieces.Load()
	line := `{"stage":"sweep/safe/c8","start_s":12.5,"ttft_ms":48.2,"itl_ms":[9.1,9.3,9.0,9.4],"e2el_ms":1397.2,` +
		`"input_tokens":256,"output_tokens":128,"token_source":"usage","error":null}`
	chunk := strings.Repeat("INFO 03-14 09:26:53 engine.py:290] Added request cmpl-1f2e3d4c5b6a.\n", 1000)
	for _, c := range []struct{ name, s string }{{"line", line}, {"log64k", chunk}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.s)))
			for b.Loop() {
				_ = p.hide(c.s)
			}
		})
	}
}
