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
)

// maxExprNodes bounds the size of one expression; thresholds are
// comparisons, and expr has no run-time timeout.
const maxExprNodes = 256

// maxExprLen bounds the text of one expression before it is even parsed.
const maxExprLen = 2048

// ExprEnv is an expression environment over the metric tree, the one
// builder behind every expression servebench compiles. A threshold reads
// one stage's metrics at the top level (ttft.p99); compare --fail-on reads
// two stage levels under named sides (baseline.ttft.p99,
// candidate.ttft.p99) plus a few variables of its own. Names, types, "did
// you mean" hints, absent values and the sandbox (no clock, no files) are
// therefore the same for both.
type ExprEnv struct {
	typ       reflect.Type
	sides     []string
	vars      []ExprVar
	stage     []leaf             // the leaves of one side
	leaves    map[string]envLeaf // full name -> leaf
	known     map[string]bool    // variables and namespaces: names that are not metrics
	varLeaves map[string]bool    // names inside struct variables (ExprVar.Leaves)
	names     []string           // every full name, for hints
	example   string             // a valid expression, for "must be a boolean" errors
	zero      any                // a zero value of typ, to type-check against
	fields    [][]int            // index of each side's struct, then of each variable
}

// ExprVar is a variable of an environment beside the metrics, e.g.
// --fail-on's `regressions` ([]string).
type ExprVar struct {
	Name string
	Type reflect.Type
	// Leaves are the names readable inside a struct variable, relative to
	// it ("ttft.p99.worse" of change), so that a misspelt one gets the
	// metrics' "did you mean" hint and Expr.VarReads can say which were
	// read; nil for a variable read whole.
	Leaves []string
}

// envLeaf is a leaf of one side, at its place in the whole environment.
type envLeaf struct {
	leaf
	side int
	at   []int
	full string // name with the side's prefix
}

// StageRef is what one side of an environment reads: a stage level and
// the run it belongs to (either may be nil).
type StageRef struct {
	Stage *StageResult
	Run   *Run
}

// NewExprEnv builds an environment. sides names the namespaces that each
// hold one stage's metric tree; a single "" puts the tree at the top level,
// as thresholds read it, and then vars must be empty. percentiles are added
// to the defaults (Percentiles). example is a valid expression of the
// environment, quoted when an expression is not boolean.
func NewExprEnv(sides []string, vars []ExprVar, percentiles []float64, example string) *ExprEnv {
	pct := Percentiles(percentiles)
	e := &ExprEnv{sides: sides, vars: vars, example: example, leaves: map[string]envLeaf{}, known: map[string]bool{},
		varLeaves: map[string]bool{}}
	e.stage = leaves(pct)
	st := stageType(pct)
	if len(sides) == 1 && sides[0] == "" {
		e.typ = st
		e.fields = [][]int{nil}
	} else {
		e.typ = e.namedType(st)
	}
	for si, side := range sides {
		for _, l := range e.stage {
			full := l.Name
			if side != "" {
				full = side + "." + l.Name
			}
			e.leaves[full] = envLeaf{leaf: l, side: si, at: append(slices.Clone(e.fields[si]), l.index...), full: full}
			e.names = append(e.names, full)
			for p := parentPath(full); p != ""; p = parentPath(p) {
				e.known[p] = true
			}
		}
	}
	for _, v := range vars {
		e.known[v.Name] = true
		e.names = append(e.names, v.Name)
		for _, l := range v.Leaves {
			full := v.Name + "." + l
			e.varLeaves[full] = true
			e.names = append(e.names, full)
			for p := parentPath(full); p != ""; p = parentPath(p) {
				e.known[p] = true
			}
		}
	}
	e.zero = reflect.New(e.typ).Elem().Interface()
	return e
}

// namedType is the struct of named sides followed by the variables.
func (e *ExprEnv) namedType(stage reflect.Type) reflect.Type {
	var fields []reflect.StructField
	add := func(name string, t reflect.Type) {
		e.fields = append(e.fields, []int{len(fields)})
		fields = append(fields, reflect.StructField{Name: fmt.Sprintf("F%d", len(fields)), Type: t,
			Tag: reflect.StructTag(`expr:"` + name + `"`)})
	}
	for _, s := range e.sides {
		add(s, stage)
	}
	for _, v := range e.vars {
		add(v.Name, v.Type)
	}
	return reflect.StructOf(fields)
}

// Expr is an expression type-checked against an ExprEnv.
type Expr struct {
	env      *ExprEnv
	src      string
	program  *vm.Program
	reads    []envLeaf // the numeric metrics it reads
	varReads []string  // the ExprVar.Leaves it reads, with the variable's name
}

// ExprError is every problem of an expression compiled outside a scenario
// file (a command-line flag), each at a 1-based column of the source.
type ExprError struct {
	Label, Src string
	Problems   []ExprProblem
}

// ExprProblem is one problem; Column 0 means the whole expression.
type ExprProblem struct {
	Column  int
	Message string
}

func (e *ExprError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s %q: 1:%d: %s", e.Label, e.Src, max(p.Column, 1), p.Message)
	}
	return b.String()
}

// Compile type-checks src as a boolean expression; label names it in
// messages (e.g. "--fail-on"). The error is an *ExprError.
func (e *ExprEnv) Compile(label, src string) (*Expr, error) {
	ee := &ExprError{Label: label, Src: src}
	x, ok := e.compile(label, src, func(from int, msg string) {
		ee.Problems = append(ee.Problems, ExprProblem{Column: from + 1, Message: msg})
	})
	if !ok {
		return nil, ee
	}
	return x, nil
}

// compile parses src, checks every metric name it reads, then type-checks
// it as a boolean expression, reporting each problem at a rune offset of src.
func (e *ExprEnv) compile(label, src string, report func(from int, msg string)) (*Expr, bool) {
	if len(src) > maxExprLen {
		report(0, fmt.Sprintf("%s is %d characters long; at most %d are allowed", label, len(src), maxExprLen))
		return nil, false
	}
	tree, err := parser.Parse(src)
	if err != nil {
		e.exprError(label, err, "does not parse", report)
		return nil, false
	}
	reads, varReads, ok := e.checkNames(src, tree.Node, report)
	if !ok {
		return nil, false
	}
	p, err := expr.Compile(src, expr.Env(e.zero), expr.AsBool(), expr.MaxNodes(maxExprNodes),
		expr.DisableBuiltin("now"), expr.DisableBuiltin("date"), expr.DisableBuiltin("duration"),
		expr.DisableBuiltin("timezone"))
	if err != nil {
		e.exprError(label, err, "does not compile", report)
		return nil, false
	}
	return &Expr{env: e, src: src, program: p, reads: reads, varReads: varReads}, true
}

// checkNames reports every unknown metric name with a "did you mean" hint.
func (e *ExprEnv) checkNames(src string, root exprast.Node, report func(int, string)) ([]envLeaf, []string, bool) {
	ok := true
	var reads []envLeaf
	var varReads []string
	for _, ref := range collectRefs(root) {
		if l, isLeaf := e.leaves[ref.name]; isLeaf {
			if l.kind == kindNumber && !slices.ContainsFunc(reads, func(r envLeaf) bool { return r.full == l.full }) {
				reads = append(reads, l)
			}
			continue
		}
		if e.varLeaves[ref.name] {
			if !slices.Contains(varReads, ref.name) {
				varReads = append(varReads, ref.name)
			}
			continue
		}
		if e.known[ref.name] {
			continue // a variable, or a namespace used as a value: the type check words it
		}
		ok = false
		report(ref.from, fmt.Sprintf("unknown metric %q in %q%s; see the metric reference (servebench metrics)",
			ref.name, src, didYouMean(ref.name, e.names)))
	}
	return reads, varReads, ok
}

// exprError words a parse or compile error of expr.
func (e *ExprEnv) exprError(label string, err error, what string, report func(int, string)) {
	msg, from := err.Error(), 0
	var fe *file.Error
	if errors.As(err, &fe) {
		msg, from = fe.Message, fe.Column
	}
	if _, got, isType := strings.Cut(msg, "expected bool, but got "); isType {
		report(0, fmt.Sprintf("%s must be a boolean expression such as %s, got %s", label, e.example, strings.TrimSpace(got)))
		return
	}
	report(from, fmt.Sprintf("%s %s: %s", label, what, msg))
}

// Reads lists the numeric metrics the expression reads, e.g. "ttft.p99"
// or "candidate.ttft.p99".
func (x *Expr) Reads() []string {
	out := make([]string, len(x.reads))
	for i, l := range x.reads {
		out[i] = l.full
	}
	return out
}

// VarReads lists the names inside struct variables the expression reads
// (ExprVar.Leaves), with the variable's name: "change.ttft.p99.worse".
func (x *Expr) VarReads() []string { return slices.Clone(x.varReads) }

// Eval evaluates the expression on one stage level per side, with the
// variables in the order of the environment's vars. It never reads an
// absent metric as zero: when the expression reads one, the result is an
// error saying which and why ("tpot is not measured in this stage
// (non-streaming)"), which every caller counts as failed. values holds the
// metrics read that have a value.
func (x *Expr) Eval(sides []StageRef, vars ...any) (ok bool, values map[string]float64, err error) {
	v := x.env.value(sides, vars)
	return x.eval(v, sides)
}

func (x *Expr) eval(v reflect.Value, sides []StageRef) (bool, map[string]float64, error) {
	var missing []string
	var values map[string]float64
	for _, l := range x.reads {
		ref := sides[l.side]
		if subject, why := l.absent(source{st: ref.Stage, run: ref.Run}); subject != "" {
			if prefix := x.env.sides[l.side]; prefix != "" {
				subject = prefix + "." + subject
			}
			if msg := subject + " " + why; !slices.Contains(missing, msg) {
				missing = append(missing, msg)
			}
			continue
		}
		if values == nil {
			values = make(map[string]float64, len(x.reads))
		}
		values[l.full] = v.FieldByIndex(l.at).Float()
	}
	if len(missing) > 0 {
		return false, values, errors.New(strings.Join(missing, "; "))
	}
	out, err := expr.Run(x.program, v.Interface())
	if err != nil {
		return false, values, err
	}
	b, _ := out.(bool)
	return b, values, nil
}

// value builds the environment value of one stage level per side and the
// variables.
func (e *ExprEnv) value(sides []StageRef, vars []any) reflect.Value {
	v := reflect.New(e.typ).Elem()
	for si, ref := range sides[:min(len(sides), len(e.sides))] {
		fillStage(v.FieldByIndex(e.fields[si]), e.stage, source{st: ref.Stage, run: ref.Run})
	}
	for i, val := range vars[:min(len(vars), len(e.vars))] {
		if val != nil {
			v.FieldByIndex(e.fields[len(e.sides)+i]).Set(reflect.ValueOf(val))
		}
	}
	return v
}

// fillStage sets every leaf of one stage's struct from src.
func fillStage(v reflect.Value, ls []leaf, src source) {
	for _, l := range ls {
		f := v.FieldByIndex(l.index)
		if l.kind == kindString {
			f.SetString(l.str(src))
		} else {
			f.SetFloat(l.num(src))
		}
	}
}

// PercentilesNamed lists the valid percentile keys an expression names as a
// member (candidate.ttft.p99_9 -> 99.9), so that an environment for a
// command-line expression offers every percentile a scenario could have
// asked for. An expression that does not parse names none.
func PercentilesNamed(src string) []float64 {
	if len(src) > maxExprLen {
		return nil
	}
	tree, err := parser.Parse(src)
	if err != nil {
		return nil
	}
	var out []float64
	for _, ref := range collectRefs(tree.Node) {
		for _, part := range strings.Split(ref.name, ".") {
			if p, ok := ParsePercentileKey(part); ok {
				out = append(out, p)
			}
		}
	}
	return out
}

// NamedMetric is one numeric name of the metric tree ("ttft.p99",
// "output_throughput"), ready to read from stage results: compare reads
// what it compares through the same definitions thresholds use.
type NamedMetric struct{ l leaf }

// LookupMetric finds the numeric metric called name, as a threshold names
// it; false for an unknown name or a string metric.
func LookupMetric(name string) (NamedMetric, bool) {
	for _, l := range leaves(Percentiles(PercentilesNamed(name))) {
		if l.Name == name && l.kind == kindNumber {
			return NamedMetric{l: l}, true
		}
	}
	return NamedMetric{}, false
}

// Name is the metric's name.
func (m NamedMetric) Name() string { return m.l.Name }

// Read reads the metric from a stage level of a run (run may be nil).
// absent says why the stage has no value, e.g. "tpot is not measured in
// this stage (non-streaming)"; v is then 0 and must not be used.
func (m NamedMetric) Read(st *StageResult, run *Run) (v float64, absent string) {
	src := source{st: st, run: run}
	if subject, why := m.l.absent(src); subject != "" {
		return 0, subject + " " + why
	}
	return m.l.num(src), ""
}

// String returns the expression's source.
func (x *Expr) String() string { return x.src }
