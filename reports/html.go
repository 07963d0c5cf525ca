package reports

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/servebench/servebench/reports/internal/format"
	"github.com/servebench/servebench/reports/internal/style"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

//go:embed report.html.tmpl
var pageSource string

// pageTemplate renders the run page; its stylesheet is shared with compare.
var pageTemplate = template.Must(template.New("report").Parse(pageSource))

// HTML writes one self-contained page: inline CSS, inline SVG charts, no
// script and no external URL, so it works offline and as a CI artifact.
// html/template escapes every user- or server-provided string; only the SVG
// produced by the chart library is inserted verbatim. html/template leaves
// control bytes alone (a browser ignores them, a terminal running `cat`
// does not), so the page passes the funnel with control bytes escaped:
// htmlSafe.
func HTML(w io.Writer, run *schema.Run) error { return HTMLWith(w, run, nil) }

// HTMLWith is HTML with the run's request records, which the per-level
// timelines and latency CDFs are drawn from (html_decision.go).
func HTMLWith(w io.Writer, run *schema.Run, reqs Requests) error {
	page, err := newHTMLPage(run, reqs)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := pageTemplate.ExecuteTemplate(&b, "run", page); err != nil {
		return fmt.Errorf("render html report: %w", err)
	}
	if _, err := io.WriteString(w, htmlSafe(b.String())); err != nil {
		return fmt.Errorf("write html report: %w", err)
	}
	return nil
}

// htmlPage is everything the run template shows, already formatted.
type htmlPage struct {
	Title       string
	Head        []keyValue
	StatusClass string
	Status      []string
	Groups      []chartGroup
	Variants    []variantTable
	VariantLog  string // how each variant ended, failed ones with their log tails
	Header      []string
	Rows        []htmlRow
	Thresholds  []thresholdRow
	Failures    []failureRow
	Capacity    []capacityView
	Repeats     []string
	Lengths     []string
	Intervals   []string
	Steady      [][]string
	SteadyHead  []string
	Traffic     []section // datasets, conversations, replays (traffic.go)
	Warnings    []string
	Scenario    string
	Environment []keyValue
	Generated   string
	CSS         template.CSS
}

type keyValue struct{ Key, Value string }

type htmlRow struct {
	Cells  []string
	Passed bool
}

type thresholdRow struct {
	Stage, Name, Expr, Values, Error string
	Passed                           bool
}

// capacityView is one capacity search: its answer and every probe in order.
type capacityView struct {
	Answer string
	Probes []probeRow
}

type probeRow struct {
	Step, Level, StageID string
	Passed               bool
}

func capacityViews(run *schema.Run) []capacityView {
	out := make([]capacityView, 0, len(run.Capacity))
	for _, c := range run.Capacity {
		v := capacityView{Answer: capacityLine(c)}
		for i, p := range c.Probes {
			v.Probes = append(v.Probes, probeRow{Step: strconv.Itoa(i + 1), Level: format.Float(p.Level), StageID: p.StageID, Passed: p.Passed})
		}
		out = append(out, v)
	}
	return out
}

type failureRow struct {
	Stage, Kind, Status, Count, Example string
}

func newHTMLPage(run *schema.Run, reqs Requests) (*htmlPage, error) {
	scenario, err := scenarioText(run)
	if err != nil {
		return nil, err
	}
	groups, notes := pageCharts(run, reqs)
	p := &htmlPage{
		Title:       "servebench: " + run.Name,
		Head:        runHead(run),
		StatusClass: statusClass(run),
		Status:      statusLines(run),
		Groups:      groups,
		Variants:    variantTables(run),
		VariantLog:  strings.Join(format.Lines(variantLines(run)), "\n"),
		Header:      stageHeader,
		Capacity:    capacityViews(run),
		Repeats:     repeatLines(run),
		Lengths:     lengthLines(run),
		Traffic:     shown(trafficSections(run)),
		Warnings:    append(warningLines(run), notes...),
		Intervals:   intervalLines(run),
		Steady:      steadyRows(run),
		SteadyHead:  steadyHeader,
		Scenario:    scenario,
		Environment: environment(run),
		Generated:   run.EndedAt.UTC().Format(time.RFC3339),
		CSS:         style.CSS(),
	}
	for i := range run.Stages {
		st := &run.Stages[i]
		p.Rows = append(p.Rows, htmlRow{Cells: stageCells(st, plainMark), Passed: st.Passed()})
		p.Thresholds = append(p.Thresholds, thresholdRows(st)...)
		p.Failures = append(p.Failures, failureRows(st)...)
	}
	return p, nil
}

func runHead(run *schema.Run) []keyValue {
	model := run.Server.Model
	if model == "" && run.Scenario != nil {
		model = run.Scenario.Model.Name
	}
	return []keyValue{
		{"Model", orDash(model)},
		{"Server", orDash(strings.TrimSpace(run.Server.Kind + " " + run.Server.Version))},
		{"Started", run.StartedAt.UTC().Format("2006-01-02 15:04:05 UTC")},
		{"Duration", runDuration(run)},
		{"Status", run.Status},
		{"Thresholds", thresholdVerdict(run)},
	}
}

func statusClass(run *schema.Run) string {
	switch {
	case run.Status != schema.StatusCompleted:
		return "bad"
	case !run.Passed:
		return "warn"
	}
	return "good"
}

func thresholdRows(st *schema.StageResult) []thresholdRow {
	out := make([]thresholdRow, 0, len(st.Thresholds))
	for _, t := range st.Thresholds {
		out = append(out, thresholdRow{Stage: st.ID, Name: ThresholdName(t), Expr: t.Expr,
			Values: format.Values(t.Values), Error: t.Error, Passed: t.Passed})
	}
	return out
}

func failureRows(st *schema.StageResult) []failureRow {
	out := make([]failureRow, 0, len(st.Failures))
	for _, f := range st.Failures {
		status := ""
		if f.Status != 0 {
			status = strconv.Itoa(f.Status)
		}
		out = append(out, failureRow{Stage: st.ID, Kind: f.Kind, Status: status,
			Count: strconv.Itoa(f.Count), Example: f.Example})
	}
	return out
}

// scenarioText is the resolved scenario as indented JSON (secrets are never
// serialised by the schema types).
func scenarioText(run *schema.Run) (string, error) {
	if run.Scenario == nil {
		return "", nil
	}
	b, err := json.MarshalIndent(run.Scenario, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode scenario for html report: %w", err)
	}
	return string(b), nil
}

func environment(run *schema.Run) []keyValue {
	e, s := run.Environment, run.Server
	kv := []keyValue{
		{"Tool", strings.TrimSpace(run.Tool.Name + " " + run.Tool.Version + " " + run.Tool.GoVersion)},
		{"Source", run.Source},
		{"Scenario file", run.ScenarioFile},
		{"Client host", e.Hostname},
		{"Client OS/arch", strings.Trim(e.OS+"/"+e.Arch, "/")},
		{"Client CPUs", nonZero(e.CPUs)},
		{"Server URL", s.URL},
		{"Server command", strings.Join(s.Command, " ")},
		{"Max model len", nonZero(s.MaxModelLen)},
		{"Served models", strings.Join(s.Models, ", ")},
		{"Server log", s.Log},
	}
	out := kv[:0]
	for _, x := range kv {
		if x.Value != "" {
			out = append(out, x)
		}
	}
	return out
}

// htmlSafe is the funnel for a rendered page: secrets hidden, and control
// bytes other than newlines and tabs escaped. The template, stylesheet and
// charts have none, so only text from outside changes.
func htmlSafe(page string) string { return redact.Text(redact.String(page)) }

func nonZero(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}
