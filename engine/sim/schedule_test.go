package sim

import (
	"testing"
	"time"
)

// TestStepsKeepTheirSchedule: steps end on a schedule of their own, so a
// timer that wakes late (Linux's runtime poller sleeps in whole
// milliseconds) does not add its lateness to every step. Before, a 2.2 ms
// step measured ~3.2 ms and a 10% slower decode showed as 0-40% slower.
func TestStepsKeepTheirSchedule(t *testing.T) {
	start := time.Unix(1000, 0)
	const d = 2200 * time.Microsecond
	const late = 900 * time.Microsecond
	var due time.Time
	now := start
	for i := range 100 {
		due = nextDue(due, now, d)
		if want := start.Add(time.Duration(i+1) * d); !due.Equal(want) {
			t.Fatalf("step %d ends at +%v, want +%v: lateness is added up", i, due.Sub(start), want.Sub(start))
		}
		now = due.Add(late) // every wake-up 0.9 ms late
	}
	// A stall longer than a whole step starts a new schedule instead of
	// crowding the steps that follow into no time.
	stalled := due.Add(10 * d)
	if got := nextDue(due, stalled, d); !got.Equal(stalled.Add(d)) {
		t.Errorf("after a stall the step ends at %v after it, want %v", got.Sub(stalled), d)
	}
	if got := nextDue(time.Time{}, start, d); !got.Equal(start.Add(d)) {
		t.Errorf("the first step ends %v after it starts, want %v", got.Sub(start), d)
	}
}
