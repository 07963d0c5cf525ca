package client

import (
	"encoding/json"
	"strconv"
	"testing"
	"unicode/utf8"
)

// FuzzAppendString: the hand-written encoder produces JSON that decodes to
// the input, with invalid UTF-8 replaced as encoding/json does.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "q\"b\\s", "\x00\x1f\n\t\r", "é中文", "\xff\xfe", "a\u2028b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc := appendString(nil, s)
		var got string
		if err := json.Unmarshal(enc, &got); err != nil {
			t.Fatalf("appendString(%q) = %s: not JSON: %v", s, enc, err)
		}
		want := s
		if !utf8.ValidString(s) {
			b, _ := json.Marshal(s)
			_ = json.Unmarshal(b, &want)
		}
		if got != want {
			t.Fatalf("appendString(%q) decodes to %q, want %q", s, got, want)
		}
	})
}

// BenchmarkRequestBody compares the hand-written body with json.Marshal of
// an equivalent struct, for a 1024-token prompt.
func BenchmarkRequestBody(b *testing.B) {
	c := &Client{cfg: Config{Model: "meta-llama/Llama-3.1-8B-Instruct", Stream: true, IgnoreEOS: true}}
	ids := make([]int, 1024)
	for i := range ids {
		ids[i] = 1000 + i*29%29000
	}
	req := &Request{OutputLen: 128, TokenIDs: ids}
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 8192)
		for b.Loop() {
			buf = c.appendBody(buf[:0], req)
		}
	})
	type streamOptions struct {
		IncludeUsage bool `json:"include_usage"`
	}
	type body struct {
		Model         string        `json:"model"`
		Prompt        []int         `json:"prompt"`
		MaxTokens     int           `json:"max_tokens"`
		Stream        bool          `json:"stream"`
		StreamOptions streamOptions `json:"stream_options"`
		IgnoreEOS     bool          `json:"ignore_eos"`
	}
	b.Run("json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = json.Marshal(body{c.cfg.Model, ids, 128, true, streamOptions{true}, true})
		}
	})
}

func TestAppendIntMatchesStrconv(t *testing.T) {
	for _, n := range []int{0, 7, 10, 999, 1000, 29999, 123456789, 999999999, 1e9, 1<<62 + 5, -1, -1234} {
		if got, want := string(appendInt(nil, n)), strconv.Itoa(n); got != want {
			t.Errorf("appendInt(%d) = %q", n, got)
		}
	}
}
