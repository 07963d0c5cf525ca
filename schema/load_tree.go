package schema

import (
	"context"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// Bounds on what one scenario may expand to. A scenario file is a few
// kilobytes; these limits are far above any real one and far below what
// could exhaust memory or time, whatever aliases, merge keys and ${VAR}
// references a hostile file uses.
const (
	// maxDepth bounds nesting (alias chains included) so no input can
	// exhaust the stack.
	maxDepth = 64
	// maxValues bounds the values of the expanded document: every alias
	// and merge key counts every value it copies, so a "billion laughs"
	// file stops here after a few milliseconds.
	maxValues = 100_000
	// MaxExpandedBytes bounds the text of all values after alias and
	// ${VAR} expansion, so 60 KB of references to a 128 KB variable cannot
	// make gigabytes.
	MaxExpandedBytes = 1 << 20
)

// tree is the document as plain values (map[string]any, []any, string,
// int64, float64, bool, nil): the instance the JSON Schema check reads, with
// anchors, aliases and merge keys resolved and ${VAR} expanded. Building it
// records, for every path, the node and key token diagnostics point at.
type treeBuilder struct {
	ctx     context.Context
	r       *reporter
	env     func(string) (string, bool) // nil: values are taken as written
	anchors map[string]ast.Node
	depth   int
	values  int
	bytes   int
	stopped bool // a bound was hit or ctx was cancelled: the tree is incomplete
	// expanding is the path of the outermost alias or merge key being
	// expanded: a bound hit inside it is reported there, where the file
	// asks for the expansion, not deep inside an anchor.
	expanding string
}

// build returns the tree of the document body root, a mapping; ok is false
// when the builder stopped (a bound was hit, or ctx was cancelled) and the
// tree must not be used.
func (b *treeBuilder) build(root *ast.MappingNode) (map[string]any, bool) {
	b.anchors = collectAnchors(root)
	m, _ := b.mapping("", root)
	return m, !b.stopped
}

// value converts the node at path; ok is false when the node is invalid (and
// reported), in which case the caller leaves the key out.
func (b *treeBuilder) value(path string, raw ast.Node) (v any, ok bool) {
	if b.stopped || !b.count(path, 1, 0) {
		return nil, false
	}
	b.depth++
	defer func() { b.depth-- }()
	if b.depth > maxDepth {
		b.stop(path, "%s is nested too deeply (more than %d levels, aliases included)", fieldName(path), maxDepth)
		return nil, false
	}
	if _, alias := raw.(*ast.AliasNode); alias && b.expanding == "" {
		b.expanding = path
		defer func() { b.expanding = "" }()
	}
	n := b.resolve(path, raw)
	if n == nil {
		return nil, false
	}
	if _, seen := b.r.nodes[path]; !seen { // a key written in place wins over a merged one
		if _, alias := raw.(*ast.AliasNode); alias {
			b.r.nodes[path] = raw
		} else {
			b.r.nodes[path] = n
		}
	}
	switch n := n.(type) {
	case *ast.MappingNode:
		return b.mapping(path, n)
	case *ast.MappingValueNode:
		return b.mapping(path, &ast.MappingNode{BaseNode: n.BaseNode, Values: []*ast.MappingValueNode{n}})
	case *ast.SequenceNode:
		return b.sequence(path, n)
	}
	return b.scalar(path, n)
}

// count charges one value of size bytes to the budget; false (after
// reporting once) when a bound is exceeded or ctx is cancelled.
func (b *treeBuilder) count(path string, values, size int) bool {
	if b.stopped {
		return false
	}
	b.values += values
	b.bytes += size
	switch {
	case b.values > maxValues && b.expanding != "":
		b.stop(path, "aliases and merge keys here expand to more than %d values, far more than any scenario needs: anchors that repeat other anchors many times over grow exponentially", maxValues)
	case b.values > maxValues:
		b.stop(path, "the scenario holds more than %d values, far more than any scenario needs", maxValues)
	case b.bytes > MaxExpandedBytes:
		b.stop(path, "the scenario's values, with aliases and ${VAR} references expanded, exceed %d bytes", MaxExpandedBytes)
	case b.values%1024 == 0 && b.ctx.Err() != nil:
		b.stopped = true
	}
	return !b.stopped
}

// stop reports why the tree is incomplete; later steps are skipped.
func (b *treeBuilder) stop(path, format string, args ...any) {
	if b.expanding != "" {
		path = b.expanding
	}
	b.r.errorf(path, format, args...)
	b.stopped = true
}

// resolve follows anchors and aliases to the value they name. YAML tags are
// rejected: scenarios never need them, and goccy/go-yaml mishandles some (a
// tag without a value panics its decoder). nil means the node is invalid
// and has been reported.
func (b *treeBuilder) resolve(path string, n ast.Node) ast.Node {
	for range maxDepth {
		switch v := n.(type) {
		case *ast.TagNode:
			b.r.errorAt(path, v.GetToken(), "%s: YAML tags such as %s are not supported in scenario files", fieldName(path), v.GetToken().Value)
			return nil
		case *ast.AnchorNode:
			n = v.Value
		case *ast.AliasNode:
			if v.Value == nil || v.Value.GetToken() == nil || b.anchors[v.Value.GetToken().Value] == nil {
				b.r.errorAt(path, v.GetToken(), "%s: alias to an unknown anchor", fieldName(path))
				return nil
			}
			n = b.anchors[v.Value.GetToken().Value]
		case nil:
			return ast.Null(nil)
		default:
			return n
		}
	}
	b.r.errorf(path, "%s: anchors and aliases nest too deeply", fieldName(path))
	return nil
}

// mapping converts a mapping. Keys written in the mapping win over merged
// ones (`<<: *defaults`), and of several merged mappings the first wins, as
// YAML's merge key specifies. A key without a value (`requests:`) is null,
// which no field's type accepts: the schema check says so, as editors do.
func (b *treeBuilder) mapping(path string, m *ast.MappingNode) (map[string]any, bool) {
	out := make(map[string]any, len(m.Values))
	var merges []ast.Node
	for _, mv := range m.Values {
		if _, merge := mv.Key.(*ast.MergeKeyNode); merge {
			merges = append(merges, mv.Value)
			continue
		}
		key := keyString(mv.Key)
		if path == "" && strings.HasPrefix(key, "x-") {
			continue // free-form anchor holders
		}
		if key == "" {
			b.r.errorAt(path, mv.Key.GetToken(), "%s has an empty key", fieldName(path))
			continue
		}
		b.entry(out, path, key, mv.Key.GetToken(), mv.Value)
	}
	for _, mv := range merges {
		b.merge(out, path, mv)
	}
	return out, true
}

// entry adds key: node to out unless out already has key.
func (b *treeBuilder) entry(out map[string]any, path, key string, keyTok *token.Token, node ast.Node) {
	if _, done := out[key]; done {
		return
	}
	p := join(path, key)
	b.r.keys[p] = true
	if _, seen := b.r.keyTokens[p]; !seen {
		b.r.keyTokens[p] = keyTok
	}
	if node == nil {
		out[key] = nil
		return
	}
	if v, ok := b.value(p, node); ok {
		out[key] = v
	}
}

// merge adds the entries of a merged mapping (or of each mapping of a list).
func (b *treeBuilder) merge(out map[string]any, path string, raw ast.Node) {
	if b.expanding == "" {
		b.expanding = path
		defer func() { b.expanding = "" }()
	}
	n := b.resolve(path, raw)
	targets := []ast.Node{n}
	if s, ok := n.(*ast.SequenceNode); ok {
		targets = s.Values
	}
	for _, t := range targets {
		if !b.count(path, 1, 0) { // a merge copies a mapping: it costs like one
			return
		}
		m, ok := b.resolve(path, t).(*ast.MappingNode)
		if !ok {
			if t != nil && n != nil {
				b.r.errorAt(path, t.GetToken(), "%s: a merge key (<<) takes a mapping or a list of mappings, such as <<: *defaults", fieldName(path))
			}
			continue
		}
		b.depth++
		merged, _ := b.mapping(path, m)
		b.depth--
		for k, v := range merged {
			if _, written := out[k]; !written {
				out[k] = v
			}
		}
	}
}

// sequence converts a list; nulls stay as nil so that "must be a profile
// name, got null" can be said. One invalid element invalidates the list.
func (b *treeBuilder) sequence(path string, s *ast.SequenceNode) ([]any, bool) {
	out := make([]any, 0, len(s.Values))
	valid := true
	for i, n := range s.Values {
		v, ok := b.value(index(path, i), n)
		valid = valid && ok
		out = append(out, v)
	}
	return out, valid
}

// scalar converts a scalar; strings get ${VAR} expanded. Integers are
// int64 and other numbers float64, as the schema check and the decoder
// expect.
func (b *treeBuilder) scalar(path string, n ast.Node) (any, bool) {
	switch v := n.(type) {
	case *ast.NullNode:
		return nil, true
	case *ast.BoolNode:
		return v.Value, true
	case *ast.IntegerNode:
		switch x := v.Value.(type) {
		case int64:
			return x, true
		case uint64:
			if x <= math.MaxInt64 {
				return int64(x), true
			}
			return float64(x), true // out of every integer field's range
		}
	case *ast.FloatNode:
		if math.IsInf(v.Value, 0) || math.IsNaN(v.Value) {
			break
		}
		return number(v.Value), true
	case *ast.StringNode:
		return b.text(path, v.Value)
	case *ast.LiteralNode:
		if v.Value == nil {
			return "", true
		}
		return b.text(path, v.Value.Value)
	}
	switch n.Type() {
	case ast.InfinityType, ast.NanType, ast.IntegerType, ast.FloatType:
		b.r.errorf(path, "%s is out of range: %s", fieldName(path), n.GetToken().Value)
		return nil, false
	}
	b.r.errorf(path, "%s: unsupported YAML value, %s", fieldName(path), describeNode(n))
	return nil, false
}

// text expands ${VAR} in a string value within the byte budget. Expansion
// happens on values, never on the raw text, so a variable can only ever
// become (part of) a string: it cannot inject YAML structure.
func (b *treeBuilder) text(path, s string) (any, bool) {
	if b.env != nil && strings.Contains(s, "$") {
		out, err := expandEnv(s, b.env, MaxExpandedBytes-b.bytes)
		if err != nil {
			b.r.errorf(path, "%s: %v", fieldName(path), err)
			return nil, false
		}
		s = out
	}
	if !utf8.ValidString(s) {
		b.r.errorf(path, "%s is not valid UTF-8 text", fieldName(path))
		return nil, false
	}
	if !b.count(path, 0, len(s)) {
		return nil, false
	}
	return s, true
}

// number is a float as the tree holds it: int64 when it is a whole number
// an int64 holds (1.0 is 1, as JSON Schema counts it), else float64.
func number(f float64) any {
	if f == math.Trunc(f) && math.Abs(f) < 1<<63 {
		return int64(f)
	}
	return f
}

// collectAnchors maps anchor names to their values so aliases can be followed.
func collectAnchors(root ast.Node) map[string]ast.Node {
	v := anchorVisitor{}
	ast.Walk(v, root)
	return v
}

type anchorVisitor map[string]ast.Node

func (v anchorVisitor) Visit(n ast.Node) ast.Visitor {
	if a, ok := n.(*ast.AnchorNode); ok && a.Name != nil && a.Name.GetToken() != nil {
		v[a.Name.GetToken().Value] = a.Value
	}
	return v
}

// keyString is the text of a mapping key.
func keyString(k ast.MapKeyNode) string {
	if k == nil {
		return ""
	}
	if mk, ok := k.(*ast.MappingKeyNode); ok && mk.Value != nil && mk.Value.GetToken() != nil {
		return mk.Value.GetToken().Value
	}
	if t := k.GetToken(); t != nil {
		return t.Value
	}
	return ""
}

// describeNode names a node's kind for messages about YAML the loader
// does not accept.
func describeNode(n ast.Node) string {
	switch n.(type) {
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode, *ast.LiteralNode:
		return "a string"
	case *ast.NullNode:
		return "null"
	}
	return "a " + strings.ToLower(n.Type().String())
}
