package load

import "time"

// Schedule is a Pacer of fixed send times: a replayed trace's, each
// request's offset from the stage start given in advance (warmup requests
// first). The open loop keeps the clock as for any pacer, so a replay's
// send lag is measured exactly as a rate's. Offsets must not decrease;
// an index past the end is due with the last.
type Schedule []time.Duration

var _ Pacer = Schedule(nil)

// Offset is request i's send time from the stage start.
func (s Schedule) Offset(i int) time.Duration {
	switch {
	case len(s) == 0:
		return 0
	case i >= len(s):
		return s[len(s)-1]
	}
	return s[i]
}

// scheduleSpin is how long before each slot of a Schedule the open loop
// stops sleeping on its Go timer and finishes the wait precisely (finish):
// Go's timers can fire up to about a millisecond late on Linux (the
// netpoller waits in whole milliseconds), which alone would use half of a
// replay's 2 ms budget for send lag. Rate pacers sleep on the timer alone:
// their arrivals are random anyway, and the precise wait costs CPU time
// (BenchmarkScheduleLag; docs/performance.md, "Replay schedule").
const scheduleSpin = time.Millisecond

// spinBefore is how long before each of p's slots the open loop finishes
// its wait precisely.
func spinBefore(p Pacer) time.Duration {
	if _, ok := p.(Schedule); ok {
		return scheduleSpin
	}
	return 0
}
