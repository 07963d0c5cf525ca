package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

const key = "sb-k3y/With+Sl@sh<x>&tail99"

func init() { Add(key, "ab") } // "ab" is below MinLen and must not be registered

// leaks reports whether out contains any 8-byte substring of secret.
func leaks(out, secret string) bool {
	for i := 0; i+8 <= len(secret); i++ {
		if strings.Contains(out, secret[i:i+8]) {
			return true
		}
	}
	return false
}

func TestStringHidesEveryEncoding(t *testing.T) {
	raw, _ := json.Marshal(key)
	var noHTML bytes.Buffer
	enc := json.NewEncoder(&noHTML)
	enc.SetEscapeHTML(false)
	enc.Encode(key)
	cases := map[string]string{
		"raw":            "echo: " + key + " end",
		"json":           `{"h":` + string(raw) + `}`,
		"json no html":   noHTML.String(),
		"json slash":     strings.ReplaceAll(string(raw), "/", `\/`),
		"query escaped":  "u?k=" + url.QueryEscape(key),
		"path escaped":   "/p/" + url.PathEscape(key),
		"bearer unknown": "Authorization: Bearer abcdefgh12345678",
		"sk key":         "key sk-abcdef123456 used",
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			out := String(in)
			if leaks(out, key) || strings.Contains(out, "abcdefgh12345678") || strings.Contains(out, "abcdef123456") {
				t.Fatalf("String(%q) = %q: still carries the secret", in, out)
			}
			if !strings.Contains(out, Mask) {
				t.Fatalf("String(%q) = %q: no mask", in, out)
			}
		})
	}
	if got := String("ab cd basic setup"); got != "ab cd basic setup" {
		t.Fatalf("short values and plain words must stay: %q", got)
	}
}

func TestExcerptRedactsBeforeCutting(t *testing.T) {
	body := strings.Repeat("x", 500) + key + strings.Repeat("y", 100)
	for n := 490; n < 540; n++ {
		out := Excerpt(body, n)
		if len(out) > n {
			t.Fatalf("Excerpt(_, %d) is %d bytes", n, len(out))
		}
		if leaks(out, key) {
			t.Fatalf("Excerpt(_, %d) = ...%q leaks part of the key", n, out[max(len(out)-40, 0):])
		}
	}
}

func TestAddURL(t *testing.T) {
	AddURL("http://bob:s3cr3t-Pa55@example.test:8000")
	pair := base64.StdEncoding.EncodeToString([]byte("bob:s3cr3t-Pa55"))
	for _, in := range []string{"pass s3cr3t-Pa55", "Authorization: Basic " + pair, "bob:s3cr3t-Pa55@host"} {
		if out := String(in); strings.Contains(out, "s3cr3t") || strings.Contains(out, pair) {
			t.Fatalf("String(%q) = %q", in, out)
		}
	}
	if got := URL("http://bob:other-pw-99@h:1/v1"); got != "http://bob:"+Mask+"@h:1/v1" {
		t.Fatalf("URL = %q", got)
	}
	if got := URL("http://h:1/v1"); got != "http://h:1/v1" {
		t.Fatalf("URL without userinfo = %q", got)
	}
}

func TestControlBytesEscaped(t *testing.T) {
	in := "ok\x1b]0;pwned\x07\x1b[2J\r\nnext\tcol\u202eevil\xff"
	if got, want := Line(in), `ok\x1b]0;pwned\a\x1b[2J\r\nnext\tcol\u202eevil\xff`; got != want {
		t.Fatalf("Line = %q, want %q", got, want)
	}
	if got, want := Text(in), "ok\\x1b]0;pwned\\a\\x1b[2J\\r\nnext\tcol\\u202eevil\\xff"; got != want {
		t.Fatalf("Text = %q, want %q", got, want)
	}
	if s := "plain ünïcode"; Line(s) != s {
		t.Fatalf("Line changed printable text: %q", Line(s))
	}
}

// TestWriterSplitSecrets writes the key cut at every offset, and inside a
// line longer than MaxLine, and checks nothing of it reaches the output.
func TestWriterSplitSecrets(t *testing.T) {
	line := "token=" + key + "\n"
	for cut := 1; cut < len(line); cut++ {
		var out bytes.Buffer
		w := NewWriter(&out)
		w.Write([]byte(line[:cut]))
		w.Write([]byte(line[cut:]))
		w.Flush()
		if leaks(out.String(), key) || !strings.Contains(out.String(), Mask) {
			t.Fatalf("cut %d: %q", cut, out.String())
		}
	}
	for off := MaxLine - len(key); off <= MaxLine+2; off++ {
		var out bytes.Buffer
		w := NewWriter(&out)
		long := strings.Repeat("z", off) + key + strings.Repeat("z", 10)
		for i := 0; i < len(long); i += 4096 {
			w.Write([]byte(long[i:min(i+4096, len(long))]))
		}
		w.Flush()
		if leaks(out.String(), key) {
			t.Fatalf("offset %d: secret across the long-line cut leaked", off)
		}
		if out.Len() != len(long)-len(key)+len(Mask) {
			t.Fatalf("offset %d: wrote %d bytes, want %d", off, out.Len(), len(long)-len(key)+len(Mask))
		}
	}
}

func TestMessageWriterHoldsNothing(t *testing.T) {
	var out bytes.Buffer
	w := NewMessageWriter(&out)
	w.Write([]byte("\r[1/2] frame " + key))
	if !strings.HasPrefix(out.String(), "\r[1/2] frame "+Mask) {
		t.Fatalf("got %q", out.String())
	}
}
