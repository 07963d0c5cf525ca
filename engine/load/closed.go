package load

import (
	"context"
	"sync/atomic"
	"time"
)

// closedLoop runs the warmup, then the measured requests, each with a fixed
// pool of workers that take indices from a shared counter and run their
// job back to back, so exactly min(Concurrency, remaining) are in flight.
func (r *runner) closedLoop(ctx, jobCtx context.Context) {
	workers := max(r.spec.Concurrency, 1)
	var halt atomic.Bool // set at the deadline
	if r.spec.Warmup > 0 {
		r.workers(jobCtx, min(workers, r.spec.Warmup), r.spec.Warmup, true, &halt)
		r.wg.Wait() // warmup requests complete before the measured window opens
		if ctx.Err() != nil {
			return
		}
	}
	n := workers
	if r.spec.Requests > 0 {
		n = min(n, r.spec.Requests)
	}
	disarm := r.openWindow(func() { halt.Store(true) })
	defer disarm()
	r.workers(jobCtx, n, r.spec.Requests, false, &halt)
	r.wg.Wait()
}

// workers starts n workers sharing one index counter; limit 0 means no limit.
// A worker stops when the counter passes limit, halt is set (deadline) or
// ctx is cancelled; it never abandons a job it started. ctx.Err is an atomic
// load, and checking it here rather than through context.AfterFunc means no
// job starts after cancellation has been observed.
func (r *runner) workers(ctx context.Context, n, limit int, warmup bool, halt *atomic.Bool) {
	var next atomic.Int64
	for range n {
		r.wg.Go(func() {
			for !halt.Load() && ctx.Err() == nil && !r.stopped(warmup) {
				i := int(next.Add(1) - 1)
				if limit > 0 && i >= limit {
					return
				}
				r.do(ctx, Ticket{Index: i, Warmup: warmup, Scheduled: time.Now()})
			}
		})
	}
}
