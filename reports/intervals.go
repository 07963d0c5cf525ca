package reports

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/servebench/servebench/reports/internal/format"
	"github.com/servebench/servebench/schema"
)

// ciCell is a table cell with its interval: "812.3 ± 41.0" (the 95%
// interval's half-width), "812.3 ± ?" when the level has intervals but not
// enough data for this one (a p99 of a few hundred requests), or the bare
// value for a result without intervals (a run before schema_version 3, an
// import). An absent value stays "n/a".
func ciCell(value string, intervals map[string]schema.CI, name string) string {
	if value == format.NA || value == "–" || intervals == nil {
		return value
	}
	ci, ok := intervals[name]
	if !ok || !ci.OK() {
		return value + " ± ?"
	}
	return value + " ± " + format.Num(ci.HalfWidth())
}

// steadyHeader names the columns of the steady-state table.
var steadyHeader = []string{
	"Stage", "Profile", "Level", "Window (s)", "Ramp/Drain", "Req/s", "Out tok/s",
	"TTFT p50", "TTFT p99", "TPOT p50", "TPOT p99", "E2EL p99", "Ended",
}

// steadyCells is one level's row of the steady-state table, safe to print.
func steadyCells(st *schema.StageResult) []string {
	w := st.Steady
	cells := []string{format.Line(st.Stage), format.Line(st.Profile), format.Level(st)}
	if st.Repeat > 0 {
		cells[2] += " #" + strconv.Itoa(st.Repeat)
	}
	if !w.Found {
		return append(append(cells, "none", "–", "–", "–", "–", "–", "–", "–", "–"), untilCell(st))
	}
	m, iv := w.Metrics, w.Intervals
	dist := func(d schema.Dist, stat, name string) string { return ciCell(format.DistStat(d, stat), iv, name) }
	return append(cells,
		format.Float(round1(w.FromMS/1000))+"–"+format.Float(round1(w.ToMS/1000)),
		strconv.Itoa(w.Ramp)+"/"+strconv.Itoa(w.Drain),
		ciCell(format.Num(m.RequestThroughput), iv, "request_throughput"),
		ciCell(format.Num(m.OutputThroughput), iv, "output_throughput"),
		dist(m.TTFT, "p50", "ttft.p50"), dist(m.TTFT, "p99", "ttft.p99"),
		dist(m.TPOT, "p50", "tpot.p50"), dist(m.TPOT, "p99", "tpot.p99"),
		dist(m.E2EL, "p99", "e2el.p99"), untilCell(st))
}

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }

// untilCell says how a level with until: ended: "converged", "not
// converged" (ran to its bound), or "–" without until.
func untilCell(st *schema.StageResult) string {
	switch {
	case st.Until == nil:
		return "–"
	case st.Until.Converged:
		return "converged"
	}
	return "not converged"
}

// steadyRows lists the levels that have a steady-state analysis; none for a
// run written before schema_version 3 or an import.
func steadyRows(run *schema.Run) [][]string {
	var out [][]string
	for i := range run.Stages {
		if st := &run.Stages[i]; st.Steady != nil {
			out = append(out, steadyCells(st))
		}
	}
	return out
}

// intervalLines explain the ± of the tables and the steady-state window,
// list the levels without one, and say how every until: level ended.
func intervalLines(run *schema.Run) []string {
	var out []string
	has := false
	for i := range run.Stages {
		st := &run.Stages[i]
		has = has || st.Intervals != nil
		if st.Steady != nil && !st.Steady.Found {
			out = append(out, st.ID+": no steady-state window: "+st.Steady.Note)
		}
		if st.Until != nil {
			out = append(out, st.ID+": "+untilLine(st))
		}
	}
	if !has {
		return out
	}
	head := []string{
		"± is the half-width of the 95% interval: batch means over time for means, order statistics for percentiles, " +
			"time windows for throughputs, Wilson for the error rate. It covers the noise within the level (its requests " +
			"share batches, so they are not independent), not how another run would differ; \"± ?\": not enough data " +
			"(a p99 needs 1,000 requests, 10 beyond it).",
		"The first table is everything sent, as vllm bench serve reports it; the steady-state table is the window after the " +
			"ramp and before the drain (" + windowMethod(run) + ").",
	}
	return append(head, out...)
}

// windowMethod is how the run's windows were found, as run.json says.
func windowMethod(run *schema.Run) string {
	for i := range run.Stages {
		if w := run.Stages[i].Steady; w != nil && w.Method != "" {
			return w.Method
		}
	}
	return "not found in any level"
}

// untilLine is how an until: level ended, with the widths reached.
func untilLine(st *schema.StageResult) string {
	u := st.Until
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(u.Targets)) {
		got, ok := u.Reached[name]
		reached := "no interval yet"
		if ok {
			reached = fmt.Sprintf("±%.1f%%", 100*got)
		}
		parts = append(parts, fmt.Sprintf("%s %s (target ±%s%%)", name, reached, format.Float(100*u.Targets[name])))
	}
	verdict := fmt.Sprintf("until: converged after %d requests", st.Metrics.Sent)
	switch {
	case !u.Converged:
		verdict = fmt.Sprintf("until: not converged within its bound (%s)", boundOf(st))
	case st.StopReason != "converged":
		verdict = fmt.Sprintf("until: converged as it reached its bound (%s)", boundOf(st))
	}
	return verdict + ": " + strings.Join(parts, ", ")
}

// boundOf is a level's bound in requests or time.
func boundOf(st *schema.StageResult) string {
	if st.PlannedRequests > 0 {
		return strconv.Itoa(st.PlannedRequests) + " requests"
	}
	return st.PlannedDuration.String()
}
