package schema

import (
	exprast "github.com/expr-lang/expr/ast"
)

// ref is one metric name an expression reads, at rune offset from.
type ref struct {
	name string
	from int
}

// collectRefs finds the maximal identifier/member chains (ttft.p99, not ttft)
// of an expression, skipping called function names.
func collectRefs(root exprast.Node) []ref {
	v := &refVisitor{callees: map[exprast.Node]bool{}, inner: map[exprast.Node]bool{}}
	exprast.Walk(&root, v)
	var out []ref
	for _, r := range v.refs {
		if !v.inner[r.node] && !v.callees[r.node] {
			out = append(out, ref{name: r.name, from: chainStart(r.node).Location().From})
		}
	}
	return out
}

type refVisitor struct {
	refs []struct {
		node exprast.Node
		name string
	}
	callees map[exprast.Node]bool
	inner   map[exprast.Node]bool // nodes that are part of a longer chain
}

func (v *refVisitor) Visit(n *exprast.Node) {
	switch x := (*n).(type) {
	case *exprast.CallNode:
		v.callees[x.Callee] = true
	case *exprast.MemberNode:
		if name, ok := chainName(x); ok {
			v.inner[x.Node] = true
			v.refs = append(v.refs, struct {
				node exprast.Node
				name string
			}{x, name})
		}
	case *exprast.IdentifierNode:
		v.refs = append(v.refs, struct {
			node exprast.Node
			name string
		}{x, x.Value})
	}
}

// chainName renders a.b.c for a member chain of identifiers and constant names.
func chainName(n exprast.Node) (string, bool) {
	switch x := n.(type) {
	case *exprast.IdentifierNode:
		return x.Value, true
	case *exprast.MemberNode:
		prop, ok := x.Property.(*exprast.StringNode)
		if !ok {
			return "", false
		}
		base, ok := chainName(x.Node)
		return base + "." + prop.Value, ok
	}
	return "", false
}

// chainStart is the first identifier of a member chain, where the name starts.
func chainStart(n exprast.Node) exprast.Node {
	for {
		m, ok := n.(*exprast.MemberNode)
		if !ok {
			return n
		}
		n = m.Node
	}
}
