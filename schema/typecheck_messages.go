package schema

import (
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	sjs "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// report words one violation the way a person would fix it: the path, what
// would be valid (the schema's title for types, the bounds for numbers,
// the property names for unknown keys) and the offending value.
func (s *shapeSchema) report(r *reporter, tree map[string]any, p problem, base string) {
	path, v := lookup(tree, p.loc, base)
	name := fieldName(path)
	switch k := p.kind.(type) {
	case *kind.AdditionalProperties:
		s.unknownKeys(r, path, p.sch, k.Properties)
	case *kind.Required:
		for _, field := range k.Missing {
			if !misspelt(v, p.sch, field) {
				r.errorf(path, "%s is missing the required field %s%s", name, field, s.example(p.sch, field))
			}
		}
	case *kind.Type:
		r.errorf(path, "%s must be %s, got %s", name, s.want(p.sch, k.Want), describe(v))
	case *kind.OneOf, *kind.AnyOf:
		r.errorf(path, "%s must be %s, got %s", name, s.unionTitles(p.sch), describe(v))
	case *kind.Enum:
		r.errorf(path, "%s must be one of %s, got %s%s", name, enumList(k.Want), describe(v), enumHint(v, k.Want))
	case *kind.Format:
		if msg := k.Err.Error(); strings.HasPrefix(msg, "must ") {
			r.errorf(path, "%s %s", name, msg)
		} else {
			r.errorf(path, "%s: %s", name, msg)
		}
	case *kind.Pattern:
		r.errorf(path, "%s must be %s, got %s", name, orDefault(p.sch.Title, "text matching "+k.Want), describe(v))
	case *kind.Minimum, *kind.Maximum, *kind.ExclusiveMinimum, *kind.ExclusiveMaximum:
		r.errorf(path, "%s must %s, got %s", name, boundWords(p.sch, k), numberText(v))
	case *kind.MinItems:
		what := "value"
		if p.sch.Items2020 != nil && p.sch.Items2020.Title != "" {
			what = strings.TrimPrefix(strings.TrimPrefix(p.sch.Items2020.Title, "a "), "an ")
		}
		r.errorf(path, "%s is empty: give at least one %s", name, what)
	case *kind.MinProperties:
		r.errorf(path, "%s is empty: it must be %s", name, orDefault(p.sch.Title, "a mapping with at least one key"))
	default:
		r.errorf(path, "%s does not satisfy the schema's %s rule", name, strings.Join(k.KeywordPath(), "/"))
	}
}

// unknownKeys reports each unknown key at the key itself, with the closest
// valid name and, for small objects such as a range, all of them.
func (s *shapeSchema) unknownKeys(r *reporter, path string, sch *sjs.Schema, keys []string) {
	names := slices.Sorted(maps.Keys(sch.Properties))
	list := ""
	if len(names) <= 4 {
		list = "; valid fields: " + strings.Join(names, ", ")
	}
	slices.Sort(keys)
	for _, key := range keys {
		p := join(path, key)
		r.errorAt(p, r.keyTokens[p], "unknown field %q%s%s", key, didYouMean(key, names), list)
	}
}

// misspelt reports whether obj has an unknown key that is a likely typo of
// the missing field: the unknown key's message already says so.
func misspelt(obj any, sch *sjs.Schema, field string) bool {
	m, _ := obj.(map[string]any)
	names := slices.Collect(maps.Keys(sch.Properties))
	for key := range m {
		if _, known := sch.Properties[key]; !known && suggest(key, names) == field {
			return true
		}
	}
	return false
}

// example renders the schema's example of a required field: " (e.g. expr: ...)".
func (s *shapeSchema) example(sch *sjs.Schema, field string) string {
	if p := sch.Properties[field]; p != nil && len(p.Examples) > 0 {
		return fmt.Sprintf(" (e.g. %s: %v)", field, p.Examples[0])
	}
	return ""
}

// want words what a value must be: the schema's title, else its type.
func (s *shapeSchema) want(sch *sjs.Schema, types []string) string {
	if sch != nil && sch.Title != "" {
		return sch.Title
	}
	words := make([]string, len(types))
	for i, t := range types {
		words[i] = typeWords[t]
	}
	return orList(words)
}

var typeWords = map[string]string{
	"string": "a string", "integer": "an integer", "number": "a number", "boolean": "a boolean (true or false)",
	"array": "a list", "object": "a mapping", "null": "null",
}

// unionTitles lists the forms of a union: "an integer, a list or a range".
func (s *shapeSchema) unionTitles(sch *sjs.Schema) string {
	var titles []string
	for _, b := range append(slices.Clone(sch.OneOf), sch.AnyOf...) {
		var types []string
		if b.Types != nil {
			types = b.Types.ToStrings()
		}
		t := s.want(b, types)
		if !slices.Contains(titles, t) {
			titles = append(titles, t)
		}
	}
	return orList(titles)
}

// orList joins "a", "a or b", "a, b or c".
func orList(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// enumList renders the valid values of an enum.
func enumList(vals []any) string {
	s := make([]string, len(vals))
	for i, v := range vals {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ", ")
}

// enumHint is the "did you mean" of a misspelt enum value.
func enumHint(v any, vals []any) string {
	got, ok := v.(string)
	if !ok {
		return ""
	}
	names := make([]string, 0, len(vals))
	for _, x := range vals {
		names = append(names, fmt.Sprint(x))
	}
	return didYouMean(got, names)
}

// machineLimits are the bounds every int field has for the sake of
// arithmetic; they are named only when the value crosses them.
var machineLimits = []*big.Rat{
	new(big.Rat).SetInt64(math.MinInt32), new(big.Rat).SetInt64(math.MaxInt32),
	new(big.Rat).SetInt64(math.MinInt64), new(big.Rat).SetInt64(math.MaxInt64),
}

// boundWords says which numbers a field accepts: "lie strictly between 0
// and 100" when the schema bounds both sides, else the side crossed:
// "be positive", "not be negative", "be at least 1", "be at most 2147483647".
func boundWords(sch *sjs.Schema, k sjs.ErrorKind) string {
	if sch.Minimum == nil && sch.ExclusiveMinimum == nil && sch.Maximum == nil && sch.ExclusiveMaximum == nil {
		return "be within the schema's bounds"
	}
	lo, loX := sch.Minimum, false
	if sch.ExclusiveMinimum != nil {
		lo, loX = sch.ExclusiveMinimum, true
	}
	hi, hiX := sch.Maximum, false
	if sch.ExclusiveMaximum != nil {
		hi, hiX = sch.ExclusiveMaximum, true
	}
	if lo != nil && hi != nil && !isMachineLimit(lo) && !isMachineLimit(hi) {
		if loX && hiX {
			return "lie strictly between " + lo.RatString() + " and " + hi.RatString()
		}
		return "be between " + lo.RatString() + " and " + hi.RatString()
	}
	switch k.(type) {
	case *kind.Minimum:
		if lo.Sign() == 0 {
			return "not be negative"
		}
		return "be at least " + lo.RatString()
	case *kind.ExclusiveMinimum:
		if lo.Sign() == 0 {
			return "be positive"
		}
		return "be greater than " + lo.RatString()
	case *kind.Maximum:
		return "be at most " + hi.RatString()
	}
	return "be less than " + hi.RatString()
}

func isMachineLimit(r *big.Rat) bool {
	return slices.ContainsFunc(machineLimits, func(m *big.Rat) bool { return m.Cmp(r) == 0 })
}

// describe names a value's kind and value for "got ..." messages.
func describe(v any) string {
	switch v := v.(type) {
	case string:
		return "string " + quote(truncate(v, 40))
	case int64:
		return "integer " + strconv.FormatInt(v, 10)
	case float64:
		return "number " + strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return "boolean " + strconv.FormatBool(v)
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// numberText is a numeric value as a message shows it.
func numberText(v any) string {
	if f, ok := v.(float64); ok {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return fmt.Sprint(v)
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "..."
	}
	return s
}

// isScalarNode reports whether n is a number or boolean written in the file.
func isScalarNode(n ast.Node) bool {
	switch n.(type) {
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		return true
	}
	return false
}

// fieldName is how messages name the field at path.
func fieldName(path string) string {
	if path == "" {
		return "the scenario"
	}
	return path
}
