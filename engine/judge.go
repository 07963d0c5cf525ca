package engine

import (
	"github.com/servebench/servebench/schema"
)

// evaluate runs every threshold that applies to the stage (global ones,
// the stage's own, `when` filters permitting). Thresholds on the capacity
// answer wait for the search to end (judgeCapacity), thresholds on repeat
// intervals for the last repeat of the level (judgeRepeats).
func (e *executor) evaluate(st *schema.StageResult) []schema.ThresholdResult {
	return e.evaluateWhere(st, func(th *schema.CompiledThreshold) bool {
		return !readsCapacity(th) && !readsRepeats(th)
	})
}

// judgeCapacity evaluates the thresholds that read `capacity.` once the run
// knows the answer, against the stage that gave it.
func (e *executor) judgeCapacity(st *schema.StageResult) {
	st.Thresholds = append(st.Thresholds, e.evaluateWhere(st, readsCapacity)...)
}

// judgeRepeats evaluates the thresholds that read `repeats.` (and not
// `capacity.`, which judgeCapacity owns) on the last repeat of a level, once
// run.Repeats holds the summary of every repeat.
func (e *executor) judgeRepeats(st *schema.StageResult) {
	st.Thresholds = append(st.Thresholds, e.evaluateWhere(st, func(th *schema.CompiledThreshold) bool {
		return readsRepeats(th)
	})...)
}

// evaluateWhere runs the thresholds of the stage that keep selects.
func (e *executor) evaluateWhere(st *schema.StageResult, keep func(*schema.CompiledThreshold) bool) []schema.ThresholdResult {
	var out []schema.ThresholdResult
	for _, th := range e.thresholds {
		if !th.AppliesTo(st.Stage) || !keep(th) {
			continue
		}
		if res, applies := th.Evaluate(st, e.result); applies {
			out = append(out, res)
		}
	}
	return out
}

func readsCapacity(th *schema.CompiledThreshold) bool { return th.Scope == schema.ScopeCapacity }

func readsRepeats(th *schema.CompiledThreshold) bool { return th.Scope == schema.ScopeRepeats }
