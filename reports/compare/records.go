package compare

import (
	"github.com/servebench/servebench/schema"
)

// recordIndex groups one run's measured (non-warmup) records by stage key.
type recordIndex map[string][]schema.RequestRecord

func indexRecords(run *schema.Run, recs []schema.RequestRecord, o Options) recordIndex {
	if len(recs) == 0 {
		return nil
	}
	keyOf := map[string]string{}
	for i := range run.Stages {
		keyOf[run.Stages[i].ID] = stageKey(&run.Stages[i], o)
	}
	idx := recordIndex{}
	for _, r := range recs {
		k, ok := keyOf[r.Stage]
		if !ok || r.Warmup {
			continue
		}
		idx[k] = append(idx[k], r)
	}
	return idx
}

// sampleValues extracts metric m's per-request samples.
func sampleValues(recs []schema.RequestRecord, m Metric) []float64 {
	out := make([]float64, 0, len(recs))
	for _, r := range recs {
		if v, ok := m.sample(r); ok {
			out = append(out, v)
		}
	}
	return out
}
