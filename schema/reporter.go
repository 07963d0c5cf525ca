package schema

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// reporter collects the diagnostics of one scenario. It maps document paths
// such as "stages[1].concurrency" to source positions when the scenario came
// from a file; for an in-memory scenario (Validate after overrides) the index
// is empty and diagnostics carry the file name only.
type reporter struct {
	// ctx bounds the reads of the files a scenario names (a dataset, a
	// trace); nil is context.Background.
	ctx       context.Context
	file      string
	src       []byte
	nodes     map[string]ast.Node     // path -> value node, "" is the document root
	keys      map[string]bool         // paths whose key is written in the file
	keyTokens map[string]*token.Token // path -> its key, where unknown keys are pointed at
	// origins maps paths that command-line overrides set to the flag or
	// environment variable that set them: a problem there is theirs, not
	// the file's.
	origins map[string]string
	diags   []Diagnostic
	dropped int // diagnostics beyond maxKeptDiagnostics, counted only
	// structural is the number of diagnostics found before decoding; later
	// (semantic) diagnostics about the same part of the document are dropped
	// because they would only repeat the structural problem.
	structural int
}

func newReporter(file string, src []byte) *reporter {
	return &reporter{file: file, src: src, nodes: map[string]ast.Node{}, keys: map[string]bool{},
		keyTokens: map[string]*token.Token{}, origins: map[string]string{}}
}

// errorf reports a problem at path; the position is that of the closest
// ancestor the file spells out.
func (r *reporter) errorf(path string, format string, args ...any) {
	r.add(path, r.token(path), 0, fmt.Sprintf(format, args...))
}

// errorAt reports a problem at a known token (unknown keys point at the key,
// not at the value).
func (r *reporter) errorAt(path string, tok *token.Token, format string, args ...any) {
	r.add(path, tok, 0, fmt.Sprintf(format, args...))
}

func (r *reporter) add(path string, tok *token.Token, colOffset int, msg string) {
	if r.shadowed(path) {
		return
	}
	d := Diagnostic{File: r.file, Message: msg, Path: path, Origin: r.origin(path)}
	if d.Origin == "" && tok != nil && tok.Position != nil && tok.Position.Line > 0 {
		d.Line, d.Column = tok.Position.Line, tok.Position.Column+colOffset
	}
	if len(r.diags) >= maxKeptDiagnostics {
		r.dropped++
		return
	}
	r.diags = append(r.diags, d)
}

// shadowed is true for a semantic diagnostic about a part of the document that
// already has a structural diagnostic.
func (r *reporter) shadowed(path string) bool {
	for _, d := range r.diags[:r.structural] {
		if within(d.Path, path) || within(path, d.Path) {
			return true
		}
	}
	return false
}

// origin is the override that set path or one of its ancestors, or "".
func (r *reporter) origin(path string) string {
	for p := path; ; p = parentPath(p) {
		if o, ok := r.origins[p]; ok {
			return o
		}
		if p == "" {
			return ""
		}
	}
}

// within reports whether path a is b or lies below it.
func within(a, b string) bool {
	if b == "" {
		return a == ""
	}
	return a == b || strings.HasPrefix(a, b+".") || strings.HasPrefix(a, b+"[")
}

// token returns the token of the closest node the file spells out for path.
func (r *reporter) token(path string) *token.Token {
	for {
		if n, ok := r.nodes[path]; ok && n != nil {
			if tok := nodeToken(n); tok != nil && tok.Position != nil {
				return tok
			}
		}
		if path == "" {
			return nil
		}
		path = parentPath(path)
	}
}

// present reports whether the file writes the key at path explicitly, so that
// defaults never overwrite (and thereby hide) an explicit zero.
func (r *reporter) present(path string) bool { return r.keys[path] }

// parentPath strips the last ".key" or "[i]" of a path.
func parentPath(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// join appends a key to a path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// index appends a list index to a path.
func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// syntaxError reports a YAML syntax error at its position. The parser's
// words ("value is not allowed in this context") say nothing about the
// usual cause, a key indented to a column no key above it uses, so that is
// added when it is the case.
func (r *reporter) syntaxError(err error) {
	var ye yaml.Error
	if !errors.As(err, &ye) {
		r.add("", nil, 0, err.Error())
		return
	}
	msg, tok := ye.GetMessage(), ye.GetToken()
	if tok != nil && tok.Position != nil {
		msg += indentHint(r.src, tok.Position.Line)
	}
	r.add("", tok, 0, msg)
}

// maxShownDiagnostics is how many problems one file reports; a hostile or
// garbled file can have many thousands, and nobody reads past the first.
const maxShownDiagnostics = 100

// maxKeptDiagnostics bounds the memory a file full of problems can take
// before they are sorted and cut to maxShownDiagnostics.
const maxKeptDiagnostics = 10 * maxShownDiagnostics

// result returns the diagnostics as an error, or nil when there are none.
// Only the first maxShownDiagnostics (in source order) are kept, with a note
// saying how many more there were; only those get a source excerpt.
func (r *reporter) result() error {
	if len(r.diags) == 0 {
		return nil
	}
	dedupe(r)
	sortDiagnostics(r.diags)
	if more := len(r.diags) + r.dropped - maxShownDiagnostics; more > 0 {
		r.diags = append(r.diags[:maxShownDiagnostics:maxShownDiagnostics],
			Diagnostic{File: r.file, Message: fmt.Sprintf("%d more problems not shown: fix the ones above first", more)})
	}
	for i := range r.diags {
		r.diags[i].Snippet = snippet(r.src, r.diags[i].Line, r.diags[i].Column)
	}
	return &Diagnostics{List: r.diags}
}

// dedupe drops repeated diagnostics: a bad anchor reached through several
// aliases is reported once (same position, same message).
func dedupe(r *reporter) {
	seen := map[string]bool{}
	out := r.diags[:0]
	for _, d := range r.diags {
		k := fmt.Sprintf("%d:%d:%s:%s", d.Line, d.Column, d.Origin, d.Message)
		if d.Line == 0 {
			k += ":" + d.Path // without a position, the path tells problems apart
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, d)
		}
	}
	r.diags = out
}

// nodeToken is where a node starts as a user sees it: a block mapping's token
// is the colon after its first key, so point at that key instead.
func nodeToken(n ast.Node) *token.Token {
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 && m.Values[0].Key != nil {
		return m.Values[0].Key.GetToken()
	}
	return n.GetToken()
}
