package compare

import (
	"github.com/servebench/servebench/schema"
)

// recordIndex groups one run's measured (non-warmup) records by stage key.
type recordIndex map[string][]schema.RequestRecord

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
