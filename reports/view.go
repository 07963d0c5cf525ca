package reports

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/servebench/servebench/reports/internal/format"
	"github.com/servebench/servebench/schema"
)

// section is a titled list of lines shared by the terminal and Markdown
// renderers, so both say the same things in the same order.
type section struct {
	Title string
	Lines []string
}

// stageHeader names the columns of the stage table (one row per stage level).
var stageHeader = []string{
	"Stage", "Profile", "Level", "OK/Failed", "Req/s", "Out tok/s",
	"TTFT p50", "TTFT p99", "TPOT p50", "TPOT p99", "E2EL mean", "E2EL p99", "Goodput", "Thresholds",
}

// stageCells formats one stage level as table cells, safe to print (see
// format.Line); mark renders the threshold verdict (plain or coloured). A
// latency the stage did not measure reads "n/a", never 0.
func stageCells(st *schema.StageResult, mark func(bool) string) []string {
	m := st.Metrics
	level := format.Level(st)
	if st.Repeat > 0 {
		level += " #" + strconv.Itoa(st.Repeat) // repeats of one level stay distinguishable
	}
	stage := st.Stage
	if st.Variant != "" {
		stage = st.Variant + "/" + stage // rows of a matrix run stay apart
	}
	iv := st.Intervals
	dist := func(d schema.Dist, stat, name string) string { return ciCell(format.DistStat(d, stat), iv, name) }
	return []string{
		format.Line(stage), format.Line(st.Profile), level, countsCell(m),
		ciCell(format.Num(m.RequestThroughput), iv, "request_throughput"), ciCell(format.Num(m.OutputThroughput), iv, "output_throughput"),
		dist(m.TTFT, "p50", "ttft.p50"), dist(m.TTFT, "p99", "ttft.p99"),
		dist(m.TPOT, "p50", "tpot.p50"), dist(m.TPOT, "p99", "tpot.p99"),
		dist(m.E2EL, "mean", "e2el.mean"), dist(m.E2EL, "p99", "e2el.p99"),
		ciCell(format.Num(m.Goodput), iv, "goodput"), thresholdCell(st, mark),
	}
}

// countsCell is "completed/failed", plus the requests an interrupt
// cancelled, which are neither.
func countsCell(m schema.Metrics) string {
	s := strconv.Itoa(m.Completed) + "/" + strconv.Itoa(m.Failed)
	if m.Canceled > 0 {
		s += " +" + strconv.Itoa(m.Canceled) + " cancelled"
	}
	return s
}

func thresholdCell(st *schema.StageResult, mark func(bool) string) string {
	n := len(st.Thresholds)
	if n == 0 {
		return "–"
	}
	passed := 0
	for _, t := range st.Thresholds {
		if t.Passed {
			passed++
		}
	}
	return fmt.Sprintf("%s %d/%d", mark(passed == n), passed, n)
}

// plainMark is the threshold verdict without colour.
func plainMark(ok bool) string {
	if ok {
		return "✔"
	}
	return "✗"
}

// headline is the one-line identity of the run shown above every table,
// safe to print (see format.Line).
func headline(run *schema.Run) []string {
	model := run.Server.Model
	if model == "" && run.Scenario != nil {
		model = run.Scenario.Model.Name
	}
	return format.Lines([]string{
		"Run: " + run.Name,
		"Model: " + orDash(model) + "   Server: " + orDash(run.Server.Kind) + serverVersion(run.Server),
		"Started: " + run.StartedAt.UTC().Format(time.RFC3339) + "   Duration: " + runDuration(run),
	})
}

func serverVersion(s schema.ServerInfo) string {
	if s.Version == "" {
		return ""
	}
	return " " + s.Version
}

func runDuration(run *schema.Run) string {
	if run.EndedAt.IsZero() || run.EndedAt.Before(run.StartedAt) {
		return "–"
	}
	return run.EndedAt.Sub(run.StartedAt).Round(time.Second).String()
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// sections lists everything after the stage table, in reading order. Empty
// sections are left out. Every line is safe to print (see format.Line): the
// lines quote error bodies, server logs, names and notes from outside.
func sections(run *schema.Run) []section {
	all := slices.Concat([]section{
		{"Variants", variantLines(run)},
		{"Failed thresholds", failedThresholds(run)},
		{"Capacity search", capacityLines(run)},
		{"Repeats", repeatLines(run)},
		{"Token lengths", lengthLines(run)},
		{"Intervals and steady state", intervalLines(run)},
	}, trafficSections(run), []section{
		{"Warnings and notes", warningLines(run)},
		{"Failures", failureLines(run)},
		{"Status", statusLines(run)},
	})
	return shown(all)
}

// shown keeps the sections that have lines, each line safe to print.
func shown(all []section) []section {
	out := all[:0]
	for _, s := range all {
		if len(s.Lines) > 0 {
			out = append(out, section{Title: s.Title, Lines: format.Lines(s.Lines)})
		}
	}
	return out
}

func failedThresholds(run *schema.Run) []string {
	var out []string
	for i := range run.Stages {
		st := &run.Stages[i]
		for _, t := range st.Thresholds {
			if t.Passed {
				continue
			}
			out = append(out, thresholdLine(st.ID, t))
		}
	}
	return out
}

// thresholdLine says which threshold failed where and what it read.
func thresholdLine(stageID string, t schema.ThresholdResult) string {
	s := stageID + ": " + ThresholdName(t)
	if t.Name != "" {
		s += " (" + t.Expr + ")"
	}
	if len(t.Values) > 0 {
		s += " read " + format.Values(t.Values)
	}
	if t.Error != "" {
		s += "; error: " + t.Error
	}
	return s
}

// ThresholdName is how reports name a threshold: its name, else its expression.
func ThresholdName(t schema.ThresholdResult) string {
	if t.Name != "" {
		return t.Name
	}
	return t.Expr
}

func capacityLines(run *schema.Run) []string {
	out := make([]string, 0, len(run.Capacity))
	for _, c := range run.Capacity {
		out = append(out, capacityLine(c))
	}
	return out
}

func capacityLine(c schema.CapacityResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: ", c.Stage)
	if c.Profile != "" {
		fmt.Fprintf(&b, "profile %s, ", c.Profile)
	}
	if c.Found {
		fmt.Fprintf(&b, "max %s %s", c.Dimension, format.Float(c.Value))
	} else {
		fmt.Fprintf(&b, "no passing %s level", c.Dimension)
	}
	if c.FirstFailing > 0 {
		fmt.Fprintf(&b, ", first failing %s", format.Float(c.FirstFailing))
	}
	if c.FailedThreshold != "" {
		fmt.Fprintf(&b, " (%s)", c.FailedThreshold)
	}
	fmt.Fprintf(&b, ", resolution %s; probes:", format.Float(c.Resolution))
	for _, p := range c.Probes {
		fmt.Fprintf(&b, " %s%s", format.Float(p.Level), plainMark(p.Passed))
	}
	return b.String()
}

func warningLines(run *schema.Run) []string {
	var out []string
	for _, n := range run.Notes {
		out = append(out, "run: "+n)
	}
	for i := range run.Stages {
		st := &run.Stages[i]
		for _, w := range st.Warnings {
			out = append(out, st.ID+": "+w)
		}
		if st.Client.Bottleneck != "" {
			out = append(out, st.ID+": client bottleneck: "+st.Client.Bottleneck)
		}
	}
	return out
}

func failureLines(run *schema.Run) []string {
	var out []string
	for i := range run.Stages {
		st := &run.Stages[i]
		for _, f := range st.Failures {
			out = append(out, st.ID+": "+failureLine(f))
		}
	}
	return out
}

func failureLine(f schema.FailureCount) string {
	s := fmt.Sprintf("%d × %s", f.Count, f.Kind)
	if f.Status != 0 {
		s += fmt.Sprintf(" (HTTP %d)", f.Status)
	}
	if f.Example != "" {
		s += ", e.g. " + oneLine(f.Example, 200)
	}
	return s
}

// oneLine keeps an error excerpt on one line and bounded, so a server's HTML
// error page cannot flood a table.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return s
}

// statusLines explains how the run ended: which stages finished and, for a
// failed or interrupted run, which stage was cut and why.
func statusLines(run *schema.Run) []string {
	done, cut := stageOutcomes(run)
	var out []string
	switch run.Status {
	case schema.StatusCompleted:
		out = append(out, fmt.Sprintf("completed: %d stage level(s) finished", len(done)))
	case schema.StatusFailed:
		out = append(out, splitLines("failed: "+orDash(run.Error))...)
	case schema.StatusInterrupted:
		out = append(out, splitLines("interrupted: "+orDash(run.Error))...)
	default:
		out = append(out, "status: "+orDash(run.Status))
	}
	if run.Status != schema.StatusCompleted {
		out = append(out, "finished stages: "+orNone(strings.Join(done, ", ")))
		for _, c := range cut {
			out = append(out, splitLines("cut: "+c)...)
		}
	}
	return append(out, "thresholds: "+thresholdVerdict(run))
}

// thresholdVerdict summarises every threshold of the run in a few words. A
// run that stopped early did not evaluate its thresholds everywhere: it says
// so rather than "none defined" or "some failed".
func thresholdVerdict(run *schema.Run) string {
	evaluated, failed := 0, 0
	for i := range run.Stages {
		for _, t := range run.Stages[i].Thresholds {
			evaluated++
			if !t.Passed {
				failed++
			}
		}
	}
	switch {
	case failed > 0:
		return "some failed"
	case evaluated == 0 && !definesThresholds(run.Scenario):
		return "none defined"
	case run.Status == schema.StatusInterrupted && evaluated == 0:
		return "not evaluated: interrupted"
	case run.Status == schema.StatusInterrupted:
		return "interrupted before all were evaluated; none failed"
	case run.Status == schema.StatusFailed && evaluated == 0:
		return "not evaluated: the run did not complete"
	case run.Status == schema.StatusFailed:
		return "not all evaluated: the run did not complete; none failed"
	case run.Passed:
		return "all passed"
	}
	return "some failed"
}

// definesThresholds reports whether the scenario has any threshold.
func definesThresholds(sc *schema.Scenario) bool {
	if sc == nil {
		return false
	}
	n := len(sc.Thresholds)
	for _, st := range sc.Stages {
		n += len(st.Thresholds)
	}
	return n > 0
}

func stageOutcomes(run *schema.Run) (done, cut []string) {
	for i := range run.Stages {
		st := &run.Stages[i]
		if st.Status == schema.StatusCompleted {
			done = append(done, st.ID)
			continue
		}
		c := st.ID + " (" + orDash(st.Status)
		if st.StopReason != "" {
			c += ": " + st.StopReason
		}
		cut = append(cut, c+")")
	}
	return done, cut
}

// maxErrorLines bounds how much of a multi-line error (a server log tail)
// a report repeats; run.json keeps all of it.
const maxErrorLines = 50

// splitLines keeps a multi-line error readable as several report lines,
// the first as given and the rest indented, bounded by maxErrorLines.
func splitLines(s string) []string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > maxErrorLines {
		lines = append(lines[:maxErrorLines], fmt.Sprintf("(%d more lines in run.json)", len(lines)-maxErrorLines))
	}
	for i := 1; i < len(lines); i++ {
		lines[i] = "  " + lines[i]
	}
	return lines
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
