package engine

import (
	"strings"

	"github.com/servebench/servebench/schema"
)

// evaluate runs every threshold that applies to the stage (global ones,
// the stage's own, `when` filters permitting). Thresholds on the capacity
// answer wait for the search to end: see judgeCapacity.
func (e *executor) evaluate(st *schema.StageResult) []schema.ThresholdResult {
	var out []schema.ThresholdResult
	for _, th := range e.thresholds {
		if !th.AppliesTo(st.Stage) || readsCapacity(th) {
			continue
		}
		if res, applies := th.Evaluate(st, e.result); applies {
			out = append(out, res)
		}
	}
	return out
}

// judgeCapacity evaluates the thresholds that read `capacity.` once the run
// knows the answer, against the stage that gave it.
func (e *executor) judgeCapacity(st *schema.StageResult) {
	for _, th := range e.thresholds {
		if !th.AppliesTo(st.Stage) || !readsCapacity(th) {
			continue
		}
		if res, applies := th.Evaluate(st, e.result); applies {
			st.Thresholds = append(st.Thresholds, res)
		}
	}
}

func readsCapacity(th *schema.CompiledThreshold) bool {
	for _, name := range th.Reads() {
		if strings.HasPrefix(name, "capacity.") {
			return true
		}
	}
	return false
}
