package engine

import (
	"fmt"
	"runtime"
	"syscall"
	"time"

	"github.com/servebench/servebench/schema"
)

// Client self-check limits. A client that lags its own schedule or burns
// every core is measuring itself, and the stage result must say so.
const (
	maxSendLagP99MS   = 10.0 // open loop: p99 of scheduled-to-actual send delay
	minConcurrencyPct = 0.75 // closed loop: achieved / target concurrency (the tail of a stage drains below target)
	maxCPUShare       = 0.90 // client CPU seconds / (wall seconds * cores)
)

// bottleneck explains when the client, not the server, limited a stage.
func bottleneck(st *schema.StageResult, window time.Duration) string {
	c := st.Client
	if window <= 0 {
		return ""
	}
	if share := c.CPUSeconds / (window.Seconds() * float64(runtime.NumCPU())); share > maxCPUShare {
		return fmt.Sprintf("client CPU was %.0f%% of all cores: numbers include client overhead", share*100)
	}
	if st.Rate > 0 {
		if p99, ok := c.SendLag.P(99); ok && p99 > maxSendLagP99MS {
			return fmt.Sprintf("requests left %.1f ms late (p99) against their schedule: the client could not keep the rate", p99)
		}
		return ""
	}
	want := float64(min(c.TargetConcurrency, st.Metrics.Sent))
	if want > 0 && c.AchievedConcurrency < want*minConcurrencyPct && st.Metrics.Sent >= 4*c.TargetConcurrency {
		return fmt.Sprintf("achieved concurrency %.1f of %d: the client could not keep requests in flight",
			c.AchievedConcurrency, c.TargetConcurrency)
	}
	return ""
}

// cpuTime is the user+system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
