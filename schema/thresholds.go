package schema

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/expr-lang/expr"
	exprast "github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// maxExprNodes bounds the size of one threshold expression; thresholds are
// comparisons, and expr has no run-time timeout.
const maxExprNodes = 256

// maxExprLen bounds the text of one expression before it is even parsed.
const maxExprLen = 2048

// CompiledThreshold is a threshold type-checked against the metric
// environment, ready to evaluate on every stage result it applies to.
type CompiledThreshold struct {
	Threshold
	// Stage is the stage that declares the threshold; "" for a scenario-wide one.
	Stage string
	// Scope says when the threshold can be judged, from the metrics the
	// compiled expression and its when filter read: the one place that
	// decides it.
	Scope string

	program, when *vm.Program
	reads         []leaf // the numeric metrics the expression reads
	whenReads     []leaf // the numeric metrics the when filter reads
	percentiles   []float64
}

// CompileThresholds compiles every scenario-wide and stage threshold of sc.
// Load already did this once, so for a loaded scenario it cannot fail.
func CompileThresholds(sc *Scenario) ([]*CompiledThreshold, error) {
	r := newReporter(sc.File, nil)
	out := compileThresholds(sc, r)
	if err := r.result(); err != nil {
		return nil, err
	}
	return out, nil
}

// Reads lists the numeric metrics (e.g. "ttft.p99", "capacity.concurrency")
// that the expression or its when filter read, so the engine can tell which
// thresholds depend on run-level results such as a capacity search.
func (c *CompiledThreshold) Reads() []string {
	var out []string
	for _, l := range append(append([]leaf(nil), c.reads...), c.whenReads...) {
		if !slices.Contains(out, l.Name) {
			out = append(out, l.Name)
		}
	}
	return out
}

// AppliesTo reports whether the threshold is checked on stage stageName
// (StageResult.Stage).
func (c *CompiledThreshold) AppliesTo(stageName string) bool {
	return c.Stage == "" || c.Stage == stageName
}

// Evaluate runs the threshold on one stage result. applies is false when the
// `when` filter is false: the threshold says nothing about this stage. An
// evaluation error counts as failed and is kept in the result.
func (c *CompiledThreshold) Evaluate(st *StageResult, run *Run) (res ThresholdResult, applies bool) {
	env := NewEnv(st, run, c.percentiles)
	res = ThresholdResult{Name: c.Name, Expr: c.Expr, When: c.When, Scope: c.Scope}
	if c.when != nil {
		ok, err := runBool(c.when, env)
		if err != nil {
			res.Error = "when: " + err.Error()
			return res, true
		}
		if !ok {
			return res, false
		}
	}
	ok, err := runBool(c.program, env)
	if err != nil {
		res.Error = err.Error()
	}
	res.Passed = ok && err == nil
	res.Values = c.values(env)
	return res, true
}

func runBool(p *vm.Program, env any) (bool, error) {
	out, err := expr.Run(p, env)
	if err != nil {
		return false, err
	}
	b, _ := out.(bool)
	return b, nil
}

// values reads the metrics the expression mentions, so a report can show
// "ttft.p99 = 812" next to a failed "ttft.p99 < 500".
func (c *CompiledThreshold) values(env any) map[string]float64 {
	if len(c.reads) == 0 {
		return nil
	}
	v := reflect.ValueOf(env)
	out := make(map[string]float64, len(c.reads))
	for _, l := range c.reads {
		out[l.Name] = v.FieldByIndex(l.index).Float()
	}
	return out
}

// compileThresholds compiles all thresholds, reporting problems to r.
func compileThresholds(sc *Scenario, r *reporter) []*CompiledThreshold {
	c := &compiler{r: r, pct: envPercentiles(sc.Report.Percentiles)}
	c.env = reflect.New(envType(c.pct)).Elem().Interface()
	c.leaves = map[string]leaf{}
	c.groups = map[string]bool{}
	for _, l := range leaves(c.pct) {
		c.leaves[l.Name] = l
		c.names = append(c.names, l.Name)
		for p := parentPath(l.Name); p != ""; p = parentPath(p) {
			c.groups[p] = true
		}
	}
	var out []*CompiledThreshold
	for i, t := range sc.Thresholds {
		out = c.add(out, index("thresholds", i), "", t)
	}
	for i, st := range sc.Stages {
		for j, t := range st.Thresholds {
			out = c.add(out, index(index("stages", i)+".thresholds", j), st.Name, t)
		}
	}
	return out
}

// compiler compiles threshold expressions against one environment type.
type compiler struct {
	r      *reporter
	pct    []float64
	env    any
	leaves map[string]leaf
	groups map[string]bool
	names  []string
}

func (c *compiler) add(out []*CompiledThreshold, path, stage string, t Threshold) []*CompiledThreshold {
	if strings.TrimSpace(t.Expr) == "" {
		c.r.errorf(path, "%s is missing the required field expr (e.g. expr: ttft.p99 < 500)", path)
		return out
	}
	ct := &CompiledThreshold{Threshold: t, Stage: stage, percentiles: c.pct}
	var ok bool
	ct.program, ct.reads, ok = c.compile(path+".expr", t.Expr)
	if t.When != "" {
		var whenOK bool
		ct.when, ct.whenReads, whenOK = c.compile(path+".when", t.When)
		ok = ok && whenOK
	}
	if !ok {
		return out
	}
	ct.Scope = scopeOf(ct.Reads())
	return append(out, ct)
}

// Threshold scopes, from what an expression reads.
const (
	// ScopeStage thresholds are judged on every stage level they apply to.
	ScopeStage = "stage"
	// ScopeRepeats thresholds read repeats.* and are judged on the last
	// repeat of a level, once every repeat is known.
	ScopeRepeats = "repeats"
	// ScopeCapacity thresholds read capacity.* and are judged once a
	// capacity search has its answer, on the probe that gave it. They are
	// the only thresholds of a probe that gate the run: a probe above
	// capacity is meant to fail the others.
	ScopeCapacity = "capacity"
)

// scopeOf decides a threshold's scope from the metric names it reads;
// capacity wins over repeats.
func scopeOf(reads []string) string {
	scope := ScopeStage
	for _, name := range reads {
		switch {
		case strings.HasPrefix(name, "capacity."):
			return ScopeCapacity
		case strings.HasPrefix(name, "repeats."):
			scope = ScopeRepeats
		}
	}
	return scope
}

// compile parses src, checks every metric name it reads, then type-checks it
// as a boolean expression. It returns the numeric metrics src reads.
func (c *compiler) compile(path, src string) (*vm.Program, []leaf, bool) {
	if len(src) > maxExprLen {
		c.r.errorf(path, "%s is %d characters long; at most %d are allowed", path, len(src), maxExprLen)
		return nil, nil, false
	}
	tree, err := parser.Parse(src)
	if err != nil {
		c.exprError(path, src, err, "does not parse")
		return nil, nil, false
	}
	reads, ok := c.checkNames(path, src, tree.Node)
	if !ok {
		return nil, nil, false
	}
	p, err := expr.Compile(src, expr.Env(c.env), expr.AsBool(), expr.MaxNodes(maxExprNodes),
		expr.DisableBuiltin("now"), expr.DisableBuiltin("date"), expr.DisableBuiltin("duration"))
	if err != nil {
		c.exprError(path, src, err, "does not compile")
		return nil, nil, false
	}
	return p, reads, true
}

// checkNames reports every unknown metric name with a "did you mean" hint.
func (c *compiler) checkNames(path, src string, root exprast.Node) ([]leaf, bool) {
	ok := true
	var reads []leaf
	for _, ref := range collectRefs(root) {
		if l, known := c.leaves[ref.name]; known {
			if l.number && !containsLeaf(reads, l.Name) {
				reads = append(reads, l)
			}
			continue
		}
		if c.groups[ref.name] {
			continue // a namespace used as a value: the type check words it
		}
		ok = false
		c.r.add(path, c.r.token(path), c.offset(path, src, ref.from),
			fmt.Sprintf("unknown metric %q in %q%s; see the metric reference (servebench metrics)",
				ref.name, src, didYouMean(ref.name, c.names)))
	}
	return reads, ok
}

func containsLeaf(ls []leaf, name string) bool {
	for _, l := range ls {
		if l.Name == name {
			return true
		}
	}
	return false
}

// exprError words a parse or compile error of expr.
func (c *compiler) exprError(path, src string, err error, what string) {
	msg, from := err.Error(), 0
	var fe *file.Error
	if errors.As(err, &fe) {
		msg, from = fe.Message, fe.Column
	}
	if _, got, isType := strings.Cut(msg, "expected bool, but got "); isType {
		c.r.add(path, c.r.token(path), 0, fmt.Sprintf("%s must be a boolean expression such as ttft.p99 < 500, got %s", path, strings.TrimSpace(got)))
		return
	}
	c.r.add(path, c.r.token(path), c.offset(path, src, from), fmt.Sprintf("%s %s: %s", path, what, msg))
}

// offset is how far into the YAML value the expression's column lies: exact
// for a one-line value written as is (plain or quoted), 0 otherwise.
func (c *compiler) offset(path, src string, from int) int {
	s, ok := c.r.nodes[path].(*ast.StringNode)
	if !ok || s.Token == nil || strings.Contains(src, "\n") || s.Token.Value != src {
		return 0
	}
	switch s.Token.Type {
	case token.DoubleQuoteType, token.SingleQuoteType:
		return from + 1
	}
	return from
}

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
