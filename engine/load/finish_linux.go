package load

import (
	"context"
	"runtime"
	"syscall"
	"time"
)

// finishSpin is how long finishWait spins at the end, after its nanosleep.
const finishSpin = 200 * time.Microsecond

// finishWait waits the last moments before at: in nanosleep(2) until
// finishSpin before it (the kernel's high-resolution timers end within
// tens of microseconds, where Go's timers wake up to a millisecond late;
// the thread burns no CPU), then spinning, yielding the processor on every
// turn, since a thread coming back from a syscall can take a while to run
// Go code again. It yields once before sleeping: the thread keeps its
// processor in the syscall, and the job the dispatcher just started waits
// on that processor's queue. Cancellation is seen at least every
// scheduleSpin.
func finishWait(ctx context.Context, at time.Time, deadline, stop <-chan struct{}) bool {
	yielded := false
	for {
		if ended(ctx, deadline, stop) {
			return false
		}
		d := time.Until(at)
		switch {
		case d <= 0:
			return true
		case d > finishSpin && !yielded:
			runtime.Gosched()
			yielded = true
		case d > finishSpin:
			ts := syscall.NsecToTimespec(int64(min(d-finishSpin, scheduleSpin)))
			_ = syscall.Nanosleep(&ts, nil) // EINTR: the loop sleeps the rest
		default:
			runtime.Gosched()
		}
	}
}
