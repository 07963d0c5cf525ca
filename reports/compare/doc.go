// Package compare lines up two or more servebench runs stage level by stage
// level and says, per metric, whether the candidate got better or worse than
// the baseline (the first run) by more than the noise.
//
// A difference is only called a regression or an improvement when it lies
// outside a confidence interval: a bootstrap over the per-request records of
// both runs (requests.jsonl) or, when the stage was repeated, the repeat
// intervals in run.json. Without either, the delta is shown and labelled "no
// noise estimate" but never called. This is the one place in reports/ that
// computes statistics.
package compare
