package compare

import (
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/stats"
)

// recordIndex is one run's measured requests by stage ID, as the interval
// machinery reads them (warmup and cancelled requests left out).
type recordIndex map[string][]stats.Request

func indexRecords(recs []schema.RequestRecord) recordIndex {
	if len(recs) == 0 {
		return nil
	}
	idx := recordIndex{}
	for i := range recs {
		if q, ok := stats.FromRecord(&recs[i]); ok {
			idx[recs[i].Stage] = append(idx[recs[i].Stage], q)
		}
	}
	return idx
}
