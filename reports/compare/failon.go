package compare

import (
	"fmt"
	"reflect"

	"github.com/servebench/servebench/reports/internal/format"
	"github.com/servebench/servebench/schema"
)

// failOnSides are the namespaces of a --fail-on expression: each holds one
// run's metrics of the stage level, under exactly the names a threshold
// reads (candidate.ttft.p99, baseline.server.kv_cache_usage.max).
var failOnSides = []string{"baseline", "candidate"}

// failOnVars are the facts of the comparison a --fail-on expression reads
// beside the metrics, in the order FailOn.Eval passes them.
var failOnVars = []schema.ExprVar{
	{Name: "regressions", Type: reflect.TypeFor[[]string]()}, // metrics called regressions, e.g. "ttft.p99"
	{Name: "stage", Type: reflect.TypeFor[string]()},
	{Name: "profile", Type: reflect.TypeFor[string]()},
	{Name: "level", Type: reflect.TypeFor[float64]()}, // concurrency or rate
	changeVar.exprVar(), // change.<metric>.{rel,lo,hi,significant,worse,better}
}

// failOnExample is quoted when an expression is not boolean.
const failOnExample = "candidate.ttft.p99 > baseline.ttft.p99 * 1.10"

// FailOn is a compiled --fail-on expression.
type FailOn struct {
	x *schema.Expr
}

// CompileFailOn type-checks a --fail-on expression before any comparison
// runs, in schema's expression environment: every metric name and
// percentile a threshold accepts is accepted under baseline. and
// candidate. (any percentile: pNN names its own), typos get the same "did
// you mean" hint, and the same built-ins are off, so an expression cannot
// depend on the clock. The error is a *schema.ExprError with line:column.
func CompileFailOn(src string) (*FailOn, error) {
	env := schema.NewExprEnv(failOnSides, failOnVars, schema.PercentilesNamed(src), failOnExample)
	x, err := env.Compile("--fail-on", src)
	if err != nil {
		return nil, err
	}
	return &FailOn{x: x}, nil
}

// String returns the expression source.
func (f *FailOn) String() string { return f.x.String() }

// Eval runs the expression on every matched stage level of every candidate
// and returns one line per level where it is true, or where it could not be
// evaluated: a gate that cannot be checked must not pass, and reading a
// metric one run does not have (TPOT of a non-streaming run) is such a case.
func (f *FailOn) Eval(c *Comparison) (failed []string) {
	for i := range c.Stages {
		s := &c.Stages[i]
		for ci := 1; ci < len(s.Results); ci++ {
			if s.Results[ci] == nil {
				continue
			}
			sides := []schema.StageRef{{Stage: s.Results[0], Run: c.run(0)}, {Stage: s.Results[ci], Run: c.run(ci)}}
			held, _, err := f.x.Eval(sides, regressions(s, ci), s.Stage, s.Profile, s.LevelValue, changeVar.value(s, ci))
			if cerr := changeVar.unreadable(f.x.VarReads(), s, ci); cerr != nil {
				held, err = false, cerr
			}
			where := s.Key
			if len(c.Runs) > 2 {
				where += " (" + c.Runs[ci].Label + ")"
			}
			where = format.Line(where) // stage and run names come from run files
			switch {
			case err != nil:
				failed = append(failed, fmt.Sprintf("%s: %s: error: %v", where, f, err))
			case held:
				failed = append(failed, fmt.Sprintf("%s: %s", where, f))
			}
		}
	}
	return failed
}

// run is compared run i, nil when the comparison was built without runs.
func (c *Comparison) run(i int) *schema.Run {
	if i < len(c.runs) {
		return c.runs[i]
	}
	return nil
}

// regressions names the metrics of candidate ci called regressions.
func regressions(s *StageComparison, ci int) []string {
	var out []string
	for _, d := range s.Deltas {
		if d.Candidate == ci && d.Verdict == Regression {
			out = append(out, d.Metric)
		}
	}
	return out
}
