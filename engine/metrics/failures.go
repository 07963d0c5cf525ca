package metrics

import (
	"cmp"
	"slices"

	"github.com/servebench/servebench/schema"
)

type failureKey struct {
	kind   string
	status int
}

// failures groups failed requests by kind and status, keeping the first
// message of each group as its example.
type failures struct {
	groups map[failureKey]*schema.FailureCount
}

func (f *failures) add(s *Sample) {
	if f.groups == nil {
		f.groups = map[failureKey]*schema.FailureCount{}
	}
	kind := cmp.Or(s.Kind, schema.FailOther)
	k := failureKey{kind, s.Status}
	g := f.groups[k]
	if g == nil {
		g = &schema.FailureCount{Kind: kind, Status: s.Status, Example: s.Message}
		f.groups[k] = g
	}
	g.Count++
}

// list returns the groups, most frequent first, then by kind and status so
// the order is stable.
func (f *failures) list() []schema.FailureCount {
	out := make([]schema.FailureCount, 0, len(f.groups))
	for _, g := range f.groups {
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b schema.FailureCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Status, b.Status))
	})
	if len(out) == 0 {
		return nil
	}
	return out
}
