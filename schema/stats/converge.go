package stats

import (
	"strings"

	"github.com/servebench/servebench/schema"
)

// Convergence is one check of `until:` on the requests finished so far.
type Convergence struct {
	// Reached are the relative half-widths of the targets that have an
	// interval (a metric without one yet is left out, and not converged).
	Reached map[string]float64
	// Done is true when every target is met.
	Done bool
}

// Converge checks `until:` targets (relative half-widths by metric name,
// steady-state names with schema.SteadyPrefix) on the requests of a level
// that is still running. A steady-state target is read over the window
// found so far: the ramp is cut as at the end, and as nothing has drained
// yet the window runs to the last completion. Only the named metrics are
// computed, so a check costs a sort of the requests and one pass per
// target.
func Converge(rs []Request, targets map[string]float64, o Options) Convergence {
	rs = sortedBySend(rs)
	c := Convergence{Reached: map[string]float64{}, Done: true}
	var all, steady *set
	for name, target := range targets {
		s := func() *set {
			if !strings.HasPrefix(name, schema.SteadyPrefix) {
				if all == nil {
					from, to := span(rs)
					all = newSet(rs, allIdx(len(rs)), from, to, o.SLO, o.scale())
				}
				return all
			}
			if steady == nil {
				if w := findWindow(rs, o.OpenLoop, true); w.found {
					steady = newSet(rs, w.set, w.from, w.to, o.SLO, o.scale())
				}
			}
			return steady
		}()
		if s == nil {
			c.Done = false
			continue
		}
		ci, v := s.ci(strings.TrimPrefix(name, schema.SteadyPrefix), o.level())
		if !ci.OK() {
			c.Done = false
			continue
		}
		rel := ci.RelHalfWidth(v)
		c.Reached[name] = rel
		if rel > target {
			c.Done = false
		}
	}
	return c
}
