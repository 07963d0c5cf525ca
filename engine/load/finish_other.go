//go:build !linux

package load

import (
	"context"
	"runtime"
	"time"
)

// finish spins until at, yielding the processor on every turn: without
// nanosleep(2) in package syscall, Go's timers are the only sleep, and they
// wake up to a millisecond late.
func finish(ctx context.Context, at time.Time, deadline <-chan struct{}) bool {
	for time.Now().Before(at) {
		if stopped(ctx, deadline) {
			return false
		}
		runtime.Gosched()
	}
	return true
}
