package engine

import (
	"github.com/servebench/servebench/engine/load"
	"github.com/servebench/servebench/schema"
)

// analyze adds the level's steady-state window, intervals, timeline and
// `until:` outcome to its result. A level that stopped because it
// converged says so in its stop reason.
func (r *stepRun) analyze(st *schema.StageResult, stats load.Stats) {
	a := r.agg.Analyze(stats.Start.Sub(r.start), stats.End.Sub(r.start))
	st.Intervals, st.Steady, st.InFlight = a.All, &a.Steady, a.InFlight
	r.until.finish(r.agg)
	st.Until = r.until.result()
	switch {
	case stats.StopReason == load.StopStopped:
		st.StopReason = StopConverged
	case st.Until != nil && !st.Until.Converged && stats.StopReason != load.StopCanceled:
		st.Warnings = append(st.Warnings, "until: not converged: "+notConverged(st.Until)+
			"; the level ran to its bound")
	}
}

// StopConverged is the stop reason of a level that `until:` ended.
const StopConverged = "converged"
