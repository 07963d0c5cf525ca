package schema

import (
	"github.com/goccy/go-yaml/ast"
)

// levels checks the shape of a concurrency or rate: a number, a list of
// numbers, or {from, to, step}. Whether the values make sense (ascending,
// positive) is a semantic check in validate.go.
func (w *walker) levels(path string, n ast.Node, float bool) bool {
	want := "an integer, a list of integers or a range {from, to, step}"
	check := func(p string, v ast.Node) bool { return w.integer(p, v, true) }
	if float {
		want = "a number, a list of numbers or a range {from, to, step}"
		check = w.number
	}
	switch v := n.(type) {
	case *ast.IntegerNode:
		return check(path, v)
	case *ast.FloatNode:
		return check(path, v)
	case *ast.SequenceNode:
		ok := true
		for i, e := range v.Values {
			p := index(path, i)
			e = w.resolve(p, e)
			w.r.nodes[p] = e
			if e == nil || !check(p, e) {
				ok = false
			}
		}
		return ok
	case *ast.MappingNode:
		return w.levelRange(path, v, check)
	}
	return w.typeError(path, n, want)
}

// levelRange checks {from, to, step}: known keys, numbers, from and to present.
func (w *walker) levelRange(path string, m *ast.MappingNode, check func(string, ast.Node) bool) bool {
	ok, seen := true, map[string]bool{}
	for _, mv := range m.Values {
		key := keyString(mv.Key)
		p := join(path, key)
		if key != "from" && key != "to" && key != "step" {
			w.r.errorAt(p, mv.Key.GetToken(), "unknown field %q in range%s; a range has from, to and step",
				key, didYouMean(key, levelRangeKeys))
			ok = false
			continue
		}
		seen[key] = true
		w.r.keys[p] = true
		v := w.resolve(p, mv.Value)
		w.r.nodes[p] = v
		if v == nil || !check(p, v) {
			ok = false
		}
	}
	if ok && (!seen["from"] || !seen["to"]) {
		w.r.errorf(path, "%s range needs both from and to, e.g. {from: 1, to: 32, step: 1}", fieldName(path))
		return false
	}
	return ok
}

// profileRef checks a profile name or a list of names.
func (w *walker) profileRef(path string, n ast.Node) bool {
	const want = "a profile name or a list of profile names"
	switch v := n.(type) {
	case *ast.StringNode:
		return w.expand(path, v)
	case *ast.SequenceNode:
		ok := true
		for i, e := range v.Values {
			p := index(path, i)
			e = w.resolve(p, e)
			w.r.nodes[p] = e
			s, isStr := e.(*ast.StringNode)
			if !isStr {
				if e != nil {
					w.typeError(p, e, "a profile name")
				}
				ok = false
				continue
			}
			ok = w.expand(p, s) && ok
		}
		return ok
	}
	return w.typeError(path, n, want)
}

// duration checks a Go duration string such as 30s or 5m.
func (w *walker) duration(path string, n ast.Node) bool {
	s, ok := n.(*ast.StringNode)
	if !ok {
		if _, isInt := n.(*ast.IntegerNode); isInt {
			w.r.errorf(path, "%s must be a duration with a unit such as 30s or 5m, got %s (add a unit, e.g. %ss)",
				fieldName(path), describe(n), n.GetToken().Value)
			return false
		}
		return w.typeError(path, n, "a duration such as 30s or 5m")
	}
	if !w.expand(path, s) {
		return false
	}
	if _, err := ParseDuration(s.Value); err != nil {
		w.r.errorf(path, "%s: %v", fieldName(path), err)
		return false
	}
	return true
}
