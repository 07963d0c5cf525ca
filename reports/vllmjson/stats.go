package vllmjson

import (
	"fmt"
	"slices"

	"github.com/servebench/servebench/schema"
)

// maxSamples bounds the values kept per distribution for exact
// percentiles (32 MiB each). A distribution with more (a file of 1M
// requests has ~100M ITLs) keeps the file's own summary of it, which vLLM
// computed exactly over the same requests.
const maxSamples = 1 << 22

// stats gathers one stage's distributions and failures from its records,
// as vLLM's calculate_metrics does: latencies of successful requests only,
// ITLs pooled over requests.
type stats struct {
	completed, failed int
	values            map[string][]float64 // ms, by latency name
	over              map[string]bool      // more than maxSamples values: not kept
	failures          []schema.FailureCount
}

func newStats() *stats {
	return &stats{values: map[string][]float64{}, over: map[string]bool{}}
}

func (s *stats) add(rec *schema.RequestRecord) {
	if rec.Error != nil {
		s.failed++
		s.addFailure(rec.Error)
		return
	}
	s.completed++
	if rec.TTFTMS > 0 { // 0: a backend that does not stream measured no first token
		s.keep("ttft", rec.TTFTMS)
	}
	if tpot, ok := schema.TPOT(rec.TTFTMS, rec.E2ELMS, rec.OutputTokens, len(rec.ITLMS)); ok {
		s.keep("tpot", tpot)
	}
	s.keep("itl", rec.ITLMS...)
	s.keep("e2el", rec.E2ELMS)
}

func (s *stats) keep(name string, v ...float64) {
	if s.over[name] || len(v) == 0 {
		return
	}
	if len(s.values[name])+len(v) > maxSamples {
		s.over[name], s.values[name] = true, nil
		return
	}
	s.values[name] = append(s.values[name], v...)
}

// maxFailureGroups bounds the failure kinds listed per stage.
const maxFailureGroups = 32

// addFailure groups failures by kind and status with the first message as
// the example, as the engine's aggregator does.
func (s *stats) addFailure(f *schema.RequestFailure) {
	for i := range s.failures {
		if g := &s.failures[i]; g.Kind == f.Kind && g.Status == f.Status {
			g.Count++
			return
		}
	}
	if len(s.failures) < maxFailureGroups {
		s.failures = append(s.failures, schema.FailureCount{Kind: f.Kind, Status: f.Status, Count: 1, Example: f.Message})
	}
}

// apply puts the distributions into m, each over the records unless it
// had too many values (then the file's own summary stays, with a note), and
// checks the records against the file: vLLM's TTFT and ITL summaries come
// from the same numbers, so a difference beyond rounding means the import
// misread the file, and TPOT and E2EL differ only by vLLM's [DONE] time.
func (s *stats) apply(m *schema.Metrics, ps []float64) []string {
	var notes []string
	for _, name := range schema.LatencyNames {
		file, _ := m.Latency(name)
		if s.over[name] {
			notes = append(notes, fmt.Sprintf("%s: more than %d values; kept the file's own summary of them", name, maxSamples))
			continue
		}
		slices.Sort(s.values[name])
		d := schema.SummarizeSorted(s.values[name], ps)
		if n := disagreement(name, file, d); n != "" {
			notes = append(notes, n)
		}
		setLatency(m, name, d)
	}
	m.Sent, m.Completed, m.Failed = s.completed+s.failed, s.completed, s.failed
	m.ErrorRate = 0
	if m.Sent > 0 {
		m.ErrorRate = float64(s.failed) / float64(m.Sent)
	}
	return notes
}

// Tolerances of disagreement: TTFT and ITL are the same numbers in ms and
// seconds (float rounding only); TPOT and E2EL are measured to the last
// token here and to vLLM's [DONE] line in the file.
const (
	sameTolerance    = 1e-6
	derivedTolerance = 0.01
)

// disagreement words a mean of the records that differs from the file's.
func disagreement(name string, file, got schema.Dist) string {
	if !file.Measured() || !got.Measured() || file.Mean == 0 {
		return ""
	}
	tol := sameTolerance
	if name == "tpot" || name == "e2el" {
		tol = derivedTolerance
	}
	if rel := (got.Mean - file.Mean) / file.Mean; rel > tol || rel < -tol {
		return fmt.Sprintf("%s: the mean of the per-request values (%.4g ms) differs from the file's mean_%s_ms (%.4g) by %+.2f%%",
			name, got.Mean, name, file.Mean, rel*100)
	}
	return ""
}

func setLatency(m *schema.Metrics, name string, d schema.Dist) {
	switch name {
	case "ttft":
		m.TTFT = d
	case "tpot":
		m.TPOT = d
	case "itl":
		m.ITL = d
	case "e2el":
		m.E2EL = d
	}
}
