package schema

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"

	sjs "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// The shape of a scenario (which keys exist, their types, the forms of the
// union types, the enums and simple bounds) is described once: by the Go
// types and their JSONSchema methods, generated into scenario.schema.json.
// The loader checks every document against that schema with
// santhosh-tekuri/jsonschema and words each violation itself, with the
// position the tree builder recorded, so editors and the loader can never
// disagree. What a schema cannot say well (ascending lists, which server
// kind needs which field, context length, thresholds) is validate.go's.

// shapeSchema is the compiled scenario schema with every subschema indexed
// by its location, so a violation can be worded from the schema's titles,
// bounds and property names.
type shapeSchema struct {
	root    *sjs.Schema
	builtin *sjs.Schema // #/$defs/Builtin, for the sim command's flags
	at      map[string]*sjs.Schema
}

// compiledShape compiles the embedded schema once. It cannot fail for the
// committed file (TestJSONSchemaIsFresh and every loader test use it).
var compiledShape = sync.OnceValue(func() *shapeSchema {
	doc, err := sjs.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		panic("schema: scenario.schema.json: " + err.Error())
	}
	c := sjs.NewCompiler()
	c.AssertFormat()
	c.RegisterFormat(&sjs.Format{Name: formatDuration, Validate: checkDuration})
	c.RegisterFormat(&sjs.Format{Name: formatPercent, Validate: checkPercent})
	if err := c.AddResource(SchemaID, doc); err != nil {
		panic("schema: scenario.schema.json: " + err.Error())
	}
	s := &shapeSchema{root: c.MustCompile(SchemaID), builtin: c.MustCompile(SchemaID + "#/$defs/Builtin"), at: map[string]*sjs.Schema{}}
	s.index(s.root)
	return s
})

// checkDuration is the go-duration format: a Go duration string, or 0.
func checkDuration(v any) error {
	switch v := v.(type) {
	case string:
		_, err := ParseDuration(v)
		return err
	case int64, float64:
		if v == int64(0) {
			return nil
		}
		return fmt.Errorf("must be a duration with a unit such as 30s or 5m, got integer %s (add a unit, e.g. %ss)", numberText(v), numberText(v))
	}
	return nil
}

// index records s and every subschema reachable from it by location.
func (s *shapeSchema) index(sch *sjs.Schema) {
	if sch == nil || s.at[sch.Location] != nil {
		return
	}
	s.at[sch.Location] = sch
	s.index(sch.Ref)
	s.index(sch.Items2020)
	s.index(sch.PropertyNames)
	if a, ok := sch.AdditionalProperties.(*sjs.Schema); ok {
		s.index(a)
	}
	for _, p := range sch.Properties {
		s.index(p)
	}
	for _, p := range sch.PatternProperties {
		s.index(p)
	}
	for _, list := range [][]*sjs.Schema{sch.OneOf, sch.AnyOf, sch.AllOf, sch.PrefixItems} {
		for _, p := range list {
			s.index(p)
		}
	}
}

// problem is one violation, at an instance location, of one schema.
type problem struct {
	loc  []string
	kind sjs.ErrorKind
	sch  *sjs.Schema // the schema whose keyword failed
}

// checkShape checks tree against sch, reports every violation through r
// and removes the offending values, so that decoding and the semantic
// checks still run on the rest of the document. Scalars written where a
// string belongs (`CUDA_VISIBLE_DEVICES: 0`) are read as their text, as
// YAML decoders do.
// base is the path of tree in the document ("" for a whole scenario).
func checkShape(r *reporter, sch *sjs.Schema, tree map[string]any, base string) {
	s := compiledShape()
	probs := s.problems(sch, tree)
	if coerceScalars(r, tree, probs, base) {
		probs = s.problems(sch, tree)
	}
	probs = firstPerPath(probs)
	for _, p := range probs {
		s.report(r, tree, p, base)
	}
	for _, p := range probs {
		prune(tree, p)
	}
}

// problems validates tree and flattens the violations.
func (s *shapeSchema) problems(sch *sjs.Schema, tree map[string]any) []problem {
	var ve *sjs.ValidationError
	if err := sch.Validate(tree); !errors.As(err, &ve) {
		return nil
	}
	var out []problem
	s.collect(ve, &out)
	return out
}

// collect flattens a violation tree into its leaves. A oneOf (a union type)
// that failed is explained by the one branch whose type matches the value,
// when there is exactly one; otherwise it is one problem: "must be A, B or C".
func (s *shapeSchema) collect(e *sjs.ValidationError, out *[]problem) {
	switch e.ErrorKind.(type) {
	case *kind.OneOf, *kind.AnyOf:
		var matched []*sjs.ValidationError
		for _, c := range e.Causes {
			if _, isType := c.ErrorKind.(*kind.Type); !isType || len(c.InstanceLocation) != len(e.InstanceLocation) {
				matched = append(matched, c)
			}
		}
		if len(matched) == 1 {
			s.collect(matched[0], out)
			return
		}
	default:
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				s.collect(c, out)
			}
			return
		}
	}
	sch := s.at[e.SchemaURL]
	if sch == nil {
		sch = &sjs.Schema{} // not reachable by index: worded without titles or bounds
	}
	*out = append(*out, problem{loc: e.InstanceLocation, kind: e.ErrorKind, sch: sch})
}

// precedence orders the violations of one value: the most basic one is
// the one worth saying (a wrong type before a failed pattern).
func precedence(k sjs.ErrorKind) int {
	switch k.(type) {
	case *kind.Type, *kind.OneOf, *kind.AnyOf:
		return 0
	case *kind.Format:
		return 1
	case *kind.Enum, *kind.Const:
		return 2
	case *kind.Pattern:
		return 3
	}
	return 4
}

// firstPerPath keeps one violation per value (and per object, its unknown
// keys and its missing keys), the one of lowest precedence.
func firstPerPath(probs []problem) []problem {
	key := func(p problem) string {
		k := fmt.Sprint(p.loc)
		switch p.kind.(type) {
		case *kind.AdditionalProperties:
			k += "#unknown"
		case *kind.Required:
			k += "#required"
		}
		return k
	}
	slices.SortStableFunc(probs, func(a, b problem) int { return precedence(a.kind) - precedence(b.kind) })
	seen := map[string]bool{}
	return slices.DeleteFunc(probs, func(p problem) bool {
		k := key(p)
		if seen[k] {
			return true
		}
		seen[k] = true
		return false
	})
}

// coerceScalars replaces numbers and booleans written where the schema
// wants a string by their text; true when it changed anything.
func coerceScalars(r *reporter, tree map[string]any, probs []problem, base string) bool {
	changed := false
	for _, p := range probs {
		t, ok := p.kind.(*kind.Type)
		if !ok || len(t.Want) != 1 || t.Want[0] != "string" || (t.Got != "number" && t.Got != "integer" && t.Got != "boolean") {
			continue
		}
		path, v := lookup(tree, p.loc, base)
		text := numberText(v)
		if n := r.nodes[path]; n != nil && n.GetToken() != nil && isScalarNode(n) {
			text = n.GetToken().Value
		}
		if setAt(tree, p.loc, text) {
			changed = true
		}
	}
	return changed
}

// lookup returns the path string of an instance location (under base) and
// its value.
func lookup(tree map[string]any, loc []string, base string) (string, any) {
	path, v := base, any(tree)
	for _, seg := range loc {
		switch c := v.(type) {
		case map[string]any:
			path, v = join(path, seg), c[seg]
		case []any:
			i, _ := strconv.Atoi(seg)
			path = index(path, i)
			if i >= 0 && i < len(c) {
				v = c[i]
			} else {
				v = nil
			}
		default:
			return path, nil
		}
	}
	return path, v
}

// setAt replaces the value at loc; false when loc does not exist.
func setAt(tree map[string]any, loc []string, v any) bool {
	if len(loc) == 0 {
		return false
	}
	_, parent := lookup(tree, loc[:len(loc)-1], "")
	last := loc[len(loc)-1]
	switch c := parent.(type) {
	case map[string]any:
		c[last] = v
		return true
	case []any:
		if i, err := strconv.Atoi(last); err == nil && i >= 0 && i < len(c) {
			c[i] = v
			return true
		}
	}
	return false
}

// prune removes what a problem makes unusable: unknown keys, or the value
// itself (a list holding a bad element goes whole). Missing keys leave
// nothing to remove.
func prune(tree map[string]any, p problem) {
	switch k := p.kind.(type) {
	case *kind.Required:
		return
	case *kind.AdditionalProperties:
		if _, obj := lookup(tree, p.loc, ""); obj != nil {
			if m, ok := obj.(map[string]any); ok {
				for _, name := range k.Properties {
					delete(m, name)
				}
			}
		}
		return
	}
	loc := p.loc
	for len(loc) > 0 {
		_, parent := lookup(tree, loc[:len(loc)-1], "")
		if m, ok := parent.(map[string]any); ok {
			delete(m, loc[len(loc)-1])
			return
		}
		loc = loc[:len(loc)-1]
	}
}
