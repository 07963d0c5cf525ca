package compare

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/servebench/servebench/reports/internal/format"
)

// deltaHeader names the columns of a stage's comparison table.
var deltaHeader = []string{"Metric", "Baseline", "Candidate", "Δ", "Δ%", "CI of Δ", "Verdict"}

// deltaCells formats one delta, safe to print (format.Line); the candidate
// column names the run when more than one candidate is compared. A value
// a run did not measure reads "n/a".
func deltaCells(c *Comparison, d Delta) []string {
	metric := d.Metric
	if len(c.Runs) > 2 {
		metric += " (" + format.Line(c.Runs[d.Candidate].Label) + ")"
	}
	return []string{metric, value(d, d.Baseline), value(d, d.Value), format.Signed(d.Abs), format.Pct(d.Rel),
		ciText(d), verdictText(d.Verdict)}
}

// value formats a compared value: "n/a" for the side that has none.
func value(d Delta, v float64) string {
	if d.Verdict == NotMeasured && math.IsNaN(v) {
		return format.NA
	}
	return format.Num(v)
}

// ciText is the interval of a delta with its method, or why it has none.
func ciText(d Delta) string {
	switch {
	case d.Verdict == NotMeasured:
		return "–"
	case d.Noise == NoiseNone:
		return string(NotEnoughData)
	}
	return format.Signed(d.Lo) + " … " + format.Signed(d.Hi) + " (" + d.Noise + ")"
}

func verdictText(v Verdict) string {
	switch v {
	case Regression:
		return "✗ regression"
	case Improvement:
		return "✔ improvement"
	case Unchanged:
		return "= within noise"
	case NotMeasured:
		return "– not measured"
	case NotEnoughData:
		return "? not enough data"
	}
	return "? " + string(v)
}

// summaryLines are the comparison's headline facts, shared by every
// renderer and safe to print (format.Line).
func summaryLines(c *Comparison) []string {
	var out []string
	for i, r := range c.Runs {
		role := "candidate"
		if i == 0 {
			role = "baseline"
		}
		rec := "no per-request records"
		if r.Records {
			rec = "per-request records"
		}
		out = append(out, fmt.Sprintf("%s: %s (scenario %s, model %s, started %s, %s)", role, r.Label, r.Name, orDash(r.Model), r.Started, rec))
	}
	n := c.Counts()
	counts := fmt.Sprintf("%d stage level(s) matched: %d regression(s), %d improvement(s), %d within noise, %d with not enough data",
		len(c.Stages), n[Regression], n[Improvement], n[Unchanged], n[NotEnoughData])
	if n[NotMeasured] > 0 {
		counts += fmt.Sprintf(", %d not measured in a run", n[NotMeasured])
	}
	out = append(out, counts, noiseLine(c), coverLine(c))
	out = append(out, notEnoughLine(c)...)
	out = append(out, notMeasuredLines(c)...)
	out = append(out, pairingLines(c)...)
	if len(c.Unmatched) > 0 {
		out = append(out, "not in every run (not compared): "+strings.Join(c.Unmatched, ", "))
	}
	return format.Lines(out)
}

// notEnoughLine says how many deltas had no interval, with one example of
// why (the reasons differ only in their numbers).
func notEnoughLine(c *Comparison) []string {
	n, example := 0, ""
	for _, s := range c.Stages {
		for _, d := range s.Deltas {
			if d.Verdict == NotEnoughData {
				if n == 0 {
					example = s.Key + " " + d.Metric + ": " + d.Missing
				}
				n++
			}
		}
	}
	if n == 0 {
		return nil
	}
	return []string{fmt.Sprintf("not enough data for an interval: %d delta(s), shown but not called; e.g. %s", n, example)}
}

// notMeasuredLines says once per reason which metrics were not compared
// and where, e.g. "not compared: candidate: tpot is not measured in this
// stage (non-streaming): sweep/safe/c=1, sweep/safe/c=4". A level without
// a steady-state window says so once for all its steady.* metrics.
func notMeasuredLines(c *Comparison) []string {
	var reasons []string
	where := map[string][]string{}
	for _, s := range c.Stages {
		for _, d := range s.Deltas {
			if d.Verdict != NotMeasured {
				continue
			}
			why := noSteady.ReplaceAllString(d.Absent, "steady.* $1")
			if _, ok := where[why]; !ok {
				reasons = append(reasons, why)
			}
			if !slices.Contains(where[why], s.Key) {
				where[why] = append(where[why], s.Key)
			}
		}
	}
	out := make([]string, len(reasons))
	for i, r := range reasons {
		out[i] = "not compared: " + r + ": " + strings.Join(where[r], ", ")
	}
	return out
}

// noiseLine says how the intervals were made and at what level.
func noiseLine(c *Comparison) string {
	return fmt.Sprintf("intervals: %s%% for the whole comparison (Bonferroni: each of %d deltas at %s%%); within a run: "+
		"batch means over time for means, order statistics for percentiles, time windows for throughputs, Wilson for the error rate; "+
		"windows compared: %s; changes under %s are not called",
		format.Float(c.Options.Confidence*100), c.Deltas, format.Float(math.Round(c.DeltaLevel*1e4)/1e2), windowWords(c.Options.Window),
		strings.TrimPrefix(format.Pct(c.Options.MinRelative), "+"))
}

// coverLine says honestly what the intervals cover.
func coverLine(c *Comparison) string {
	repeats, levels := false, false
	for _, s := range c.Stages {
		for _, d := range s.Deltas {
			repeats = repeats || d.Noise == NoiseRepeats
			levels = levels || strings.HasSuffix(d.Noise, NoiseLevels)
		}
	}
	out := "the intervals cover the noise within each run (requests of one level are correlated: they share batches)"
	switch {
	case repeats && levels:
		out += "; how two runs drift apart (machine load, clocks) is measured by repeats where both runs repeated a level, " +
			"and elsewhere estimated from how much each metric's change varies between levels"
	case repeats:
		out += "; how two runs drift apart (machine load, clocks) is measured by repeats where both runs repeated a level, and not covered elsewhere"
	case levels:
		out += "; how two runs drift apart (machine load, clocks) is estimated from how much each metric's change varies between " +
			"the levels (a change at one level only, unlike the others, may stay within noise: repeat the level to confirm it)"
	default:
		out += ", not how two runs of one configuration drift apart (machine load, clocks): for that, compare four or more levels or repeat them (repeat: N)"
	}
	return out
}

func windowWords(w string) string {
	switch w {
	case WindowAll:
		return "everything sent"
	case WindowSteady:
		return "steady state (steady.*)"
	}
	return "everything sent and steady state (steady.*)"
}

// noSteady finds the subject of a "no steady state" reason.
var noSteady = regexp.MustCompile(`steady\.[a-z_]+ (has no steady state)`)

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
