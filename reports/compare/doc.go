// Package compare lines up two or more servebench runs stage level by stage
// level and says, per metric and window (everything sent, steady state),
// whether the candidate got better or worse than the baseline (the first
// run) by more than the noise.
//
// A difference is only called a regression or an improvement when its
// interval excludes zero and it is at least the minimum change. The
// interval combines the two runs' own intervals (schema/stats, computed
// from requests.jsonl: batch means over time, order statistics for
// percentiles, time windows for throughputs) by MOVER, or comes from the
// spread between repeats when both runs repeated the level. The whole
// table holds at the comparison's confidence (Bonferroni), so two runs of
// one configuration get nothing called in 95% of comparisons, as far as
// the intervals cover the noise. Without records or repeats the delta is
// shown as "not enough data" and never called. The statistics themselves
// are schema/stats'; this package only combines them.
package compare
