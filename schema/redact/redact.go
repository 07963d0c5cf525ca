// Package redact is the one funnel that every string leaving servebench
// passes through: error messages, logs, URLs, run files, reports, stdout and
// stderr. servebench talks to servers it does not control with credentials,
// and those servers echo requests back in error bodies, sometimes escaped
// (JSON's "\/", URL encoding), sometimes cut at an arbitrary byte. So the
// funnel knows every secret of the process in every common encoding, hides
// them before any truncation, and also hides things that look like
// credentials whatever their value ("Bearer ...", "sk-...").
//
// Secrets are registered process-wide with Add (the scenario loader does it
// for the API key, header values, server.secrets and URL userinfo): a
// secret known to one part of the program is then hidden by every other
// part, which is the point. Registering more secrets only ever hides more.
//
// The package also escapes terminal control bytes (Line, Text): a server
// that answers "\x1b[2J" must not be able to rewrite the user's screen.
package redact

import (
	"encoding/base64"
	"encoding/json"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// Mask replaces every hidden value.
const Mask = "[redacted]"

// MinLen is the shortest value Add registers: hiding a value of one to
// three characters everywhere would garble text and hide nothing worth it.
const MinLen = 4

// registry holds every registered secret; the replacer is rebuilt on Add
// and read without locks.
type registry struct {
	mu       sync.Mutex
	forms    []string // every encoding of every secret, deduplicated
	replacer atomic.Pointer[strings.Replacer]
	pieces   atomic.Pointer[pieces] // nil while no form is Piece bytes long
	longest  atomic.Int64           // length of the longest form, for streaming writers
}

var global registry

// Add registers secret values process-wide, each in its raw form and in the
// forms a server might echo it in: JSON-escaped (with and without "\/"),
// also twice (a JSON body quoted inside a JSON message), HTML-escaped (an
// error page) and URL query- and path-escaped. Values shorter than MinLen
// are ignored.
func Add(values ...string) {
	global.mu.Lock()
	defer global.mu.Unlock()
	changed := false
	for _, v := range values {
		if len(v) < MinLen {
			continue
		}
		for _, f := range forms(v) {
			if !slices.Contains(global.forms, f) {
				global.forms = append(global.forms, f)
				changed = true
			}
		}
	}
	if changed {
		global.rebuild()
	}
}

// AddURL registers the userinfo of a URL ("http://user:KEY@host"): the
// password, the "user:password" pair and its base64 form (what an
// Authorization: Basic header carries). A URL without a password adds nothing.
func AddURL(raw string) {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return
	}
	pass, ok := u.User.Password()
	if !ok {
		return
	}
	pair := u.User.Username() + ":" + pass
	Add(pass, pair, base64.StdEncoding.EncodeToString([]byte(pair)))
}

// forms lists the encodings of v a server or a log may contain.
func forms(v string) []string {
	out := []string{v, html.EscapeString(v), htmlTemplateEscaper.Replace(v), url.QueryEscape(v), url.PathEscape(v)}
	once := jsonForms(v)
	out = append(out, once...)
	for _, s := range once {
		out = append(out, jsonForms(s)...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// jsonForms lists s as the inside of a JSON string, as encoding/json writes
// it with and without HTML escaping (\u003c or <), each also with every "/"
// written "\/" as PHP and others do.
func jsonForms(s string) []string {
	var out []string
	if b, err := json.Marshal(s); err == nil {
		out = append(out, string(b[1:len(b)-1]))
	}
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	if enc.Encode(s) == nil {
		e := strings.TrimSuffix(sb.String(), "\n")
		out = append(out, e[1:len(e)-1])
	}
	for _, e := range slices.Clone(out) {
		out = append(out, strings.ReplaceAll(e, "/", `\/`))
	}
	return out
}

// htmlTemplateEscaper escapes as html/template does in text, which differs
// from html.EscapeString in "+" (&#43;).
var htmlTemplateEscaper = strings.NewReplacer(`"`, "&#34;", "'", "&#39;", "&", "&amp;", "+", "&#43;", "<", "&lt;", ">", "&gt;")

// rebuild makes the replacer of all forms, longest first so that a secret
// containing another is hidden whole. Called with mu held.
func (r *registry) rebuild() {
	slices.SortStableFunc(r.forms, func(a, b string) int { return len(b) - len(a) })
	pairs := make([]string, 0, 2*len(r.forms))
	for _, f := range r.forms {
		pairs = append(pairs, f, Mask)
	}
	r.replacer.Store(strings.NewReplacer(pairs...))
	r.pieces.Store(newPieces(r.forms))
	r.longest.Store(int64(len(r.forms[0])))
}

// patterns hide credentials whose value was never registered: bearer
// tokens, Basic credentials and OpenAI-style keys.
//
// Each pattern has a literal its every match contains (case-folded for
// bearer): the regexp, which costs microseconds per line, runs only on
// text that holds it. A server log passes here line by line.
var patterns = []struct {
	re      *regexp.Regexp
	repl    string
	literal string
	fold    bool
}{
	{regexp.MustCompile(`(?i)\b(bearer)(\s+|%20)[A-Za-z0-9._~+/=\-]{8,}`), "${1}${2}" + Mask, "bearer", true},
	{regexp.MustCompile(`\b(Basic)(\s+|%20)[A-Za-z0-9+/]{8,}={0,2}`), "${1}${2}" + Mask, "Basic", false},
	{regexp.MustCompile(`\bsk-[A-Za-z0-9_\-]{6,}`), "sk-" + Mask, "sk-", false},
}

// containsFold reports whether s holds lower (an ASCII lower-case word) in
// any letter case, without allocating.
func containsFold(s, lower string) bool {
	for i := 0; i+len(lower) <= len(s); i++ {
		if s[i]|0x20 == lower[0] && strings.EqualFold(s[i:i+len(lower)], lower) {
			return true
		}
	}
	return false
}

// String hides every registered secret, every piece of one (see Piece) and
// every credential-looking token.
func String(s string) string {
	if r := global.replacer.Load(); r != nil {
		s = r.Replace(s)
	}
	if p := global.pieces.Load(); p != nil {
		s = p.hide(s)
	}
	for _, p := range patterns {
		has := strings.Contains(s, p.literal)
		if p.fold {
			has = containsFold(s, p.literal)
		}
		if has && p.re.MatchString(s) {
			s = p.re.ReplaceAllString(s, p.repl)
		}
	}
	return s
}

// Bytes is String for a byte slice; it returns b itself when nothing changed.
func Bytes(b []byte) []byte {
	s := String(string(b))
	if len(s) == len(b) && s == string(b) {
		return b
	}
	return []byte(s)
}

// Error is String of err's message; "" for a nil error.
func Error(err error) string {
	if err == nil {
		return ""
	}
	return String(err.Error())
}

// Excerpt hides secrets in s, escapes control bytes (newlines and tabs
// included: an excerpt is one line) and then cuts it to at most n bytes on
// a rune boundary, ending in "…" when cut. Hiding comes first, so no cut
// can leave part of a secret behind.
func Excerpt(s string, n int) string {
	return Truncate(Line(String(s)), n)
}

// Truncate cuts s to at most n bytes on a rune boundary, ending in "…" when
// cut. It does not redact: call it only on text that already went through
// String, or use Excerpt.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ell = "…"
	cut := max(n-len(ell), 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ell
}

// URL hides the password of a URL's userinfo ("http://user:[redacted]@host")
// and any registered secret elsewhere in it (a key in the query string).
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return String(raw)
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "REDACTED")
		return String(strings.Replace(u.String(), "REDACTED", Mask, 1))
	}
	return String(raw)
}

// longest is the length of the longest registered form (0: none).
func longest() int { return int(global.longest.Load()) }
