package vllmjson

import (
	"fmt"
	"slices"
	"strings"

	"github.com/servebench/servebench/schema"
)

// Records reads the file's per-request arrays in its second pass and sends
// each request, in file order, to sink (nil: none) as a requests.jsonl
// record of the stage. The stage's distributions are then computed over
// the records with the formulas vLLM uses (schema.SummarizeSorted: numpy's
// mean, std, median and linear percentiles), at the file's percentiles and
// the default ones, so the run has exact percentiles, bootstrap noise in
// compare and charts. A file without the arrays (vLLM after v0.8.2 saves
// them only with --save-detailed) keeps the summary it states, and the run
// says so.
func (f *File) Records(sink func(*schema.RequestRecord) error) error {
	if missing := f.missingArrays(); len(missing) > 0 {
		f.note(noArraysNote(missing))
		return nil
	}
	cs, err := openColumns(f.r, f.scan, append(slices.Clone(recordKeys), optionalKeys...))
	if err != nil {
		return fmt.Errorf("vllm result %q: %w", f.name, err)
	}
	st, acc := f.Stage(), newStats()
	var q request
	for i := range cs.n {
		if err := cs.read(i, &q); err != nil {
			return fmt.Errorf("vllm result %q: %w", f.name, err)
		}
		rec := record(st.ID, i, &q, f.scan.minStart)
		acc.add(rec)
		if sink != nil {
			if err := sink(rec); err != nil {
				return err
			}
		}
	}
	m := &st.Metrics
	f.note(f.recordsNote(cs.n))
	if m.Completed != acc.completed {
		f.note(fmt.Sprintf("the file says %d requests completed, its arrays hold %d without an error; the arrays count", m.Completed, acc.completed))
	}
	f.note(acc.apply(m, f.percentiles())...)
	st.Failures = acc.failures
	st.PlannedRequests = max(st.PlannedRequests, cs.n)
	return nil
}

// missingArrays lists the arrays of recordKeys the file lacks.
func (f *File) missingArrays() []string {
	var out []string
	for _, k := range recordKeys {
		if _, ok := f.scan.arrays[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}

func noArraysNote(missing []string) string {
	if len(missing) == len(recordKeys) {
		return "no per-request arrays (vllm bench serve saves them with --save-detailed; v0.8.2 always did): " +
			"the file's summary only, so compare has no noise estimate for this run"
	}
	return "per-request arrays incomplete (no " + strings.Join(missing, ", ") + "): the file's summary only"
}

// recordsNote says where the run's distributions came from.
func (f *File) recordsNote(n int) string {
	note := fmt.Sprintf("%d per-request records from the file's arrays", n)
	if _, ok := f.scan.arrays["latencies"]; !ok {
		note += "; E2EL and TPOT from TTFT + ITLs (to the last token: this vLLM version saved no per-request latencies)"
	}
	return note
}

// percentiles are those the file states for any metric and the defaults,
// at most maxImportPercentiles of them.
func (f *File) percentiles() []float64 {
	ps := slices.Clone(schema.DefaultPercentiles)
	for _, name := range schema.LatencyNames {
		d, _ := f.Stage().Metrics.Latency(name)
		for k := range d.Percentiles {
			if p, ok := schema.ParsePercentileKey(k); ok {
				ps = append(ps, p)
			}
		}
	}
	return schema.KeepPercentiles(ps, maxImportPercentiles)
}
