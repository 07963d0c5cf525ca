package engine

import (
	"fmt"

	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/stats"
)

// summarizeRepeats gives each repeated stage level a mean and confidence
// interval per metric of schema.RepeatedMetrics, over the repeats that
// completed.
func summarizeRepeats(stages []schema.StageResult) []schema.RepeatSummary {
	groups := map[string][]*schema.Metrics{}
	var order []string
	for i := range stages {
		st := &stages[i]
		if st.Repeat == 0 || st.Status != schema.StatusCompleted {
			continue
		}
		key := schema.RepeatKey(st.ID)
		if _, seen := groups[key]; !seen {
			order = append(order, key)
		}
		groups[key] = append(groups[key], &st.Metrics)
	}
	out := make([]schema.RepeatSummary, 0, len(order))
	for _, key := range order {
		out = append(out, summarizeLevel(key, groups[key]))
	}
	return out
}

func summarizeLevel(key string, ms []*schema.Metrics) schema.RepeatSummary {
	sum := schema.RepeatSummary{Key: key, N: len(ms), Level: schema.RepeatConfidence,
		Metrics: make(map[string]schema.Interval, len(schema.RepeatedMetrics))}
	vals := make([]float64, 0, len(ms))
	for _, rm := range schema.RepeatedMetrics {
		vals = vals[:0]
		for _, m := range ms {
			if v, ok := rm.Value(m); ok {
				vals = append(vals, v)
			}
		}
		// A metric a repeat did not measure (TPOT of a non-streaming
		// run) has no interval rather than one around zeros.
		if len(vals) == len(ms) {
			sum.Metrics[rm.Name] = stats.MeanCI(vals, schema.RepeatConfidence)
		}
	}
	return sum
}

// afterRepeat keeps run.Repeats current as repeats finish, so run.json
// saved mid-run already carries the intervals so far. After the last repeat
// of a level it judges the thresholds that read `repeats.` on that repeat:
// only then is every repeat of the level known. st is not yet in the run.
func (r *recorder) afterRepeat(step Step, st *schema.StageResult) {
	if step.Repeat == 0 {
		r.noteUnrepeated(step)
		return
	}
	stages := append(r.run.Stages[:len(r.run.Stages):len(r.run.Stages)], *st)
	r.run.Repeats = summarizeRepeats(stages)
	if step.Repeat == step.Stage.Repeat && st.Status == schema.StatusCompleted {
		r.judgeRepeats(st)
	}
}

// noteUnrepeated says in the run when a threshold on `repeats.` applies to a
// stage that does not repeat: it is never judged there, and a silent skip
// would read as a pass.
func (r *recorder) noteUnrepeated(step Step) {
	for _, th := range r.thresholds {
		if th.Scope != schema.ScopeRepeats || !th.AppliesTo(step.Stage.Name) {
			continue
		}
		r.note(fmt.Sprintf("threshold %q reads repeats.* but stage %q does not repeat (set repeat or --repeat): not evaluated there",
			th.Expr, step.Stage.Name))
	}
}
