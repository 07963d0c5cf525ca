package engine

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/servebench/servebench/engine/metrics"
	"github.com/servebench/servebench/schema"
	"github.com/servebench/servebench/schema/stats"
)

// until is the stop condition of a level with `until:`. The collector,
// the aggregator's one owner, asks it after every measured request; it
// checks convergence only when the count has grown by a tenth (and by at
// least the level's concurrency) since the last check, so a level of n
// requests costs O(log n) checks of one sort each, not one per request.
// It stops nothing itself: it closes the load generator's Stop channel,
// which ends the level like its duration would, so there is no second
// scheduler.
type until struct {
	targets map[string]float64
	stop    chan struct{}
	once    sync.Once
	next    int // measured count of the next check
	gap     int // fewest requests between checks
	res     schema.UntilResult
}

// untilFirstCheck is the measured count of the first check: MSER-5 needs
// that many requests before a steady-state window exists at all.
const untilFirstCheck = stats.MinMSER

// newUntil is the stop condition of step, nil when its stage has no until:.
func newUntil(step Step) *until {
	if len(step.Stage.Until) == 0 {
		return nil
	}
	t := step.Stage.Until.Targets()
	return &until{targets: t, stop: make(chan struct{}), next: max(untilFirstCheck, step.Concurrency),
		gap: max(step.Concurrency, 10), res: schema.UntilResult{Targets: t}}
}

// check runs a convergence check when one is due and stops the level's
// load once every target is met.
func (u *until) check(agg *metrics.Aggregator) {
	n := agg.Measured()
	if u.res.Converged || n < u.next {
		return
	}
	u.next = n + max(n/10, u.gap)
	c := agg.Converge(u.targets)
	u.res.Checks++
	u.res.Reached = c.Reached
	if c.Done {
		u.res.Converged = true
		u.once.Do(func() { close(u.stop) })
	}
}

// finish checks once more at the end of a level that did not converge
// early, so its result holds the widths of every request it measured; a
// level that met its targets just as it reached its bound converged too.
func (u *until) finish(agg *metrics.Aggregator) {
	if u == nil || u.res.Converged {
		return
	}
	c := agg.Converge(u.targets)
	u.res.Checks++
	u.res.Reached, u.res.Converged = c.Reached, c.Done
}

// stopCh is the load generator's Stop channel (nil without until).
func (u *until) stopCh() <-chan struct{} {
	if u == nil {
		return nil
	}
	return u.stop
}

// result is how the level ended, for the stage result.
func (u *until) result() *schema.UntilResult {
	if u == nil {
		return nil
	}
	r := u.res
	return &r
}

// notConverged names the targets not met and how far each got.
func notConverged(u *schema.UntilResult) string {
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(u.Targets)) {
		got, ok := u.Reached[name]
		switch {
		case !ok:
			parts = append(parts, name+" has no interval yet")
		case got > u.Targets[name]:
			parts = append(parts, fmt.Sprintf("%s ±%.1f%% (target ±%.1f%%)", name, 100*got, 100*u.Targets[name]))
		}
	}
	return strings.Join(parts, ", ")
}
