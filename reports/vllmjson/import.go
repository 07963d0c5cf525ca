package vllmjson

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/servebench/servebench/schema"
)

// Import names: the stage and profile every imported result gets, so
// comparisons between several vLLM files match them up by level.
const (
	ImportStage   = "vllm"
	ImportProfile = "imported"
	ImportSource  = "vllm-import"
)

// maxImportPercentiles bounds the percentiles kept per distribution
// (schema.KeepPercentiles); the rest are dropped with a note in the run, so
// a file with 200 000 percentile keys (maxImportSize bounds the keys) makes
// a run as small as any other.
const maxImportPercentiles = 32

// maxDurationS bounds the benchmark duration turned into an end time (a
// year); beyond it the file is nonsense and the end time stays unknown.
const maxDurationS = 365 * 24 * 3600

// Import converts a `vllm bench serve --save-result` file into a one-stage
// schema.Run (Source "vllm-import") that the reports and compare accept. name
// becomes the run name (typically the file name). Unknown keys are ignored;
// a known key with the wrong type is an error naming the key. When the
// file has vLLM's per-request arrays, the stage's distributions are
// computed over them (see File.Records); Import discards the records
// themselves, ImportFiles keeps them.
func Import(r io.ReaderAt, name string) (*schema.Run, error) {
	f, err := Open(r, name)
	if err != nil {
		return nil, err
	}
	if err := f.Records(nil); err != nil {
		return nil, err
	}
	return f.Run(), nil
}

// File is one vLLM result file being imported: Open reads its summary,
// Records its per-request arrays, Run returns the result.
type File struct {
	name string
	r    io.ReaderAt
	scan *scanned
	run  *schema.Run
}

// Open reads the summary of the vLLM result file r (its first pass; see
// scan.go): the stage level, its metrics as the file states them, and
// where the per-request arrays are.
func Open(r io.ReaderAt, name string) (*File, error) {
	s, err := scan(r)
	var notObject *notObjectError
	switch {
	case errors.As(err, &notObject):
		return nil, fmt.Errorf("vllm result %q is %w", name, err)
	case err != nil:
		return nil, fmt.Errorf("vllm result %q: %w", name, err)
	}
	d := decoder{obj: s.obj}
	run := d.run(name, d.stage())
	if d.err != nil {
		return nil, fmt.Errorf("vllm result %q: %w", name, d.err)
	}
	if _, ok := s.obj["completed"]; !ok {
		return nil, fmt.Errorf("vllm result %q has no \"completed\" key: is it a vllm bench serve --save-result file?", name)
	}
	return &File{name: name, r: r, scan: s, run: run}, nil
}

// Stage is the stage level the file holds. Its ID is the one the records
// carry: a caller that merges files changes it before Records.
func (f *File) Stage() *schema.StageResult { return &f.run.Stages[0] }

// Run is the imported run: the stage, the server and the notes.
func (f *File) Run() *schema.Run { return f.run }

// note adds a note of the import to the run.
func (f *File) note(n ...string) {
	for _, s := range n {
		f.run.Notes = append(f.run.Notes, "vllm import: "+s)
	}
}

// decoder reads typed values out of the object and keeps the first error.
type decoder struct {
	obj   map[string]json.RawMessage
	err   error
	notes []string // what the import left out
}

func (d *decoder) fail(key, want string) {
	if d.err == nil {
		d.err = fmt.Errorf("key %q: want %s, got %s", key, want, abbreviate(string(d.obj[key])))
	}
}

func abbreviate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// num reads a number; null, absent and "inf" read as NaN.
func (d *decoder) num(key string) float64 {
	v, ok := d.obj[key]
	if !ok || string(v) == "null" {
		return math.NaN()
	}
	var f float64
	if err := json.Unmarshal(v, &f); err == nil {
		return f
	}
	var s string
	if err := json.Unmarshal(v, &s); err == nil && strings.EqualFold(s, "inf") {
		return math.Inf(1)
	}
	d.fail(key, "a number")
	return math.NaN()
}

// count reads a non-negative integer count; absent or null is 0.
func (d *decoder) count(key string) int64 {
	f := d.num(key)
	if math.IsNaN(f) {
		return 0
	}
	if f < 0 || f != math.Trunc(f) || f > 1<<53 {
		d.fail(key, "a non-negative integer")
		return 0
	}
	return int64(f)
}

func (d *decoder) str(key string) string {
	v, ok := d.obj[key]
	if !ok || string(v) == "null" {
		return ""
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		d.fail(key, "a string")
	}
	return s
}

func finite(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

func (d *decoder) stage() schema.StageResult {
	completed, failed := d.count("completed"), d.count("failed")
	st := schema.StageResult{
		Stage: ImportStage, Profile: ImportProfile, Status: schema.StatusCompleted,
		Burstiness: finite(d.num("burstiness")),
		Metrics:    d.metrics(int(completed), int(failed)),
	}
	if r := d.num("request_rate"); !math.IsNaN(r) && !math.IsInf(r, 0) && r > 0 {
		st.Rate, st.Distribution = r, schema.DistPoisson
		if st.Burstiness != 0 && st.Burstiness != 1 {
			st.Distribution = schema.DistGamma // vLLM: gamma arrivals unless burstiness is 1
		}
	}
	st.Concurrency = int(min(d.count("max_concurrency"), 1<<31-1))
	st.PlannedRequests = int(min(d.count("num_prompts"), 1<<31-1))
	st.Client.TargetConcurrency = st.Concurrency
	st.Client.MaxInFlight = int(min(d.count("max_concurrent_requests"), 1<<31-1))
	if completed > 0 {
		st.InputLen = int(st.Metrics.TotalInputTokens / completed)
		st.OutputLen = int(st.Metrics.TotalOutputTokens / completed)
		st.Metrics.MeanInputLen = float64(st.Metrics.TotalInputTokens) / float64(completed)
		st.Metrics.MeanOutputLen = float64(st.Metrics.TotalOutputTokens) / float64(completed)
	}
	st.ID = stageID(&st)
	return st
}

func stageID(st *schema.StageResult) string {
	if st.Rate > 0 {
		return fmt.Sprintf("%s/%s/r%g", st.Stage, st.Profile, st.Rate)
	}
	return fmt.Sprintf("%s/%s/c%d", st.Stage, st.Profile, st.Concurrency)
}

// goodputKeys name the goodput: vLLM up to v0.8.x wrote it with a trailing
// colon ("request_goodput:"), later versions without.
var goodputKeys = []string{"request_goodput", "request_goodput:"}

func (d *decoder) metrics(completed, failed int) schema.Metrics {
	m := schema.Metrics{
		Sent: completed + failed, Completed: completed, Failed: failed,
		DurationS:            finite(d.num("duration")),
		TotalInputTokens:     d.count("total_input_tokens"),
		TotalOutputTokens:    d.count("total_output_tokens"),
		RequestThroughput:    finite(d.num("request_throughput")),
		OutputThroughput:     finite(d.num("output_throughput")),
		TotalTokenThroughput: finite(d.num("total_token_throughput")),
		TokenSource:          "usage",
		Exact:                true,
	}
	if m.Sent > 0 {
		m.ErrorRate = float64(failed) / float64(m.Sent)
	}
	m.Goodput = m.RequestThroughput // vLLM: no --goodput means every request counts
	for _, key := range goodputKeys {
		if g := d.num(key); !math.IsNaN(g) {
			m.Goodput = finite(g)
			break
		}
	}
	m.TTFT, m.TPOT = d.dist("ttft", completed), d.dist("tpot", completed)
	m.ITL, m.E2EL = d.dist("itl", completed), d.dist("e2el", completed)
	return m
}

// dist collects mean/median/std_<name>_ms and the p<N>_<name>_ms keys. A
// distribution without a mean is absent (Count 0): vLLM writes null, or
// nothing, for what it did not measure.
func (d *decoder) dist(name string, count int) schema.Dist {
	suffix := "_" + name + "_ms"
	mean := d.num("mean" + suffix)
	if math.IsNaN(mean) || count == 0 {
		return schema.Dist{}
	}
	out := schema.Dist{Count: count, Mean: finite(mean), Median: finite(d.num("median" + suffix)),
		Std: finite(d.num("std" + suffix)), Percentiles: map[string]float64{}}
	keyOf, ignored := map[float64]string{}, 0
	for key := range d.obj {
		word, ok := strings.CutSuffix(key, suffix)
		if !ok || !strings.HasPrefix(word, "p") {
			continue
		}
		p, valid := percentileWord(word[1:])
		switch old, dup := keyOf[p]; {
		case !valid:
			ignored++
		case !dup || key < old: // "p99" and "p99.0" name one percentile: keep one, stably
			keyOf[p] = key
		}
	}
	if ignored > 0 {
		d.notes = append(d.notes, fmt.Sprintf("%s: ignored %d percentile key(s) that are not a number strictly between 0 and 100", name, ignored))
	}
	found := len(keyOf)
	if _, ok := keyOf[50]; !ok {
		keyOf[50] = "" // the median stands for p50, which vLLM omits by default
	}
	kept := schema.KeepPercentiles(slices.Collect(maps.Keys(keyOf)), maxImportPercentiles)
	if len(kept) < len(keyOf) {
		d.notes = append(d.notes, fmt.Sprintf("%s: kept %d of the file's %d percentiles (the defaults and the highest)", name, len(kept), found))
	}
	for _, p := range kept {
		v := out.Median
		if key := keyOf[p]; key != "" {
			v = finite(d.num(key))
		}
		out.Percentiles[schema.PercentileKey(p)] = v
	}
	return out
}

func (d *decoder) run(name string, st schema.StageResult) *schema.Run {
	started := time.Time{}
	if t, err := time.Parse(dateLayout, d.str("date")); err == nil {
		started = t.UTC() // vLLM writes local time without a zone: the best we know
		st.StartedAt = started
	}
	backend := d.str("backend")
	if backend == "" {
		backend = d.str("endpoint_type")
	}
	run := &schema.Run{
		SchemaVersion: schema.RunSchemaVersion,
		Tool:          schema.Tool{Name: "vllm bench serve"},
		Name:          name,
		StartedAt:     started,
		Status:        schema.StatusCompleted,
		Server:        schema.ServerInfo{Kind: "vllm", Model: d.str("model_id")},
		Stages:        []schema.StageResult{st},
		Passed:        true,
		Source:        ImportSource,
	}
	if dur := st.Metrics.DurationS; dur > 0 && dur < maxDurationS && !started.IsZero() {
		run.EndedAt = started.Add(time.Duration(dur * float64(time.Second)))
	}
	if label := d.str("label"); label != "" {
		run.Notes = append(run.Notes, "vllm label: "+label)
	}
	if backend != "" {
		run.Notes = append(run.Notes, "vllm backend: "+backend)
	}
	if tok := d.str("tokenizer_id"); tok != "" && tok != run.Server.Model {
		run.Notes = append(run.Notes, "tokenizer: "+tok)
	}
	for _, n := range d.notes {
		run.Notes = append(run.Notes, "vllm import: "+n)
	}
	return run
}
