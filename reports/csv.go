package reports

import (
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/redact"
)

// Files the csv format writes into a run directory.
const (
	StagesCSV   = "stages.csv"
	RequestsCSV = "requests.csv"
)

// CSVStages writes one row per stage level, every metric in its own column
// with its unit in the name (ttft_ms_p99), for spreadsheets and pandas. A
// matrix run adds its variant and one axis_<name> column per axis; a value
// the level did not measure is an empty cell, never 0.
func CSVStages(w io.Writer, run *schema.Run) error {
	axes := axisNames(run)
	pct := percentileKeysOf(run)
	cw := csv.NewWriter(w)
	header := []string{"variant"}
	for _, a := range axes {
		header = append(header, "axis_"+a)
	}
	header = append(header, stageColumns...)
	for _, d := range distColumns {
		for _, stat := range append([]string{"mean", "median", "std", "min", "max"}, pct...) {
			header = append(header, d.name+"_ms_"+stat)
		}
	}
	if err := cw.Write(cleanRow(header)); err != nil {
		return fmt.Errorf("write %s: %w", StagesCSV, err)
	}
	for i := range run.Stages {
		st := &run.Stages[i]
		rec := append([]string{st.Variant}, axisValues(run, st.Variant, axes)...)
		rec = append(rec, stageValues(st)...)
		for _, d := range distColumns {
			rec = append(rec, distValues(d.get(st), pct)...)
		}
		if err := cw.Write(cleanRow(rec)); err != nil {
			return fmt.Errorf("write %s: %w", StagesCSV, err)
		}
	}
	cw.Flush()
	return cw.Error()
}

var stageColumns = []string{"id", "stage", "profile", "concurrency", "rate", "repeat", "probe", "status",
	"input_len", "output_len", "sent", "completed", "failed", "canceled", "error_rate", "duration_s",
	"request_throughput", "output_throughput", "total_token_throughput", "goodput", "achieved_concurrency"}

func stageValues(st *schema.StageResult) []string {
	m := st.Metrics
	return []string{st.ID, st.Stage, st.Profile, itoa(st.Concurrency), num(st.Rate), itoa(st.Repeat),
		strconv.FormatBool(st.Probe), st.Status, itoa(st.InputLen), itoa(st.OutputLen), itoa(m.Sent),
		itoa(m.Completed), itoa(m.Failed), itoa(m.Canceled), num(m.ErrorRate), num(m.DurationS),
		num(m.RequestThroughput), num(m.OutputThroughput), num(m.TotalTokenThroughput), num(m.Goodput),
		num(st.Client.AchievedConcurrency)}
}

var distColumns = []struct {
	name string
	get  func(*schema.StageResult) schema.Dist
}{
	{"ttft", func(s *schema.StageResult) schema.Dist { return s.Metrics.TTFT }},
	{"tpot", func(s *schema.StageResult) schema.Dist { return s.Metrics.TPOT }},
	{"itl", func(s *schema.StageResult) schema.Dist { return s.Metrics.ITL }},
	{"e2el", func(s *schema.StageResult) schema.Dist { return s.Metrics.E2EL }},
}

// distValues are a distribution's statistics; empty cells when absent.
func distValues(d schema.Dist, pct []string) []string {
	out := make([]string, 0, 5+len(pct))
	if !d.Measured() {
		return append(out, make([]string, 5+len(pct))...)
	}
	out = append(out, num(d.Mean), num(d.Median), num(d.Std), num(d.Min), num(d.Max))
	for _, k := range pct {
		v, ok := d.Percentiles[k]
		if !ok {
			out = append(out, "")
			continue
		}
		out = append(out, num(v))
	}
	return out
}

// maxCSVPercentiles bounds the percentile columns, as the charts' bars are.
const maxCSVPercentiles = 16

// percentileKeysOf lists the percentile keys the run's distributions
// carry, ascending.
func percentileKeysOf(run *schema.Run) []string {
	seen := map[float64]bool{}
	for i := range run.Stages {
		for _, d := range distColumns {
			for k := range d.get(&run.Stages[i]).Percentiles {
				if p, ok := schema.ParsePercentileKey(k); ok {
					seen[p] = true
				}
			}
		}
	}
	var out []string
	for _, p := range schema.KeepPercentiles(slices.Collect(maps.Keys(seen)), maxCSVPercentiles) {
		out = append(out, schema.PercentileKey(p))
	}
	return out
}

// axisNames lists the axes of a matrix run's variants, in order.
func axisNames(run *schema.Run) []string {
	var out []string
	for _, v := range run.Variants {
		for _, a := range v.Axes {
			if !slices.Contains(out, a.Name) {
				out = append(out, a.Name)
			}
		}
	}
	return out
}

// axisValues is a variant's value of each axis.
func axisValues(run *schema.Run, variant string, axes []string) []string {
	out := make([]string, len(axes))
	for _, v := range run.Variants {
		if v.Name != variant {
			continue
		}
		for _, a := range v.Axes {
			out[slices.Index(axes, a.Name)] = a.Value
		}
	}
	return out
}

// CSVRequests writes one row per request record (warmup included, marked),
// streamed: a run of millions of requests needs no more memory than one.
// The per-token gaps (ITL) stay in requests.jsonl.
func CSVRequests(w io.Writer, run *schema.Run, reqs Requests) error {
	levels := map[string]*schema.StageResult{}
	for i := range run.Stages {
		levels[run.Stages[i].ID] = &run.Stages[i]
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(requestColumns); err != nil {
		return fmt.Errorf("write %s: %w", RequestsCSV, err)
	}
	if reqs != nil {
		err := reqs(func(r schema.RequestRecord) error {
			return cw.Write(cleanRow(requestValues(r, levels[r.Stage])))
		})
		if err != nil {
			return fmt.Errorf("write %s: %w", RequestsCSV, err)
		}
	}
	cw.Flush()
	return cw.Error()
}

var requestColumns = []string{"variant", "stage_id", "stage", "profile", "concurrency", "rate", "repeat", "i",
	"warmup", "start_ms", "send_lag_ms", "ttft_ms", "e2el_ms", "req_input", "req_output", "input_tokens",
	"output_tokens", "token_source", "finish_reason", "error_kind", "error_status", "error_message"}

func requestValues(r schema.RequestRecord, st *schema.StageResult) []string {
	stage, profile, conc, rate, repeat := "", "", "", "", ""
	if st != nil {
		stage, profile, conc, rate, repeat = st.Stage, st.Profile, itoa(st.Concurrency), num(st.Rate), itoa(st.Repeat)
	}
	ttft := ""
	if r.Error == nil {
		ttft = num(r.TTFTMS)
	}
	out := []string{r.Variant, r.Stage, stage, profile, conc, rate, repeat, itoa(r.Index),
		strconv.FormatBool(r.Warmup), num(r.StartMS), num(r.SendLagMS), ttft, num(r.E2ELMS),
		itoa(r.RequestedInput), itoa(r.RequestedOutput), itoa(r.InputTokens), itoa(r.OutputTokens),
		r.TokenSource, r.FinishReason, "", "", ""}
	if e := r.Error; e != nil {
		out[len(out)-3], out[len(out)-2], out[len(out)-1] = e.Kind, itoa(e.Status), e.Message
	}
	return out
}

// cleanRow makes every cell safe to leave the process and to open in a
// spreadsheet: secrets hidden, control bytes escaped, and text that a
// spreadsheet would run as a formula (=, +, -, @ first) prefixed with '.
// Numbers are left alone.
func cleanRow(rec []string) []string {
	for i, c := range rec {
		c = redact.Line(redact.String(c))
		if c != "" && strings.ContainsRune("=+-@", rune(c[0])) {
			if _, err := strconv.ParseFloat(c, 64); err != nil {
				c = "'" + c
			}
		}
		rec[i] = c
	}
	return rec
}

func itoa(n int) string { return strconv.Itoa(n) }

// num is a number at full precision, for a program to read back.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
