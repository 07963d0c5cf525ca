// Package stats is servebench's one home of interval statistics: the
// steady-state window of a stage level (MSER-5 truncation of the ramp,
// the drain cut where requests stop being replaced), confidence intervals
// that hold for the autocorrelated requests of one level (batch means over
// time, order-statistic intervals for percentiles, time windows for
// throughputs), the convergence test of `until:` and the interval of a
// difference between two runs that `compare` calls noise.
//
// The engine computes a stage's window and intervals from the requests it
// measured; compare and a merge of shards compute them again from
// requests.jsonl, through the same functions (Analyze on Requests built by
// FromRecord), so a number and its interval never depend on who computed
// them.
//
// Direction: stats imports schema, never the other way. Its inputs
// (requests.jsonl records, the SLO, percentile names) and outputs (Metrics,
// CI, SteadyState in run.json) are schema's file formats, and it reuses
// schema's one definition of a percentile (numpy's linear interpolation)
// and of a distribution summary. schema itself needs no statistics beyond
// those definitions: it stores intervals and names them for thresholds, so
// it stays the bottom layer that describes data, and both engine and
// reports, which must not import each other, import this package.
package stats
