package compare

import (
	"fmt"
	"math"
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
		metric += " (" + format.Line(c.Runs[d.Candidate].Name) + ")"
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

func ciText(d Delta) string {
	if d.Noise == NoiseNone {
		return "–"
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
		out = append(out, fmt.Sprintf("%s: %s (%s, started %s, %s)", role, r.Name, orDash(r.Model), r.Started, rec))
	}
	n := c.Counts()
	counts := fmt.Sprintf("%d stage level(s) matched: %d regression(s), %d improvement(s), %d within noise, %d without noise estimate",
		len(c.Stages), n[Regression], n[Improvement], n[Unchanged], n[NoEstimate])
	if n[NotMeasured] > 0 {
		counts += fmt.Sprintf(", %d not measured in a run", n[NotMeasured])
	}
	out = append(out, counts)
	out = append(out, fmt.Sprintf("noise: %d bootstrap resamples at %.0f%% confidence (seed %d); changes under %s are not called",
		c.Options.Resamples, c.Options.Confidence*100, c.Options.Seed, strings.TrimPrefix(format.Pct(c.Options.MinRelative), "+")))
	out = append(out, notMeasuredLines(c)...)
	out = append(out, pairingLines(c)...)
	if len(c.Unmatched) > 0 {
		out = append(out, "not in every run (not compared): "+strings.Join(c.Unmatched, ", "))
	}
	return format.Lines(out)
}

// notMeasuredLines says once per reason which metrics were not compared
// and where, e.g. "not compared: candidate: tpot is not measured in this
// stage (non-streaming): sweep/safe/c=1, sweep/safe/c=4".
func notMeasuredLines(c *Comparison) []string {
	var reasons []string
	where := map[string][]string{}
	for _, s := range c.Stages {
		for _, d := range s.Deltas {
			if d.Verdict != NotMeasured {
				continue
			}
			if _, ok := where[d.Absent]; !ok {
				reasons = append(reasons, d.Absent)
			}
			if !slices.Contains(where[d.Absent], s.Key) {
				where[d.Absent] = append(where[d.Absent], s.Key)
			}
		}
	}
	out := make([]string, len(reasons))
	for i, r := range reasons {
		out[i] = "not compared: " + r + ": " + strings.Join(where[r], ", ")
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
