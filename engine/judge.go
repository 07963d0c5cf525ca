package engine

import (
	"github.com/servebench/servebench/schema"
)

// evaluate runs every threshold that applies to the stage (global ones,
// the stage's own, `when` filters permitting). Thresholds on the capacity
// answer wait for the search to end (judgeCapacity), thresholds on repeat
// intervals for the last repeat of the level (judgeRepeats).
func (r *recorder) evaluate(st *schema.StageResult) []schema.ThresholdResult {
	return r.evaluateScope(st, schema.ScopeStage)
}

// judgeCapacity evaluates the thresholds on the capacity answer once the
// run knows it, against the stage that gave it.
func (r *recorder) judgeCapacity(st *schema.StageResult) {
	st.Thresholds = append(st.Thresholds, r.evaluateScope(st, schema.ScopeCapacity)...)
}

// judgeRepeats evaluates the thresholds on repeat intervals on the last
// repeat of a level, once run.Repeats holds the summary of every repeat.
func (r *recorder) judgeRepeats(st *schema.StageResult) {
	st.Thresholds = append(st.Thresholds, r.evaluateScope(st, schema.ScopeRepeats)...)
}

// evaluateScope runs the thresholds of the stage whose scope is scope.
func (r *recorder) evaluateScope(st *schema.StageResult, scope string) []schema.ThresholdResult {
	var out []schema.ThresholdResult
	for _, th := range r.thresholds {
		if th.Scope != scope || !th.AppliesTo(st.Stage) {
			continue
		}
		if res, applies := th.Evaluate(st, r.run); applies {
			out = append(out, res)
		}
	}
	return out
}
