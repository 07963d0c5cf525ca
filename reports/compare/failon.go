package compare

import (
	"errors"
	"fmt"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"

	"github.com/servebench/servebench/reports/internal/format"
	"github.com/servebench/servebench/schema"
)

// FailOnEnv is what a --fail-on expression sees for one matched stage level:
// the baseline's and the candidate's metrics as nested structs (so a typo
// such as candidate.ttft.p999 fails at compile time instead of reading 0),
// plus the metrics the comparison called regressions.
type FailOnEnv struct {
	Baseline  StageEnv `expr:"baseline"`
	Candidate StageEnv `expr:"candidate"`
	// Regressions names the metrics called regressions, e.g. "ttft.p99".
	Regressions []string `expr:"regressions"`
	Stage       string   `expr:"stage"`
	Profile     string   `expr:"profile"`
	Level       float64  `expr:"level"` // concurrency or rate
}

// StageEnv is one run's metrics of a stage level (latencies in ms).
type StageEnv struct {
	TTFT                 DistEnv `expr:"ttft"`
	TPOT                 DistEnv `expr:"tpot"`
	ITL                  DistEnv `expr:"itl"`
	E2EL                 DistEnv `expr:"e2el"`
	RequestThroughput    float64 `expr:"request_throughput"`
	OutputThroughput     float64 `expr:"output_throughput"`
	TotalTokenThroughput float64 `expr:"total_token_throughput"`
	Goodput              float64 `expr:"goodput"`
	ErrorRate            float64 `expr:"error_rate"`
	Completed            int     `expr:"completed"`
	Failed               int     `expr:"failed"`
}

// DistEnv is one latency distribution.
type DistEnv struct {
	Mean   float64 `expr:"mean"`
	Median float64 `expr:"median"`
	Std    float64 `expr:"std"`
	Min    float64 `expr:"min"`
	Max    float64 `expr:"max"`
	P50    float64 `expr:"p50"`
	P90    float64 `expr:"p90"`
	P95    float64 `expr:"p95"`
	P99    float64 `expr:"p99"`
}

// FailOn is a compiled --fail-on expression.
type FailOn struct {
	src     string
	program *vm.Program
}

// maxFailOnNodes bounds the size of an expression (it has no timeout).
const maxFailOnNodes = 2000

// CompileFailOn type-checks a --fail-on expression against FailOnEnv before
// any comparison runs; the error carries the line:column and a caret.
// Built-ins are off except a few pure ones, so an expression cannot depend
// on the clock.
func CompileFailOn(src string) (*FailOn, error) {
	p, err := expr.Compile(src, expr.Env(FailOnEnv{}), expr.AsBool(), expr.MaxNodes(maxFailOnNodes),
		expr.DisableAllBuiltins(), expr.EnableBuiltin("len"), expr.EnableBuiltin("abs"),
		expr.EnableBuiltin("min"), expr.EnableBuiltin("max"), expr.EnableBuiltin("any"), expr.EnableBuiltin("all"))
	if err != nil {
		var fe *file.Error
		if errors.As(err, &fe) {
			return nil, fmt.Errorf("--fail-on %q: %d:%d: %s\n%s", src, fe.Line, fe.Column+1, fe.Message, fe.Snippet)
		}
		return nil, fmt.Errorf("--fail-on %q: %w", src, err)
	}
	return &FailOn{src: src, program: p}, nil
}

// String returns the expression source.
func (f *FailOn) String() string { return f.src }

// Eval runs the expression on every matched stage level of every candidate
// and returns one line per level where it is true (or could not be
// evaluated, which also fails: a gate that cannot be checked must not pass).
func (f *FailOn) Eval(c *Comparison) (failed []string) {
	for _, s := range c.Stages {
		for ci := 1; ci < len(s.Results); ci++ {
			if s.Results[ci] == nil {
				continue
			}
			env := newEnv(&s, ci)
			out, err := expr.Run(f.program, env)
			where := s.Key
			if len(c.Runs) > 2 {
				where += " (" + c.Runs[ci].Name + ")"
			}
			switch {
			case err != nil:
				failed = append(failed, fmt.Sprintf("%s: %s: error: %v", where, f.src, err))
			case out == true:
				failed = append(failed, fmt.Sprintf("%s: %s", where, f.src))
			}
		}
	}
	return failed
}

func newEnv(s *StageComparison, ci int) FailOnEnv {
	env := FailOnEnv{Baseline: stageEnv(s.Results[0]), Candidate: stageEnv(s.Results[ci]),
		Stage: s.Stage, Profile: s.Profile, Level: s.LevelValue}
	for _, d := range s.Deltas {
		if d.Candidate == ci && d.Verdict == Regression {
			env.Regressions = append(env.Regressions, d.Metric)
		}
	}
	return env
}

func stageEnv(st *schema.StageResult) StageEnv {
	m := st.Metrics
	return StageEnv{
		TTFT: distEnv(m.TTFT), TPOT: distEnv(m.TPOT), ITL: distEnv(m.ITL), E2EL: distEnv(m.E2EL),
		RequestThroughput: m.RequestThroughput, OutputThroughput: m.OutputThroughput,
		TotalTokenThroughput: m.TotalTokenThroughput, Goodput: m.Goodput, ErrorRate: m.ErrorRate,
		Completed: m.Completed, Failed: m.Failed,
	}
}

func distEnv(d schema.Dist) DistEnv {
	return DistEnv{Mean: d.Mean, Median: d.Median, Std: d.Std, Min: d.Min, Max: d.Max,
		P50: format.P(d, 50), P90: format.P(d, 90), P95: format.P(d, 95), P99: format.P(d, 99)}
}
