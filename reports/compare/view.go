package compare

import (
	"fmt"
	"strings"

	"github.com/servebench/servebench/reports/internal/format"
)

// deltaHeader names the columns of a stage's comparison table.
var deltaHeader = []string{"Metric", "Baseline", "Candidate", "Δ", "Δ%", "CI of Δ", "Verdict"}

// deltaCells formats one delta; the candidate column names the run when
// more than one candidate is compared.
func deltaCells(c *Comparison, d Delta) []string {
	metric := d.Metric
	if len(c.Runs) > 2 {
		metric += " (" + c.Runs[d.Candidate].Name + ")"
	}
	return []string{metric, format.Num(d.Baseline), format.Num(d.Value), format.Signed(d.Abs), format.Pct(d.Rel),
		ciText(d), verdictText(d.Verdict)}
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
	}
	return "? " + string(v)
}

// summaryLines are the comparison's headline facts, shared by every renderer.
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
	out = append(out, fmt.Sprintf("%d stage level(s) matched: %d regression(s), %d improvement(s), %d within noise, %d without noise estimate",
		len(c.Stages), n[Regression], n[Improvement], n[Unchanged], n[NoEstimate]))
	out = append(out, fmt.Sprintf("noise: %d bootstrap resamples at %.0f%% confidence (seed %d); changes under %s are not called",
		c.Options.Resamples, c.Options.Confidence*100, c.Options.Seed, strings.TrimPrefix(format.Pct(c.Options.MinRelative), "+")))
	if len(c.Unmatched) > 0 {
		out = append(out, "not in every run (not compared): "+strings.Join(c.Unmatched, ", "))
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}
