package load

import (
	"context"
	"math"
	"time"
)

// openLoop dispatches request i at the stage start + Pacer.Offset(i) on its
// own goroutine. The dispatcher sleeps on a timer until each slot; when it is
// behind (a slow Offset, a full cap, a busy machine) it sends at once and the
// job sees the lag as time.Now() − Ticket.Scheduled. Time spent waiting for a
// free slot under the Concurrency cap is lag too, since Scheduled is fixed.
func (r *runner) openLoop(ctx, jobCtx context.Context) {
	var sem chan struct{}
	if r.spec.Concurrency > 0 {
		sem = make(chan struct{}, r.spec.Concurrency)
	}
	spin := spinBefore(r.spec.Pacer)
	stageStart := time.Now()
	timer := time.NewTimer(time.Duration(math.MaxInt64))
	defer timer.Stop()
	// deadline stays nil (never ready) until the measured window opens.
	var deadline chan struct{}
	stop := func() {}
	// The deadlines stay armed until every job has returned: the second one
	// is what cuts stragglers off.
	defer func() {
		r.wg.Wait()
		stop()
	}()

	total := r.spec.Warmup + r.spec.Requests
	for i := 0; r.spec.Requests == 0 || i < total; i++ {
		warm := i < r.spec.Warmup
		t := Ticket{Index: i, Warmup: warm, Scheduled: stageStart.Add(r.spec.Pacer.Offset(i))}
		if !warm {
			t.Index = i - r.spec.Warmup
		}
		stopCh := r.spec.Stop
		if warm {
			stopCh = nil // warmup is not the caller's to stop
		}
		if r.stopped(warm) || !wait(ctx, timer, t.Scheduled, spin, deadline, stopCh) ||
			!acquire(ctx, sem, deadline, stopCh) {
			r.stopped(warm) // a stop that ended the wait
			return
		}
		if !warm && deadline == nil {
			dl := make(chan struct{})
			deadline = dl
			stop = r.openWindow(func() { close(dl) })
		}
		r.wg.Go(func() {
			if sem != nil {
				defer func() { <-sem }()
			}
			r.do(jobCtx, t)
		})
	}
}

// wait sleeps on timer until at, all but the last spin of it, which
// finishWait waits precisely (see Schedule); it returns false when ctx is
// cancelled, the deadline passes or stop closes first (a deadline that
// already passed wins over a slot that is already due).
func wait(ctx context.Context, timer *time.Timer, at time.Time, spin time.Duration, deadline, stop <-chan struct{}) bool {
	if ended(ctx, deadline, stop) {
		return false
	}
	if d := time.Until(at) - spin; d > 0 {
		timer.Reset(d)
		select {
		case <-timer.C:
		case <-deadline:
			timer.Stop()
			return false
		case <-stop:
			timer.Stop()
			return false
		case <-ctx.Done():
			timer.Stop()
			return false
		}
	}
	return finishWait(ctx, at, deadline, stop)
}

// ended reports whether ctx is cancelled, the deadline has passed or stop
// is closed.
func ended(ctx context.Context, deadline, stop <-chan struct{}) bool {
	select {
	case <-deadline:
		return true
	case <-stop:
		return true
	case <-ctx.Done():
		return true
	default:
		return false
	}
}

// acquire takes a slot of the cap; a nil sem means no cap.
func acquire(ctx context.Context, sem chan struct{}, deadline, stop <-chan struct{}) bool {
	if sem == nil {
		return true
	}
	select {
	case sem <- struct{}{}:
		return true
	case <-deadline:
	case <-stop:
	case <-ctx.Done():
	}
	return false
}
