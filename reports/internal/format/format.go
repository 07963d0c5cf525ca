// Package format turns result numbers and levels into the short strings every
// servebench report shows, so the terminal, Markdown, HTML and compare views
// print the same value the same way (and never through a colouring formatter).
package format

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/servebench/servebench/schema"
)

// Num formats a measurement with a precision that suits its size: two
// decimals below 100, one below 10 000, none above. NaN prints as "–".
func Num(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "–"
	case math.Abs(v) < 100:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case math.Abs(v) < 10000:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// Float formats a level or setting without trailing zeros (2.5, 8, 0.25).
func Float(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// Pct formats a ratio as a signed percentage ("+12.3%").
func Pct(ratio float64) string {
	if math.IsNaN(ratio) || math.IsInf(ratio, 0) {
		return "–"
	}
	s := strconv.FormatFloat(ratio*100, 'f', 1, 64) + "%"
	if ratio >= 0 {
		s = "+" + s
	}
	return s
}

// Signed formats an absolute delta with its sign.
func Signed(v float64) string {
	s := Num(v)
	if v >= 0 && s != "–" {
		s = "+" + s
	}
	return s
}

// P returns percentile p of d, or NaN when it was not computed.
func P(d schema.Dist, p float64) float64 {
	if v, ok := d.P(p); ok {
		return v
	}
	if p == 50 && d.Count > 0 {
		return d.Median
	}
	return math.NaN()
}

// Level names the load of a stage level: "c=8" (closed loop) or "r=2.5/s"
// (open loop, with "≤c" when it has a concurrency cap).
func Level(st *schema.StageResult) string {
	if st.Rate > 0 {
		s := "r=" + Float(st.Rate) + "/s"
		if st.Concurrency > 0 {
			s += " ≤c" + strconv.Itoa(st.Concurrency)
		}
		return s
	}
	return "c=" + strconv.Itoa(st.Concurrency)
}

// LevelValue is the numeric load of a stage level (rate or concurrency).
func LevelValue(st *schema.StageResult) float64 {
	if st.Rate > 0 {
		return st.Rate
	}
	return float64(st.Concurrency)
}

// Values lists the metric values a threshold read, sorted by name.
func Values(m map[string]float64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + Num(m[k])
	}
	return strings.Join(parts, ", ")
}
