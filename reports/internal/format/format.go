// Package format turns result numbers, levels and text into the short
// strings every servebench report shows, so the terminal, Markdown, HTML and
// compare views print the same value the same way (and never through a
// colouring formatter), and every string that came from outside is made
// safe the same way.
package format

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// NA stands for a metric that was not measured (an absent distribution):
// never printed as 0.
const NA = "n/a"

// Line makes text that came from outside servebench (a run file, a
// server's error body, model id or version, a stage name) safe for one line
// of any report: registered secrets and credential-looking tokens hidden,
// control bytes (escape sequences, newlines, bidi overrides) written as
// visible escapes, so a server cannot rewrite the screen or forge a line.
func Line(s string) string { return redact.Line(redact.String(s)) }

// Lines is Line of every string.
func Lines(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = Line(s)
	}
	return out
}

// mdReplacer neutralises Markdown and HTML markup in text already made safe
// by Line: emphasis, code, links and images, headings, strikethrough,
// entities and raw HTML. "|" is left to go-pretty, whose RenderMarkdown
// escapes it in table cells (and it is inert in a list item).
var mdReplacer = strings.NewReplacer(
	"\\", "\\\\", "`", "\\`", "*", "\\*", "_", "\\_", "<", "&lt;", ">", "&gt;", "&", "&amp;",
	"[", "\\[", "]", "\\]", "#", "\\#", "~", "\\~",
)

// Markdown makes outside text safe inside a Markdown list item, heading or
// table cell: Line, then markup escaped, and the start of a block (a list
// item "- " or "1. ", a rule "---", a setext underline "===") escaped too.
// Numbers such as "-5.0" and "1.90" are left as they are.
func Markdown(s string) string {
	s = mdReplacer.Replace(Line(s))
	if s == "" {
		return s
	}
	blockEnd := func(i int) bool { return i >= len(s) || s[i] == ' ' }
	if strings.ContainsRune("-+=", rune(s[0])) && (blockEnd(1) || s[1] == s[0]) {
		return `\` + s
	}
	digits := len(s) - len(strings.TrimLeft(s, "0123456789"))
	if digits > 0 && digits < len(s) && (s[digits] == '.' || s[digits] == ')') && blockEnd(digits+1) {
		return s[:digits] + `\` + s[digits:]
	}
	return s
}

// DistStat formats statistic stat ("mean", "median" or a percentile key
// such as "p99") of d: NA when d is absent or the percentile was not
// computed.
func DistStat(d schema.Dist, stat string) string {
	if !d.Measured() {
		return NA
	}
	switch stat {
	case "mean":
		return Num(d.Mean)
	case "median":
		return Num(d.Median)
	}
	p, _ := schema.ParsePercentileKey(stat)
	v := P(d, p)
	if math.IsNaN(v) {
		return NA
	}
	return Num(v)
}

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
	if st.Replay != nil {
		s := "replay ×" + Float(st.Replay.Speed)
		if st.Concurrency > 0 {
			s += " ≤c" + strconv.Itoa(st.Concurrency)
		}
		return s
	}
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
	if st.Replay != nil {
		return st.Replay.Speed
	}
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
