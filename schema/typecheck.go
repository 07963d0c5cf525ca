package schema

import (
	"math"
	"reflect"
	"strings"
	"sync"

	"github.com/goccy/go-yaml/ast"
)

// walker checks the parsed document against the Go types before anything is
// decoded. goccy/go-yaml stops at the first unknown key or wrong type; the
// walker instead reports every one of them, with a "did you mean" hint, and
// prunes the offending nodes so that decoding and the semantic checks can
// still run on the rest of the file. It also expands ${VAR} in string values.
type walker struct {
	r       *reporter
	env     func(string) (string, bool)
	anchors map[string]ast.Node
	depth   int
}

// maxDepth bounds nesting (and alias chains) so no input can exhaust the stack.
const maxDepth = 64

var (
	typeDuration   = reflect.TypeFor[Duration]()
	typeLevels     = reflect.TypeFor[Levels]()
	typeRateLevels = reflect.TypeFor[RateLevels]()
	typeProfileRef = reflect.TypeFor[ProfileRef]()
)

// walk checks node n against type t at path; false means n is invalid and
// the caller replaces it with null.
func (w *walker) walk(path string, raw ast.Node, t reflect.Type) bool {
	w.depth++
	defer func() { w.depth-- }()
	if raw == nil {
		return true
	}
	n := w.resolve(path, raw)
	if n == nil {
		return false
	}
	if _, alias := raw.(*ast.AliasNode); alias {
		w.r.nodes[path] = raw
	} else {
		w.r.nodes[path] = n
	}
	if w.depth > maxDepth {
		w.r.errorf(path, "%s is nested too deeply (more than %d levels)", fieldName(path), maxDepth)
		return false
	}
	if _, null := n.(*ast.NullNode); null {
		return true
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case typeDuration:
		return w.duration(path, n)
	case typeLevels:
		return w.levels(path, n, false)
	case typeRateLevels:
		return w.levels(path, n, true)
	case typeProfileRef:
		return w.profileRef(path, n)
	}
	return w.kind(path, n, t)
}

// kind dispatches on the Go kind of the target type.
func (w *walker) kind(path string, n ast.Node, t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Struct:
		return w.structure(path, n, t)
	case reflect.Map:
		return w.mapping(path, n, t.Elem())
	case reflect.Slice:
		return w.sequence(path, n, t.Elem())
	case reflect.String:
		return w.str(path, n)
	case reflect.Int:
		return w.integer(path, n, true)
	case reflect.Int64:
		return w.integer(path, n, false)
	case reflect.Float64:
		return w.number(path, n)
	case reflect.Bool:
		if _, ok := n.(*ast.BoolNode); ok {
			return true
		}
		return w.typeError(path, n, "a boolean (true or false)")
	}
	return w.typeError(path, n, "a supported value")
}

// resolve follows anchors and aliases to the value they name. YAML tags are
// rejected: scenarios never need them, and goccy/go-yaml mishandles some
// (a tag without a value panics its decoder). nil means the node is invalid
// and has been reported.
func (w *walker) resolve(path string, n ast.Node) ast.Node {
	for range maxDepth {
		switch v := n.(type) {
		case *ast.TagNode:
			w.r.errorAt(path, v.GetToken(), "%s: YAML tags such as %s are not supported in scenario files", fieldName(path), v.GetToken().Value)
			return nil
		case *ast.AnchorNode:
			n = v.Value
		case *ast.AliasNode:
			if v.Value == nil || v.Value.GetToken() == nil || w.anchors[v.Value.GetToken().Value] == nil {
				w.r.errorAt(path, v.GetToken(), "%s: alias to an unknown anchor", fieldName(path))
				return nil
			}
			n = w.anchors[v.Value.GetToken().Value]
		case nil:
			return ast.Null(nil)
		default:
			return n
		}
	}
	w.r.errorf(path, "%s: anchors and aliases nest too deeply", fieldName(path))
	return nil
}

// structure checks a mapping against the yaml-tagged fields of a struct.
func (w *walker) structure(path string, n ast.Node, t reflect.Type) bool {
	m, ok := n.(*ast.MappingNode)
	if !ok {
		return w.typeError(path, n, "a mapping")
	}
	fields := yamlFields(t)
	kept := make([]*ast.MappingValueNode, 0, len(m.Values))
	for _, mv := range m.Values {
		if w.mergeKey(path, mv, func(target ast.Node) bool { return w.structure(path, target, t) }) {
			kept = append(kept, mv)
			continue
		}
		key := keyString(mv.Key)
		if path == "" && strings.HasPrefix(key, "x-") {
			kept = append(kept, mv)
			continue
		}
		f, known := fields[key]
		if !known {
			w.r.errorAt(join(path, key), mv.Key.GetToken(), "unknown field %q%s", key, didYouMean(key, fieldNames(t)))
			continue
		}
		w.value(join(path, key), mv, f.Type)
		kept = append(kept, mv)
	}
	m.Values = kept
	return true
}

// value walks the value of one mapping entry and prunes it when invalid.
func (w *walker) value(path string, mv *ast.MappingValueNode, t reflect.Type) {
	w.r.keys[path] = true
	if mv.Value == nil {
		return
	}
	if !w.walk(path, mv.Value, t) {
		mv.Value = ast.Null(mv.Value.GetToken())
	}
}

// mergeKey handles `<<: *anchor` (or a list of anchors) by checking the merged
// mappings as if they were written in place.
func (w *walker) mergeKey(path string, mv *ast.MappingValueNode, check func(ast.Node) bool) bool {
	if _, ok := mv.Key.(*ast.MergeKeyNode); !ok {
		return false
	}
	target := w.resolve(path, mv.Value)
	if seq, ok := target.(*ast.SequenceNode); ok {
		for _, v := range seq.Values {
			if t := w.resolve(path, v); t != nil {
				check(t)
			}
		}
		return true
	}
	if target != nil {
		check(target)
	}
	return true
}

// mapping checks a map[string]T.
func (w *walker) mapping(path string, n ast.Node, elem reflect.Type) bool {
	m, ok := n.(*ast.MappingNode)
	if !ok {
		return w.typeError(path, n, "a mapping")
	}
	for _, mv := range m.Values {
		if w.mergeKey(path, mv, func(target ast.Node) bool { return w.mapping(path, target, elem) }) {
			continue
		}
		key := keyString(mv.Key)
		if key == "" {
			w.r.errorAt(path, mv.Key.GetToken(), "%s has an empty key", fieldName(path))
			return false
		}
		w.value(join(path, key), mv, elem)
	}
	return true
}

// sequence checks a []T; one bad element invalidates the whole list.
func (w *walker) sequence(path string, n ast.Node, elem reflect.Type) bool {
	s, ok := n.(*ast.SequenceNode)
	if !ok {
		return w.typeError(path, n, "a list")
	}
	valid := true
	for i, v := range s.Values {
		if v != nil && !w.walk(index(path, i), v, elem) {
			valid = false
		}
	}
	return valid
}

// str accepts any scalar (goccy decodes 4 into "4") and expands ${VAR}.
func (w *walker) str(path string, n ast.Node) bool {
	switch v := n.(type) {
	case *ast.StringNode:
		return w.expand(path, v)
	case *ast.LiteralNode:
		if v.Value != nil {
			return w.expand(path, v.Value)
		}
		return true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		return true
	}
	return w.typeError(path, n, "a string")
}

// integer accepts an integer; small ones fit 32 bits so that sums such as
// input + output can never overflow.
func (w *walker) integer(path string, n ast.Node, small bool) bool {
	v, ok := n.(*ast.IntegerNode)
	if !ok {
		return w.typeError(path, n, "an integer")
	}
	switch x := v.Value.(type) {
	case int64:
		if small && (x > math.MaxInt32 || x < math.MinInt32) {
			w.r.errorf(path, "%s is out of range: %d", fieldName(path), x)
			return false
		}
	case uint64:
		if x > math.MaxInt64 || (small && x > math.MaxInt32) {
			w.r.errorf(path, "%s is out of range: %d", fieldName(path), x)
			return false
		}
	}
	return true
}

// number accepts an integer or a finite float.
func (w *walker) number(path string, n ast.Node) bool {
	switch n.(type) {
	case *ast.IntegerNode, *ast.FloatNode:
		return true
	}
	return w.typeError(path, n, "a number")
}

// typeError reports a value of the wrong type; it always returns false so
// callers can `return w.typeError(...)`.
func (w *walker) typeError(path string, n ast.Node, want string) bool {
	w.r.errorf(path, "%s must be %s, got %s", fieldName(path), want, describe(n))
	return false
}

// fieldName is how messages name the field at path.
func fieldName(path string) string {
	if path == "" {
		return "the scenario"
	}
	return path
}

// describe names a node's kind and value for "got ..." messages.
func describe(n ast.Node) string {
	switch v := n.(type) {
	case *ast.StringNode:
		return "string " + quote(truncate(v.Value, 40))
	case *ast.LiteralNode:
		return "a block string"
	case *ast.IntegerNode:
		return "integer " + v.GetToken().Value
	case *ast.FloatNode:
		return "number " + v.GetToken().Value
	case *ast.InfinityNode, *ast.NanNode:
		return "number " + v.GetToken().Value
	case *ast.BoolNode:
		return "boolean " + v.GetToken().Value
	case *ast.MappingNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.NullNode:
		return "null"
	}
	return "a " + strings.ToLower(n.Type().String())
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "..."
	}
	return s
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

var fieldCache sync.Map // reflect.Type -> map[string]reflect.StructField

// yamlFields maps the yaml names of a struct's fields to the fields.
func yamlFields(t reflect.Type) map[string]reflect.StructField {
	if v, ok := fieldCache.Load(t); ok {
		return v.(map[string]reflect.StructField)
	}
	m := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		m[name] = f
	}
	fieldCache.Store(t, m)
	return m
}

// fieldNames lists the yaml names of a struct's fields, for hints.
func fieldNames(t reflect.Type) []string {
	names := make([]string, 0, t.NumField())
	for name := range yamlFields(t) {
		names = append(names, name)
	}
	return names
}
