package metrics

import (
	"time"

	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/stats"
)

// Measured is the number of measured requests added so far (cancelled
// ones are not measured).
func (a *Aggregator) Measured() int { return a.sent }

// Analyze finds the level's steady-state window and the intervals of its
// metrics, over everything sent and over the window (schema/stats, the
// same analysis compare runs on requests.jsonl). from and to are the
// measured window in the time base of Sample.Start; the everything-sent
// throughputs are over it, as Finish's are.
func (a *Aggregator) Analyze(from, to time.Duration) stats.Analysis {
	return stats.Analyze(a.kept.reqs, a.statsOptions(ms(from), ms(to)))
}

// Converge checks `until:` targets (relative half-widths by interval
// metric name) on the requests finished so far.
func (a *Aggregator) Converge(targets map[string]float64) stats.Convergence {
	return stats.Converge(a.kept.reqs, targets, a.statsOptions(0, 0))
}

func (a *Aggregator) statsOptions(from, to float64) stats.Options {
	return stats.Options{Percentiles: a.o.Percentiles, SLO: a.o.SLO, Confidence: schema.IntervalConfidence,
		From: from, To: to, Sampled: a.kept.stride, OpenLoop: a.o.OpenLoop}
}
