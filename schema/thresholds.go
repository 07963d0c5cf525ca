package schema

import (
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

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

	program, when *Expr
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
	out := c.program.Reads()
	if c.when != nil {
		for _, name := range c.when.Reads() {
			if !slices.Contains(out, name) {
				out = append(out, name)
			}
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
// evaluation error counts as failed and is kept in the result; reading a
// metric the stage does not have (TPOT of a non-streaming run, a server
// gauge that was not scraped) is such an error, never a silent pass on zero.
func (c *CompiledThreshold) Evaluate(st *StageResult, run *Run) (res ThresholdResult, applies bool) {
	sides := []StageRef{{Stage: st, Run: run}}
	env := c.program.env.value(sides, nil)
	res = ThresholdResult{Name: c.Name, Expr: c.Expr, When: c.When, Scope: c.Scope}
	if c.when != nil {
		ok, _, err := c.when.eval(env, sides)
		if err != nil {
			res.Error = "when: " + err.Error()
			return res, true
		}
		if !ok {
			return res, false
		}
	}
	ok, values, err := c.program.eval(env, sides)
	if err != nil {
		res.Error = err.Error()
	}
	res.Passed = ok && err == nil
	res.Values = values
	return res, true
}

// thresholdExample is quoted when a threshold is not boolean.
const thresholdExample = "ttft.p99 < 500"

// compileThresholds compiles all thresholds, reporting problems to r.
func compileThresholds(sc *Scenario, r *reporter) []*CompiledThreshold {
	c := &compiler{r: r, env: NewExprEnv([]string{""}, nil, sc.Report.Percentiles, thresholdExample)}
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

// compiler compiles threshold expressions against one environment,
// reporting problems at their place in the scenario file.
type compiler struct {
	r   *reporter
	env *ExprEnv
}

func (c *compiler) add(out []*CompiledThreshold, path, stage string, t Threshold) []*CompiledThreshold {
	if strings.TrimSpace(t.Expr) == "" {
		c.r.errorf(path, "%s is missing the required field expr (e.g. expr: ttft.p99 < 500)", path)
		return out
	}
	ct := &CompiledThreshold{Threshold: t, Stage: stage}
	var ok bool
	ct.program, ok = c.compile(path+".expr", t.Expr)
	if t.When != "" {
		var whenOK bool
		ct.when, whenOK = c.compile(path+".when", t.When)
		ok = ok && whenOK
	}
	if !ok {
		return out
	}
	ct.Scope = scopeOf(ct.Reads())
	return append(out, ct)
}

// compile compiles one expression at path of the scenario.
func (c *compiler) compile(path, src string) (*Expr, bool) {
	return c.env.compile(path, src, func(from int, msg string) {
		c.r.add(path, c.r.token(path), c.offset(path, src, from), msg)
	})
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
