//go:build !linux

package load

import (
	"context"
	"runtime"
	"time"
)

// finishWait spins until at, yielding the processor on every turn: without
// nanosleep(2) in package syscall, Go's timers are the only sleep, and they
// wake up to a millisecond late.
func finishWait(ctx context.Context, at time.Time, deadline, stop <-chan struct{}) bool {
	for time.Now().Before(at) {
		if ended(ctx, deadline, stop) {
			return false
		}
		runtime.Gosched()
	}
	return true
}
