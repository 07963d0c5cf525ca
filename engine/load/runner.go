package load

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// runner holds the bookkeeping shared by the closed and the open loop. The
// counters are atomics because jobs run on many goroutines; start is written
// once by the goroutine that opens the measured window, before any measured
// job starts, and read after every job has returned.
type runner struct {
	spec       Spec
	job        Job
	cancelJobs context.CancelFunc

	wg         sync.WaitGroup
	start      time.Time
	sent       atomic.Int64
	warmupSent atomic.Int64
	inFlight   atomic.Int64 // warmup included, for Ticket.InFlight
	measured   atomic.Int64 // measured requests in flight
	maxMeas    atomic.Int64
	// busy is the sum of the measured jobs' durations in nanoseconds. Every
	// measured job runs inside the window, so busy / window is exactly the
	// time-weighted mean of measured requests in flight, without a shared
	// clock or lock on the hot path.
	busy        atomic.Int64
	deadlineHit atomic.Bool
	stopHit     atomic.Bool
}

func newRunner(spec Spec, job Job, cancelJobs context.CancelFunc) *runner {
	return &runner{spec: spec, job: job, cancelJobs: cancelJobs}
}

// do runs one job with the in-flight accounting around it.
func (r *runner) do(ctx context.Context, t Ticket) {
	t.InFlight = int(r.inFlight.Add(1))
	defer r.inFlight.Add(-1)
	if t.Warmup {
		r.warmupSent.Add(1)
		r.job(ctx, t)
		return
	}
	r.sent.Add(1)
	r.noteMax(r.measured.Add(1))
	begin := time.Now()
	r.job(ctx, t)
	r.busy.Add(int64(time.Since(begin)))
	r.measured.Add(-1)
}

// noteMax raises maxMeas to n unless another goroutine already raised it further.
func (r *runner) noteMax(n int64) {
	for {
		old := r.maxMeas.Load()
		if n <= old || r.maxMeas.CompareAndSwap(old, n) {
			return
		}
	}
}

// stopped reports whether Spec.Stop is closed, for a measured request
// about to start (warmup is not the caller's to stop), and remembers it.
func (r *runner) stopped(warmup bool) bool {
	if warmup {
		return false
	}
	select {
	case <-r.spec.Stop:
		r.stopHit.Store(true)
		return true
	default:
		return false
	}
}

// openWindow starts the measured window and arms the two deadlines of a
// duration-bound stage: at Duration stop starting work (onDeadline), at
// Duration+Grace cancel the jobs still in flight. The returned func disarms
// both.
func (r *runner) openWindow(onDeadline func()) (disarm func()) {
	r.start = time.Now()
	if r.spec.Duration <= 0 {
		return func() {}
	}
	stop := time.AfterFunc(r.spec.Duration, func() {
		r.deadlineHit.Store(true)
		onDeadline()
	})
	cut := time.AfterFunc(r.spec.Duration+max(r.spec.Grace, 0), r.cancelJobs)
	return func() {
		stop.Stop()
		cut.Stop()
	}
}

// finish turns the counters into Stats once every job has returned.
func (r *runner) finish(ctx context.Context) Stats {
	end := time.Now()
	st := Stats{
		Start:       r.start,
		End:         end,
		Sent:        int(r.sent.Load()),
		WarmupSent:  int(r.warmupSent.Load()),
		MaxInFlight: int(r.maxMeas.Load()),
	}
	if st.Start.IsZero() {
		st.Start = end
	}
	if w := st.End.Sub(st.Start); w > 0 {
		st.AchievedConcurrency = float64(r.busy.Load()) / float64(w)
	}
	switch {
	case ctx.Err() != nil:
		st.StopReason, st.Interrupted = StopCanceled, true
	case r.deadlineHit.Load():
		st.StopReason = StopDuration
	case r.stopHit.Load():
		st.StopReason = StopStopped
	}
	return st
}
