package compare

import (
	"slices"

	"github.com/servebench/servebench/schema"
)

// runLabels names each run so that the runs of a comparison tell apart in
// every output: its --label when it has one, else its scenario name when
// the names differ, else its start time. Two runs still alike (the same
// label twice) get their start time added.
func runLabels(runs []*schema.Run) []string {
	names := make([]string, len(runs))
	for i, r := range runs {
		names[i] = r.Name
	}
	slices.Sort(names)
	namesDiffer := len(slices.Compact(names)) == len(runs)
	out := make([]string, len(runs))
	for i, r := range runs {
		switch {
		case r.Label != "":
			out[i] = r.Label
		case namesDiffer:
			out[i] = r.Name
		default:
			out[i] = r.Name + " @ " + started(r)
		}
	}
	count := map[string]int{}
	for _, l := range out {
		count[l]++
	}
	for i := range out {
		if count[out[i]] > 1 && runs[i].Label != "" {
			out[i] += " @ " + started(runs[i])
		}
	}
	return out
}

func started(r *schema.Run) string { return r.StartedAt.UTC().Format("2006-01-02 15:04:05") }
